"""Benchmark-only pieces, enabled by ``cms.settings.bench`` alone."""

from django.db import connection
from django.http import JsonResponse


class QueryCountMiddleware:
    """Report the SQL queries of each request in an ``X-Queries`` header.

    Counted by an execute wrapper, which costs a function call per query:
    ``CaptureQueriesContext`` would switch on Django's debug cursor, which
    formats and logs every statement and so slows the endpoints measured in
    proportion to their number of queries. Django's connection health check
    (``CONN_HEALTH_CHECKS``) runs below the wrappers and is not counted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response


def floor(request):
    """The floor of the benchmark: the cheapest JSON response Django can give."""
    return JsonResponse({"status": "ok"})
