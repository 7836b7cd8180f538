"""The benchmark's instrumentation (``cms.bench``)."""

import pytest
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import RequestFactory

from cms.bench import QueryCountMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("queries", [0, 1, 3])
def test_the_query_count_header_counts_the_statements_of_the_response(queries):
    def view(request):
        for _ in range(queries):
            Group.objects.exists()
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))
    assert response["X-Queries"] == str(queries)
