"""Themes keep their spelling (issue 25): ``Theme.label``, how readers see a
theme, beside its normalised ``name``.

Existing themes are labelled with their name (their first spelling is lost).
The stored representation of every public edition gains each theme's
``label`` and its fingerprint is recomputed, without moving
``public_updated_at``: what the editions say did not change, so no edition
enters the change feed and no webhook is sent for it.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models
from django.db.models import F


def fingerprint(data, sections):
    # Frozen copy of recaps.sections.fingerprint (issue 23).
    body = [
        {"id": block_id, "type": kind, **section}
        for block_id, kind, _heading, section in sections
    ]
    text = json.dumps(
        {"edition": data, "body": body}, cls=DjangoJSONEncoder, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def with_labels(tags):
    return [
        {"name": tag["name"], "label": tag["name"], "slug": tag["slug"]}
        for tag in tags
    ]


def without_labels(tags):
    return [{"name": tag["name"], "slug": tag["slug"]} for tag in tags]


def rewrite_entries(apps, schema_editor, change):
    """Rewrite the tags of every stored representation with ``change``; a
    fingerprint that digested the old representation digests the new one."""
    db = schema_editor.connection.alias
    entry_model = apps.get_model("recaps", "RecapEntry")
    section_model = apps.get_model("recaps", "RecapSection")
    page_model = apps.get_model("recaps", "RecapPage")
    ids = list(
        entry_model.objects.using(db).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 500):
        entries = list(
            entry_model.objects.using(db)
            .filter(pk__in=ids[start : start + 500])
            .only("edition_id", "data")
        )
        editions = [entry.edition_id for entry in entries]
        sections = {edition: [] for edition in editions}
        rows = (
            section_model.objects.using(db)
            .filter(edition__in=editions)
            .order_by("edition_id", "position")
            .values_list("edition_id", "block_id", "type", "heading", "data")
        )
        for edition_id, *row in rows:
            sections[edition_id].append(row)
        pages = {
            page.pk: page
            for page in page_model.objects.using(db)
            .filter(pk__in=editions)
            .only("pk", "public_fingerprint")
        }
        changed = []
        for entry in entries:
            before = fingerprint(entry.data, sections[entry.edition_id])
            entry.data = {**entry.data, "tags": change(entry.data.get("tags") or [])}
            page = pages.get(entry.edition_id)
            if page is not None and page.public_fingerprint == before:
                page.public_fingerprint = fingerprint(
                    entry.data, sections[entry.edition_id]
                )
                changed.append(page)
        entry_model.objects.using(db).bulk_update(entries, ["data"])
        page_model.objects.using(db).bulk_update(changed, ["public_fingerprint"])


def label_themes(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("recaps", "Theme").objects.using(db).update(label=F("name"))
    rewrite_entries(apps, schema_editor, with_labels)


def unlabel_entries(apps, schema_editor):
    rewrite_entries(apps, schema_editor, without_labels)


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0030_theme_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="theme",
            name="label",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The theme as readers see it, with its capitals and accents; "
                    "filled in from the name as first written."
                ),
                max_length=100,
                verbose_name="displayed name",
            ),
        ),
        migrations.RunPython(label_themes, unlabel_entries),
    ]
