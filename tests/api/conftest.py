"""Fixtures of the API tests: a clean cache, a generous rate, rich editions."""

import datetime

import pytest
from django.core.cache import cache

from tests.factories import section

API = "/api/v1/"


@pytest.fixture(autouse=True)
def api_settings(settings):
    """Isolate tests: empty cache (throttle counters) and a rate tests never hit."""
    settings.RECAPS_API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield settings
    cache.clear()


def rich_body(n=1):
    """A body with several kinds of sections, items, sub-items and links."""
    return [
        section("highlights", "Temps forts", [f"Point {n}", ("Parent", ["A"])]),
        section(
            "nuggets",
            "Les pépites",
            [f"Pépite numérique {n}", "Atelier d’inclusion numérique"],
            intro="<p>À retenir</p>",
        ),
        section(
            "resources",
            "Ressources",
            links=[
                {
                    "title": "Guide",
                    "url": "https://example.org/guide",
                    "description": "Un guide",
                }
            ],
        ),
        section("text", "Mot de la fin", intro="<p>Merci à tous.</p>"),
    ]


@pytest.fixture
def edition(make_edition):
    """One published edition with themes and a rich body."""
    return make_edition(
        edition_number=1,
        title="Première édition",
        date=datetime.date(2020, 11, 13),
        tags=["numérique", "isolement"],
        body=rich_body(),
    )


def get_json(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()
