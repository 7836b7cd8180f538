"""Log lines while the database is down: one per failed request.

Django logs every request it answers 503 with the whole chain of
tracebacks; ``cms.logging.DatabaseOutage`` (installed on ``django.request``
by the settings) keeps one full traceback per interval and a line per
request otherwise. Records are counted and formatted as the console
handler does, never timed.
"""

import datetime
import logging
from unittest import mock

import pytest
import time_machine
from django.db import InterfaceError

from cms.logging import DatabaseOutage

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
URLS = ["/", "/ebullitions/", "/api/v1/recaps/", "/search/?query=moment"]


@pytest.fixture
def outage_filter():
    """The settings' filter on ``django.request``, as after a restart."""
    # Logging may have been configured again by an earlier test of the same
    # process: every copy of the filter starts afresh.
    found = [
        log_filter
        for log_filter in logging.getLogger("django.request").filters
        if isinstance(log_filter, DatabaseOutage)
    ]
    assert found
    for log_filter in found:
        log_filter._last = None
    yield found[0]
    for log_filter in found:
        log_filter._last = None


def request_lines(caplog, client, url):
    """The status of ``url`` and the lines ``django.request`` logged for it."""
    caplog.clear()
    status = client.get(url).status_code
    formatter = logging.Formatter()
    lines = [
        line
        for record in caplog.records
        if record.name == "django.request"
        for line in formatter.format(record).splitlines()
    ]
    return status, lines


def at(seconds):
    return time_machine.travel(NOW + datetime.timedelta(seconds=seconds), tick=False)


def test_one_line_per_failed_request_and_one_traceback_per_interval(
    client, series, database_down, outage_filter, caplog
):
    client.raise_request_exception = False
    caplog.set_level(logging.WARNING)
    with at(0):
        status, first = request_lines(caplog, client, URLS[0])
    assert status == 503
    assert first[0] == "Service Unavailable: /" and "Traceback" in first[1]
    interval = outage_filter.interval
    for seconds in (1, interval / 2, interval - 1):
        with at(seconds):
            for url in URLS:
                status, lines = request_lines(caplog, client, url)
                assert status == 503, url
                assert len(lines) == 1, lines
                path = url.split("?")[0]
                assert lines[0].startswith(f"Service Unavailable: {path}: "), lines
                assert "database unreachable: connection to server failed" in lines[0]
    with at(interval + 1):
        _, again = request_lines(caplog, client, URLS[1])
    assert "Traceback" in again[1]  # the next interval's full record


def test_other_errors_keep_their_traceback(client, series, outage_filter, caplog):
    client.raise_request_exception = False
    caplog.set_level(logging.WARNING)
    with mock.patch(
        "recaps.models.RecapSeriesPage.get_context", side_effect=RuntimeError("bug")
    ):
        for _ in range(2):
            status, lines = request_lines(caplog, client, series.url)
            assert status == 500
            assert "Traceback (most recent call last):" in lines
            assert lines[-1] == "RuntimeError: bug"


def test_a_database_error_deeper_in_the_chain_is_recognised():
    """Whatever wraps it (a view's own error), the database error is named."""
    try:
        raise RuntimeError("wrapped") from InterfaceError("connection already closed")
    except RuntimeError as error:
        exc_info = (type(error), error, error.__traceback__)
    outage = DatabaseOutage(interval=300)
    records = [
        logging.LogRecord(
            "django.request", logging.ERROR, __file__, 0, "Failed: %s", ("/",), exc_info
        )
        for _ in range(2)
    ]
    with at(0):
        assert all(outage.filter(record) for record in records)
    assert records[0].exc_info is not None
    assert records[1].exc_info is None
    assert records[1].getMessage() == (
        "Failed: /: database unreachable: connection already closed "
        "(full traceback once per 300 s)"
    )
