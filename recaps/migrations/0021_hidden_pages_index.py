"""A partial index on the pages outside the public set (``hidden_pages``).

The public index (sections and edition entries) is read excluding the pages
that are not live or carry a schedule (:func:`recaps.models.sections.hidden_pages`).
Those are few, and this index holds only them, so the exclusion reads a few
index entries instead of every page of the archive. Wagtail's page table is
not ours to declare indexes on, hence plain SQL (PostgreSQL and SQLite alike).
"""

from django.db import migrations

INDEX_NAME = "recaps_page_hidden"


def page_table(apps):
    return apps.get_model("wagtailcore", "Page")._meta.db_table


def create_index(apps, schema_editor):
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON "{page_table(apps)}" (id) '
        "WHERE NOT live OR go_live_at IS NOT NULL OR expire_at IS NOT NULL"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0020_edition_entries"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
