"""Reader search across published editions."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from recaps.models import RecapPage

RESULTS_PER_PAGE = 10
MAX_QUERY_LENGTH = 200


def clean_query(raw):
    """Drop characters no search backend should see (NUL, lone surrogates)."""
    text = (raw or "")[:MAX_QUERY_LENGTH]
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return " ".join(text.replace("\x00", " ").split())


def search(request):
    query = clean_query(request.GET.get("query") or request.GET.get("q"))
    results = []
    if query:
        results = RecapPage.objects.live().public().search(query)
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "search/search.html", {"search_query": query, "search_results": page}
    )
