"""SQLite's FTS5 indexes of the public index, kept whole after every ``migrate``.

Migrations 0032 (the public editions' words, ``recaps.search.FULLTEXT_TABLE``)
and 0033 (the sections' words, ``recaps.search.WORDS_TABLES``) create them with
the triggers that keep them in step with their tables. SQLite alters a table by
copying it into a new one (Django's schema editor does so for most field
changes), which drops the table's triggers: a later migration of
``RecapEntry``, ``RecapSection`` or Wagtail's ``IndexEntry`` would leave an
index silently out of step. :func:`repair_fulltext_indexes` (after every
``migrate``) creates whatever is missing and refills the indexes it repaired.

The statements are those of the migrations (frozen copies there: change both).
"""

# ruff: noqa: S608 -- statements built from this module's constant names only

import logging

from .search import FULLTEXT_TABLE, WORDS_TABLES

logger = logging.getLogger(__name__)

ENTRIES = "recaps_recapentry"
SECTIONS = "recaps_recapsection"
SECTION_WORDS = WORDS_TABLES[SECTIONS]
WAGTAIL = "wagtailsearch_indexentry"
#: The content type under which Wagtail indexes editions.
EDITION_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'recaps' AND model = 'recappage')"
)
_COPY_WORDS = (
    f"INSERT INTO {FULLTEXT_TABLE} (rowid, title, body) SELECT {{edition}}, "
    f"i.title, i.body FROM {WAGTAIL} AS i WHERE i.content_type_id = {EDITION_TYPE} "
    "AND i.object_id = CAST({edition} AS TEXT);"
)
_KEEP_WORDS = (
    f"INSERT INTO {FULLTEXT_TABLE} (rowid, title, body) SELECT e.edition_id, "
    f"NEW.title, NEW.body FROM {ENTRIES} AS e "
    "WHERE e.edition_id = CAST(NEW.object_id AS INTEGER);"
)

TABLES = {
    FULLTEXT_TABLE: f"CREATE VIRTUAL TABLE IF NOT EXISTS {FULLTEXT_TABLE} "
    "USING fts5(title, body)",
    SECTION_WORDS: f"CREATE VIRTUAL TABLE IF NOT EXISTS {SECTION_WORDS} USING "
    f"fts5(search_text, content='{SECTIONS}', content_rowid='id', "
    "tokenize=\"unicode61 tokenchars '_'\")",
}
#: ``{trigger name: (index, its statement)}``.
TRIGGERS = {
    f"{FULLTEXT_TABLE}_entry_insert": (
        FULLTEXT_TABLE,
        f"AFTER INSERT ON {ENTRIES} BEGIN "
        f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid = NEW.edition_id; "
        f"{_COPY_WORDS.format(edition='NEW.edition_id')} END",
    ),
    f"{FULLTEXT_TABLE}_entry_delete": (
        FULLTEXT_TABLE,
        f"AFTER DELETE ON {ENTRIES} BEGIN "
        f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid = OLD.edition_id; END",
    ),
    f"{FULLTEXT_TABLE}_entry_update": (
        FULLTEXT_TABLE,
        f"AFTER UPDATE OF edition_id ON {ENTRIES} BEGIN "
        f"DELETE FROM {FULLTEXT_TABLE} WHERE rowid = OLD.edition_id; "
        f"{_COPY_WORDS.format(edition='NEW.edition_id')} END",
    ),
    f"{FULLTEXT_TABLE}_words_insert": (
        FULLTEXT_TABLE,
        f"AFTER INSERT ON {WAGTAIL} WHEN NEW.content_type_id = {EDITION_TYPE} "
        f"BEGIN DELETE FROM {FULLTEXT_TABLE} "
        f"WHERE rowid = CAST(NEW.object_id AS INTEGER); {_KEEP_WORDS} END",
    ),
    f"{FULLTEXT_TABLE}_words_update": (
        FULLTEXT_TABLE,
        f"AFTER UPDATE OF title, body, object_id, content_type_id ON {WAGTAIL} "
        f"BEGIN DELETE FROM {FULLTEXT_TABLE} WHERE OLD.content_type_id = "
        f"{EDITION_TYPE} AND rowid = CAST(OLD.object_id AS INTEGER); "
        f"{_KEEP_WORDS[:-1]} AND NEW.content_type_id = {EDITION_TYPE}; END",
    ),
    f"{FULLTEXT_TABLE}_words_delete": (
        FULLTEXT_TABLE,
        f"AFTER DELETE ON {WAGTAIL} WHEN OLD.content_type_id = {EDITION_TYPE} "
        f"BEGIN DELETE FROM {FULLTEXT_TABLE} "
        "WHERE rowid = CAST(OLD.object_id AS INTEGER); END",
    ),
    f"{SECTION_WORDS}_insert": (
        SECTION_WORDS,
        f"AFTER INSERT ON {SECTIONS} BEGIN INSERT INTO {SECTION_WORDS} "
        "(rowid, search_text) VALUES (NEW.id, NEW.search_text); END",
    ),
    f"{SECTION_WORDS}_delete": (
        SECTION_WORDS,
        f"AFTER DELETE ON {SECTIONS} BEGIN INSERT INTO {SECTION_WORDS} "
        f"({SECTION_WORDS}, rowid, search_text) "
        "VALUES ('delete', OLD.id, OLD.search_text); END",
    ),
    f"{SECTION_WORDS}_update": (
        SECTION_WORDS,
        f"AFTER UPDATE OF id, search_text ON {SECTIONS} BEGIN "
        f"INSERT INTO {SECTION_WORDS} ({SECTION_WORDS}, rowid, search_text) "
        "VALUES ('delete', OLD.id, OLD.search_text); "
        f"INSERT INTO {SECTION_WORDS} (rowid, search_text) "
        "VALUES (NEW.id, NEW.search_text); END",
    ),
}
#: How each index is filled from its tables.
REFILLS = {
    FULLTEXT_TABLE: [
        f"DELETE FROM {FULLTEXT_TABLE}",
        f"INSERT INTO {FULLTEXT_TABLE} (rowid, title, body) SELECT e.edition_id, "
        f"i.title, i.body FROM {ENTRIES} AS e JOIN {WAGTAIL} AS i "
        f"ON i.content_type_id = {EDITION_TYPE} "
        "AND i.object_id = CAST(e.edition_id AS TEXT)",
    ],
    SECTION_WORDS: [
        f"INSERT INTO {SECTION_WORDS} ({SECTION_WORDS}) VALUES ('rebuild')"
    ],
}


def repair_fulltext_indexes(connection):
    """On SQLite, create the indexes and triggers that are missing (after a
    migration remade a table, or before migrations 0032 and 0033 ran: then
    nothing) and refill each index whose triggers were missing; the names of
    the repaired indexes. Other databases: ``[]``."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
        existing = {name for (name,) in cursor.fetchall()}
        if not set(TABLES) & existing:
            return []  # not migrated yet
        repaired = []
        for table, statement in TABLES.items():
            if table not in existing:
                cursor.execute(statement)
                repaired.append(table)
        for name, (table, statement) in TRIGGERS.items():
            if name not in existing:
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {statement}")
                if table not in repaired:
                    repaired.append(table)
        for table in repaired:
            logger.warning("Full-text index %s repaired and refilled.", table)
            for statement in REFILLS[table]:
                cursor.execute(statement)
    return repaired
