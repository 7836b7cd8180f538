"""One way to filter editions and sections, shared by the API and the reader search.

:class:`EditionFilter` reads ``tag`` (repeatable: editions having every theme),
``series``, ``date_after`` / ``date_before``, ``section_type`` (repeatable),
``search``, ``ordering`` and ``slug``; :class:`SectionFilter` and
:class:`ThemeFilter` serve ``/sections/`` and ``/tags/``. Invalid values are
reported per parameter with French messages (the API answers 400 with them,
the reader search drops the filter and shows the message); empty values count
as absent. drf-spectacular documents the parameters from these classes.
"""

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .blocks import SECTION_TYPE_CHOICES
from .models import RecapPage, RecapPageTag, RecapSection, RecapSeriesPage
from .search import (
    MAX_QUERY_LENGTH,
    filter_by_search,
    filter_by_words,
    rank_candidates,
    search_editions,
)

MAX_REPEAT = 10
MAX_ID = 2**31 - 1
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,18}")

RECAP_ORDERINGS = {
    "-date": ("-date", "-edition_number", "-pk"),
    "date": ("date", "edition_number", "pk"),
    "-edition_number": ("-edition_number", "-date", "-pk"),
    "edition_number": ("edition_number", "date", "pk"),
    "updated_at": ("updated_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
}
#: What each sort order does, shown in the API documentation.
ORDERING_LABELS = {
    "-date": _("newest first"),
    "date": _("oldest first"),
    "-edition_number": _("highest edition number first"),
    "edition_number": _("lowest edition number first"),
    "-updated_at": _("most recently changed first"),
    "updated_at": _("least recently changed first"),
    "name": _("by name, A to Z"),
    "-name": _("by name, Z to A"),
    "recap_count": _("fewest editions first"),
    "-recap_count": _("most editions first"),
}
TAG_ORDERINGS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "recap_count": ("recap_count", "name", "pk"),
    "-recap_count": ("-recap_count", "name", "pk"),
}


def shown(value, limit=40):
    """A piece of user input safe to echo in a message: no NUL, no surrogate, short."""
    text = str(value).replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


# Form fields: the validation of one value, with the messages readers see.


class TextField(forms.CharField):
    """A short piece of text: no NUL character, no lone surrogate, bounded."""

    default_error_messages = {
        "null_characters": _("Null characters are not allowed."),
        "surrogate_characters": _("Invalid characters."),
        "max_length": _("Too long: at most {max_length} characters."),
    }

    def __init__(self, *, max_length=100, **kwargs):
        self.limit = max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.validators = []

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if "\x00" in text:
            raise ValidationError(self.error_messages["null_characters"])
        if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
            raise ValidationError(self.error_messages["surrogate_characters"])
        if len(text) > self.limit:
            raise ValidationError(
                str(self.error_messages["max_length"]).format(max_length=self.limit)
            )
        return text

    def schema_constraints(self):
        """What the OpenAPI schema of the parameter says of its bounds."""
        return {"maxLength": self.limit}


class ChoiceField(forms.ChoiceField):
    """One value among a fixed list; the error lists the possible values."""

    default_error_messages = {
        "invalid_choice": _("Unknown value “{input}”. Possible values: {choices}.")
    }

    def validate(self, value):
        if value in (None, ""):
            return
        if not self.valid_value(value):
            raise ValidationError(
                str(self.error_messages["invalid_choice"]).format(
                    input=shown(value),
                    choices=", ".join(str(key) for key, _label in self.choices),
                )
            )


