"""The “Editions” listing: number, date, themes, status; filters; query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recaps.models import Theme

pytestmark = pytest.mark.django_db

INDEX = "editions:index"


def test_listing_shows_number_date_themes_and_status(admin_client, make_edition):
    make_edition(
        edition_number=12,
        title="Douzième",
        date=datetime.date(2021, 1, 29),
        tags=["numérique", "isolement"],
    )
    make_edition(edition_number=13, title="Brouillon", publish=False)
    response = admin_client.get(reverse(INDEX))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Douzième" in html and "Brouillon" in html
    assert re.search(r">\s*12\s*<", html)
    assert "isolement, numérique" in html
    assert "29 janvier 2021" in html
    assert "Éditions" in html  # menu entry
    assert "brouillon" in html.lower()


def test_listing_filters_by_theme_and_status(admin_client, make_edition):
    make_edition(title="Sur le numérique", tags=["numérique"])
    make_edition(title="Sur l’isolement", tags=["isolement"])
    make_edition(title="Brouillon", publish=False)
    theme = Theme.objects.get(name="numérique")
    titles = lambda response: {p.title for p in response.context["object_list"]}  # noqa: E731
    assert titles(admin_client.get(reverse(INDEX), {"themes": theme.pk})) == {
        "Sur le numérique"
    }
    assert titles(admin_client.get(reverse(INDEX), {"status": "draft"})) == {
        "Brouillon"
    }
    assert titles(admin_client.get(reverse(INDEX), {"status": "live"})) == {
        "Sur le numérique",
        "Sur l’isolement",
    }


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(INDEX))
    assert response.status_code == 200
    return len(queries)


def test_listing_queries_do_not_grow_with_editions(admin_client, make_edition):
    make_edition(tags=["a", "b"])
    count_queries(admin_client)
    few = count_queries(admin_client)
    for index in range(8):
        make_edition(tags=[f"theme {index}", "a"], publish=index % 2 == 0)
    many = count_queries(admin_client)
    assert many == few
