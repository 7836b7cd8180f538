"""Reader search across published editions."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from recaps.blocks import section_labels
from recaps.models import RecapPage, Theme
from recaps.models.themes import themes_with_counts
from recaps.search import (
    clean_query,
    filter_section_type,
    find_snippet,
    results_queryset,
    search_editions,
)

from .forms import SearchFilterForm

RESULTS_PER_PAGE = 10


def _filtered_editions(filters, messages):
    """Published editions narrowed by the valid filters; returns (qs, theme)."""
    editions = RecapPage.objects.published()
    theme = None
    if filters.get("tag"):
        # Only a theme of a published edition: a theme used by drafts alone is
        # answered as unknown, never named.
        theme = (
            Theme.objects.filter(
                slug=filters["tag"], tagged_recaps__content_object__in=editions
            )
            .distinct()
            .first()
        )
        if theme is None:
            messages.append(_("Unknown theme, the filter was ignored."))
        else:
            editions = editions.filter(tagged_items__tag=theme)
    if filters.get("type"):
        editions = filter_section_type(editions, filters["type"])
    if filters.get("date_after"):
        editions = editions.filter(date__gte=filters["date_after"])
    if filters.get("date_before"):
        editions = editions.filter(date__lte=filters["date_before"])
    return editions, theme


def _query_string(request, **changes):
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def search(request):
    """``/search/?query=…&tag=…&type=…&date_after=…&date_before=…&page=…``."""
    raw_query = request.GET.get("query") or request.GET.get("q") or ""
    query = clean_query(raw_query)
    form = SearchFilterForm(request.GET)
    filters = form.valid_filters()
    messages = form.ignored_messages()
    editions, theme = _filtered_editions(filters, messages)
    active_filters = bool(
        theme
        or filters.get("type")
        or filters.get("date_after")
        or filters.get("date_before")
    )

    context = {
        "search_query": query,
        "form": form,
        "filter_messages": messages,
        "selected_theme": theme,
        "selected_type": filters.get("type", ""),
        "section_labels": section_labels(),
        "extra_query": _query_string(request),
        "search_results": None,
    }
    all_themes = themes_with_counts(RecapPage.objects.published())
    if query:
        results = search_editions(editions.prefetch_related("tags"), query)
        matching = results_queryset(results, RecapPage)
    elif active_filters:
        results = editions.order_by("-date", "-edition_number").prefetch_related("tags")
        matching = editions
    else:
        context["themes"] = list(all_themes)
        return TemplateResponse(request, "search/search.html", context)

    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    for edition in page:
        edition.snippet = (
            find_snippet(edition, query, filters.get("type")) if query else None
        )
    context["search_results"] = page
    if page.paginator.count:
        context["facets"] = list(themes_with_counts(matching))
        for facet in context["facets"]:
            facet.filter_query = _query_string(request, tag=facet.slug)
    else:
        context["themes"] = list(all_themes)
    return TemplateResponse(request, "search/search.html", context)
