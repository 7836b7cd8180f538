"""Whether tables a bulk write wrote were made ready to be read
(:func:`recaps.db.make_ready`), for the tests of each bulk writer.

Take a :class:`Upkeep` before the write, call :meth:`Upkeep.assert_ready`
after it. On PostgreSQL, every table was vacuumed and analysed since (its
``vacuum_count`` and ``analyze_count`` moved: only a manual ``VACUUM`` moves the
first) and no GIN index of theirs has a pending entry left
(``gin_clean_pending_list()`` finds nothing to move). On SQLite, whose
statistics are emptied first, ``sqlite_stat1`` has rows for every table.
"""

from django.db import connection

#: The tables every bulk writer of editions writes, and where the search looks.
EDITION_TABLES = [
    "wagtailcore_page",
    "recaps_recappage",
    "wagtailcore_revision",
    "recaps_recapsection",
    "recaps_recapentry",
    "wagtailsearch_indexentry",
]


def _sqlite_statistics():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        )
        if not cursor.fetchone():
            return None
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def upkeep_counts():
    """PostgreSQL: ``{table: (vacuum_count, analyze_count)}``."""
    with connection.cursor() as cursor:
        # Statistics read in this transaction are cached: read them afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, vacuum_count, analyze_count FROM pg_stat_user_tables"
        )
        return {name: (vacuums, analyses) for name, vacuums, analyses in cursor}


def pending_gin_pages(tables):
    """PostgreSQL: ``{index: pages}`` pending in each GIN index of ``tables``;
    moves them (the count is what ``gin_clean_pending_list()`` moved)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, gin_clean_pending_list(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam "
            "WHERE am.amname = 'gin' AND i.indrelid = ANY(%s::regclass[])",
            [list(tables)],
        )
        return dict(cursor.fetchall())


class Upkeep:
    """The state of the database's upkeep before a bulk write."""

    def __init__(self):
        if connection.vendor == "postgresql":
            self.before = upkeep_counts()
        elif _sqlite_statistics() is not None:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM sqlite_stat1")

    def assert_ready(self, tables, gin_tables=()):
        """Every table of ``tables`` vacuumed and analysed (SQLite: analysed)
        since; ``gin_tables``: tables among them whose GIN indexes must be
        found, all with no pending entry (PostgreSQL)."""
        if connection.vendor != "postgresql":
            assert set(tables) <= (_sqlite_statistics() or set())
            return
        after = upkeep_counts()
        for table in tables:
            vacuums, analyses = self.before.get(table, (0, 0))
            assert after[table][0] > vacuums, f"{table} not vacuumed"
            assert after[table][1] > analyses, f"{table} not analysed"
        if gin_tables:
            pending = pending_gin_pages(gin_tables)
            assert pending, f"no GIN index on {gin_tables}"
            assert set(pending.values()) == {0}, pending
