"""Editors' PDFs (recaps/admin/pdf.py, recaps/admin/themes.py): a draft's latest
revision from the edition's actions, a theme digest from the themes admin."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from pypdf import PdfReader

from recaps.models import RecapPage, Theme
from tests.admin.conftest import edit_url
from tests.factories import section

pytestmark = pytest.mark.django_db


def pdf_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def pdf_url(page):
    return reverse("recaps_edition_pdf", args=(page.pk,))


@pytest.fixture
def edition_with_draft(make_edition):
    """A published edition with a newer, unpublished revision."""
    page = make_edition(
        edition_number=4,
        title="Quatrième",
        tags=["numérique"],
        body=[section("observations", "Constats publiés", ["Point publié"])],
    )
    page = RecapPage.objects.get(pk=page.pk)
    page.title = "Quatrième (brouillon)"
    page.body = [section("nuggets", "Pépites du brouillon", ["Point du brouillon"])]
    page.save_revision()
    return page


def test_editor_downloads_the_latest_revision(admin_client, edition_with_draft):
    text = pdf_text(admin_client.get(pdf_url(edition_with_draft)))
    assert "Quatrième (brouillon)" in text
    assert "Pépites du brouillon" in text and "Point du brouillon" in text
    assert "Constats publiés" not in text
    assert "Comment participer ?" in text or "Fédération" in text


def test_edit_view_and_listing_offer_the_pdf(admin_client, edition_with_draft, series):
    html = admin_client.get(edit_url(edition_with_draft)).content.decode()
    assert f'href="{pdf_url(edition_with_draft)}"' in html
    assert "Télécharger le PDF de la dernière version enregistrée" in html
    assert "PDF de la dernière version<" in " ".join(html.split()).replace(" <", "<")
    listing = admin_client.get(reverse("wagtailadmin_explore", args=(series.pk,)))
    assert f'href="{pdf_url(edition_with_draft)}"' in listing.content.decode()
    series_edit = admin_client.get(edit_url(series)).content.decode()
    assert "/pdf/" not in series_edit


def test_only_users_who_may_edit_get_the_draft(
    client, django_user_model, edition_with_draft
):
    url = pdf_url(edition_with_draft)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    reader = django_user_model.objects.create_user("lecteur", password="x")  # noqa: S106
    reader.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(reader)
    # Wagtail answers a refused admin view by going back to the dashboard.
    refused = client.get(url)
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    reader.groups.add(Group.objects.get(name="Editors"))
    assert client.get(url)["Content-Type"] == "application/pdf"


def test_pdf_of_another_kind_of_page_is_404(admin_client, series):
    assert admin_client.get(pdf_url(series)).status_code == 404


def test_themes_admin_gives_the_digest_of_published_editions(
    admin_client, edition_with_draft, make_edition
):
    make_edition(edition_number=5, tags=["autre"])
    theme = Theme.objects.get(slug="numerique")
    listing = admin_client.get(reverse("recaps_theme_modeladmin_index"))
    url = reverse("recaps_theme_modeladmin_pdf", args=(theme.pk,))
    assert f'href="{url}"' in listing.content.decode()
    text = pdf_text(admin_client.get(url))
    assert "Thème : numérique" in text
    assert "Constats publiés" in text and "Point publié" in text
    assert "brouillon" not in text
    bad = admin_client.get(url + "?date_after=2020-02-30")
    assert bad.status_code == 400


def test_theme_without_published_edition_has_no_digest(admin_client, make_edition):
    make_edition(edition_number=6, tags=["inédit"], publish=False)
    theme = Theme.objects.get(slug="inedit")
    response = admin_client.get(
        reverse("recaps_theme_modeladmin_pdf", args=(theme.pk,)), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("recaps_theme_modeladmin_index")
    assert "Aucune édition publiée ne porte le thème « inédit »" in (
        response.content.decode()
    )
