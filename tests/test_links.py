"""Absolute URLs (``recaps.links``): every surface uses the site's public base
URL, never the request's host, and every absolute URL it publishes answers."""

import datetime
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from defusedxml.ElementTree import fromstring
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from recaps.links import absolute_url, site_root_url
from tests.api.helpers import rich_body

pytestmark = pytest.mark.django_db

BASE = "http://ebullitions.test:8123"
#: The host a client happens to use: a proxy, an alias, a port forward.
OTHER_HOST = {"HTTP_HOST": "127.0.0.1:8000"}
#: Links written by editors in the content, not built by the site.
CONTENT_LINKS = {"https://example.org/guide"}
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def public_site(root_page, settings):
    settings.RECAPS_API_THROTTLE_RATE = None
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "ebullitions.test", 8123
    site.save()
    return site


@pytest.fixture
def editions(public_site, make_edition):
    return [
        make_edition(
            edition_number=number,
            title=f"Édition {number}",
            date=datetime.date(2020, 11, 6) + datetime.timedelta(weeks=number),
            tags=["numérique", "isolement"],
            body=rich_body(number),
        )
        for number in (1, 2, 3)
    ]


def json_urls(data):
    """Every string of a JSON document that is an absolute URL."""
    if isinstance(data, dict):
        return [url for value in data.values() for url in json_urls(value)]
    if isinstance(data, list):
        return [url for value in data for url in json_urls(value)]
    if isinstance(data, str) and re.match(r"https?://", data):
        return [data]
    return []


def html_urls(html):
    """Canonical, Open Graph and JSON-LD URLs of a page."""
    urls = re.findall(r'<link rel="canonical" href="([^"]+)"', html)
    urls += re.findall(r'<meta property="og:url" content="([^"]+)"', html)
    for script in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    ):
        # schema.org's own vocabulary (@context, enumerations) is not a link.
        urls += [
            url
            for url in json_urls(json.loads(script))
            if not url.startswith("https://schema.org")
        ]
    return urls


def feed_urls(content):
    """Links and ids of a feed that are URLs (entry ids are ``tag:`` URIs,
    stable across slug changes, not links)."""
    root = fromstring(content)
    urls = [element.text for element in root.iter("link") if element.text]
    urls += [element.text for element in root.iter("guid")]
    urls += [element.get("href") for element in root.iter(f"{ATOM}link")]
    urls += [element.text for element in root.iter(f"{ATOM}id")]
    return [url for url in urls if not url.startswith("tag:")]


