"""Themes: the tags that editions carry."""

from anyascii import anyascii
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.models import TagBase


def normalise_theme_name(name):
    """One canonical spelling per theme: trimmed, single spaces, lower case."""
    return " ".join(str(name).split()).lower()


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

    def save(self, *args, **kwargs):
        self.name = normalise_theme_name(self.name)
        return super().save(*args, **kwargs)

    def slugify(self, tag, i=None):
        """ASCII slugs so that theme URLs survive every client (numerique)."""
        slug = slugify(anyascii(tag))
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
