"""Preview renders exactly the public page."""

import datetime
import re

import pytest
from django.urls import reverse

from recaps.models import RecapPage
from tests.admin.form_data import edition_form_data

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
