"""Schemathesis against the API's own OpenAPI document, over the demo content.

Every operation of ``/api/v1/schema/`` is called with generated requests,
valid and invalid (a fixed seed, a bounded number of examples), through the
WSGI application in-process (no server, no port), and every response goes
through every check Schemathesis has (the CLI's ``--checks all``): no server
error, only documented status codes, content types and headers, bodies valid
against the schema, valid data accepted, invalid data refused.

Schemathesis' pytest plugin (``from_fixture``) does not run on pytest 9, so
the test drives Hypothesis itself with each operation's strategy, as
Schemathesis documents for use with Hypothesis.
"""

import io
from collections import Counter

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from tests.api.helpers import API
from tests.reporting import report

pytestmark = pytest.mark.django_db

SEED = 29
#: Generated requests per operation and mode: the two modes over the six
#: operations send about 400 requests.
MAX_EXAMPLES = 40


@pytest.fixture
def api_schema(settings):
    """The schema the API serves, loaded over WSGI, the demo content
    (``load_demo``) in the database.

    As Django's test client does, requests keep the test's connection: closing
    it at the end of each request would end the test's transaction (on
    PostgreSQL the next request would find no database: 503).
    """
    settings.RECAPS_API_THROTTLE_RATE = None
    call_command("load_demo", stdout=io.StringIO())
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            API + "schema/?format=json", get_wsgi_application()
        )
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


def dates_in_order(case):
    """``date_after`` later than ``date_before`` answers 400: a constraint
    between two parameters, which OpenAPI cannot state."""
    query = case.query or {}
    after, before = query.get("date_after"), query.get("date_before")
    return not (isinstance(after, str) and isinstance(before, str) and after > before)


def query_parameters(operation, *types):
    """Names of the query parameters whose values have one of ``types``
    (``"string"``, ``"array"``: repeated strings), from the schema's own
    declaration."""
    declared = operation.schema.raw_schema["paths"][operation.path]

    def has_type(schema):
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            return all(has_type(alternative) for alternative in alternatives)
        return schema.get("type") in types

    return {
        parameter["name"]
        for parameter in declared[operation.method.lower()].get("parameters", [])
        if parameter.get("in") == "query" and has_type(parameter.get("schema", {}))
    }


def carried_by_a_query_string(case):
    """Invalid cases a query string can tell from valid ones: a text parameter
    given a number, an object or a nested list is sent as its text (a dict as
    its keys), which may well be a valid value, and Schemathesis then blames
    the API for accepting it; a repeated parameter given one string is sent as
    a list of one; a blank value is an absent one."""
    texts = query_parameters(case.operation, "string", "array")
    repeated = query_parameters(case.operation, "array")
    for name, value in (case.query or {}).items():
        values = value if isinstance(value, list) else [value]
        if name in texts and not all(isinstance(item, str) for item in values):
            return False
        if name in repeated and not isinstance(value, list):
            return False
        # Blank values count as absent (the schema's allowEmptyValue).
        if any(isinstance(item, str) and not item.strip() for item in values):
            return False
    return True


def has_parameters(operation):
    return bool(len(operation.query) or len(operation.path_parameters))


def run(operation, mode, answers):
    """``MAX_EXAMPLES`` requests to ``operation`` in ``mode``, every check;
    the status codes received are counted in ``answers``."""
    checks = CHECKS.get_all()  # the OpenAPI ones register with the schema
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = strategy.filter(dates_in_order)
    else:
        strategy = strategy.filter(carried_by_a_query_string)

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    def call(case):
        response = case.call_and_validate(checks=checks)
        answers[response.status_code] += 1

    call()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_api_conforms_to_its_schema(api_schema, mode, capsys):
    answers = Counter()
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not has_parameters(operation):
            continue  # nothing invalid to send to the index
        try:
            run(operation, mode, answers)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001
            failures.append(f"{operation.label}: {str(error)[:3000]}")
    total = sum(answers.values())
    report(
        capsys,
        f"schemathesis ({mode}, seed {SEED}): {total} requests, "
        f"{len(failures)} failing operations, statuses {dict(sorted(answers.items()))}",
    )
    assert not failures, "\n\n".join(failures)
    assert total >= 4 * MAX_EXAMPLES, answers
    assert 500 not in answers
