"""The public index's querysets (recaps.models.sections)."""

import pytest
from django.db import connection

from recaps.models import RecapEntry, RecapPage, RecapSection
from recaps.search import FULLTEXT_TABLE, filter_by_search, filter_by_words

pytestmark = pytest.mark.django_db


def test_count_matching_counts_the_public_editions_a_search_finds(garden_editions):
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


def test_count_matching_counts_the_current_sections_a_search_finds(garden_editions):
    current = RecapSection.objects.current()
    expected = filter_by_words(current, "jardin").count()
    assert expected == 3
    count = RecapSection.objects.count_matching("jardin")
    assert count == (expected if connection.vendor == "sqlite" else None)
    assert RecapSection.objects.count_matching("½") in (0, None)
