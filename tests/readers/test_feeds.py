"""RSS 2.0 and Atom feeds of a series and of its themes."""

import datetime
from xml.etree import ElementTree

import pytest
from defusedxml.ElementTree import fromstring

from tests.factories import section
from tests.readers.conftest import HIDDEN_TITLES

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, fromstring(response.content)


@pytest.fixture
def editions(make_edition, hidden_editions):
    return [
        make_edition(
            edition_number=1,
            title="Première",
            date=datetime.date(2020, 11, 13),
            tags=["numérique"],
            intro="<p>Beau <b>moment</b> &amp; échanges.</p>",
        ),
        make_edition(
            edition_number=2,
            title="Deuxième",
            date=datetime.date(2020, 11, 20),
            tags=["isolement"],
        ),
    ]


def test_series_rss_lists_published_editions_newest_first(client, series, editions):
    response, root = _feed(client, series.url + "feed/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == series.title
    assert channel.findtext("link") == "http://testserver/ebullitions/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Deuxième", "Première"]
    first = items[1]
    assert first.findtext("link") == "http://testserver/ebullitions/premiere/"
    # RSS descriptions are HTML: the plain text comes HTML-escaped once.
    assert first.findtext("description") == "Beau moment &amp; échanges."
    assert first.findtext("pubDate").startswith("Fri, 13 Nov 2020 00:00:00")
    assert [c.text for c in first.findall("category")] == ["numérique"]


def test_series_atom_feed(client, series, editions):
    response, root = _feed(client, series.url + "feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Deuxième", "Première"]
    link = entries[0].find(f"{ATOM}link")
    assert link.get("href") == "http://testserver/ebullitions/deuxieme/"
    assert entries[0].findtext(f"{ATOM}published").startswith("2020-11-20T00:00:00")


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_theme_feeds_only_hold_the_theme(client, series, editions, kind):
    _, root = _feed(client, f"{series.url}themes/numerique/feed/{kind}/")
    text = ElementTree.tostring(root, encoding="unicode")
    assert "Première" in text
    assert "Deuxième" not in text
    assert "numérique" in text


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_hide_unpublished_editions(client, series, editions, kind):
    _, root = _feed(client, f"{series.url}feed/{kind}/")
    text = ElementTree.tostring(root, encoding="unicode")
    for hidden in HIDDEN_TITLES:
        assert hidden not in text
    assert client.get(f"{series.url}themes/secret/feed/{kind}/").status_code == 404


def test_feeds_are_advertised_in_the_head(client, series, editions):
    for url in (series.url, editions[0].url, series.url + "themes/"):
        html = client.get(url).content.decode()
        head = html[: html.index("</head>")]
        assert (
            '<link rel="alternate" type="application/rss+xml"' in head
            and 'href="/ebullitions/feed/rss/"' in head
            and 'href="/ebullitions/feed/atom/"' in head
        ), url
    head = client.get(series.url + "themes/numerique/").content.decode()
    head = head[: head.index("</head>")]
    assert 'href="/ebullitions/themes/numerique/feed/rss/"' in head
    assert 'href="/ebullitions/themes/numerique/feed/atom/"' in head


@pytest.mark.parametrize(
    "url",
    [
        "/ebullitions/feed/rss/",
        "/ebullitions/feed/atom/",
        "/ebullitions/themes/commun/feed/rss/",
        "/ebullitions/themes/commun/feed/atom/",
        "/sitemap.xml",
    ],
)
def test_feed_queries_do_not_grow_with_editions_sections_or_themes(
    count_queries, make_edition, url
):
    def add(number):
        make_edition(
            edition_number=number,
            date=datetime.date(2020, 1, 3) + datetime.timedelta(weeks=number),
            tags=["commun", f"thème {number}", f"autre {number}"],
            body=[
                section(kind, items=[(f"Point {n}", ["a"]) for n in range(5)])
                for kind in ("highlights", "nuggets", "questions")
            ],
        )

    add(1)
    count_queries(url)  # warm the site root paths cache
    few = count_queries(url)
    for number in range(2, 12):
        add(number)
    assert count_queries(url) == few


HOSTILE_TEXT = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_text_that_looks_like_markup_stays_text(
    client, series, make_edition, kind
):
    """An intro whose *text* is a tag reaches the reader as text, not markup."""
    make_edition(
        edition_number=1,
        title="Titre <b>gras</b> & co",
        intro="<p>&lt;img src=x onerror=alert(1)&gt;</p>",
    )
    response, root = _feed(client, f"{series.url}feed/{kind}/")
    assert b"<img" not in response.content
    if kind == "rss":
        item = root.find("channel").find("item")
        assert item.findtext("title") == "Titre <b>gras</b> & co"
        # The description is HTML whose only content is the text of the intro.
        assert item.findtext("description") == ("&lt;img src=x onerror=alert(1)&gt;")
    else:
        entry = root.find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == "Titre <b>gras</b> & co"
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "text"
        assert summary.text == HOSTILE_TEXT