class DateField(forms.DateField):
    """An ISO date (YYYY-MM-DD), nothing else."""

    default_error_messages = {
        "invalid": _("Malformed date “{input}”: expected YYYY-MM-DD.")
    }

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip()
        if _ISO_DATE.fullmatch(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
        raise ValidationError(
            str(self.error_messages["invalid"]).format(input=shown(value))
        )


#: The first and last instants Python represents: where a date and time whose
#: offset takes it beyond them is brought (see :func:`parse_iso_datetime`).
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def parse_iso_datetime(text):
    """An ISO 8601 date and time (``2026-11-26T18:30:00Z``; without an offset,
    in the site's time zone), in UTC; ``None`` when malformed.

    Any offset Python reads (up to ±23:59:59) is applied here: PostgreSQL
    refuses offsets of ±16:00 or more, so none reaches a query. An instant the
    offset takes before year 1 or after year 9999 becomes :data:`EARLIEST` or
    :data:`LATEST`: nothing is stored beyond them, so every comparison (the
    filters, the change feed's cursor) gives the same answer.
    """
    text = str(text).strip()
    try:
        value = datetime.datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        return None
    if "T" not in text:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        return EARLIEST if value.utcoffset() > datetime.timedelta(0) else LATEST


class DateTimeField(forms.DateTimeField):
    """An ISO 8601 date and time, nothing else; in UTC."""

    default_error_messages = {
        "invalid": _(
            "Malformed date and time “{input}”: expected ISO 8601, e.g. "
            "2026-11-26T18:30:00Z."
        )
    }

    def to_python(self, value):
        if value in (None, ""):
            return None
        found = parse_iso_datetime(value)
        if found is None:
            raise ValidationError(
                str(self.error_messages["invalid"]).format(input=shown(value))
            )
        return found


class IntegerField(forms.IntegerField):
    """A whole number within bounds."""

    default_error_messages = {
        "invalid": _("Expected a whole number, got “{input}”."),
        "min_value": _("Must be at least {min_value}."),
        "max_value": _("Must be at most {max_value}."),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.bounds = (min_value, max_value)
        self.validators = []

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            raise ValidationError(
                str(self.error_messages["invalid"]).format(input=shown(value))
            )
        number = int(text)
        low, high = self.bounds
        if low is not None and number < low:
            raise ValidationError(
                str(self.error_messages["min_value"]).format(min_value=low)
            )
        if high is not None and number > high:
            raise ValidationError(
                str(self.error_messages["max_value"]).format(max_value=high)
            )
        return number

    def schema_constraints(self):
        """What the OpenAPI schema of the parameter says of its bounds."""
        low, high = self.bounds
        return {
            key: bound
            for key, bound in (("minimum", low), ("maximum", high))
            if bound is not None
        }


class RepeatField(forms.Field):
    """A parameter given several times (``?tag=a&tag=b``), each value checked."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"max_length": _("At most {max_length} values.")}

    def __init__(self, child, *, max_length=MAX_REPEAT, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.pop("choices", None)
        super().__init__(**kwargs)
        self.child = child
        self.limit = max_length

    def to_python(self, value):
        values = [item for item in (value or []) if str(item).strip()]
        if len(values) > self.limit:
            raise ValidationError(
                str(self.error_messages["max_length"]).format(max_length=self.limit)
            )
        cleaned = [self.child.clean(item) for item in values]
        return list(dict.fromkeys(cleaned))

    def validate(self, value):
        """Each value was validated by the child field."""

    def schema_constraints(self):
        """What the OpenAPI schema of the parameter says of its bounds."""
        constraints = {"maxItems": self.limit}
        items = getattr(self.child, "schema_constraints", dict)()
        if items:
            constraints["items"] = items
        return constraints


# Filters: one query concern each, documented for the schema.


@extend_schema_field(OpenApiTypes.STR)
class RepeatFilter(django_filters.MultipleChoiceFilter):
    """A repeatable text parameter. Eg: ``?tag=numerique&tag=isolement``."""

    field_class = RepeatField

    def __init__(self, *args, child=None, **kwargs):
        kwargs["child"] = child or TextField()
        super().__init__(*args, **kwargs)


class RepeatChoiceFilter(django_filters.MultipleChoiceFilter):
    """A repeatable choice. Eg: ``?section_type=nuggets&section_type=questions``."""

    field_class = RepeatField

    def __init__(self, *args, choices=(), **kwargs):
        kwargs["child"] = ChoiceField(choices=choices, required=False)
        super().__init__(*args, choices=choices, **kwargs)


class TextFilter(django_filters.CharFilter):
    """A bounded text parameter. Eg: ``?series=ebullitions``."""

    field_class = TextField


class StrictDateFilter(django_filters.DateFilter):
    """An ISO date. Eg: ``?date_after=2021-01-01``."""

    field_class = DateField


@extend_schema_field(OpenApiTypes.DATETIME)
class StrictDateTimeFilter(django_filters.DateTimeFilter):
    """An ISO 8601 date and time. Eg: ``?updated_after=2026-11-26T18:30:00Z``."""

    field_class = DateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id. Eg: ``?recap=12``."""

    field_class = IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class OrderingChoiceFilter(django_filters.ChoiceFilter):
    """A sort order among named ones. Eg: ``?ordering=-date``."""

    field_class = ChoiceField

    def __init__(self, orderings, default, *args, **kwargs):
        self.orderings, self.default = orderings, default
        kwargs["choices"] = [
            (name, ORDERING_LABELS.get(name, name)) for name in orderings
        ]
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        return queryset.order_by(*self.orderings[value or self.default])


# Query helpers, shared by the filters.


def with_all_themes(queryset, slugs, field="pk"):
    """Rows of ``queryset`` whose edition (``field``) carries every theme of
    ``slugs``: one ``EXISTS`` per theme, probing the unique index of the tag
    links for each row. A page walked in reading order stops once full, so a
    theme of half the archive costs the same at 100,000 editions as at 1,000
    (0.7 ms on PostgreSQL, where a set of every edition carrying it, built
    first, took 40 ms); the link table's statistics let PostgreSQL choose a
    hash for a rare theme."""
    for slug in slugs:
        tagged = RecapPageTag.objects.filter(
            content_object=OuterRef(field), tag__slug=slug
        )
        queryset = queryset.filter(Exists(tagged))
    return queryset


def in_series(slug):
    """Condition on pages that are editions of the series ``slug``; matches
    nothing for an unknown series."""
    condition = Q(pk__in=[])
    for path, depth in RecapSeriesPage.objects.filter(slug=slug).values_list(
        "path", "depth"
    ):
        condition |= Q(path__startswith=path, depth=depth + 1)
    return condition


def date_range(field_name):
    """The ``date_after`` / ``date_before`` filters on the date ``field_name``
    (both inclusive); :class:`DateRangeForm` checks they are in order."""
    return (
        StrictDateFilter(
            field_name=field_name,
            lookup_expr="gte",
            label=_("From date"),
            help_text=_("Only editions held on or after this date (YYYY-MM-DD)."),
        ),
        StrictDateFilter(
            field_name=field_name,
            lookup_expr="lte",
            label=_("Until date"),
            help_text=_("Only editions held on or before this date (YYYY-MM-DD)."),
        ),
    )


class DateRangeForm(forms.Form):
    """``date_after`` must not be later than ``date_before``."""

    def clean(self):
        data = super().clean()
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and after > before:
            self.add_error("date_after", _("date_after is later than date_before."))
        return data


class EditionFilter(django_filters.FilterSet):
    """Filters of ``/api/v1/recaps/`` and of the reader search.

    ``search`` keeps the ``ordering`` (newest first by default); with
    ``rank=True`` (the reader search) and no ``ordering`` given, results come
    ranked by relevance instead, as a search-results object holding the newest
    :data:`~recaps.search.RANK_CANDIDATES` matches (their keys in
    ``ranked_keys``); every match, unranked, is then in ``matching``.
    """

    tag = RepeatFilter(
        method="filter_tag",
        label=_("Theme"),
        help_text=_(
            "Theme slug (e.g. numerique); repeat it to get the editions having "
            "all the themes. An unknown theme gives an empty list."
        ),
    )
    series = TextFilter(method="filter_series", help_text=_("Slug of the series."))
    date_after, date_before = date_range("date")
    section_type = RepeatChoiceFilter(
        choices=SECTION_TYPE_CHOICES,
        method="filter_section_type",
        label=_("Kind of section"),
        help_text=_(
            "Only editions having a section of this type; repeat it to require "
            "several types."
        ),
    )
    search = TextFilter(
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        label=_("Words to look for"),
        help_text=_(
            "Full-text search, French-aware, same engine as the site search; "
            "every word must match."
        ),
    )
    updated_after = StrictDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label=_("Changed after"),
        help_text=_(
            "Only editions whose public representation changed after this "
            "instant (ISO 8601, e.g. 2026-11-26T18:30:00Z; see updated_at)."
        ),
    )
    ordering = OrderingChoiceFilter(
        RECAP_ORDERINGS,
        "-date",
        help_text=_(
            "Sort order; newest first (-date) by default; updated_at / "
            "-updated_at for incremental sync."
        ),
    )
    slug = TextFilter(
        max_length=255, help_text=_("Slug of one edition (a one-item page).")
    )

    class Meta:
        model = RecapPage
        fields = []
        form = DateRangeForm

    def __init__(self, *args, rank=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rank = rank
        self.matching = None
        self.ranked_keys = None

    def filter_tag(self, queryset, name, slugs):
        return with_all_themes(queryset, slugs)

    def filter_series(self, queryset, name, slug):
        return queryset.filter(in_series(slug))

    def filter_section_type(self, queryset, name, kinds):
        return queryset.with_section_types(kinds)

    def filter_search(self, queryset, name, query):
        """Applied last, by :meth:`filter_queryset` (it may rank the results)."""
        return queryset

    def filter_queryset(self, queryset):
        """Every filter and the ordering (default when absent or invalid), then
        the full-text search."""
        data = self.form.cleaned_data
        needs_updated_at = data.get("updated_after") or data.get("ordering") in (
            "updated_at",
            "-updated_at",
        )
        if needs_updated_at and "updated_at" not in queryset.query.annotations:
            queryset = queryset.with_updated_at()
        queryset = super().filter_queryset(queryset)
        if "ordering" not in data:
            queryset = self.filters["ordering"].filter(queryset, None)
        query = data.get("search")
        if not query:
            return queryset
        self.matching = filter_by_search(queryset, query)
        if self.rank and not data.get("ordering"):
            self.ranked_keys = rank_candidates(self.matching)
            return search_editions(queryset.filter(pk__in=self.ranked_keys), query)
        return self.matching

    def messages(self):
        """One French message per filter that was dropped (reader search)."""
        return [
            _("The filter “%(label)s” was ignored: %(error)s")
            % {"label": self.filters[name].label or name, "error": " ".join(errors)}
            for name, errors in self.errors.items()
            if name in self.filters
        ]


class SectionFilter(django_filters.FilterSet):
    """Filters of ``/api/v1/sections/`` (on the section index)."""

    type = RepeatChoiceFilter(
        choices=SECTION_TYPE_CHOICES,
        method="filter_type",
        help_text=_("Section type; repeat it to get sections of any of the types."),
    )
    tag = RepeatFilter(
        method="filter_tag",
        help_text=_(
            "Theme slug: sections of the editions having this theme (repeat it "
            "to require all of them)."
        ),
    )
    recap = IdFilter(field_name="edition_id", help_text=_("Id of one edition."))
    search = TextFilter(
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            "Sections whose own text contains every word (accents and case "
            "ignored, prefixes match)."
        ),
    )
    date_after, date_before = date_range("edition_date")

    class Meta:
        model = RecapSection
        fields = []
        form = DateRangeForm

    def filter_type(self, queryset, name, kinds):
        return queryset.filter(type__in=kinds) if kinds else queryset

    def filter_tag(self, queryset, name, slugs):
        return with_all_themes(queryset, slugs, field="edition_id")

    def filter_search(self, queryset, name, query):
        return filter_by_words(queryset, query)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).in_reading_order()


class ThemeFilter(django_filters.FilterSet):
    """Filters of ``/api/v1/tags/``: only the order."""

    ordering = OrderingChoiceFilter(
        TAG_ORDERINGS,
        "name",
        help_text=_("Sort order: by name (default) or by number of editions."),
    )

    class Meta:
        fields = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "ordering" not in self.form.cleaned_data:
            queryset = self.filters["ordering"].filter(queryset, None)
        return queryset
