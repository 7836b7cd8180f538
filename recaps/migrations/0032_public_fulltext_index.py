"""SQLite only: the full-text index of the public editions
(``recaps_recapentry_fts``, FTS5), which the search reads instead of Wagtail's.

One row per edition of the public index (``RecapEntry``), under the edition's
id, holding the very ``title`` and ``body`` text that Wagtail's database
backend indexes for it (``wagtailsearch_indexentry``, whose words and French
stems ``RecapPage.search_fields`` declare), tokenised as Wagtail's own FTS5
table is (``unicode61``): the same query finds the same editions. Unlike
Wagtail's table, it is keyed by the edition and holds public editions only,
so a search reads neither Wagtail's entries nor the pages to know which
editions match (``recaps.search``).

Triggers keep it in step with both tables, whoever writes them (publication,
unpublication, deletion, view restrictions, bulk writers, ``update_index``):
an edition is in it while it has an entry and Wagtail indexed it, with
Wagtail's latest text. Other databases: no-op.
"""

from django.db import migrations

TABLE = "recaps_recapentry_fts"
ENTRIES = "recaps_recapentry"
WAGTAIL = "wagtailsearch_indexentry"
#: The content type under which Wagtail indexes editions.
EDITION_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'recaps' AND model = 'recappage')"
)
#: Wagtail's entry of the edition ``{edition}`` (an SQL expression).
WAGTAIL_ENTRY = (
    f"FROM {WAGTAIL} AS i WHERE i.content_type_id = {EDITION_TYPE} "
    "AND i.object_id = CAST({edition} AS TEXT)"
)

STATEMENTS = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body)",
    # An edition enters the public index: its words, if Wagtail indexed it.
    f"""CREATE TRIGGER {TABLE}_entry_insert AFTER INSERT ON {ENTRIES} BEGIN
        DELETE FROM {TABLE} WHERE rowid = NEW.edition_id;
        INSERT INTO {TABLE} (rowid, title, body) SELECT NEW.edition_id, i.title,
        i.body {WAGTAIL_ENTRY.format(edition="NEW.edition_id")};
    END""",
    f"""CREATE TRIGGER {TABLE}_entry_delete AFTER DELETE ON {ENTRIES} BEGIN
        DELETE FROM {TABLE} WHERE rowid = OLD.edition_id;
    END""",
    f"""CREATE TRIGGER {TABLE}_entry_update AFTER UPDATE OF edition_id ON {ENTRIES}
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = OLD.edition_id;
        INSERT INTO {TABLE} (rowid, title, body) SELECT NEW.edition_id, i.title,
        i.body {WAGTAIL_ENTRY.format(edition="NEW.edition_id")};
    END""",
    # Wagtail writes an edition's words: kept if the edition is public.
    f"""CREATE TRIGGER {TABLE}_words_insert AFTER INSERT ON {WAGTAIL}
    WHEN NEW.content_type_id = {EDITION_TYPE} BEGIN
        DELETE FROM {TABLE} WHERE rowid = CAST(NEW.object_id AS INTEGER);
        INSERT INTO {TABLE} (rowid, title, body) SELECT e.edition_id, NEW.title,
        NEW.body FROM {ENTRIES} AS e
        WHERE e.edition_id = CAST(NEW.object_id AS INTEGER);
    END""",
    f"""CREATE TRIGGER {TABLE}_words_update
    AFTER UPDATE OF title, body, object_id, content_type_id ON {WAGTAIL} BEGIN
        DELETE FROM {TABLE} WHERE OLD.content_type_id = {EDITION_TYPE}
        AND rowid = CAST(OLD.object_id AS INTEGER);
        INSERT INTO {TABLE} (rowid, title, body) SELECT e.edition_id, NEW.title,
        NEW.body FROM {ENTRIES} AS e
        WHERE NEW.content_type_id = {EDITION_TYPE}
        AND e.edition_id = CAST(NEW.object_id AS INTEGER);
    END""",
    f"""CREATE TRIGGER {TABLE}_words_delete AFTER DELETE ON {WAGTAIL}
    WHEN OLD.content_type_id = {EDITION_TYPE} BEGIN
        DELETE FROM {TABLE} WHERE rowid = CAST(OLD.object_id AS INTEGER);
    END""",
    # The editions already public.
    f"""INSERT INTO {TABLE} (rowid, title, body) SELECT e.edition_id, i.title,
    i.body FROM {ENTRIES} AS e JOIN {WAGTAIL} AS i
    ON i.content_type_id = {EDITION_TYPE}
    AND i.object_id = CAST(e.edition_id AS TEXT)""",
]
TRIGGERS = [
    "entry_insert",
    "entry_delete",
    "entry_update",
    "words_insert",
    "words_update",
    "words_delete",
]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in STATEMENTS:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0031_theme_labels"),
        ("wagtailsearch", "0010_add_text_fields"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False)
    ]
