"""Printing an edition in a real browser: the print stylesheet (print.css)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def page_count(pdf_bytes):
    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)


@pytest.fixture
def longest_demo_edition(db):
    """The demo content (from the legacy page): its longest edition, 9 sections."""
    from wagtail.models import Site

    from recaps.models import RecapPage

    call_command("load_demo", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.save()
    editions = list(RecapPage.objects.live())
    return max(editions, key=lambda edition: len(edition.body))


def test_edition_prints_without_navigation_on_fewer_pages(
    live_server, browser, longest_demo_edition
):
    page = browser.new_page(locale="fr-FR")
    url = live_server.url + longest_demo_edition.url
    page.goto(url)
    page.emulate_media(media="screen")
    assert page.locator(".site-search").is_visible()
    assert page.locator("nav.share").is_visible()
    screen_pages = page_count(page.pdf(format="A4"))

    page.emulate_media(media="print")
    for selector in (".site-search", "nav.share", "nav.pager", ".related"):
        assert page.locator(selector).count() == 1, selector
        assert not page.locator(selector).is_visible(), selector
    # The series, date and address of the edition are printed.
    source = page.locator(".print-source")
    assert source.is_visible()
    text = source.inner_text()
    assert "Les petites ébullitions du Vendredi" in text
    assert longest_demo_edition.url in text
    assert "11 décembre 2020" in text
    # External links are followed by their address.
    after = page.evaluate(
        """() => {
            const link = document.querySelector('main .section a[href^="http"]');
            return link ? getComputedStyle(link, '::after').content : null;
        }"""
    )
    assert after is not None and "http" in after
    # Sections are kept in one piece.
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('.section')).breakInside"
        )
        == "avoid"
    )
    print_pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "edition-print.pdf").write_bytes(print_pdf)
    print_pages = page_count(print_pdf)
    assert print_pages < screen_pages, (print_pages, screen_pages)
    page.close()
