"""PostgreSQL only: the words of the public editions (``recaps_recapentry_fts``),
which the search counts and probes instead of Wagtail's index.

What migration 0032 gives SQLite: one row per edition of the public index
(``RecapEntry``), under the edition's id, holding the very vector Wagtail's
PostgreSQL backend matches for it (``title || body`` of
``wagtailsearch_indexentry``), so that the same ``tsquery`` finds the same
editions. Keyed by the edition and holding public editions only, it answers
"how many public editions match" from its GIN index alone (a bitmap count: no
row read where the visibility map says the page is all visible), and "does
this edition match" with one primary-key probe: the search no longer reads
every match to show a page of them (``recaps.search``).

As the index of migration 0018: its GIN index inserts each entry itself
(``fastupdate = off``; bulk writers buffer, ``recaps.db``) and keeps no
statistics on the vector (the planner never prefers a scan decompressing
every row).

Triggers keep it in step with both tables, whoever writes them (publication,
unpublication, deletion, view restrictions, bulk writers, ``update_index``):
an edition is in it while it has an entry and Wagtail indexed it, with
Wagtail's latest text. Other databases: no-op.
"""

from django.db import migrations

from recaps.db import postgresql_statements

TABLE = "recaps_recapentry_fts"
ENTRIES = "recaps_recapentry"
WAGTAIL = "wagtailsearch_indexentry"
#: The content type under which Wagtail indexes editions.
EDITION_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'recaps' AND model = 'recappage')"
)

STATEMENTS = [
    f"CREATE TABLE {TABLE} (edition_id integer PRIMARY KEY, words tsvector NOT NULL)",
    # The words of one edition, copied from Wagtail's entry if the edition is
    # in the public index, or removed.
    f"""CREATE FUNCTION {TABLE}_copy(edition integer) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TABLE} WHERE edition_id = edition;
        INSERT INTO {TABLE} (edition_id, words)
        SELECT e.edition_id, i.title || i.body FROM {ENTRIES} AS e
        JOIN {WAGTAIL} AS i ON i.content_type_id = {EDITION_TYPE}
        AND i.object_id = e.edition_id::text
        WHERE e.edition_id = edition;
    END $$""",
    # An edition enters, leaves or changes in the public index.
    f"""CREATE FUNCTION {TABLE}_entry() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            DELETE FROM {TABLE} WHERE edition_id = OLD.edition_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM {TABLE}_copy(NEW.edition_id);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_entry AFTER INSERT OR DELETE OR UPDATE OF edition_id
    ON {ENTRIES} FOR EACH ROW EXECUTE FUNCTION {TABLE}_entry()""",
    # Wagtail writes an edition's words: kept if the edition is public.
    f"""CREATE FUNCTION {TABLE}_words() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        edition_type integer := {EDITION_TYPE};
    BEGIN
        -- An edition's object id is its page's id (anything else, skipped).
        IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.content_type_id = edition_type
        AND OLD.object_id ~ '^[0-9]{{1,9}}$' THEN
            DELETE FROM {TABLE} WHERE edition_id = OLD.object_id::integer;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.content_type_id = edition_type
        AND NEW.object_id ~ '^[0-9]{{1,9}}$' THEN
            PERFORM {TABLE}_copy(NEW.object_id::integer);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_words AFTER INSERT OR DELETE
    OR UPDATE OF title, body, object_id, content_type_id
    ON {WAGTAIL} FOR EACH ROW EXECUTE FUNCTION {TABLE}_words()""",
    # Emptied with either table (TRUNCATE fires no row trigger: a restore, the
    # test runner's flush).
    f"""CREATE FUNCTION {TABLE}_empty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_entries_emptied AFTER TRUNCATE ON {ENTRIES}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_empty()""",
    f"""CREATE TRIGGER {TABLE}_words_emptied AFTER TRUNCATE ON {WAGTAIL}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_empty()""",
    # The editions already public, then the index built in one pass.
    f"""INSERT INTO {TABLE} (edition_id, words)
    SELECT e.edition_id, i.title || i.body FROM {ENTRIES} AS e
    JOIN {WAGTAIL} AS i ON i.content_type_id = {EDITION_TYPE}
    AND i.object_id = e.edition_id::text""",
    f"CREATE INDEX {TABLE}_words ON {TABLE} USING gin (words) "
    "WITH (fastupdate = off)",
    f"ALTER TABLE {TABLE} ALTER COLUMN words SET STATISTICS 0",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_words_emptied ON {WAGTAIL}",
    f"DROP TRIGGER IF EXISTS {TABLE}_entries_emptied ON {ENTRIES}",
    f"DROP FUNCTION IF EXISTS {TABLE}_empty()",
    f"DROP TRIGGER IF EXISTS {TABLE}_words ON {WAGTAIL}",
    f"DROP TRIGGER IF EXISTS {TABLE}_entry ON {ENTRIES}",
    f"DROP FUNCTION IF EXISTS {TABLE}_words()",
    f"DROP FUNCTION IF EXISTS {TABLE}_entry()",
    f"DROP FUNCTION IF EXISTS {TABLE}_copy(integer)",
    f"DROP TABLE IF EXISTS {TABLE}",
]


# Ready to be read, as after any bulk write: vacuumed (the count reads the
# visibility map) and analysed (the number of rows).
create = postgresql_statements(STATEMENTS, ready=[TABLE])
drop = postgresql_statements(DROP)


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction
    dependencies = [
        ("recaps", "0035_index_counts"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
