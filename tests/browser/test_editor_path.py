"""The editor's path in a real browser: write, save a draft, publish, read.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by
``scripts/ensure-chromium.sh``, no browser download) against pytest-django's
live server. Run with ``make test-browser`` (``pytest -m browser``); the default
run deselects it.
"""

from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from recaps.models import RecapPage
from tests.browser.conftest import (
    add_list_child,
    delete_section,
    log_in,
    type_rich_text,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLE = "Édition des lucioles"
WORD = "lucioles"  # appears only in the new edition
THEMES = ["Numérique", "aller-vers"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def public_text(page, url):
    page.goto(url)
    return page.content()


def assert_visible_everywhere(page, live_url, edition, series, visible):
    """Check where readers see the edition (or, with ``visible=False``, don't):
    the series page, both theme pages, the search page and the API."""
    series_html = public_text(page, live_url + series.url)
    search_html = public_text(page, f"{live_url}/search/?query={quote(WORD)}")
    theme_pages = [
        page.request.get(f"{live_url}{series.url}themes/{slug}/")
        for slug in ("numerique", "aller-vers")
    ]
    api = page.request.get(f"{live_url}/api/v1/recaps/?series={series.slug}")
    assert api.status == 200
    api_titles = [recap["title"] for recap in api.json()["results"]]
    if visible:
        assert TITLE in series_html
        assert TITLE in search_html
        for response in theme_pages:
            assert response.status == 200
            assert TITLE in response.text()
        assert TITLE in api_titles
    else:
        assert TITLE not in series_html
        assert TITLE not in search_html
        for response in theme_pages:
            assert response.status == 404 or TITLE not in response.text()
        assert TITLE not in api_titles
        response = page.request.get(live_url + series.url + edition.slug + "/")
        assert response.status == 404


def test_editor_writes_saves_a_draft_then_publishes(live_server, page, series):
    live = live_server.url

    # Log in; the admin speaks French.
    log_in(page, live)
    assert page.locator("html").get_attribute("lang") == "fr"

    # A new edition under the series: number, date and sections are pre-filled.
    page.goto(
        f"{live}/admin/pages/add/recaps/recappage/{series.pk}/",
        wait_until="networkidle",
    )
    assert page.input_value("#id_edition_number") == "1"
    # No background save races the "save" click below (test_autosave.py).
    assert page.locator("form[data-controller~=w-autosave]").count() == 0
    page.fill("#id_title", TITLE)
    for kind in ["reflections", "nuggets", "resources"]:
        delete_section(page, kind)

    add_list_child(page, "body-0-value-items-count")
    type_rich_text(page, "body-0-value-items-0-value-text", f"Le retour des {WORD}")
    add_list_child(page, "body-0-value-items-0-value-children-count")
    type_rich_text(
        page, "body-0-value-items-0-value-children-0-value-text", "Un sous-point"
    )
    add_list_child(page, "body-1-value-items-count")
    type_rich_text(page, "body-1-value-items-0-value-text", "Un constat d’habitant")

    tag_input = page.locator(".tagit-new input")
    for count, theme in enumerate(THEMES, start=1):
        tag_input.click()
        tag_input.press_sequentially(theme)
        expect(tag_input).to_have_value(theme)
        tag_input.press("Enter")
        # Wait for the tag to be taken before typing the next one.
        expect(page.locator(".tagit-choice")).to_have_count(count)
        expect(page.locator(".tagit-choice").nth(count - 1)).to_contain_text(theme)

    # Save a draft: nowhere on the site. (Autosave is off in the browser
    # settings: nothing else saves the form; test_autosave.py tests it.)
    with page.expect_navigation(url="**/admin/pages/*/edit/"):
        page.click("button.action-save")
    edition = RecapPage.objects.get(title=TITLE)
    assert not edition.live
    draft = edition.get_latest_revision_as_object()
    assert [b.block_type for b in draft.body] == ["highlights", "observations"]
    first_item = draft.body[0].value["items"][0]
    assert WORD in first_item["text"].source
    assert "Un sous-point" in first_item["children"][0]["text"].source
    assert "Un constat" in draft.body[1].value["items"][0]["text"].source
    assert sorted(tag.name for tag in draft.tags.all()) == [
        "aller-vers",
        "numérique",
    ]
    assert sorted(tag.label for tag in draft.tags.all()) == ["Numérique", "aller-vers"]
    edit_url = page.url
    assert_visible_everywhere(page, live, edition, series, visible=False)

    # Publish from the editor's action menu.
    page.goto(edit_url, wait_until="networkidle")
    page.locator("footer .w-dropdown-button .w-dropdown__toggle").click()
    publish = page.locator('button[name="action-publish"]')
    publish.wait_for(state="visible")
    with page.expect_navigation(url="**/admin/pages/*/"):
        publish.click()
    edition.refresh_from_db()
    assert edition.live

    assert_visible_everywhere(page, live, edition, series, visible=True)
    page.goto(live + edition.url)
    html = page.content()
    # The theme as the editor typed it (its label), not its lower-case key.
    for text in [TITLE, f"Le retour des {WORD}", "Un sous-point", "Numérique"]:
        assert text in html
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-path-edition.png"), full_page=True)
