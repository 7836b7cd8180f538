"""Fixtures for the reader pages (editions in every publication state:
``hidden_editions`` in ``tests/conftest.py``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def count_queries(client, uncached):
    """GET a URL, assert a 200 and return the number of queries its view ran."""

    def get(url, **params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200, response.status_code
        return len(queries)

    return get
