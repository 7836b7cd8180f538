"""A sister site mirrors the editions, then re-syncs incrementally, as the
README ("Mirroring") tells it to, with ``scripts/measure_sync.py``'s ``Mirror``:
lists and sections for the full copy, the change feed and one detail per
changed edition afterwards, conditional requests to revalidate (304s do not
count against the rate)."""

import datetime
import math

import pytest
from django.core.cache import cache

from recaps.models import RecapPage
from scripts.measure_sync import PAGE, Mirror, without_neighbours
from tests.api.helpers import API, rich_body

pytestmark = pytest.mark.django_db


def truth(client, settings):
    """Every published edition as its detail shows it (outside the rate)."""
    rate, settings.RECAPS_API_THROTTLE_RATE = settings.RECAPS_API_THROTTLE_RATE, None
    pks = RecapPage.objects.published().values_list("pk", flat=True)
    found = {
        pk: without_neighbours(client.get(API + f"recaps/{pk}/").json()) for pk in pks
    }
    settings.RECAPS_API_THROTTLE_RATE = rate
    return found


def test_full_mirror_then_incremental_resync(client, settings, make_edition):
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    editions = [
        make_edition(
            edition_number=number,
            title=f"Édition {number}",
            date=datetime.date(2020, 1, 3) + datetime.timedelta(weeks=number),
            tags=["numérique"],
            body=rich_body(number),
        )
        for number in range(1, 131)
    ]
    sections = 4 * len(editions)
    full_requests = 1 + math.ceil(len(editions) / PAGE) + math.ceil(sections / PAGE)
    # The default rate, as the README's schedule assumes it.
    settings.RECAPS_API_THROTTLE_RATE = "120/minute"
    cache.clear()

    mirror = Mirror(client.get)
    mirror.full()
    assert mirror.requests == full_requests  # 1 + 2 + 6, far below 120
    expected = truth(client, settings)
    assert mirror.editions == expected

    # Revalidation of what the mirror already has: 304, not counted.
    first = client.get(API + f"recaps/?page_size={PAGE}")
    for _ in range(200):
        again = client.get(
            API + f"recaps/?page_size={PAGE}", HTTP_IF_NONE_MATCH=first["ETag"]
        )
        assert again.status_code == 304

    # Changes on the site: an update, an unpublication, a deletion, a new one.
    changed = RecapPage.objects.get(pk=editions[0].pk)
    changed.intro = "<p>Nouvelle introduction.</p>"
    changed.save_revision().publish()
    editions[1].unpublish()
    editions[2].delete()
    make_edition(edition_number=200, title="Nouvelle", date=datetime.date(2023, 1, 6))
    before = mirror.requests
    assert mirror.sync() == 4
    # One page of changes, one detail per new or changed edition.
    assert mirror.requests - before == 1 + 2
    assert mirror.editions == truth(client, settings)

    # Nothing new: one request.
    before = mirror.requests
    assert mirror.sync() == 0
    assert mirror.requests - before == 1
