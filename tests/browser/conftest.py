"""Real-browser fixtures: Playwright driving Debian's Chromium.

``scripts/ensure-chromium.sh`` installs ``/usr/bin/chromium`` with apt-get; no
browser is ever downloaded by Playwright.

Every page runs under the site's Content-Security-Policy (django-csp, as in
production); a test fails when the browser reports any violation of it.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Reports each violation to the console too (Chromium also logs its own line).
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
    console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def _watch_csp(browser, violations):
    """Make every context of ``browser`` record CSP violations."""
    new_context = browser.new_context

    def record(message):
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            violations.append(text)

    def new_context_watching_csp(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.add_init_script(CSP_REPORTER)
        context.on("console", record)
        return context

    def new_page_watching_csp(*args, **kwargs):
        return new_context_watching_csp(*args, **kwargs).new_page()

    browser.new_context = new_context_watching_csp
    browser.new_page = new_page_watching_csp


@pytest.fixture(autouse=True)
def _database_shared_safely_with_the_live_server():
    """Refuse the in-memory SQLite database: the live server's threads and the
    test would lock each other out. ``make test-browser`` uses
    ``cms.settings.test_browser`` (a file database in WAL mode)."""
    connection = connections["default"]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail(
            "browser tests need a file or PostgreSQL database: run them with "
            "`make test-browser` (--ds=cms.settings.test_browser)"
        )


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium, closed after the test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM
    # calls from such a thread unless told that this is intended.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        violations = []
        _watch_csp(browser, violations)
        yield browser
        browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(
        violations
    )


@pytest.fixture
def page(browser):
    """A French-speaking page in a 1280 × 900 window."""
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    # Generous: the machine's two cores are shared with other test runs.
    page.set_default_timeout(60_000)
    yield page
    context.close()


USERNAME, PASSWORD = "redaction", "motdepasse-ebullition"


def log_in(page, live_url):
    """Create a superuser and log ``page`` into the admin as them."""
    get_user_model().objects.create_superuser(USERNAME, "r@example.org", PASSWORD)
    page.goto(f"{live_url}/admin/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/admin/")


def add_list_child(page, count_name):
    """Click the “add” button of the ListBlock whose count input is ``count_name``,
    opening its panel first if it is collapsed (a point's “Sous-points”)."""
    count = page.locator(f'input[name="{count_name}"]')
    toggle = count.locator("xpath=ancestor::section[@data-panel][1]").locator(
        "[data-panel-toggle]"
    )
    if toggle.first.get_attribute("aria-expanded") == "false":
        toggle.first.click()
    count.locator("xpath=following-sibling::div[1]").locator(
        "[data-streamfield-list-add]"
    ).first.click()


def type_rich_text(page, input_id, text):
    """Type into the Draftail editor whose hidden input has ``input_id``."""
    widget = page.locator(f'[data-streamfield-widget]:has(input[id="{input_id}"])')
    editor = widget.locator('[contenteditable="true"]')
    hidden = page.locator(f'input[id="{input_id}"]')
    # A freshly added block's editor may not take keystrokes yet: check that the
    # text landed, and retry on a slow machine.
    for _attempt in range(3):
        editor.click()
        expect(editor).to_be_focused()
        editor.press_sequentially(text)
        try:
            expect(editor).to_have_text(text, timeout=5_000)
            # Draftail copies its state to the hidden input after a short delay;
            # saving before that would send an empty item.
            expect(hidden).to_have_value(re.compile(re.escape(text)), timeout=5_000)
            return
        except AssertionError:
            editor.press("ControlOrMeta+a")
            editor.press("Backspace")
    raise AssertionError(f"could not type into {input_id}")


def delete_section(page, kind):
    """Delete the edit form's first section of block type ``kind``."""
    block = page.locator(
        f'[data-streamfield-child]:has(> input[name$="-type"][value="{kind}"])'
    )
    block.locator('[data-streamfield-action="DELETE"]').first.click()
