"""sitemap.xml, robots.txt, Open Graph, JSON-LD and share links."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from defusedxml.ElementTree import fromstring

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _sitemap_locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_lists_only_public_pages(client, series, make_edition, hidden_editions):
    visible = make_edition(edition_number=1, title="Visible", tags=["numérique"])
    locations = _sitemap_locations(client)
    assert "http://testserver/" in locations
    assert "http://testserver/ebullitions/" in locations
    assert f"http://testserver{visible.url}" in locations
    for state, page in hidden_editions.items():
        assert not any(page.slug in loc for loc in locations), state
    # Theme pages of the series, but not themes of hidden editions only.
    assert "http://testserver/ebullitions/themes/" in locations
    assert "http://testserver/ebullitions/themes/numerique/" in locations
    assert not any("secret" in loc for loc in locations)


def test_sitemap_skips_pages_under_a_restricted_parent(client, series, make_edition):
    from wagtail.models import PageViewRestriction

    make_edition(edition_number=1, title="Dedans")
    PageViewRestriction.objects.create(
        page=series, restriction_type=PageViewRestriction.LOGIN
    )
    locations = _sitemap_locations(client)
    assert not any("ebullitions" in loc for loc in locations)


def test_robots_txt_points_to_the_absolute_sitemap(client, root_page):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "User-agent: *" in body
    assert "Disallow: /admin/" in body


@pytest.fixture
def edition(make_edition):
    return make_edition(
        edition_number=7,
        title="Édition du 4 juin",
        tags=["numérique", "aller-vers"],
        intro="<p>Beau moment &amp; « échanges ».</p>",
    )


def _head(html):
    return html[: html.index("</head>")]


def test_open_graph_tags(client, edition):
    head = _head(client.get(edition.url).content.decode())
    url = f"http://testserver{edition.url}"
    assert f'<meta property="og:url" content="{url}">' in head
    assert '<meta property="og:title" content="Édition du 4 juin">' in head
    assert '<meta property="og:type" content="article">' in head
    assert (
        '<meta property="og:description" content="Beau moment &amp; « échanges ».">'
        in head
    )
    assert '<meta property="article:tag" content="numérique">' in head
    assert f'<link rel="canonical" href="{url}">' in head


def test_json_ld_describes_the_meeting(client, edition):
    head = _head(client.get(edition.url).content.decode())
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', head, re.DOTALL
    )
    data = json.loads(match.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Édition du 4 juin"
    assert data["startDate"] == edition.date.isoformat()
    assert data["description"] == "Beau moment & « échanges »."
    assert set(data["keywords"].split(", ")) == {"aller-vers", "numérique"}
    assert data["url"] == f"http://testserver{edition.url}"


def test_json_ld_cannot_close_its_script_element(client, make_edition):
    page = make_edition(
        edition_number=1,
        title="</script><script>alert(1)</script>",
        # Text (not markup) that reads as a closing tag once decoded.
        intro="<p>&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>",
    )
    head = _head(client.get(page.url).content.decode())
    assert "<script>alert(" not in head
    assert "\\u003C/script\\u003E" in head


def test_share_links_are_plain_links_with_the_absolute_url(client, edition):
    html = client.get(edition.url).content.decode()
    url = f"http://testserver{edition.url}"
    links = re.findall(r'<a href="([^"]+)"', html.replace("&amp;", "&"))
    by_host = {urlsplit(link).netloc or urlsplit(link).scheme: link for link in links}
    assert parse_qs(urlsplit(by_host["www.facebook.com"]).query)["u"] == [url]
    assert parse_qs(urlsplit(by_host["twitter.com"]).query)["url"] == [url]
    assert parse_qs(urlsplit(by_host["www.linkedin.com"]).query)["url"] == [url]
    whatsapp = parse_qs(urlsplit(by_host["wa.me"]).query)["text"][0]
    assert whatsapp == f"Édition du 4 juin {url}"
    mail = parse_qs(urlsplit(by_host["mailto"]).query)
    assert mail["subject"] == ["Édition du 4 juin"] and mail["body"] == [url]
    # No third-party script anywhere.
    assert not re.search(r"<script[^>]+src=", html)
