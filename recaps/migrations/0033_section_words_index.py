"""SQLite only: the words of the public sections in an FTS5 index
(``recaps_recapsection_fts``), which ``/api/v1/sections/?search=`` reads
instead of scanning every section (``recaps.search.filter_by_words``).

An external-content index of ``RecapSection.search_text`` (the section's
words folded as queries are: ASCII, lower case), the section's id as rowid:
it stores no second copy of the text. ``_`` is a word character, as in the
folded text, so its words are exactly the folded words and a prefix query
finds exactly the sections having a word that starts with each term. SQLite's
documented triggers keep it in step with every write of the section index.
Other databases: no-op.
"""

from django.db import migrations

TABLE = "recaps_recapsection_fts"
SECTIONS = "recaps_recapsection"

STATEMENTS = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='{SECTIONS}', "
    "content_rowid='id', tokenize=\"unicode61 tokenchars '_'\")",
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON {SECTIONS} BEGIN
        INSERT INTO {TABLE} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
    END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON {SECTIONS} BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, search_text)
        VALUES ('delete', OLD.id, OLD.search_text);
    END""",
    f"""CREATE TRIGGER {TABLE}_update AFTER UPDATE OF id, search_text ON {SECTIONS}
    BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, search_text)
        VALUES ('delete', OLD.id, OLD.search_text);
        INSERT INTO {TABLE} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
    END""",
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')",
]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in STATEMENTS:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("recaps", "0032_public_fulltext_index")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False)
    ]
