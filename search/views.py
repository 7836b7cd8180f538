"""Reader search across published editions."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from recaps.models import RecapPage
from recaps.search import clean_query, search_editions

RESULTS_PER_PAGE = 10


def search(request):
    query = clean_query(request.GET.get("query") or request.GET.get("q"))
    results = []
    if query:
        results = search_editions(RecapPage.objects.published(), query)
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "search/search.html", {"search_query": query, "search_results": page}
    )
