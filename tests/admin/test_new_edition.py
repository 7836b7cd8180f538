"""Starting an edition (recaps/admin/new_edition.py): pre-filled create form,
saving through the admin, a copy that becomes the next edition."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from recaps.admin.new_edition import DEFAULT_SECTIONS
from recaps.models import RecapPage, Theme
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db


def test_create_form_is_pre_filled(admin_client, add_edition_url, make_edition):
    make_edition(edition_number=3)
    make_edition(edition_number=7, publish=False)  # drafts count too
    response = admin_client.get(add_edition_url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["edition_number"].value() == 8
    friday = form["date"].value()
    today = timezone.localdate()
    assert friday.weekday() == 4
    assert 0 <= (friday - today).days < 7
    body = form["body"].value()
    assert [block.block_type for block in body] == DEFAULT_SECTIONS
    assert [str(block.value["heading"]) for block in body] == [
        "Ce qui a été partagé",
        "Les constats et remontées d’habitants",
        "Réflexions de fond",
        "Les pépites et pistes d’action partagées",
        "Les ressources partagées",
    ]


def test_first_edition_of_a_series_is_number_one(admin_client, add_edition_url):
    response = admin_client.get(add_edition_url)
    assert response.context["form"]["edition_number"].value() == 1


def test_sections_can_be_removed_and_reordered(admin_client, add_edition_url, series):
    data = edition_form_data(
        title="Édition 1",
        slug="edition-1",
        sections=[
            ("nuggets", "Pépites", ["Une idée"]),
            ("highlights", "Ce qui a été partagé", [("Un point", ["Un détail"])]),
        ],
    )
    response = admin_client.post(add_edition_url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = RecapPage.objects.child_of(series).get(slug="edition-1")
    assert [block.block_type for block in page.body] == ["nuggets", "highlights"]
    child = page.body[1].value["items"][0]["children"][0]["text"]
    assert "Un détail" in child.source
    assert not page.live


def test_tags_typed_in_the_editor_are_normalised(admin_client, add_edition_url):
    Theme.objects.create(name="numérique")
    data = edition_form_data(
        title="Édition 1", slug="edition-1", tags="Numérique, numérique , Aller-vers"
    )
    response = admin_client.post(add_edition_url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = RecapPage.objects.get(slug="edition-1")
    assert sorted(page.tags.values_list("name", flat=True)) == [
        "aller-vers",
        "numérique",
    ]
    assert Theme.objects.count() == 2


def test_copy_starts_the_next_edition(admin_client, series, make_edition):
    source = make_edition(
        edition_number=4,
        title="Petite ébullition 4",
        slug="petite-ebullition-4",
        date=datetime.date(2021, 1, 8),
        tags=["numérique"],
    )
    make_edition(edition_number=5, date=datetime.date(2021, 1, 15))  # Friday taken
    copy_url = reverse("wagtailadmin_pages:copy", args=(source.pk,))
    form = admin_client.get(copy_url).context["form"]
    assert form["new_slug"].value() == "petite-ebullition-6"
    assert form["new_title"].value() == "Petite ébullition 6"

    response = admin_client.post(
        copy_url,
        {
            "new_title": form["new_title"].value(),
            "new_slug": form["new_slug"].value(),
            "new_parent_page": series.pk,
        },
    )
    assert response.status_code == 302
    copy = RecapPage.objects.get(slug="petite-ebullition-6")
    assert copy.edition_number == 6
    assert copy.date == datetime.date(2021, 1, 22)  # next free Friday
    assert not copy.live
    assert [t.name for t in copy.tags.all()] == ["numérique"]
    latest = copy.get_latest_revision_as_object()
    assert (latest.edition_number, latest.date) == (6, datetime.date(2021, 1, 22))
    source.refresh_from_db()
    assert (source.edition_number, source.slug) == (4, "petite-ebullition-4")
