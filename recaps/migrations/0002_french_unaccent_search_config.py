"""PostgreSQL only: a French text search configuration that ignores accents.

``french_unaccent`` copies ``french`` and runs ``unaccent`` before the French
stemmer, so that “numerique” finds “numérique”. The search backend uses it
through ``WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"]``; rebuild the
index (``manage.py update_index``) after changing it. Other databases: no-op.
"""

from django.db import migrations

CREATE_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""

DROP_SQL = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;"


def create_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("recaps", "0001_initial")]

    operations = [migrations.RunPython(create_config, drop_config, elidable=False)]
