"""PostgreSQL only: the search expression's GIN index (migration 0018) inserts
each new entry into the index itself (``fastupdate = off``).

With ``fastupdate`` (PostgreSQL's default) new entries wait in a pending list
until a vacuum, and the planner counts that list in the index's cost: once it
holds the entries of 50 to 100 editions published one at a time, it prefers a
sequential scan that decompresses every row (at 10,000 editions, an API search
then took 870 ms instead of 70). A publish pays about 10 ms more instead. Bulk
writers keep the pending list for their own transaction
(:func:`recaps.db.bulk_write`) and merge it once committed. Other databases:
no-op.
"""

from django.db import migrations

INDEX_NAME = "recaps_indexentry_title_body_gin"


def fastupdate_off(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX_NAME} SET (fastupdate = off)")
        # Entries already pending stay there until merged.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX_NAME}')")


def fastupdate_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX_NAME} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("recaps", "0027_rich_text_inline_styles")]

    operations = [
        migrations.RunPython(fastupdate_off, fastupdate_default, elidable=False)
    ]
