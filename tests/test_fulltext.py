"""recaps.fulltext: SQLite's FTS5 indexes repaired after a table is remade."""

import pytest
from django.db import connection

from recaps.fulltext import TRIGGERS, repair_fulltext_indexes
from recaps.models import RecapSection
from recaps.search import FULLTEXT_TABLE, WORDS_TABLES, filter_by_search
from recaps.signal_handlers import repair_fulltext
from tests.factories import section

pytestmark = pytest.mark.django_db


def _rows(cursor, table):
    cursor.execute(f"SELECT rowid FROM {table}")  # noqa: S608
    return {pk for (pk,) in cursor.fetchall()}


def test_lost_triggers_are_created_again_and_the_indexes_refilled(make_edition):
    """SQLite's ALTER TABLE copies a table and drops its triggers: after any
    ``migrate``, the missing ones are back and the indexes rebuilt."""
    if connection.vendor != "sqlite":
        assert repair_fulltext_indexes(connection) == []
        return
    garden = [section("highlights", "Partages", ["Le jardin partagé"])]
    first = make_edition(edition_number=1, body=garden)
    second = make_edition(edition_number=2, body=garden)
    assert repair_fulltext_indexes(connection) == []  # nothing missing
    sections = WORDS_TABLES[RecapSection._meta.db_table]
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    second.unpublish()  # unseen by the indexes, without their triggers
    with connection.cursor() as cursor:
        assert _rows(cursor, FULLTEXT_TABLE) == {first.pk, second.pk}
    repair_fulltext(sender=None, using=connection.alias)
    with connection.cursor() as cursor:
        assert _rows(cursor, FULLTEXT_TABLE) == {first.pk}
        cursor.execute(
            f"INSERT INTO {sections} ({sections}, rank) VALUES ('integrity-check', 1)"
        )  # noqa: S608
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert set(TRIGGERS) <= {name for (name,) in cursor.fetchall()}
    make_edition(edition_number=3, body=garden)
    with connection.cursor() as cursor:
        assert len(_rows(cursor, FULLTEXT_TABLE)) == 2
    assert filter_by_search(type(first).objects.published(), "jardin").count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_words_tables_are_emptied_with_their_sources(make_edition):
    """PostgreSQL: TRUNCATE fires no row trigger (a restore, the test runner's
    flush): the words tables are emptied with the tables they copy, so that no
    stale row is counted, nor collides with a section id given again."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's tables of words")
    garden = [section("highlights", "Partages", ["Le jardin partagé"])]
    make_edition(edition_number=1, body=garden)

    def rows(table):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            return cursor.fetchone()[0]

    sections = "recaps_recapsection_fts"
    assert rows(FULLTEXT_TABLE) == 1 and rows(sections) == 1
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE wagtailsearch_indexentry")
        assert rows(FULLTEXT_TABLE) == 0
        cursor.execute("TRUNCATE recaps_recapsection")
        assert rows(sections) == 0
    make_edition(edition_number=2, body=garden)
    assert rows(sections) == 1
