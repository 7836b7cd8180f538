"""An edition on a phone (375 × 667): the content starts on the first screens.

Residents far from digital tools read on small phones: the header, title, meta
and themes must not push the recap below the fold (edition 3's first section
used to start at 1,383 px). A screenshot of each edition's first screen is kept
in ``test-artifacts/``.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIRST_SECTION_WITHIN = 900  # px from the top of the page
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def demo_editions(db):
    from recaps.models import RecapPage

    call_command("load_demo", stdout=io.StringIO())
    return list(RecapPage.objects.live().order_by("date"))


def test_first_section_heading_is_within_900_px_on_a_phone(
    live_server, browser, demo_editions
):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 375, "height": 667}, is_mobile=True
    )
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    for edition in demo_editions:
        page.goto(live_server.url + edition.url)
        page.screenshot(path=ARTIFACTS / f"phone-edition-{edition.edition_number}.png")
        top = page.evaluate(
            """() => document.querySelector('main section.section h2')
                .getBoundingClientRect().top + window.scrollY"""
        )
        assert top <= FIRST_SECTION_WITHIN, (edition.edition_number, top)
        # The easy-to-read summary comes first, before the sections.
        summary = page.locator(".summary-easy")
        assert summary.is_visible()
        # Themes hold one line: two shown, the others behind "+N thèmes".
        shown = page.locator("header .theme-line > .themes li:visible")
        themes = edition.tags.count()
        assert shown.count() == min(themes, 2)
        if themes > 2:
            more = page.locator(".themes-more summary")
            assert more.inner_text() == f"+{themes - 2} thèmes"
            boxes = [shown.nth(i).bounding_box()["y"] for i in range(shown.count())]
            assert max(boxes) - min(boxes) < 5  # one line
            more.click()
            assert page.locator(".themes-more li:visible").count() == themes - 2
    context.close()


def test_wide_screens_show_every_theme_and_no_control(live_server, page, demo_editions):
    edition = demo_editions[-1]
    page.goto(live_server.url + edition.url)
    assert page.locator("header .theme-line > .themes li:visible").count() == (
        edition.tags.count()
    )
    assert not page.locator(".themes-more").is_visible()
