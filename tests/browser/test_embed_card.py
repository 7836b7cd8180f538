"""The oEmbed card in a real browser, found as WordPress finds it: the page's
discovery link, the endpoint, then the card's address in the iframe it gives;
the card passes axe and shows in a sandboxed iframe on another page."""

import pytest

from recaps.links import set_default_site_url
from tests.browser.accessibility import WCAG_21_AA_AND_BEST_PRACTICES, axe_violations
from tests.factories import section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DISCOVERY = 'link[rel="alternate"][type="application/json+oembed"]'


@pytest.mark.parametrize("kind", ["edition", "series", "theme"])
def test_the_embed_card_found_by_discovery_passes_axe(
    live_server, page, series, make_edition, kind
):
    set_default_site_url(live_server.url)
    edition = make_edition(
        edition_number=1,
        title="Première ébullition",
        tags=["numérique"],
        body=[
            section("nuggets", "Pépites", ["Un atelier", "Une balade"]),
            section("observations", "Constats", ["Les aînés sont seuls"]),
        ],
    )
    url = {
        "edition": edition.full_url,
        "series": series.full_url,
        "theme": series.full_url + "themes/numerique/",
    }[kind]
    page.goto(url)
    endpoint = page.locator(DISCOVERY).get_attribute("href")
    answer = page.request.get(endpoint)
    assert answer.ok
    oembed = answer.json()
    assert oembed["type"] == "rich"

    # As a consumer shows it: the iframe in another page, sandboxed.
    page.set_content(f"<!doctype html><html lang='fr'><body>{oembed['html']}</body>")
    frame = page.frame_locator("iframe")
    assert "ébullition" in frame.locator("body").inner_text()

    card = page.locator("iframe").get_attribute("src")
    page.goto(card)
    assert page.get_attribute("html", "lang") == "fr"
    assert axe_violations(page, WCAG_21_AA_AND_BEST_PRACTICES) == ""
