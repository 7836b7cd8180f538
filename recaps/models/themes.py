"""Themes: the tags that editions carry."""

import re
from collections import Counter

from anyascii import anyascii
from django.db import connections, models
from django.db.models import Case, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import IExact
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.models import TagBase

from .sections import RecapEntry


def normalise_theme_name(name):
    """One canonical spelling per theme: trimmed, single spaces, lower case."""
    return " ".join(str(name).split()).lower()


def theme_label(spelling, name=None):
    """How a theme reads: ``spelling`` trimmed, with single spaces, its case
    and accents kept; ``name`` (trimmed the same way) when ``spelling`` is
    empty or spells another theme (:func:`normalise_theme_name` differs)."""
    label = " ".join(str(spelling or "").split())
    if name is None:
        return label
    if not label or normalise_theme_name(label) != normalise_theme_name(name):
        return " ".join(str(name).split())
    return label


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
        """``{normalised name: theme}`` for ``names``, creating the missing
        themes, each labelled with the first of ``names`` that spells it
        (existing themes keep their label).

        A few queries whatever the number of names: the new themes are inserted
        together (one by one only when their slug is taken, for taggit to find
        a free one). Importers and the generator call it once per batch, with
        the names as their source spells them.
        """
        spellings = {}
        for name in names:
            spellings.setdefault(normalise_theme_name(name), theme_label(name))
        names = list(spellings)
        themes = {theme.name: theme for theme in self.filter(name__in=names)}
        missing = [
            self.model(name=name, label=spellings[name])
            for name in names
            if name not in themes
        ]
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
    """A theme that editions are tagged with (numérique, isolement…).

    ``name`` is its key, normalised (:class:`ThemeNameField`): lookups,
    uniqueness and order. ``label`` is how readers see it, as first written
    ("Parentalité"); it always spells the same key, and a later spelling of
    the theme in another case does not change it.
    """

    name = ThemeNameField(
        verbose_name=pgettext_lazy("A tag name", "name"), unique=True, max_length=100
    )
    label = models.CharField(
        _("displayed name"),
        max_length=100,
        blank=True,
        help_text=_(
            "The theme as readers see it, with its capitals and accents; "
            "filled in from the name as first written."
        ),
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

    def __str__(self):
        return self.label or self.name

    def clean(self):
        # The uniqueness check already compares normalised names, so renaming
        # a theme to "Numérique" when "numérique" exists is a form error, not
        # a crash.
        super().clean()
        self.label = theme_label(self.label, self.name)
        self.name = normalise_theme_name(self.name)

    def save(self, *args, **kwargs):
        # Whoever creates it (taggit from an editor's tags, an importer, the
        # admin), the label keeps the spelling the name was given in.
        self.label = theme_label(self.label, self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "label"}
        super().save(*args, **kwargs)

    def slugify(self, tag, i=None):
        """ASCII slugs so that theme URLs survive every client (numerique).

        Punctuation between words is a boundary: “6.1” is ``6-1``, not ``61``.
        """
        slug = slugify(re.sub(r"[^\w\s-]+", "-", anyascii(tag)))
        if i is not None:
            slug = f"{slug}-{i}"
        return slug


def add_counts(queryset, keys, changes):
    """Apply ``changes``, ``{key: change}`` (a key: the values of the fields
    ``keys``, ``None`` for a NULL), to the stored counts of ``queryset``'s
    model: the missing rows inserted in one statement, then one ``UPDATE …
    SET count = count + change`` per row, in key order (two transactions
    changing the same counts wait for each other instead of deadlocking)."""
    changes = sorted(
        ((key, change) for key, change in changes.items() if change),
        key=lambda item: tuple((value is None, value) for value in item[0]),
    )
    if not changes:
        return
    model = queryset.model
    meta = model._meta
    attributes = [meta.get_field(name).attname for name in keys]
    queryset.bulk_create(
        [
            model(**dict(zip(attributes, key, strict=True)))
            for key, change in changes
            if change > 0
        ],
        ignore_conflicts=True,
    )
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in keys]
    count = quote(meta.get_field("count").column)
    statements = {}
    for key, change in changes:
        # Names from the model, quoted; values as parameters.
        nulls = tuple(value is None for value in key)
        if nulls not in statements:
            where = " AND ".join(
                f"{column} IS NULL" if null else f"{column} = %s"
                for column, null in zip(columns, nulls, strict=True)
            )
            statements[nulls] = (
                f"UPDATE {quote(meta.db_table)} SET {count} = {count} + %s "  # noqa: S608
                f"WHERE {where}",
                [],
            )
        statements[nulls][1].append(
            (change, *(value for value in key if value is not None))
        )
    with connection.cursor() as cursor:
        for sql, rows in statements.values():
            cursor.executemany(sql, rows)


