"""Fixtures of the API tests: a clean cache, a generous rate, rich editions."""

import datetime

import pytest
from django.core.cache import cache

from tests.api.helpers import rich_body


@pytest.fixture(autouse=True)
def api_settings(settings):
    """Isolate tests: empty cache (throttle counters) and a rate tests never hit."""
    settings.RECAPS_API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    yield settings
    cache.clear()


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


@pytest.fixture
def first_edition(make_edition):
    """Edition 1 of the listings: themes numérique and isolement, a rich body."""
    return make_edition(
        edition_number=1,
        title="Première",
        date=datetime.date(2020, 11, 13),
        tags=["numérique", "isolement"],
        body=rich_body(),
    )
