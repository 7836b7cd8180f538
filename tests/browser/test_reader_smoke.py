"""A reader's first visit in a real browser: home, series, edition."""

from pathlib import Path

import pytest

from tests.factories import section

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser_page(browser):
    page = browser.new_page(locale="fr-FR")
    yield page
    page.close()


def test_reader_goes_from_home_to_an_edition(live_server, browser_page, make_edition):
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.save()
    edition = make_edition(
        title="Première petite ébullition",
        tags=["numérique"],
        body=[section("observations", "Les constats", [("Isolement", ["des aînés"])])],
    )
    browser_page.goto(live_server.url + "/")
    browser_page.get_by_role("link", name=edition.get_parent().title).click()
    browser_page.get_by_role("link", name="Première petite ébullition").click()
    assert browser_page.locator("h1").inner_text() == "Première petite ébullition"
    assert browser_page.locator("section h2").first.inner_text() == "Les constats"
    assert browser_page.locator("section li li").inner_text() == "des aînés"
    assert browser_page.get_attribute("html", "lang") == "fr"
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "reader-edition.png"), full_page=True)
    assert (ARTIFACTS / "reader-edition.png").stat().st_size > 0


def test_api_docs_render_under_the_content_security_policy(
    live_server, browser_page, make_edition
):
    """The documentation needs no script: it reads with JavaScript off, and
    shows no CSP violation (the ``browser`` fixture fails the test on any)."""
    make_edition(title="Première petite ébullition")
    response = browser_page.goto(live_server.url + "/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "GET /api/v1/recaps/" in browser_page.locator("main").inner_text()
    context = browser_page.context.browser.new_context(java_script_enabled=False)
    without_js = context.new_page()
    without_js.goto(live_server.url + "/api/v1/docs/")
    assert without_js.locator("#object-RecapDetail").is_visible()
    context.close()
