"""Stored counts of the public index by series, theme and section type
(``IndexCount``), filled from the entries, whose sections by type are first
read from the section table (``RecapEntry.section_counts``).

Frozen code: the keys of ``recaps.models.themes.index_count_keys`` are
written out here, as migrations must not depend on the app's code.
"""

from collections import Counter

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SECTION_COUNTS = {
    "postgresql": (
        "UPDATE recaps_recapentry AS entry SET section_counts = found.counts "
        "FROM (SELECT edition_id, jsonb_object_agg(type, number) AS counts "
        "FROM (SELECT edition_id, type, COUNT(*) AS number "
        "FROM recaps_recapsection GROUP BY edition_id, type) AS by_type "
        "GROUP BY edition_id) AS found WHERE entry.edition_id = found.edition_id"
    ),
    "sqlite": (
        "UPDATE recaps_recapentry SET section_counts = found.counts "
        "FROM (SELECT edition_id, json_group_object(type, number) AS counts "
        "FROM (SELECT edition_id, type, COUNT(*) AS number "
        "FROM recaps_recapsection GROUP BY edition_id, type) "
        "GROUP BY edition_id) AS found "
        "WHERE recaps_recapentry.edition_id = found.edition_id"
    ),
}


def fill_counts(apps, schema_editor):
    RecapEntry = apps.get_model("recaps", "RecapEntry")
    RecapSection = apps.get_model("recaps", "RecapSection")
    IndexCount = apps.get_model("recaps", "IndexCount")
    database = schema_editor.connection.alias
    sql = SECTION_COUNTS.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)
    else:
        found = {}
        for edition_id, kind in (
            RecapSection.objects.using(database)
            .values_list("edition_id", "type")
            .iterator()
        ):
            found.setdefault(edition_id, Counter())[kind] += 1
        for edition_id, counts in found.items():
            RecapEntry.objects.using(database).filter(edition_id=edition_id).update(
                section_counts=dict(counts)
            )
    counts = Counter()
    rows = RecapEntry.objects.using(database).values_list(
        "parent_id", "theme_ids", "section_counts"
    )
    for series_id, theme_ids, section_counts in rows.iterator(chunk_size=2000):
        if series_id is None:
            continue
        counts[series_id, None, ""] += 1
        for kind, number in (section_counts or {}).items():
            counts[series_id, None, kind] += number
            for theme_id in theme_ids:
                counts[series_id, theme_id, kind] += number
    IndexCount.objects.using(database).bulk_create(
        [
            IndexCount(series_id=series, theme_id=theme, kind=kind, count=count)
            for (series, theme, kind), count in counts.items()
            if count
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0034_themes_in_order"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recapentry",
            name="section_counts",
            field=models.JSONField(
                blank=True,
                null=True,
                help_text="Number of its sections of each type, as counted.",
                verbose_name="sections by type",
            ),
        ),
        migrations.CreateModel(
            name="IndexCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "kind",
                    models.CharField(blank=True, max_length=64, verbose_name="kind"),
                ),
                (
                    "count",
                    models.IntegerField(
                        default=0, verbose_name="number of editions or sections"
                    ),
                ),
                (
                    "series",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.WAGTAIL_PAGE_MODEL,
                        verbose_name="series",
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recaps.theme",
                        verbose_name="theme",
                    ),
                ),
            ],
            options={
                "verbose_name": "index count",
                "verbose_name_plural": "index counts",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("theme__isnull", True)),
                        fields=("series", "kind"),
                        name="unique_index_count",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("theme__isnull", False)),
                        fields=("series", "theme", "kind"),
                        name="unique_index_count_of_theme",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop, elidable=True),
    ]
