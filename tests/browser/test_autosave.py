"""Wagtail 8's autosave keeps what the editor typed, as a draft.

Autosave is off in ``cms.settings.test_browser`` (the other tests click "save"
and must not race a background save); this test turns it on (the editor views
read ``WAGTAIL_AUTOSAVE_INTERVAL`` per request, and the live server runs in this
process) and waits for the autosave request's own response, never a clock.
"""

import datetime

import pytest
from django.utils import timezone

from recaps.models import RecapPage
from tests.browser.conftest import (
    add_list_child,
    delete_section,
    log_in,
    type_rich_text,
)

TITLE = "Édition autosauvegardée"
TEXT = "Les lucioles reviennent au jardin"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def autosave_of(text):
    """Matches the response to an autosave (a background POST asking for JSON)
    whose form data holds ``text``."""
    needle = text.encode()

    def matches(response):
        request = response.request
        return (
            request.method == "POST"
            and request.headers.get("accept") == "application/json"
            and needle in (request.post_data_buffer or b"")
        )

    return matches


def start_an_edition(page, title, text):
    """Give a new edition a title and one point (its first section's), and
    wait for the autosave that holds them."""
    page.fill("#id_title", title)
    for kind in ["observations", "reflections", "nuggets", "resources"]:
        delete_section(page, kind)
    add_list_child(page, "body-0-value-items-count")
    # The wait covers the typing too (up to 3 attempts on a busy machine): the
    # generous bound is only there so that a broken autosave fails the test.
    with page.expect_response(autosave_of(text), timeout=180_000) as saved:
        type_rich_text(page, "body-0-value-items-0-value-text", text)
    assert saved.value.ok, (saved.value.status, saved.value.text()[:500])
    return saved.value


def test_autosave_stores_what_was_typed_as_a_draft(live_server, page, series, settings):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 500
    log_in(page, live_server.url)
    page.goto(
        f"{live_server.url}/admin/pages/add/recaps/recappage/{series.pk}/",
        wait_until="networkidle",
    )
    assert page.locator("form[data-controller~=w-autosave]").count() == 1
    response = start_an_edition(page, TITLE, TEXT)
    assert response.json()["success"] is True

    # Not published, but the draft holds the text (no "save" was clicked).
    edition = RecapPage.objects.get(title=TITLE)
    assert not edition.live
    draft = edition.get_latest_revision_as_object()
    assert TEXT in draft.body[0].value["items"][0]["text"].source


# Counts the connections of Wagtail's unsaved-changes tracker and the first
# states it takes (one per connection, about 2 s after it; the edit view
# connects it twice): edits made before the last one are taken as unchanged.
COUNT_TRACKER_STARTS = """
const tracker = window.recapsTracker = {connected: 0, watching: 0};
document.addEventListener("w-unsaved:ready", () => { tracker.connected += 1; });
document.addEventListener("w-unsaved:watch-edits", () => { tracker.watching += 1; });
"""
TRACKER_WATCHING = """() => window.recapsTracker.connected > 0
    && window.recapsTracker.watching >= window.recapsTracker.connected"""

# Holds the page's first autosave: the server answers it at once, the page gets
# the answer only when the test calls ``window.recapsTestRelease()``.
HOLD_FIRST_AUTOSAVE = """() => {
    const realFetch = window.fetch;
    let first = true;
    window.fetch = (url, options = {}) => {
        const isAutosave = (options.method || "").toUpperCase() === "POST"
            && (options.headers || {}).Accept === "application/json";
        if (!first || !isAutosave) return realFetch(url, options);
        first = false;
        const answer = realFetch(url, options);
        window.recapsTestAnswered = false;
        answer.then(() => { window.recapsTestAnswered = true; });
        return new Promise((resolve) => {
            window.recapsTestRelease = () => resolve(answer);
        });
    };
}"""

