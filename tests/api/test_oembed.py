"""The oEmbed provider (``recaps/api/oembed.py``, ``recaps/embeds.py``), found
the way WordPress finds it: the page's discovery link, then the endpoint, then
the card in a sandboxed iframe."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from tests.factories import section

pytestmark = pytest.mark.django_db

#: WordPress's ``WP_oEmbed::discover()``: the ``<link>`` tags of the page whose
#: type is an oEmbed one, then their ``href``.
LINK_TAGS = re.compile(r"<link([^<>]+)/?>", re.IGNORECASE)
JSON_TYPE = "application/json+oembed"


def discover(client, url):
    """The oEmbed endpoint URL announced by the page at ``url`` (WordPress's
    rules: a ``<link>`` with ``rel="alternate"`` and the JSON oEmbed type)."""
    response = client.get(url)
    assert response.status_code == 200
    found = []
    for attributes in LINK_TAGS.findall(response.content.decode()):
        if JSON_TYPE in attributes and re.search(r"rel=[\"']alternate", attributes):
            found.append(unescape(re.search(r"href=\"([^\"]+)\"", attributes)[1]))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def public_pages(series, make_edition):
    page = make_edition(
        edition_number=1,
        title="Première ébullition",
        tags=["numérique", "isolement"],
        body=[
            section("nuggets", "Pépites", ["Un atelier", "Une balade"]),
            section("observations", "Constats", ["Les aînés sont seuls"]),
        ],
    )
    return {
        "edition": page.full_url,
        "series": series.full_url,
        "theme": series.full_url + "themes/numerique/",
    }


@pytest.mark.parametrize("kind", ["edition", "series", "theme"])
def test_every_public_page_is_embeddable_by_its_url(client, public_pages, kind):
    url = public_pages[kind]
    endpoint = discover(client, url)
    assert endpoint.startswith("http://testserver/api/v1/oembed/?")
    response = client.get(endpoint)
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["width"] > 0 and data["height"] > 0
    iframe = lxml_html.fragment_fromstring(data["html"])
    assert iframe.tag == "iframe"
    assert iframe.get("title") == data["title"]
    # Sandboxed: no script, no same origin; links may open a new window.
    assert "allow-scripts" not in iframe.get("sandbox")
    assert "allow-same-origin" not in iframe.get("sandbox")
    card = client.get(iframe.get("src"))
    assert card.status_code == 200
    assert "DENY" not in card.get("X-Frame-Options", "")
    policy = card["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors *" in policy
    tree = lxml_html.fromstring(card.content)
    assert tree.get("lang") == "fr"
    assert tree.xpath("//h1//a/@href") == [url]
    # Self-contained: no script, image, stylesheet, font or frame, and every
    # link goes to this site.
    assert not tree.xpath("//script | //img | //link | //iframe | //object")
    assert not tree.xpath("//*[@src] | //*[@srcset] | //*[@style]")
    style = " ".join(tree.xpath("//style/text()"))
    assert "url(" not in style and "@import" not in style
    hosts = {urlsplit(href).netloc for href in tree.xpath("//a/@href")}
    assert hosts == {"testserver"}


def test_the_edition_card_shows_date_themes_and_first_items(client, public_pages):
    endpoint = discover(client, public_pages["edition"])
    src = lxml_html.fragment_fromstring(client.get(endpoint).json()["html"]).get("src")
    text = " ".join(lxml_html.fromstring(client.get(src).content).itertext())
    for expected in ("Première ébullition", "numérique", "Pépites", "Constats"):
        assert expected in text
    assert "Lire sur le site" in text


def oembed(client, url, **params):
    return client.get("/api/v1/oembed/", {"url": url, **params})


@pytest.mark.parametrize(
    "state",
    ["draft", "scheduled", "expired", "password", "login", "scheduled_revision"],
)
def test_hidden_editions_are_not_embeddable(client, hidden_editions, state):
    url = hidden_editions[state].full_url
    response = oembed(client, url)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Aucune page publique de ce site à cette adresse."
    }
    assert client.get("/api/v1/embed/", {"url": url}).status_code == 404


def test_a_theme_of_hidden_editions_only_is_not_embeddable(
    client, series, hidden_editions
):
    assert oembed(client, series.full_url + "themes/secret/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://ailleurs.example/ebullitions/",
        "http://testserver/nulle-part/",
        "http://testserver/ebullitions/themes/",
        "javascript:alert(1)",
        "pas une adresse",
    ],
)
def test_other_urls_are_404_in_french(client, public_pages, url):
    response = oembed(client, url)
    assert response.status_code == 404
    assert "Aucune page publique" in response.json()["detail"]


def test_xml_is_refused_in_french_and_url_is_required(client, public_pages):
    # oEmbed suggests 501; the API answers bad requests with a 4xx, never a 5xx.
    for other in ("xml", "XML", "empty file"):
        response = oembed(client, public_pages["edition"], format=other)
        assert response.status_code == 400
        assert response.json()["errors"]["format"] == [
            "Seul format=json est disponible."
        ]
    response = client.get("/api/v1/oembed/")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


def test_maxwidth_and_maxheight_bound_the_frame(client, public_pages):
    data = oembed(client, public_pages["series"], maxwidth=300, maxheight=200).json()
    assert (data["width"], data["height"]) == (300, 200)


def test_answers_match_the_schema(client, public_pages):
    from tests.api.test_schema import validate

    spec = client.get("/api/v1/schema/?format=json").json()
    template = "/api/v1/oembed/"
    validate(spec, template, 200, oembed(client, public_pages["theme"]).json())
    validate(spec, template, 404, oembed(client, "http://testserver/x/").json())
    validate(
        spec,
        template,
        400,
        oembed(client, public_pages["theme"], format="xml").json(),
    )
    validate(spec, template, 400, client.get(template).json())
