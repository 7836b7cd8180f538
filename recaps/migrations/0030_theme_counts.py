"""Theme counts kept with the public index (``ThemeCount``): each entry notes
the themes it is counted under, and the counts of the existing entries are
filled in from their editions' themes."""

from collections import Counter, defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_counts(apps, schema_editor):
    """The themes of every entry, then the counts by theme and series."""
    db = schema_editor.connection.alias
    entry_model = apps.get_model("recaps", "RecapEntry")
    tagged = apps.get_model("recaps", "RecapPageTag")
    count_model = apps.get_model("recaps", "ThemeCount")
    themes = defaultdict(list)
    for edition_id, theme_id in (
        tagged.objects.using(db)
        .filter(content_object__in=entry_model.objects.using(db).values("edition"))
        .order_by("tag__name", "tag__slug")
        .values_list("content_object_id", "tag_id")
    ):
        themes[edition_id].append(theme_id)
    entries = list(entry_model.objects.using(db).only("edition", "parent"))
    counts = Counter()
    for entry in entries:
        entry.theme_ids = themes.get(entry.edition_id, [])
        if entry.parent_id is not None:
            for theme_id in entry.theme_ids:
                counts[theme_id, entry.parent_id] += 1
    entry_model.objects.using(db).bulk_update(entries, ["theme_ids"], batch_size=500)
    count_model.objects.using(db).bulk_create(
        count_model(theme_id=theme_id, series_id=series_id, count=count)
        for (theme_id, series_id), count in counts.items()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0029_webhook_monitoring"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recapentry",
            name="theme_ids",
            field=models.JSONField(
                default=list,
                help_text="Ids of the themes it is counted under.",
                verbose_name="themes",
            ),
        ),
        migrations.CreateModel(
            name="ThemeCount",
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
                    "count",
                    models.IntegerField(default=0, verbose_name="number of editions"),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="counts",
                        to="recaps.theme",
                        verbose_name="theme",
                    ),
                ),
            ],
            options={
                "verbose_name": "theme count",
                "verbose_name_plural": "theme counts",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("theme", "series"), name="unique_theme_count"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop, elidable=True),
    ]
