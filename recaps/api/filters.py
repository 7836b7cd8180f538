"""Query parameters of the API: validation (French messages) and filtering.

Each endpoint declares its parameters as a serializer; drf-spectacular turns
the same serializer into the documented query parameters, so the schema and
the validation cannot disagree.
"""

import datetime
import re

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..blocks import SECTION_TYPES
from ..models import RecapPage, RecapPageTag, RecapSeriesPage
from ..search import MAX_QUERY_LENGTH, results_queryset, search_editions
from .exceptions import shown

MAX_REPEAT = 10
MAX_PAGE_NUMBER = 1_000_000
MAX_ID = 2**31 - 1
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

RECAP_ORDERINGS = {
    "-date": ("-date", "-edition_number", "-pk"),
    "date": ("date", "edition_number", "pk"),
    "-edition_number": ("-edition_number", "-date", "-pk"),
    "edition_number": ("edition_number", "date", "pk"),
}
TAG_ORDERINGS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "recap_count": ("recap_count", "name", "pk"),
    "-recap_count": ("-recap_count", "name", "pk"),
}


class TextParam(serializers.CharField):
    """A short piece of text: no NUL character, bounded length."""

    default_error_messages = {
        "null_characters": _("Null characters are not allowed."),
        "surrogate_characters": _("Invalid characters."),
        "max_length": _("Too long: at most {max_length} characters."),
        "blank": _("This value may not be blank."),
        "invalid": _("Expected text."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


class ChoiceParam(serializers.ChoiceField):
    """One value among a fixed list; the error lists the possible values."""

    default_error_messages = {
        "invalid_choice": _("Unknown value “{input}”. Possible values: {choices}.")
    }

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices, **kwargs)

    def to_internal_value(self, data):
        if str(data) not in self.choice_strings_to_values:
            self.fail(
                "invalid_choice",
                input=shown(data),
                choices=", ".join(self.choice_strings_to_values),
            )
        return self.choice_strings_to_values[str(data)]


class DateParam(serializers.DateField):
    """An ISO date (YYYY-MM-DD)."""

    default_error_messages = {
        "invalid": _("Malformed date “{input}”: expected YYYY-MM-DD.")
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        text = str(value).strip()
        if _ISO_DATE.fullmatch(text):
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
        self.fail("invalid", input=shown(value))


class IntegerParam(serializers.IntegerField):
    """A whole number within bounds."""

    default_error_messages = {
        "invalid": _("Expected a whole number, got “{input}”."),
        "min_value": _("Must be at least {min_value}."),
        "max_value": _("Must be at most {max_value}."),
        "max_string_length": _("Expected a whole number, got “{input}”."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = str(data).strip()
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            self.fail("invalid", input=shown(data))
        return int(text)


class RepeatParam(serializers.ListField):
    """A parameter that may be given several times (``?tag=a&tag=b``)."""

    default_error_messages = {
        "max_length": _("At most {max_length} values."),
        "not_a_list": _("Expected a list of values."),
        "empty": _("This list may not be empty."),
        "min_length": _("At least {min_length} values."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_REPEAT)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return list(dict.fromkeys(values))


def _search_param():
    return TextParam(
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            "Full-text search, French-aware, same engine as the site search; "
            "every word must match."
        ),
    )


class PageParams(serializers.Serializer):
    """Pagination parameters shared by the lists."""

    page = IntegerParam(
        min_value=1,
        max_value=MAX_PAGE_NUMBER,
        help_text=_("Page number, from 1. A page beyond the last one answers 404."),
    )
    page_size = IntegerParam(
        min_value=1,
        max_value=10**9,
        help_text=_(
            "Results per page: 20 by default, at most 100 (larger values are cut)."
        ),
    )


class DateRangeParams(serializers.Serializer):
    """``date_after`` / ``date_before``, both inclusive."""

    date_after = DateParam(
        help_text=_("Only editions held on or after this date (YYYY-MM-DD).")
    )
    date_before = DateParam(
        help_text=_("Only editions held on or before this date (YYYY-MM-DD).")
    )

    def validate(self, attrs):
        after, before = attrs.get("date_after"), attrs.get("date_before")
        if after and before and after > before:
            raise serializers.ValidationError(
                {"date_after": [_("date_after is later than date_before.")]}
            )
        return attrs


class RecapParams(PageParams, DateRangeParams):
    """Query parameters of ``/recaps/``."""

    tag = RepeatParam(
        child=TextParam(),
        help_text=_(
            "Theme slug (e.g. numerique); repeat it to get the editions having "
            "all the themes. An unknown theme gives an empty list."
        ),
    )
    series = TextParam(help_text=_("Slug of the series."))
    section_type = RepeatParam(
        child=ChoiceParam(SECTION_TYPES),
        help_text=_(
            "Only editions having a section of this type; repeat it to require "
            "several types."
        ),
    )
    search = _search_param()
    ordering = ChoiceParam(
        list(RECAP_ORDERINGS),
        help_text=_("Sort order; newest first (-date) by default."),
    )
    slug = TextParam(
        max_length=255, help_text=_("Slug of one edition (a one-item page).")
    )


class SectionParams(PageParams, DateRangeParams):
    """Query parameters of ``/sections/``."""

    type = RepeatParam(
        child=ChoiceParam(SECTION_TYPES),
        help_text=_("Section type; repeat it to get sections of any of the types."),
    )
    tag = RepeatParam(
        child=TextParam(),
        help_text=_(
            "Theme slug: sections of the editions having this theme (repeat it "
            "to require all of them)."
        ),
    )
    recap = IntegerParam(
        min_value=1, max_value=MAX_ID, help_text=_("Id of one edition.")
    )
    search = TextParam(
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            "Sections whose own text contains every word (accents and case "
            "ignored, prefixes match)."
        ),
    )


class TagParams(PageParams):
    """Query parameters of ``/tags/``."""

    ordering = ChoiceParam(
        list(TAG_ORDERINGS),
        help_text=_("Sort order: by name (default) or by number of editions."),
    )


def published_editions():
    """What the API may show: live, public, not scheduled, not expired."""
    return RecapPage.objects.published()


def having_all_tags(slugs):
    """Subquery of the edition ids carrying every theme of ``slugs``."""
    return (
        RecapPageTag.objects.filter(tag__slug__in=slugs)
        .values("content_object")
        .annotate(matched=Count("tag", distinct=True))
        .filter(matched=len(slugs))
        .values("content_object")
    )


def _in_series(slug):
    condition = Q()
    for path, depth in RecapSeriesPage.objects.filter(slug=slug).values_list(
        "path", "depth"
    ):
        condition |= Q(path__startswith=path, depth=depth + 1)
    return condition


def filter_editions(queryset, params):
    """Apply tag, series, dates and slug; these are plain database filters."""
    if params.get("tag"):
        queryset = queryset.filter(pk__in=having_all_tags(params["tag"]))
    if "series" in params:
        condition = _in_series(params["series"])
        queryset = queryset.filter(condition) if condition else queryset.none()
    if "date_after" in params:
        queryset = queryset.filter(date__gte=params["date_after"])
    if "date_before" in params:
        queryset = queryset.filter(date__lte=params["date_before"])
    if "slug" in params:
        queryset = queryset.filter(slug=params["slug"])
    if "recap" in params:
        queryset = queryset.filter(pk=params["recap"])
    return queryset


def filter_by_search(queryset, query):
    """Editions of ``queryset`` matching the full-text ``query``.

    The result stays a plain queryset (one subquery on the search index), so
    that any filter, ordering and pagination combine with it on every database.
    """
    matching = search_editions(queryset, query)
    return queryset.filter(
        pk__in=results_queryset(matching, queryset.model).values("pk")
    )