class ThemeCountQuerySet(models.QuerySet):
    def add(self, changes):
        """Apply ``changes``, ``{(theme id, series id): change}``, to the
        stored counts (:func:`add_counts`). Editions outside any series are
        not counted (an edition is always a series' child,
        ``RecapPage.parent_page_types``), nor themes deleted since (their rows
        went with them)."""
        add_counts(
            self,
            ("theme", "series"),
            {key: change for key, change in changes.items() if None not in key},
        )


class ThemeCount(models.Model):
    """How many public editions of a series carry a theme, kept as the public
    index is written, so that no reader counts editions.

    The design, the simplest we found correct without a scheduled job:

    - The stored count is over the public index (:class:`RecapEntry`): every
      edition that was live and unrestricted when it was last indexed, under
      the themes and series it was indexed with (``RecapEntry.theme_ids`` and
      ``parent``). Whatever writes the entries changes the counts, in the same
      transaction and from the same rows (``recaps.sections._write_entries``):
      publishing, unpublishing, deleting, moving, restricting, renaming or
      merging a theme, bulk imports and the generator all go through it.
    - The schedule is applied when reading, as for the entries themselves
      (``RecapEntry.objects.current()``): the entries of the editions hidden
      at this instant (``hidden_pages``: go-live ahead, expiry passed, not
      live) are subtracted (:func:`hidden_theme_counts`). That set is small
      and read through a partial index, so a go-live or expiry instant needs
      no write at all, and a count is right at the very instant it passes.
    """

    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, related_name="counts", verbose_name=_("theme")
    )
    series = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("series"),
    )
    count = models.IntegerField(_("number of editions"), default=0)

    objects = ThemeCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme count")
        verbose_name_plural = _("theme counts")
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "series"], name="unique_theme_count"
            )
        ]

    def __str__(self):
        return f"{self.theme_id}@{self.series_id}: {self.count}"


def hidden_theme_counts():
    """``{(theme id, series id): editions}`` of the indexed editions that are
    not public at this instant (``RecapEntry.objects.hidden()``), in one small
    query."""
    found = Counter()
    rows = RecapEntry.objects.hidden().values_list("parent_id", "theme_ids")
    for series_id, theme_ids in rows:
        for theme_id in theme_ids:
            found[theme_id, series_id] += 1
    return found


#: ``IndexCount.kind`` of a count of editions (any other kind: a section type).
EDITIONS = ""


class IndexCountQuerySet(models.QuerySet):
    def add(self, changes):
        """Apply ``changes``, ``{(series id, theme id or None, kind): change}``
        (:func:`index_count_keys`), to the stored counts (:func:`add_counts`);
        editions outside any series are not counted."""
        add_counts(
            self,
            ("series", "theme", "kind"),
            {key: change for key, change in changes.items() if key[0] is not None},
        )

    def published(self, kinds=None, theme=None, series=None):
        """How many public editions (``kinds == [EDITIONS]``) or sections of
        the types ``kinds`` (``None``: of every type), of the editions
        carrying ``theme`` when given, there are in ``series`` (or over every
        series): the stored counts less those of the editions hidden at this
        instant (:func:`hidden_index_counts`); two small queries whatever the
        archive."""

        def counted(kind):
            return kind != EDITIONS if kinds is None else kind in kinds

        rows = (
            self.exclude(kind=EDITIONS)
            if kinds is None
            else self.filter(kind__in=list(kinds))
        )
        theme_id = getattr(theme, "pk", theme)
        if theme_id is None:
            rows = rows.filter(theme__isnull=True)
        else:
            rows = rows.filter(theme=theme_id)
        series_id = getattr(series, "pk", series)
        if series_id is not None:
            rows = rows.filter(series=series_id)
        stored = rows.aggregate(total=Sum("count"))["total"] or 0
        return stored - sum(
            count
            for (in_series, theme_key, kind), count in hidden_index_counts().items()
            if theme_key == theme_id
            and counted(kind)
            and series_id in (None, in_series)
        )


