"""The public index's querysets (recaps.models.sections)."""

import pytest
from django.db import connection

from recaps.models import RecapEntry, RecapPage, RecapSection
from recaps.search import (
    FULLTEXT_TABLE,
    filter_by_search,
    filter_by_words,
    fulltext_condition,
    fulltext_match,
)

pytestmark = pytest.mark.django_db


def test_count_matching_counts_the_public_editions_a_search_finds(garden_editions):
    published = RecapPage.objects.published()
    expected = filter_by_search(published, "jardin").count()
    assert expected == 3
    assert RecapEntry.objects.count_matching("jardin") == expected
    # The expired and scheduled editions are in the index, not counted.
    condition, params = fulltext_condition(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {FULLTEXT_TABLE} WHERE {condition}",  # noqa: S608
            [*params, fulltext_match("jardin", connection)],
        )
        assert cursor.fetchone()[0] == expected + 2
    assert RecapEntry.objects.count_matching("introuvable") == 0
    assert RecapEntry.objects.count_matching("« ! »") == 0


def test_count_matching_counts_the_current_sections_a_search_finds(garden_editions):
    current = RecapSection.objects.current()
    expected = filter_by_words(current, "jardin").count()
    assert expected == 3
    assert RecapSection.objects.count_matching("jardin") == expected
    assert RecapSection.objects.count_matching("½") in (0, None)


def test_hidden_pages_are_read_through_their_partial_index(garden_editions):
    """The pages outside the public set are read through the partial index of
    migration 0021, not by reading every page: SQLite uses a partial index
    only when the query states the index's condition (PostgreSQL proves it
    from the schedule's comparisons)."""
    from recaps.models.sections import hidden_pages

    if connection.vendor == "sqlite":
        sql, params = hidden_pages().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[-1] for row in cursor.fetchall())
        assert plan == "SCAN wagtailcore_page USING INDEX recaps_page_hidden"
    hidden = RecapPage.objects.filter(pk__in=hidden_pages())
    # The draft, the expired and the scheduled edition (a restriction is the
    # index's business: a restricted edition has no entry).
    assert sorted(hidden.values_list("edition_number", flat=True)) == [5, 7, 8]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0037_gives_every_section_its_vector(make_edition):
    """PostgreSQL: dropped and created again (as a database migrated before
    it; outside the test's transaction, whose pending checks a new trigger
    refuses), the sections' vectors are their folded words as ``simple``
    lexemes, and none for a text with ``_``; written with every new section.
    SQLite: no-op."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    from tests.factories import section

    migration = import_module("recaps.migrations.0037_section_words_postgresql")
    make_edition(
        edition_number=1,
        body=[section("highlights", "Partages", ["Le café_connecté", "Jardin 2024"])],
    )
    editor = SimpleNamespace(
        connection=connection,
        execute=lambda sql, params=(): connection.cursor().execute(sql, params),
    )
    migration.drop(apps, editor)
    migration.create(apps, editor)
    make_edition(
        edition_number=2, body=[section("highlights", "Idées", ["Ludothèque"])]
    )
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.search_text, f.words::text, "
            "strip(to_tsvector('simple', s.search_text))::text "
            "FROM recaps_recapsection s "
            "LEFT JOIN recaps_recapsection_fts f ON f.id = s.id"
        )
        rows = cursor.fetchall()
    assert len(rows) == 2
    for text, words, expected in rows:
        assert words == (None if "_" in text else expected), text
    assert any("'ludotheque'" in (words or "") for _, words, _ in rows)
