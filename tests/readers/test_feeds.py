"""RSS 2.0 and Atom feeds of a series and of its themes."""

import copy
import datetime
import functools
import json
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
import rnc2rng
from defusedxml.ElementTree import fromstring
from django.core.files.base import ContentFile
from django.utils.timezone import localdate
from jsonschema.validators import validator_for
from lxml import etree
from referencing import Registry
from referencing.jsonschema import DRAFT4
from wagtail.documents.models import Document

from recaps.models import RecapPage
from tests.factories import section

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


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
def test_feeds_hide_unpublished_editions(
    client, series, editions, hidden_editions, kind
):
    _, root = _feed(client, f"{series.url}feed/{kind}/")
    text = ElementTree.tostring(root, encoding="unicode")
    assert len(hidden_editions) == 6
    for page in hidden_editions.values():
        assert page.title not in text
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
        "/ebullitions/feed/json/",
        "/ebullitions/themes/commun/feed/json/",
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
def test_feed_text_that_looks_like_markup_never_becomes_markup(
    client, series, make_edition, kind
):
    """An intro whose *text* is a tag reaches the reader as text, not markup;
    a title is plain text (tags dropped, entities decoded)."""
    make_edition(
        edition_number=1,
        title="Titre <b>gras</b> & co",
        intro="<p>&lt;img src=x onerror=alert(1)&gt;</p>",
    )
    response, root = _feed(client, f"{series.url}feed/{kind}/")
    assert b"<img" not in response.content
    if kind == "rss":
        item = root.find("channel").find("item")
        assert item.findtext("title") == "Titre gras & co"
        # The description is HTML whose only content is the text of the intro.
        assert item.findtext("description") == ("&lt;img src=x onerror=alert(1)&gt;")
    else:
        entry = root.find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == "Titre gras & co"
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "text"
        assert summary.text == HOSTILE_TEXT


# Validity: the published schemas of the formats (tests/readers/data/README.md)
# and feedparser, on editions with and without intro or sections.

DATA = Path(__file__).parent / "data"
SERIES_FEEDS = ["feed/rss/", "feed/atom/", "feed/json/"]
THEME_FEEDS = [f"themes/numerique/{feed}" for feed in SERIES_FEEDS]
#: feedparser 6.0 reads RSS and Atom (JSON Feed is checked with its schema).
XML_FEEDS = [path for path in SERIES_FEEDS + THEME_FEEDS if "json" not in path]


def entries(content):
    """``[(id, title, link)]`` of a feed in any of the three formats."""
    if content.lstrip().startswith(b"{"):
        return [
            (item["id"], item["title"], item["url"])
            for item in json.loads(content)["items"]
        ]
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [(entry.id, entry.title, entry.link) for entry in parsed.entries]


@functools.cache
def atom_schema():
    """RFC 4287's RELAX NG schema, and its Schematron rules as XPath tests."""
    rng = rnc2rng.dumps(rnc2rng.load(str(DATA / "atom-rfc4287.rnc")))
    # rnc2rng declares the schema's empty "local" prefix, which XML forbids.
    grammar = etree.fromstring(rng.replace(' xmlns:local=""', "").encode())
    rules = [
        (rule.get("context"), check.get("test"), check.text.strip())
        for rule in grammar.iter("{http://www.ascc.net/xml/schematron}rule")
        for check in rule.iter("{http://www.ascc.net/xml/schematron}assert")
    ]
    assert len(rules) == 3  # feed author, entry link, entry author
    return etree.RelaxNG(grammar), rules


def atom_errors(content):
    schema, rules = atom_schema()
    document = etree.fromstring(content)
    errors = [] if schema.validate(document) else [str(schema.error_log)]
    namespaces = {"atom": "http://www.w3.org/2005/Atom"}
    for context, test, message in rules:
        for node in document.xpath(f"//{context}", namespaces=namespaces):
            if not node.xpath(f"boolean({test})", namespaces=namespaces):
                errors.append(message)
    return errors


@functools.cache
def json_feed_validator():
    schema = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text())
    version_1 = json.loads((DATA / "jsonfeed-1.schema.json").read_text())
    registry = Registry().with_resource(
        "https://json.schemastore.org/feed-1", DRAFT4.create_resource(version_1)
    )
    cls = validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def json_feed_errors(data):
    return [error.message for error in json_feed_validator().iter_errors(data)]