def follow(client, url):
    """GET ``url`` at its own host, as a client following it would."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, HTTP_HOST=parts.netloc)


def test_every_absolute_url_uses_the_public_base_and_answers(client, editions):
    series = editions[0].get_parent()
    found = {}
    surfaces = [
        "/api/v1/",
        "/api/v1/recaps/?page_size=1&page=2",
        f"/api/v1/recaps/{editions[1].pk}/",
        "/api/v1/sections/?page_size=2&page=2",
        "/api/v1/tags/",
    ]
    for surface in surfaces:
        response = client.get(surface, **OTHER_HOST)
        assert response.status_code == 200, surface
        found[surface] = json_urls(response.json())
    for surface in (series.url + "feed/rss/", series.url + "feed/atom/"):
        response = client.get(surface, **OTHER_HOST)
        assert response.status_code == 200, surface
        found[surface] = feed_urls(response.content)
    response = client.get("/sitemap.xml", **OTHER_HOST)
    root = fromstring(response.content)
    found["/sitemap.xml"] = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    response = client.get(editions[1].url, **OTHER_HOST)
    found["edition"] = html_urls(response.content.decode())
    response = client.get("/robots.txt", **OTHER_HOST)
    found["/robots.txt"] = re.findall(r"Sitemap: (\S+)", response.content.decode())

    for surface, urls in found.items():
        assert urls, f"{surface} names no absolute URL"
        for url in urls:
            if url in CONTENT_LINKS:
                continue
            assert url.startswith(BASE + "/"), (surface, url)
    # Every kind of link is there: pagination, API detail, pages, feed self link.
    every = {url for urls in found.values() for url in urls} - CONTENT_LINKS
    assert f"{BASE}/api/v1/recaps/?page=3&page_size=1" in every
    assert f"{BASE}/api/v1/recaps/?page_size=1" in every  # previous = page 1
    assert f"{BASE}/api/v1/recaps/{editions[0].pk}/" in every
    assert f"{BASE}{series.url}feed/atom/" in every
    assert f"{BASE}{editions[2].url}" in every
    assert f"{BASE}/sitemap.xml" in every
    for url in sorted(every):
        response = follow(client, url)
        assert response.status_code == 200, url


def test_helpers_fall_back_without_a_site(rf, db, settings):
    Site.objects.all().delete()
    settings.WAGTAILADMIN_BASE_URL = "https://ebullitions.example.org"
    request = rf.get("/", HTTP_HOST="127.0.0.1:8000")
    assert site_root_url(request) == "https://ebullitions.example.org"
    assert (
        absolute_url("/api/v1/", request) == "https://ebullitions.example.org/api/v1/"
    )
    assert absolute_url("https://example.org/x", request) == "https://example.org/x"


@pytest.mark.parametrize(
    ("url", "hostname", "port"),
    [
        ("https://ebullitions.example.org", "ebullitions.example.org", 443),
        ("https://ebullitions.example.org/", "ebullitions.example.org", 443),
        ("http://127.0.0.1:8080", "127.0.0.1", 8080),
        ("http://localhost", "localhost", 80),
    ],
)
def test_set_site_url_points_the_default_site(root_page, url, hostname, port):
    out = io.StringIO()
    call_command("set_site_url", url, stdout=out)
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == (hostname, port)
    assert site.root_url == url.rstrip("/")
    assert site.root_url in out.getvalue()


def test_set_site_url_defaults_to_wagtailadmin_base_url(root_page, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://recaps.example.org"
    call_command("set_site_url", stdout=io.StringIO())
    assert (
        Site.objects.get(is_default_site=True).root_url
        == settings.WAGTAILADMIN_BASE_URL
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ebullitions.example.org", "n’est pas une URL de base"),
        ("ftp://ebullitions.example.org", "n’est pas une URL de base"),
        ("https://ebullitions.example.org/site/", "ni chemin"),
        ("https://ebullitions.example.org:8443", "port 443"),
        ("http://ebullitions.example.org:443", "HTTPS"),
        ("http://ebullitions.example.org:99999", "n’est pas une URL de base"),
    ],
)
def test_set_site_url_refuses_what_a_site_cannot_represent(root_page, url, message):
    before = list(Site.objects.values_list("hostname", "port"))
    with pytest.raises(CommandError, match=message):
        call_command("set_site_url", url, stdout=io.StringIO())
    assert list(Site.objects.values_list("hostname", "port")) == before


def test_a_new_public_base_shows_at_once_and_costs_no_query_per_request(
    client, editions, public_site
):
    # The site lookup is made once per content version: a second request of
    # the same version (response cache off) makes one query less.
    with override_settings(RECAPS_RESPONSE_CACHE=False):
        with CaptureQueriesContext(connection) as first:
            client.get("/api/v1/recaps/?page_size=1", **OTHER_HOST)
        with CaptureQueriesContext(connection) as second:
            client.get("/api/v1/recaps/?page_size=1", **OTHER_HOST)
    assert any("wagtailcore_site" in query["sql"] for query in first)
    assert not any("wagtailcore_site" in query["sql"] for query in second)
    detail = f"/api/v1/recaps/{editions[0].pk}/"
    assert client.get(detail, **OTHER_HOST).json()["url"].startswith(BASE + "/")
    public_site.hostname, public_site.port = "nouveau.test", 443
    public_site.save()
    for url in (detail, "/api/v1/recaps/", "/api/v1/sections/", "/api/v1/"):
        urls = json_urls(client.get(url, **OTHER_HOST).json())
        assert urls, url
        assert all(
            found.startswith("https://nouveau.test/") or found in CONTENT_LINKS
            for found in urls
        ), url
