"""Reader search across published editions."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from recaps.blocks import section_labels
from recaps.filters import EditionFilter
from recaps.models import RecapEntry, RecapPage, RecapSection
from recaps.models.themes import published_themes, themes_with_counts
from recaps.search import RANK_CANDIDATES, clean_query, find_snippet

RESULTS_PER_PAGE = 10


def _query_string(request, **changes):
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def filter_data(request, query):
    """The reader's parameters in the API's names: ``type`` is ``section_type``,
    ``query`` is ``search``; ``tag`` and ``type`` may be repeated."""
    data = request.GET.copy()
    data.setlist("section_type", request.GET.getlist("type"))
    data.pop("type", None)
    data["search"] = query
    for key in list(data):
        values = [value for value in data.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    return data


def search(request):
    """``/search/?query=…&tag=…&type=…&date_after=…&date_before=…&page=…``."""
    query = clean_query(request.GET.get("query") or request.GET.get("q") or "")
    published = RecapPage.objects.published()
    filterset = EditionFilter(
        filter_data(request, query),
        queryset=published.prefetch_related("tags"),
        request=request,
        rank=True,
    )
    messages = filterset.messages()
    chosen = filterset.form.cleaned_data
    # Only themes of published editions may be named (never a draft's theme).
    all_themes = published_themes()
    themes = list(all_themes.filter(slug__in=chosen.get("tag") or []))
    if len(themes) < len(chosen.get("tag") or []):
        messages.append(_("Unknown theme, the filter was ignored."))
        filterset.form.cleaned_data["tag"] = [theme.slug for theme in themes]
    types = chosen.get("section_type") or []
    active_filters = bool(
        themes or types or chosen.get("date_after") or chosen.get("date_before")
    )

    context = {
        "search_query": query,
        "filter_messages": messages,
        "selected_themes": themes,
        "selected_theme": themes[0] if themes else None,
        "selected_types": types,
        "selected_type": types[0] if types else "",
        "type_choices": [("", _("All kinds of sections")), *section_labels().items()],
        "date_after": chosen.get("date_after"),
        "date_before": chosen.get("date_before"),
        "section_labels": section_labels(),
        "extra_query": _query_string(request),
        "search_results": None,
    }
    if not query and not active_filters:
        context["themes"] = list(all_themes)
        return TemplateResponse(request, "search/search.html", context)

    results = filterset.qs
    matching = filterset.matching if query else results
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    # Only the newest RANK_CANDIDATES matches are ranked: when the ranking is
    # full, count every match to say how many there are.
    shown = page.paginator.count
    bounded = filterset.ranked_keys is not None and shown >= RANK_CANDIDATES
    count = shown
    if bounded:
        # With the search alone, counted in the index of the editions' words
        # where the database has one.
        count = None if active_filters else RecapEntry.objects.count_matching(query)
        count = matching.count() if count is None else count
    context["result_count"] = count
    context["ranked_count"] = shown if bounded else None
    sections = (
        RecapSection.objects.by_edition([edition.pk for edition in page])
        if query
        else {}
    )
    for edition in page:
        edition.snippet = (
            find_snippet(edition, sections.get(edition.pk, []), query, types)
            if query
            else None
        )
    context["search_results"] = page
    if page.paginator.count:
        # Themes among the listed (ranked) results.
        listed = (
            RecapPage.objects.filter(pk__in=filterset.ranked_keys)
            if filterset.ranked_keys is not None
            else matching
        )
        context["facets"] = list(themes_with_counts(listed))
        for facet in context["facets"]:
            facet.filter_query = _query_string(request, tag=facet.slug)
    else:
        context["themes"] = list(all_themes)
    return TemplateResponse(request, "search/search.html", context)
