"""Preview renders the public page; copying an edition starts the next one."""

import datetime
import re

import pytest
from django.urls import reverse

from recaps.models import RecapPage
from tests.admin.forms import edition_form_data

pytestmark = pytest.mark.django_db


def article(html):
    """The edition's <article>, whitespace collapsed."""
    match = re.search(r'<article class="recap">.*?</article>', html, re.S)
    assert match, html[:500]
    return " ".join(match.group(0).split())


def test_preview_renders_exactly_the_public_page(
    admin_client, client, add_edition_url, series, make_edition
):
    make_edition(edition_number=1, date=datetime.date(2021, 1, 1))
    data = edition_form_data(
        title="Édition 2",
        slug="edition-2",
        number=2,
        date="2021-01-08",
        tags="numérique, isolement",
        sections=[
            ("highlights", "Ce qui a été partagé", [("Un point", ["Un sous-point"])]),
            ("nuggets", "Les pépites", ["Une pépite"]),
        ],
        **{"action-publish": "1"},
    )
    assert admin_client.post(add_edition_url, data).status_code == 302
    page = RecapPage.objects.get(slug="edition-2")
    live = client.get(page.url).content.decode()

    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,))
    response = admin_client.post(preview_url, data)
    assert response.json()["is_valid"]
    preview = admin_client.get(preview_url).content.decode()

    assert article(preview) == article(live)
    for text in ["Ce qui a été partagé", "Un sous-point", "Les pépites", "isolement"]:
        assert text in article(preview)


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


def test_copy_slug_is_unique_even_when_taken(admin_client, series, make_edition):
    source = make_edition(edition_number=1, title="Première", slug="premiere")
    make_edition(edition_number=1, title="Déjà là", slug="premiere-2", publish=False)
    form = admin_client.get(
        reverse("wagtailadmin_pages:copy", args=(source.pk,))
    ).context["form"]
    assert form["new_slug"].value() == "premiere-2-2"
