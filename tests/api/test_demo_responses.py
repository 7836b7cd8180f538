"""The API's answers on the demo content are byte for byte those recorded.

``tests/api/data/demo_responses.json`` holds the body of every endpoint on the
demo content (``load_demo``) plus one factory edition with links and free
text, recorded from the code before the section kinds were declared in one
place (issue 23). Values that differ between runs are replaced by stable
tokens: page ids (by page slug), UUIDs (by first appearance); time is frozen.

Re-record (only for a deliberate change of the API, said in the commit) with
``RECORD_API_RESPONSES=1 pytest tests/api/test_demo_responses.py``.
"""

import datetime
import io
import json
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from wagtail.models import Page

from recaps.blocks import SECTION_TYPES
from recaps.models import RecapPage, RecapSeriesPage
from tests.api.helpers import rich_body
from tests.factories import RecapPageFactory

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "data" / "demo_responses.json"
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def demo(settings, root_page):
    settings.RECAPS_API_THROTTLE_RATE = None
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    with time_machine.travel(NOW, tick=False):
        call_command("load_demo", stdout=io.StringIO())
        series = RecapSeriesPage.objects.get()
        RecapPageFactory(
            parent=series,
            edition_number=10,
            title="Édition riche",
            date=datetime.date(2021, 3, 5),
            tags=["numérique", "thème riche"],
            body=rich_body(10),
        )
        yield series


def urls():
    """Every endpoint on the demo content, editions by slug (``{slug}``)."""
    found = [
        "/api/v1/",
        "/api/v1/recaps/",
        "/api/v1/recaps/?ordering=date",
        "/api/v1/recaps/?search=numerique",
        "/api/v1/sections/?page_size=100",
        "/api/v1/tags/",
        "/api/v1/changes/",
        "/api/v1/schema/?format=json",
    ]
    for slug in RecapPage.objects.order_by("path").values_list("slug", flat=True):
        found.append(f"/api/v1/recaps/{{{slug}}}/")
    for kind in SECTION_TYPES:
        found.append(f"/api/v1/sections/?type={kind}&page_size=100")
        found.append(f"/api/v1/recaps/?section_type={kind}")
    return found


def normalised(body, tokens):
    """``body`` with page ids and UUIDs replaced by stable tokens."""
    for pk, token in tokens.items():
        body = re.sub(rb'"id":%d([,}])' % pk, rb'"id":"%s"\1' % token, body)
        body = re.sub(rb"/(recaps|pages)/%d/" % pk, rb"/\1/%s/" % token, body)
        # The change feed's cursors end with an edition id.
        body = re.sub(rb"([0-9]{1,20})-%d([\"&])" % pk, rb"\1-%s\2" % token, body)
    seen = {}

    def uuid(match):
        return b"uuid-%d" % seen.setdefault(match.group(), len(seen))

    return UUID.sub(uuid, body).decode()


def responses(client):
    pages = Page.objects.filter(depth__gt=1).order_by("path")
    tokens = {pk: slug.encode() for pk, slug in pages.values_list("pk", "slug")}
    ids = {slug: pk for pk, slug in pages.values_list("pk", "slug")}
    found = {}
    with time_machine.travel(NOW, tick=False):
        for url in urls():
            real = re.sub(r"\{(.+)\}", lambda m: str(ids[m.group(1)]), url)
            response = client.get(real)
            assert response.status_code == 200, (url, response.content[:300])
            found[url] = normalised(response.content, tokens)
    return found


def test_demo_responses_are_unchanged(client, demo):
    found = responses(client)
    if os.environ.get("RECORD_API_RESPONSES"):
        RECORDED.parent.mkdir(exist_ok=True)
        RECORDED.write_text(
            json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert list(found) == list(recorded)
    for url, body in recorded.items():
        assert found[url] == body, url