def index_count_keys(series_id, theme_ids, section_counts):
    """``{key: count}`` of one indexed edition (:class:`IndexCount`): the
    edition in its series, its sections by type, and the same under each of
    its themes."""
    found = Counter({(series_id, None, EDITIONS): 1})
    for kind, number in (section_counts or {}).items():
        found[series_id, None, kind] += number
        for theme_id in theme_ids:
            found[series_id, theme_id, kind] += number
    return found


def hidden_index_counts():
    """:func:`index_count_keys` summed over the indexed editions that are not
    public at this instant (``RecapEntry.objects.hidden()``), in one small
    query."""
    found = Counter()
    rows = RecapEntry.objects.hidden().values_list(
        "parent_id", "theme_ids", "section_counts"
    )
    for series_id, theme_ids, section_counts in rows:
        found.update(index_count_keys(series_id, theme_ids, section_counts))
    return found


class IndexCount(models.Model):
    """How many public editions a series has, and sections of each type (of
    the editions carrying a theme, or of all), kept as the public index is
    written so that no list counts its rows: the same design as
    :class:`ThemeCount` (written with the entries, in the same transaction;
    the schedule applied when reading, :func:`hidden_index_counts`).

    ``kind`` is :data:`EDITIONS` for editions (``theme`` empty), a section
    type otherwise; ``theme`` empty counts sections whatever their themes.
    """

    series = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("series"),
    )
    theme = models.ForeignKey(
        Theme,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("theme"),
    )
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    count = models.IntegerField(_("number of editions or sections"), default=0)

    objects = IndexCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("index count")
        verbose_name_plural = _("index counts")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "kind"],
                condition=models.Q(theme__isnull=True),
                name="unique_index_count",
            ),
            models.UniqueConstraint(
                fields=["series", "theme", "kind"],
                condition=models.Q(theme__isnull=False),
                name="unique_index_count_of_theme",
            ),
        ]

    def __str__(self):
        return f"{self.series_id}/{self.theme_id}/{self.kind}: {self.count}"


def published_counts(themes, series=None):
    """``{theme id: {series id: published editions}}`` for the themes
    ``themes`` (ids), stored counts less the hidden editions; two queries."""
    hidden = hidden_theme_counts()
    found = {}
    rows = ThemeCount.objects.filter(theme__in=list(themes), count__gt=0)
    if series is not None:
        rows = rows.filter(series=series)
    for theme, in_series, count in rows.values_list("theme", "series", "count"):
        count -= hidden[theme, in_series]
        if count > 0:
            found.setdefault(theme, {})[in_series] = count
    return found


def published_themes(series=None):
    """Themes of the published editions (of ``series`` when given), each
    annotated ``recap_count``, by name: read from the stored counts
    (:class:`ThemeCount`), never by counting editions. One small query for
    the hidden editions now, then one query whatever the archive; the
    queryset may be filtered, ordered and paginated on ``recap_count``."""
    hidden = Counter()
    for (theme, in_series), count in hidden_theme_counts().items():
        if series is None or in_series == series.pk:
            hidden[theme] += count
    stored = ThemeCount.objects.filter(theme=OuterRef("pk"))
    if series is not None:
        stored = stored.filter(series=series)
    total = stored.order_by().values("theme").annotate(total=Sum("count"))
    count = Coalesce(Subquery(total.values("total")), 0)
    if hidden:
        count -= Case(
            *(When(pk=theme, then=Value(n)) for theme, n in hidden.items()),
            default=Value(0),
        )
    return (
        Theme.objects.annotate(recap_count=count)
        .filter(recap_count__gt=0)
        .order_by("name")
    )


def themes_with_counts(editions):
    """Themes used by at least one of ``editions``, each annotated ``recap_count``,
    counted over them (facets of a search; the published set has its counts
    stored, :func:`published_themes`).

    ``editions`` is a queryset of edition pages (usually ``published()``), so that
    unpublished editions never count.
    """
    return (
        Theme.objects.filter(tagged_recaps__content_object__in=editions)
        .annotate(recap_count=models.Count("tagged_recaps", distinct=True))
        .order_by("name")
    )
