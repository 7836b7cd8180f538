"""Benchmark-only pieces, enabled by ``cms.settings.bench`` alone."""

from django.db import connection
from django.http import JsonResponse
from django.test.utils import CaptureQueriesContext


class QueryCountMiddleware:
    """Report the SQL queries of each request in an ``X-Queries`` header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with CaptureQueriesContext(connection) as queries:
            response = self.get_response(request)
        response["X-Queries"] = str(len(queries))
        return response


def floor(request):
    """The floor of the benchmark: the cheapest JSON response Django can give."""
    return JsonResponse({"status": "ok"})
