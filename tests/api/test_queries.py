"""Query counts per request do not grow with editions, sections, items or tags;
themes are counted once, when editions are published (ThemeCount); sections
are counted without reading the pages."""

import datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Page

from recaps.models import RecapPageTag, RecapSection
from recaps.models import sections as sections_module
from recaps.models.sections import HIDDEN_IDS_MAX
from tests.api.helpers import API
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db


def with_document(data, document):
    """Point every link of raw section data at ``document``."""
    if isinstance(data, dict):
        if "document" in data:
            data["document"] = document.pk
        for value in data.values():
            with_document(value, document)
    elif isinstance(data, list):
        for value in data:
            with_document(value, document)
    return data


def big_body(document, sections=12, items=8):
    kinds = ["highlights", "nuggets", "questions", "takeaways"]
    body = [
        section(
            kinds[n % len(kinds)],
            f"Section {n}",
            [(f"Point numérique {n}.{i}", ["Détail", "Autre"]) for i in range(items)],
            intro="<p>Intro numérique</p>",
        )
        for n in range(sections)
    ]
    body.append(
        with_document(
            section(
                "resources",
                "Ressources",
                links=[{"title": f"Doc {i}", "url": ""} for i in range(4)],
            ),
            document,
        )
    )
    return body


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


URLS = [
    API,
    API + "recaps/?page_size=100",
    API + "recaps/?page_size=100&tag=numerique&search=numerique",
    API + "recaps/?page_size=100&section_type=resources&series=ebullitions",
    API + "sections/?page_size=100",
    API + "sections/?page_size=100&search=numerique&tag=numerique",
    API + "sections/?page_size=100&type=resources",
    API + "tags/?page_size=100",
    API + "tags/?page_size=100&ordering=-recap_count",
    API
    + "recaps/?page_size=100&updated_after=2000-01-01T00:00:00Z&ordering=updated_at",
    API + "changes/",
    API + "changes/?since=2000-01-01T00:00:00Z&page_size=100",
]


def test_query_counts_do_not_grow(client, make_edition, uncached):
    document = Document.objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4", name="guide.pdf")
    )
    small = make_edition(
        edition_number=1,
        date=datetime.date(2020, 11, 13),
        tags=["numérique"],
        body=big_body(document, sections=1, items=1),
    )
    for url in URLS:
        client.get(url)  # warm Wagtail's site cache
    one = {url: count(client, url) for url in URLS}
    one_detail = count(client, API + f"recaps/{small.pk}/")

    for number in range(2, 22):
        big = make_edition(
            edition_number=number,
            date=datetime.date(2020, 11, 13) + datetime.timedelta(weeks=number),
            tags=["numérique", *[f"thème {number}-{t}" for t in range(6)]],
            body=big_body(document),
        )
        if number % 5 == 0:  # removed editions in the change feed
            big.unpublish() if number % 10 else big.delete()
    for url in URLS:
        client.get(url)  # the site's base URL is looked up once per version
    many = {url: count(client, url) for url in URLS}
    assert many == one
    assert count(client, API + f"recaps/{big.pk}/") == one_detail
    links = client.get(API + f"recaps/{big.pk}/").json()["body"][-1]["links"]
    assert links[0]["url"] == "http://testserver" + document.url
    for url, queries in one.items():
        assert queries <= 12, (url, queries)


THEME_URLS = [
    API + "tags/?page_size=100",
    API + "tags/?page_size=100&ordering=-recap_count",
    "/ebullitions/themes/",
    "/search/",
]


def theme_queries(client, url):
    """``(number of queries, whether one reads the editions' themes)``."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    tagged = RecapPageTag._meta.db_table
    return len(queries), any(tagged in query["sql"] for query in queries)


def test_theme_counts_are_read_not_counted(
    client, series, root_page, make_edition, hidden_editions, uncached
):
    """The themes of ``/tags/``, the themes page of a series and the search
    page come from the stored counts: as many queries for one edition and
    one theme as for many of each in two series, and none reads the themes
    of the editions (only a theme published in several series has the
    series of its PDF digest looked up among its editions)."""
    make_edition(edition_number=1, tags=["numérique"])
    for url in THEME_URLS:
        client.get(url)  # warm Wagtail's site cache
    one = {url: theme_queries(client, url) for url in THEME_URLS}

    other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
    for number in range(2, 22):
        make_edition(
            parent=other if number % 3 else series,
            edition_number=number,
            tags=[
                "isolement" if number % 3 else "numérique",
                *[f"thème {number}-{t}" for t in range(3)],
            ],
        )
    for url in THEME_URLS:
        client.get(url)
    many = {url: theme_queries(client, url) for url in THEME_URLS}
    assert many == one
    assert all(not tagged for _count, tagged in many.values())
    tags = client.get(API + "tags/?ordering=-recap_count").json()
    assert (tags["count"], tags["results"][0]["recap_count"]) == (62, 13)


SECTION_URLS = [
    API + "sections/",
    API + "sections/?type=highlights",
    API + "sections/?type=highlights&tag=numerique",
    API + "sections/?date_after=2020-01-01",
]
#: Lists whose number is stored (``IndexCount``), not counted.
STORED_COUNTS = SECTION_URLS[:3]


def section_counts(client, url):
    """``(count given, SQL of the count queries)`` of a ``/sections/`` answer."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    counts = [
        query["sql"]
        for query in queries
        if "COUNT(" in query["sql"].upper()
        and RecapSection._meta.db_table in query["sql"]
    ]
    return response.json()["count"], counts


@pytest.mark.parametrize("hidden_ids_max", [HIDDEN_IDS_MAX, 0])
def test_sections_are_counted_on_the_section_table(
    client, make_edition, uncached, monkeypatch, hidden_ids_max
):
    """``/sections/`` counts its rows without reading the pages: the indexed
    editions whose schedule ran out are read first (few), then left out by
    id. Beyond :data:`HIDDEN_IDS_MAX` of them, a subquery on the pages.
    Sections by type and theme alone are not counted at all: their number is
    stored (``IndexCount``), less the editions hidden at this instant."""
    monkeypatch.setattr(sections_module, "HIDDEN_IDS_MAX", hidden_ids_max)
    for number in range(1, 4):
        make_edition(edition_number=number, tags=["numérique"])
    expired = make_edition(edition_number=4, tags=["numérique"])
    with_counts = {url: section_counts(client, url)[0] for url in SECTION_URLS}
    with time_machine.travel(timezone.now(), tick=False):
        expired.expire_at = timezone.now()
        expired.save()  # still live, as until publish_scheduled runs
        for url in SECTION_URLS:
            count, sql = section_counts(client, url)
            assert count == with_counts[url] - 1, url
            if url in STORED_COUNTS:
                assert sql == [], url
                continue
            page_table = Page._meta.db_table
            assert sql and all(
                (page_table in query) == (not hidden_ids_max) for query in sql
            )
