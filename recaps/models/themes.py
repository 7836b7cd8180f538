"""Themes: the tags that editions carry."""

import re

from anyascii import anyascii
from django.db import models
from django.db.models.lookups import IExact
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.models import TagBase


def normalise_theme_name(name):
    """One canonical spelling per theme: trimmed, single spaces, lower case."""
    return " ".join(str(name).split()).lower()


class ThemeNameField(models.CharField):
    """A theme's name, normalised (:func:`normalise_theme_name`) wherever it
    meets the database: when a theme is saved, and on the right-hand side of
    the ``exact``, ``iexact`` and ``in`` lookups.

    This is the one place of the normalisation: taggit finds or creates tags
    with ``filter(name__in=…)`` and ``get(name__iexact=…)``, so "Numérique",
    "numérique " and "numérique" reach the same row on every database (SQLite's
    case folding is ASCII only). The column is a plain ``CharField`` (its
    migrations say so).
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalise_theme_name(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = normalise_theme_name(value)
            setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


@ThemeNameField.register_lookup
class NormalisedIExact(IExact):
    """``name__iexact`` compares normalised names (Django's ``iexact`` leaves
    its value unprepared)."""

    prepare_rhs = True


class ThemeQuerySet(models.QuerySet):
    """Themes found or created by name, many at a time."""

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

    name = ThemeNameField(
        verbose_name=pgettext_lazy("A tag name", "name"), unique=True, max_length=100
    )
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
        # Shown normalised in the form; the uniqueness check already compares
        # normalised names, so renaming a theme to "Numérique" when "numérique"
        # exists is a form error, not a crash.
        super().clean()
        self.name = normalise_theme_name(self.name)

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
