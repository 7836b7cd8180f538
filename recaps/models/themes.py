"""Themes: the tags that editions carry."""

import re

from anyascii import anyascii
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.models import TagBase
from wagtail.models import Revision
from wagtail.search import index


def normalise_theme_name(name):
    """One canonical spelling per theme: trimmed, single spaces, lower case."""
    return " ".join(str(name).split()).lower()


NAME_LOOKUPS = {"name", "name__exact", "name__iexact"}


class ThemeQuerySet(models.QuerySet):
    """Looking a theme up by name normalises the name first.

    taggit finds or creates tags with ``get``/``get_or_create(name__iexact=…)``;
    normalising here means "Numérique", "numérique " and "numérique" reach the
    same row on every database (SQLite's case folding is ASCII only).
    """

    def _filter_or_exclude(self, negate, args, kwargs):
        kwargs = {
            key: normalise_theme_name(value)
            if key in NAME_LOOKUPS and isinstance(value, str)
            else value
            for key, value in kwargs.items()
        }
        if isinstance(kwargs.get("name__in"), (list, tuple, set)):
            kwargs["name__in"] = [
                normalise_theme_name(value) if isinstance(value, str) else value
                for value in kwargs["name__in"]
            ]
        return super()._filter_or_exclude(negate, args, kwargs)

    def by_names(self, names):
        """``{name: theme}`` for ``names``, creating the missing themes.

        A few queries whatever the number of names: the new themes are inserted
        together (one by one only when their slug is taken, for taggit to find
        a free one). Importers and the generator call it once per batch.
        """
        names = list(dict.fromkeys(normalise_theme_name(name) for name in names))
        themes = {theme.name: theme for theme in self.filter(name__in=names)}
        missing = [self.model(name=name) for name in names if name not in themes]
        for theme in missing:
            theme.slug = theme.slugify(theme.name)
        taken = set(
            self.filter(slug__in=[theme.slug for theme in missing]).values_list(
                "slug", flat=True
            )
        )
        fresh, clashing = [], []
        for theme in missing:
            (clashing if not theme.slug or theme.slug in taken else fresh).append(theme)
            taken.add(theme.slug)
        self.bulk_create(fresh)
        if any(theme.pk is None for theme in fresh):  # no RETURNING (old SQLite)
            fresh = list(self.filter(name__in=[theme.name for theme in fresh]))
        for theme in clashing:
            theme.slug = ""
            theme.save()
        themes.update((theme.name, theme) for theme in fresh + clashing)
        return themes


class Theme(TagBase):
    """A theme that editions are tagged with (numérique, isolement…)."""

    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Short text shown on the public page of the theme."),
    )

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    objects = ThemeQuerySet.as_manager()

    def clean(self):
        # Normalise before the form's uniqueness check so that renaming a theme
        # to "Numérique" when "numérique" exists is a form error, not a crash.
        super().clean()
        self.name = normalise_theme_name(self.name)

    def save(self, *args, **kwargs):
        self.name = normalise_theme_name(self.name)
        return super().save(*args, **kwargs)

    def slugify(self, tag, i=None):
        """ASCII slugs so that theme URLs survive every client (numerique).

        Punctuation between words is a boundary: “6.1” is ``6-1``, not ``61``.
        """
        slug = slugify(re.sub(r"[^\w\s-]+", "-", anyascii(tag)))
        if i is not None:
            slug = f"{slug}-{i}"
        return slug


def themes_with_counts(editions):
    """Themes used by at least one of ``editions``, each annotated ``recap_count``.

    ``editions`` is a queryset of edition pages (usually ``published()``), so that
    unpublished editions never count.
    """
    return (
        Theme.objects.filter(tagged_recaps__content_object__in=editions)
        .annotate(recap_count=models.Count("tagged_recaps", distinct=True))
        .order_by("name")
    )


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
    from .edition import RecapPage, RecapPageTag

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
        from ..sections import refresh_public_state

        refresh_public_state(RecapPage.objects.filter(pk__in=page_ids).defer("body"))
    for page in RecapPage.objects.filter(pk__in=page_ids):
        index.insert_or_update_object(page)
    return len(page_ids)


def reindex_theme_editions(theme):
    """Refresh the search index of the editions of ``theme`` (after a rename)."""
    from .edition import RecapPage

    for page in RecapPage.objects.filter(tagged_items__tag=theme):
        index.insert_or_update_object(page)