# Whether Wagtail's unsaved-changes tracker has seen the form holding ``text``.
TRACKER_SAW = """([form, text]) => (window.wagtail.app
    .getControllerForElementAndIdentifier(form, "w-unsaved").previousFormData || ""
).includes(text)"""


def test_what_is_typed_while_an_autosave_is_on_its_way_is_autosaved_too(
    live_server, page, make_edition, settings
):
    """Wagtail 8.0 clears its unsaved-changes tracker with the form as it is when
    a save succeeds, so text typed during the save would never be sent (the
    tracker notifies about 0.5 s after it sees a change; a save answered in
    between swallows it). The editor script (recaps/static/recaps/admin/
    editor.js) makes the tracker compare against what was sent instead. The
    first autosave is held until later text is typed and seen by the tracker,
    then given to the page at once."""
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 500
    edition = make_edition(title="Édition à compléter", publish=False)
    log_in(page, live_server.url)
    page.add_init_script(COUNT_TRACKER_STARTS)
    page.goto(
        f"{live_server.url}/admin/pages/{edition.pk}/edit/", wait_until="networkidle"
    )
    page.evaluate(HOLD_FIRST_AUTOSAVE)
    page.wait_for_function(TRACKER_WATCHING)
    form = page.locator("form[data-controller~=w-autosave]").element_handle()

    page.fill("#id_title", TITLE)
    page.wait_for_function("() => window.recapsTestAnswered === true")
    later = TITLE + " et complétée"
    page.fill("#id_title", later)
    page.wait_for_function(TRACKER_SAW, arg=[form, "compl%C3%A9t%C3%A9e"])
    with page.expect_response(autosave_of(later), timeout=120_000) as autosave:
        page.evaluate("() => window.recapsTestRelease()")
    assert autosave.value.ok

    draft = RecapPage.objects.get(pk=edition.pk).get_latest_revision_as_object()
    assert draft.title == later


def test_new_editions_abandoned_twice_then_one_published_is_numbered_next(
    live_server, page, series, make_edition, settings
):
    """Autosave leaves a draft behind each abandoned "Nouvelle édition" (each
    holds the next number for a day, so that two people writing at once get
    two); the edition published after two of them takes the number after the
    last published one, and an ASCII address; a day later the drafts no longer
    hold a number."""
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 500
    make_edition(edition_number=3, title="Troisième ébullition")
    page.on("dialog", lambda dialog: dialog.accept())
    page.add_init_script(COUNT_TRACKER_STARTS)
    log_in(page, live_server.url)
    add_url = f"{live_server.url}/admin/pages/add/recaps/recappage/{series.pk}/"

    for attempt in (1, 2):
        page.goto(add_url, wait_until="networkidle")
        page.wait_for_function(TRACKER_WATCHING)
        assert page.input_value("#id_edition_number") == str(3 + attempt)
        start_an_edition(page, f"Brouillon abandonné {attempt}", f"Idée {attempt}")
    assert RecapPage.objects.filter(live=False).count() == 2

    page.goto(add_url, wait_until="networkidle")
    page.wait_for_function(TRACKER_WATCHING)
    assert page.input_value("#id_edition_number") == "6"
    title = "Petite ébullition de décembre"
    start_an_edition(page, title, "Les lucioles publiées")
    page.locator("footer .w-dropdown-button .w-dropdown__toggle").click()
    publish = page.locator('button[name="action-publish"]')
    publish.wait_for(state="visible")
    with page.expect_navigation(url="**/admin/pages/*/"):
        publish.click()

    published = RecapPage.objects.get(title=title)
    assert published.live
    assert published.edition_number == 4
    assert published.slug.startswith("petite-ebullition-de-decembre")
    assert published.url.isascii()
    assert page.request.get(live_server.url + published.url).ok

    # A day later, the abandoned drafts hold no number.
    RecapPage.objects.filter(live=False).update(
        latest_revision_created_at=timezone.now() - datetime.timedelta(days=2)
    )
    page.goto(add_url, wait_until="networkidle")
    assert page.input_value("#id_edition_number") == "5"
