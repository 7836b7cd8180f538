"""The public fingerprint becomes the digest of what the API shows (issue 23).

Every public edition's fingerprint is recomputed from its stored
representation and section rows, without moving ``public_updated_at``: the
content did not change, only the way it is digested, so no edition enters the
change feed and no webhook is sent for it.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations


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


def recompute(apps, schema_editor):
    RecapEntry = apps.get_model("recaps", "RecapEntry")
    RecapSection = apps.get_model("recaps", "RecapSection")
    RecapPage = apps.get_model("recaps", "RecapPage")
    entries = RecapEntry.objects.order_by("pk").values_list("edition_id", "data")
    for start in range(0, entries.count(), 500):
        batch = dict(entries[start : start + 500])
        sections = {pk: [] for pk in batch}
        rows = (
            RecapSection.objects.filter(edition__in=list(batch))
            .order_by("edition_id", "position")
            .values_list("edition_id", "block_id", "type", "heading", "data")
        )
        for edition_id, *row in rows:
            sections[edition_id].append(row)
        pages = list(RecapPage.objects.filter(pk__in=list(batch)).only("pk"))
        for page in pages:
            page.public_fingerprint = fingerprint(batch[page.pk], sections[page.pk])
        RecapPage.objects.bulk_update(pages, ["public_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0022_section_type_index"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
