"""Real-browser fixtures: Playwright driving Debian's Chromium.

``scripts/ensure-chromium.sh`` installs ``/usr/bin/chromium`` with apt-get; no
browser is ever downloaded by Playwright.
"""

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
        yield browser
        browser.close()
