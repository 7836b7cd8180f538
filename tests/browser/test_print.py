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
def demo_editions(db):
    """The demo content (from the legacy page): its three editions."""
    from wagtail.models import Site

    from recaps.models import RecapPage

    call_command("load_demo", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    site.hostname = "localhost"
    site.save()
    return list(RecapPage.objects.live().order_by("date"))


@pytest.fixture
def longest_demo_edition(demo_editions):
    """The longest demo edition, 9 sections."""
    return max(demo_editions, key=lambda edition: len(edition.body))


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
    # External links are followed by their address, unless their text is it.
    after = page.evaluate(
        """() => {
            const after = (link) => getComputedStyle(link, '::after').content;
            const bare = document.querySelector('main .section a[data-bare-url]');
            const named = document.createElement('a');
            named.href = 'https://example.org/atelier';
            named.textContent = "l'atelier";
            bare.parentNode.appendChild(named);
            return [after(bare), after(named)];
        }"""
    )
    assert after == ["none", '" (https://example.org/atelier)"'], after
    # Sections may break across pages; their headings never end one.
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('.section h2')).breakAfter"
        )
        == "avoid"
    )
    print_pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "edition-print.pdf").write_bytes(print_pdf)
    print_pages = page_count(print_pdf)
    assert print_pages < screen_pages, (print_pages, screen_pages)
    page.close()


def test_each_demo_edition_prints_its_content_and_how_to_take_part(
    live_server, browser, demo_editions
):
    """Chromium's print-to-PDF of each demo edition: no navigation, no "Haut
    de page", each address once, and the "Comment participer ?" block."""
    page = browser.new_page(locale="fr-FR")
    for edition in demo_editions:
        page.goto(live_server.url + edition.url)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4")
        (ARTIFACTS / f"edition-{edition.edition_number}-print.pdf").write_bytes(pdf)
        text = " ".join(
            page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages
        )
        flat = " ".join(text.split())
        assert edition.title in flat
        for absent in ("Haut de page", "Rechercher", "Partager", "Télécharger"):
            assert absent not in flat, (edition.edition_number, absent)
        assert "Comment participer ?" in flat
        assert "06 46 80 00 95" in flat and "chmission.federation44" in flat
        # A link that says its address is not followed by it a second time.
        assert flat.count("chmission.federation44@gmail.com") == 1
        if edition.edition_number == 3:
            assert flat.count("conseiller-numerique.gouv.fr") == 1
    page.close()