@pytest.fixture
def varied_editions(make_edition):
    """An edition with an intro, one with only sections, one with neither."""
    return [
        make_edition(
            edition_number=1,
            title="Avec intro",
            date=datetime.date(2020, 11, 13),
            tags=["numérique"],
            intro="<p>Beau <b>moment</b> &amp; échanges.</p>",
            body=[section("nuggets", "Pépites", ["Un atelier"])],
        ),
        make_edition(
            edition_number=2,
            title="Sans intro",
            date=datetime.date(2020, 11, 20),
            intro="",
            tags=["numérique", "isolement"],
            body=[
                section(
                    "observations",
                    "Constats",
                    [("Les habitants s’isolent", ["surtout les aînés"])],
                    intro="<p>Ce qui remonte</p>",
                ),
                section(
                    "resources",
                    "Ressources",
                    links=[{"title": "Guide", "url": "https://example.org/g"}],
                ),
            ],
        ),
        make_edition(
            edition_number=3,
            title="Ni intro ni sections",
            date=datetime.date(2020, 11, 27),
            tags=["numérique"],
            intro="",
            body=[],
        ),
    ]


@pytest.mark.parametrize("path", ["feed/atom/", "themes/numerique/feed/atom/"])
def test_atom_feeds_are_valid_rfc_4287(client, series, varied_editions, path):
    response = client.get(series.url + path)
    assert atom_errors(response.content) == []
    root = fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == series.organiser
        assert entry.findtext(f"{ATOM}summary").strip()
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == (
        "http://testserver" + series.url + path
    )


def test_the_atom_check_has_teeth(client, series, varied_editions):
    """A feed without authors, or with a malformed date, fails the check."""
    content = client.get(series.url + "feed/atom/").content
    root = etree.fromstring(content)
    for author in root.xpath("//atom:author", namespaces={"atom": ATOM[1:-1]}):
        author.getparent().remove(author)
    errors = atom_errors(etree.tostring(root))
    assert "An atom:entry must have an atom:author if its feed does not." in errors
    broken = content.replace(b"<updated>", b"<updated>hier ", 1)
    assert atom_errors(broken)


def test_summaries_fall_back_to_the_first_section_then_the_title(
    client, series, varied_editions
):
    root = fromstring(client.get(series.url + "feed/atom/").content)
    summaries = {
        entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}summary")
        for entry in root.findall(f"{ATOM}entry")
    }
    assert summaries["Avec intro"] == "Beau moment & échanges."
    # The section index's text of the first section, never the body's JSON.
    assert summaries["Sans intro"].startswith("Constats")
    assert "Les habitants s’isolent" in summaries["Sans intro"]
    assert "{" not in summaries["Sans intro"]
    assert summaries["Ni intro ni sections"] == "Ni intro ni sections"


@pytest.mark.parametrize("path", ["feed/rss/", "themes/numerique/feed/rss/"])
def test_rss_feeds_are_valid_rss_2(client, series, varied_editions, path):
    """RSS 2.0 has no official schema: the spec's required elements, parsed by
    feedparser without complaint (``bozo``)."""
    response = client.get(series.url + path)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    root = fromstring(response.content)
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required).strip(), required
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "http://testserver" + series.url + path
    items = channel.findall("item")
    assert len(items) == 3
    for item in items:
        assert item.findtext("title") and item.findtext("description").strip()
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert guid.text.startswith("tag:testserver,")
        creator = item.findtext("{http://purl.org/dc/elements/1.1/}creator")
        assert creator == series.organiser
    for entry in parsed.entries:
        assert entry.published_parsed is not None


@pytest.mark.parametrize("path", ["feed/json/", "themes/numerique/feed/json/"])
def test_json_feeds_are_valid_json_feed_1_1(client, series, varied_editions, path):
    response = client.get(series.url + path)
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    data = response.json()
    assert json_feed_errors(data) == []
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == "http://testserver" + series.url + path
    assert data["language"] == "fr"
    assert data["authors"] == [{"name": series.organiser}]
    items = {item["title"]: item for item in data["items"]}
    assert list(items) == ["Ni intro ni sections", "Sans intro", "Avec intro"]
    for item in items.values():
        assert item["summary"].strip()
        assert item["url"].startswith("http://testserver/ebullitions/")
    with_sections = items["Sans intro"]
    assert with_sections["content_text"].startswith("Constats")
    assert "surtout les aînés" in with_sections["content_text"]
    html = with_sections["content_html"]
    assert "<h2>Constats</h2>" in html and "<li>" in html
    assert '<a href="https://example.org/g">Guide</a>' in html
    intro = items["Avec intro"]
    assert intro["content_text"].startswith("Beau moment & échanges.")
    assert "<b>moment</b>" in intro["content_html"]
    assert intro["date_published"].startswith("2020-11-13T00:00:00")
    assert sorted(items["Sans intro"]["tags"]) == ["isolement", "numérique"]
    # The check has teeth: an item without content, or an unknown field, fails.
    broken = copy.deepcopy(data)
    del broken["items"][0]["content_text"], broken["items"][0]["content_html"]
    broken["surprise"] = 1
    assert len(json_feed_errors(broken)) == 2


