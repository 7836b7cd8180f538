"""PostgreSQL only: the sections' words (``recaps_recapsection_fts``), which
``/api/v1/sections/?search=`` counts and reads instead of every section's text
(``recaps.search.filter_by_words``).

What migration 0033 gives SQLite. One row per section, under the section's id,
holding ``to_tsvector('simple', search_text)`` (the section's words folded as
queries are: ASCII, lower case, single spaces): every folded word is one
lexeme, as it is, so a prefix query (``'term':*``) finds exactly the sections
having a word that starts with each term. Exactly, except where PostgreSQL's
parser reads the text otherwise: ``_`` (a word character of the folded text)
separates two words for it, a word of 2,048 characters or more is dropped, and
a vector is at most 1 MB. Those sections (:data:`EXACT` false, usually none)
have no vector (``NULL``) and are searched in their text, found through a
partial index.

A table of its own, the vectors without positions: a count of half a million
matches reads its pages (0.5 s at 1,000,000 sections), not the section
table's, and the section table keeps its width for the scans that test the
text. Its GIN
index inserts each entry itself (``fastupdate = off``; bulk writers buffer,
``recaps.db``) and keeps no statistics (the planner never prefers a scan
decompressing every row). A trigger keeps it in step with every write of the
section index. Other databases: no-op.
"""

from django.db import migrations

from recaps.db import postgresql_statements

TABLE = "recaps_recapsection_fts"
SECTIONS = "recaps_recapsection"
#: Texts whose words the ``simple`` vector holds exactly (see above), with
#: ``{text}`` the text; a bound is at most 255 in a pattern.
EXACT = (
    "(strpos({text}, '_') = 0 AND length({text}) <= 50000 "
    "AND {text} !~ '(?:[a-z0-9]{{128}}){{16}}')"
)
#: A section's vector, or none (``NULL``) where it would not be exact; its
#: lexemes only (``strip``: a prefix query needs no positions; 37 % smaller).
WORDS = (
    f"CASE WHEN {EXACT} THEN strip(to_tsvector('simple'::regconfig, {{text}})) END"
)
STATEMENTS = [
    f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, words tsvector)",
    f"ALTER TABLE {TABLE} ALTER COLUMN words SET STATISTICS 0",
    f"""CREATE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            DELETE FROM {TABLE} WHERE id = OLD.id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {TABLE} (id, words)
            VALUES (NEW.id, {WORDS.format(text="NEW.search_text")})
            ON CONFLICT (id) DO UPDATE SET words = EXCLUDED.words;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_keep AFTER INSERT OR DELETE
    OR UPDATE OF id, search_text ON {SECTIONS}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_keep()""",
    # Emptied with the section table (TRUNCATE fires no row trigger).
    f"""CREATE FUNCTION {TABLE}_empty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TABLE}_emptied AFTER TRUNCATE ON {SECTIONS}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_empty()""",
    # The sections already indexed, then the indexes built in one pass.
    f"INSERT INTO {TABLE} (id, words) SELECT id, "
    f"{WORDS.format(text='search_text')} FROM {SECTIONS}",
    f"CREATE INDEX {TABLE}_words ON {TABLE} USING gin (words) "
    "WITH (fastupdate = off)",
    # The sections searched in their text (usually none).
    f"CREATE INDEX {TABLE}_without ON {TABLE} (id) WHERE words IS NULL",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_emptied ON {SECTIONS}",
    f"DROP FUNCTION IF EXISTS {TABLE}_empty()",
    f"DROP TRIGGER IF EXISTS {TABLE}_keep ON {SECTIONS}",
    f"DROP FUNCTION IF EXISTS {TABLE}_keep()",
    f"DROP TABLE IF EXISTS {TABLE}",
]

# Ready to be read, as after any bulk write.
create = postgresql_statements(STATEMENTS, ready=[TABLE])
drop = postgresql_statements(DROP)


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction
    dependencies = [("recaps", "0036_public_words_postgresql")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
