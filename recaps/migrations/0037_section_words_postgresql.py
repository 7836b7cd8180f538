"""PostgreSQL only: the sections' words as a vector (``recaps_recapsection.words``),
which ``/api/v1/sections/?search=`` counts and probes instead of reading every
section's text (``recaps.search.filter_by_words``).

What migration 0033 gives SQLite. A column the database computes from
``search_text`` (the section's words folded as queries are: ASCII, lower
case, single spaces), with the ``simple`` configuration: every folded word is
one lexeme, as it is, so a prefix query (``'term':*``) finds exactly the
sections having a word that starts with each term. Exactly, except where
PostgreSQL's parser reads the text otherwise: ``_`` (a word character of the
folded text) separates two words for it, a word of 2,048 characters or more
is dropped, and a vector is at most 1 MB. The sections whose text has any of
these get no vector (``NULL``) and are searched in their text, through a
partial index of their own (usually none).

Its GIN index inserts each entry itself (``fastupdate = off``; bulk writers
buffer, ``recaps.db``) and keeps no statistics (the planner never prefers a
scan decompressing every row). Other databases: no-op.
"""

from django.db import migrations

from recaps.db import postgresql_statements

TABLE = "recaps_recapsection"
#: Texts whose words the ``simple`` vector holds exactly (see above).
EXACT = (
    "strpos(search_text, '_') = 0 AND length(search_text) <= 50000 "
    # A run of 2,048 word characters (a bound is at most 255 in a pattern).
    "AND search_text !~ '(?:[a-z0-9]{128}){16}'"
)
STATEMENTS = [
    f"ALTER TABLE {TABLE} ADD COLUMN words tsvector GENERATED ALWAYS AS "
    f"(CASE WHEN {EXACT} THEN to_tsvector('simple'::regconfig, search_text) END) "
    "STORED",
    f"ALTER TABLE {TABLE} ALTER COLUMN words SET STATISTICS 0",
    f"CREATE INDEX recapsection_words ON {TABLE} USING gin (words) "
    "WITH (fastupdate = off)",
    f"CREATE INDEX recapsection_without_words ON {TABLE} (id) WHERE words IS NULL",
]
DROP = [
    "DROP INDEX IF EXISTS recapsection_without_words",
    "DROP INDEX IF EXISTS recapsection_words",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS words",
]


# Ready to be read, as after any bulk write (the table was rewritten).
create = postgresql_statements(STATEMENTS, ready=[TABLE])
drop = postgresql_statements(DROP)


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction
    dependencies = [("recaps", "0036_public_words_postgresql")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