@pytest.mark.parametrize("path", XML_FEEDS)
def test_feedparser_reads_every_feed(client, series, varied_editions, path):
    parsed = feedparser.parse(client.get(series.url + path).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        assert entry.author == series.organiser
        assert entry.summary.strip()


@pytest.mark.parametrize("path", SERIES_FEEDS + THEME_FEEDS)
def test_ids_are_tag_uris_of_the_translation_key(client, series, varied_editions, path):
    ids = {
        title: id_ for id_, title, _ in entries(client.get(series.url + path).content)
    }
    for edition in varied_editions:
        assert ids[edition.title] == (
            f"tag:testserver,{edition.first_published_at.year}:recap:"
            f"{edition.translation_key}"
        )


def test_ids_survive_a_slug_change(client, series, varied_editions):
    edition = varied_editions[0]
    before = {
        path: entries(client.get(series.url + path).content) for path in SERIES_FEEDS
    }
    page = RecapPage.objects.get(pk=edition.pk)
    page.slug = "nouveau-nom"
    page.save_revision().publish()
    for path in SERIES_FEEDS:
        after = entries(client.get(series.url + path).content)
        assert [id_ for id_, _, _ in after] == [id_ for id_, _, _ in before[path]]
        links = {title: link for _, title, link in after}
        assert links["Avec intro"].endswith("/ebullitions/nouveau-nom/"), path


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_titles_with_entities_are_escaped_once(client, series, make_edition, kind):
    """An imported title keeping ``&amp;`` / ``&#8217;`` reads “Café & l’atelier”."""
    make_edition(edition_number=1, title="Café &amp; l&#8217;atelier")
    content = client.get(f"{series.url}feed/{kind}/").content
    assert b"&amp;amp;" not in content and b"&amp;#8217;" not in content
    assert b"&#8217;" not in content
    assert entries(content)[0][1] == "Café & l’atelier"


@pytest.mark.parametrize("path", SERIES_FEEDS + THEME_FEEDS + ["/sitemap.xml"])
def test_feeds_and_sitemap_answer_conditional_requests(
    client, series, varied_editions, path
):
    url = path if path.startswith("/") else series.url + path
    response = client.get(url)
    assert response.status_code == 200 and response["ETag"]
    again = client.get(url, headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, headers={"if-modified-since": response["Last-Modified"]})
    assert since.status_code == 304
    # A change of the content gives a new ETag and a 200.
    varied_editions[0].save_revision().publish()
    changed = client.get(url, headers={"if-none-match": response["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]


def test_theme_pages_in_the_sitemap_have_a_lastmod(client, series, varied_editions):
    root = fromstring(client.get("/sitemap.xml").content)
    lastmods = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.findall(f"{SITEMAP}url")
    }
    base = "http://testserver/ebullitions/themes/"
    newest = {
        "isolement": varied_editions[1].last_published_at,
        "numerique": max(e.last_published_at for e in varied_editions),
    }
    # The sitemap writes dates in the site's time zone (Europe/Paris).
    for slug, stamp in newest.items():
        assert lastmods[f"{base}{slug}/"] == localdate(stamp).isoformat(), slug
    assert lastmods[base] == localdate(newest["numerique"]).isoformat()


def test_json_feed_document_links_are_absolute(client, series, make_edition):
    document = Document.objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4", name="guide.pdf")
    )
    body = [section("resources", "Ressources", links=[{"title": "Guide"}])]
    body[0]["value"]["links"][0]["value"]["document"] = document.pk
    make_edition(edition_number=1, body=body)
    item = client.get(f"{series.url}feed/json/").json()["items"][0]
    assert (
        f'<a href="http://testserver{document.url}">Guide</a>' in (item["content_html"])
    )


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_the_easy_to_read_summary_opens_every_feed_entry(
    client, series, make_edition, kind
):
    easy = "Des centres sociaux se sont réunis.\nIls ont parlé des aînés."
    make_edition(
        edition_number=1,
        title="Avec",
        summary_easy=easy,
        intro="<p>Une belle rencontre.</p>",
    )
    make_edition(edition_number=2, title="Sans", intro="<p>Sans résumé facile.</p>")
    response = client.get(f"{series.url}feed/{kind}/")
    if kind == "json":
        items = {item["title"]: item for item in json.loads(response.content)["items"]}
        summaries = {title: item["summary"] for title, item in items.items()}
        assert items["Avec"]["content_text"].startswith(easy + "\n\n")
        assert items["Avec"]["content_html"].startswith(
            "<p>Des centres sociaux se sont réunis.<br>Ils ont parlé des aînés.</p>"
        )
    else:
        entries = feedparser.parse(response.content).entries
        summaries = {entry.title: entry.summary for entry in entries}
    assert set(summaries) == {"Avec", "Sans"}
    # The easy-to-read text first, as its own paragraph, then the summary.
    assert summaries["Avec"] == easy + "\n\nUne belle rencontre."
    assert summaries["Sans"] == "Sans résumé facile."
