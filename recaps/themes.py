"""Curating themes: merging one into another, refreshing after a rename.

Services called by the “Thèmes” admin (:mod:`recaps.admin.themes`); the model
itself is :class:`recaps.models.Theme`.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Revision
from wagtail.search import index

from .models import RecapPage, RecapPageTag
from .sections import refresh_public_state


def _rewrite_revision_tags(revision, source_id, target_id):
    """Point a revision's ``tagged_items`` at the target theme; True if changed."""
    items = revision.content.get("tagged_items") or []
    if not any(item.get("tag") == source_id for item in items):
        return False
    has_target = any(item.get("tag") == target_id for item in items)
    rewritten = []
    for item in items:
        if item.get("tag") == source_id:
            if has_target:
                continue
            item = {**item, "tag": target_id}
            has_target = True
        rewritten.append(item)
    revision.content["tagged_items"] = rewritten
    return True


def merge_themes(source, target):
    """Move every edition of ``source`` to ``target``, then delete ``source``.

    Editions that already carry ``target`` simply lose ``source``. Besides the
    edition rows (what the site shows), every saved revision of an edition is
    rewritten too: otherwise publishing an older draft, or reverting to an old
    revision, would point at the deleted theme. Returns the number of editions
    moved.
    """
    if source.pk == target.pk:
        raise ValueError("A theme cannot be merged into itself.")
    with transaction.atomic():
        page_ids = set(
            RecapPageTag.objects.filter(tag=source).values_list(
                "content_object_id", flat=True
            )
        )
        RecapPageTag.objects.filter(
            tag=source,
            content_object_id__in=RecapPageTag.objects.filter(tag=target).values(
                "content_object_id"
            ),
        ).delete()
        RecapPageTag.objects.filter(tag=source).update(tag=target)

        revisions = Revision.objects.filter(
            content_type=ContentType.objects.get_for_model(RecapPage)
        ).only("pk", "content")
        changed = [
            revision
            for revision in revisions.iterator()
            if _rewrite_revision_tags(revision, source.pk, target.pk)
        ]
        Revision.objects.bulk_update(changed, ["content"], batch_size=200)
        source.delete()
        refresh_public_state(RecapPage.objects.filter(pk__in=page_ids).defer("body"))
    for page in RecapPage.objects.filter(pk__in=page_ids):
        index.insert_or_update_object(page)
    return len(page_ids)


def reindex_theme_editions(theme):
    """Refresh the search index of the editions of ``theme`` (after a rename)."""
    for page in RecapPage.objects.filter(tagged_items__tag=theme):
        index.insert_or_update_object(page)
