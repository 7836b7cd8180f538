"""A Python client generated from ``/api/v1/schema/`` reads every endpoint.

openapi-python-client (the generator sister sites' developers use) builds a
client from the live schema in a subprocess; the test then imports it and
pages through every endpoint of a live server holding the demo content plus
factory editions. Any response the client cannot parse fails the test
(``raise_on_unexpected_status`` and the generated ``from_dict`` parsers).
"""

import datetime
import importlib
import subprocess
import sys
import urllib.request
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.api.helpers import rich_body

# serialized_rollback: the flush after a transactional test would otherwise
# take the root page and site created by migrations away from later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "recaps_api_client"


@pytest.fixture
def content(settings):
    """The demo content (``load_demo``) and factory editions of every format."""
    from recaps.models import RecapSeriesPage
    from tests.factories import RecapPageFactory

    settings.RECAPS_API_THROTTLE_RATE = None
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    series = RecapSeriesPage.objects.get()
    for number, meeting_format in enumerate(["visio", "presentiel", "hybride"], 10):
        RecapPageFactory(
            parent=series,
            edition_number=number,
            date=datetime.date(2021, 1, 1) + datetime.timedelta(weeks=number),
            format=meeting_format,
            tags=["numérique", f"thème {number}"],
            body=rich_body(number),
        )
    return series


def generate_client(schema_url, directory):
    schema = directory / "schema.yaml"
    with urllib.request.urlopen(schema_url, timeout=30) as response:  # noqa: S310
        schema.write_bytes(response.read())
    completed = subprocess.run(  # noqa: S603
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # Warnings mean parts of the schema the generator could not type.
    assert "Warning" not in completed.stdout, completed.stdout
    sys.path.insert(0, str(directory))
    importlib.invalidate_caches()
    try:
        modules = {
            name: importlib.import_module(f"{PACKAGE}.{name}")
            for name in (
                "client",
                "models",
                "api.sommaire.api_index",
                "api.recaps.recaps_list",
                "api.recaps.recaps_retrieve",
                "api.changes.changes_list",
                "api.sections.sections_list",
                "api.tags.tags_list",
            )
        }
    finally:
        sys.path.remove(str(directory))
    return modules


def pages(operation, client, **params):
    """Every page of a list operation, following ``next`` to its end."""
    number, seen = 1, []
    while True:
        page = operation.sync(client=client, page=number, page_size=2, **params)
        seen.extend(page.results)
        if not page.next_:
            assert len(seen) == page.count
            return seen
        number += 1


def test_generated_client_pages_through_every_endpoint(
    live_server, content, tmp_path, settings
):
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    api = generate_client(f"{live_server.url}/api/v1/schema/", tmp_path)
    models = api["models"]
    client = api["client"].Client(
        base_url=live_server.url, raise_on_unexpected_status=True
    )

    index = api["api.sommaire.api_index"].sync(client=client)
    assert index.recaps.endswith("/api/v1/recaps/")

    # Named enum values, one enum per concept.
    ordering = models.RecapsListOrderingEnum
    assert {member.name for member in ordering} == {
        "DATE_ASC",
        "DATE_DESC",
        "EDITION_NUMBER_ASC",
        "EDITION_NUMBER_DESC",
        "UPDATED_AT_ASC",
        "UPDATED_AT_DESC",
    }
    assert models.SectionTypeEnum.NUGGETS.value == "nuggets"
    assert models.MeetingFormatEnum.HYBRIDE.value == "hybride"

    recaps = pages(api["api.recaps.recaps_list"], client)
    assert len(recaps) == 6  # three demo editions, three factory ones
    assert {recap.format_ for recap in recaps} == set(models.MeetingFormatEnum)
    for member in ordering:
        ordered = pages(api["api.recaps.recaps_list"], client, ordering=member)
        assert sorted(r.id for r in ordered) == sorted(r.id for r in recaps)
    by_kind = pages(
        api["api.recaps.recaps_list"],
        client,
        section_type=[models.SectionTypeEnum.NUGGETS],
    )
    assert by_kind and all(
        models.SectionTypeEnum.NUGGETS in recap.section_types for recap in by_kind
    )

    retrieve = api["api.recaps.recaps_retrieve"]
    for recap in recaps:
        detail = retrieve.sync(client=client, id=recap.id)
        assert detail.id == recap.id and detail.title == recap.title
        assert all(isinstance(s.type_, models.SectionTypeEnum) for s in detail.body)

    # Revalidation: the ETag sent back gives a typed 304 without a body, the
    # Last-Modified date too; a stale ETag gives the edition again.
    first = retrieve.sync_detailed(client=client, id=recaps[0].id)
    assert first.status_code == HTTPStatus.OK
    again = retrieve.sync_detailed(
        client=client, id=recaps[0].id, if_none_match=first.headers["ETag"]
    )
    assert again.status_code == HTTPStatus.NOT_MODIFIED and again.parsed is None
    assert again.headers["ETag"] == first.headers["ETag"]
    since = retrieve.sync_detailed(
        client=client,
        id=recaps[0].id,
        if_modified_since=first.headers["Last-Modified"],
    )
    assert since.status_code == HTTPStatus.NOT_MODIFIED
    stale = retrieve.sync_detailed(client=client, id=recaps[0].id, if_none_match='"x"')
    assert stale.status_code == HTTPStatus.OK and stale.parsed.id == recaps[0].id
    listed = api["api.recaps.recaps_list"]
    page = listed.sync_detailed(client=client)
    assert (
        listed.sync_detailed(
            client=client, if_none_match=page.headers["ETag"]
        ).status_code
        == HTTPStatus.NOT_MODIFIED
    )

    sections = pages(api["api.sections.sections_list"], client)
    assert len(sections) >= 6 * 3
    assert {s.type_ for s in sections} >= {
        models.SectionTypeEnum.NUGGETS,
        models.SectionTypeEnum.RESOURCES,
    }
    # The change feed, followed by its cursor to the end.
    changes = api["api.changes.changes_list"]
    feed = changes.sync(client=client, page_size=2)
    seen = list(feed.results)
    while feed.has_more:
        feed = changes.sync(client=client, since=feed.next_, page_size=2)
        seen += feed.results
    assert {entry.id for entry in seen} == {recap.id for recap in recaps}

    resources = pages(
        api["api.sections.sections_list"],
        client,
        type_=[models.SectionTypeEnum.RESOURCES],
    )
    assert resources and {s.type_ for s in resources} == {
        models.SectionTypeEnum.RESOURCES
    }

    tags = pages(api["api.tags.tags_list"], client)
    assert "numerique" in {tag.slug for tag in tags}
    for member in models.TagsListOrderingEnum:
        assert len(pages(api["api.tags.tags_list"], client, ordering=member)) == len(
            tags
        )
