"""The public index's querysets (recaps.models.sections)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.models import RecapEntry, RecapPage
from recaps.search import FULLTEXT_TABLE, filter_by_search
from tests.api.helpers import API, get_json
from tests.factories import section

pytestmark = pytest.mark.django_db


@pytest.fixture
def found_and_hidden(make_edition):
    """Three public editions about the garden and one that is not; hidden
    editions about it too: a draft, one restricted, and two still flagged
    live outside their schedule (in the public index, hidden when read)."""
    now = timezone.now()
    garden = [section("highlights", "Partages", ["Les jardins partagés"])]
    for number in range(1, 4):
        make_edition(edition_number=number, body=garden)
    make_edition(edition_number=4)
    make_edition(edition_number=5, body=garden, publish=False)
    restricted = make_edition(edition_number=6, body=garden)
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.LOGIN
    )
    for number, field, days in ((7, "expire_at", -1), (8, "go_live_at", 3)):
        page = make_edition(edition_number=number, body=garden)
        RecapPage.objects.filter(pk=page.pk).update(
            **{field: now + datetime.timedelta(days=days)}
        )


def test_count_matching_counts_the_public_editions_a_search_finds(found_and_hidden):
    published = RecapPage.objects.published()
    expected = filter_by_search(published, "jardin").count()
    assert expected == 3
    count = RecapEntry.objects.count_matching("jardin")
    if connection.vendor == "sqlite":
        assert count == expected
        # The expired and scheduled editions are in the index, not counted.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {FULLTEXT_TABLE} WHERE {FULLTEXT_TABLE} "  # noqa: S608
                "MATCH 'jardin'"
            )
            assert cursor.fetchone()[0] == expected + 2
        assert RecapEntry.objects.count_matching("introuvable") == 0
        assert RecapEntry.objects.count_matching("« ! »") == 0
    else:
        assert count is None  # no such index: the search's results are counted


def test_search_counts_in_the_api_and_the_reader_search(
    client, found_and_hidden, monkeypatch
):
    data = get_json(client, API + "recaps/?search=jardin")
    assert data["count"] == 3 and len(data["results"]) == 3
    assert get_json(client, API + "recaps/?search=jardin&page_size=1")["count"] == 3
    # Beyond the ranked candidates, every match is counted.
    monkeypatch.setattr("recaps.search.RANK_CANDIDATES", 2)
    monkeypatch.setattr("search.views.RANK_CANDIDATES", 2)
    html = client.get("/search/", {"query": "jardins"}).content.decode()
    assert "3 éditions trouvées" in html
    assert "Les 2 plus récentes sont classées par pertinence" in html


def test_count_matching_counts_the_current_sections_a_search_finds(
    client, found_and_hidden
):
    from recaps.models import RecapSection
    from recaps.search import filter_by_words

    current = RecapSection.objects.current()
    expected = filter_by_words(current, "jardin").count()
    assert expected == 3
    count = RecapSection.objects.count_matching("jardin")
    assert count == (expected if connection.vendor == "sqlite" else None)
    assert RecapSection.objects.count_matching("½") in (0, None)
    data = get_json(client, API + "sections/?search=jardin&page_size=2")
    assert data["count"] == 3 and len(data["results"]) == 2
    assert get_json(client, API + "sections/?search=jard%20PART")["count"] == 3
