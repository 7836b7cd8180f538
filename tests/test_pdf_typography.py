"""The letters' typography, read back from the PDFs of the demo content: sizes
everyone can read, the easy-to-read summary large and sans-serif, the contact
block never alone on a page, addresses printed once, one sheet when it can.

Clear-print guidance: body at least 12 pt, nothing under 10 pt; European
easy-to-read standards: at least 14 pt in a sans-serif face.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from recaps.models import RecapPage, RecapSeriesPage
from tests.letter_layout import CONTACT_HEADING, FOOTER_MARGIN, letter_layout

# A point of each demo edition (body text) and a line of its summary.
BODY_TEXT = {
    1: "Des contexte différents en fonction des collectivités",
    2: "Pour la découverte de belles initiatives.",
    3: "Ouvert pour la ludothèque",
}
BARE_URL = "conseiller-numerique.gouv.fr"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def layouts(django_db_setup, django_db_blocker):
    """The layout of each demo edition's letter and of two theme digests."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        client = Client()
        series = RecapSeriesPage.objects.get()
        found = {}
        for edition in RecapPage.objects.live():
            layout = letter_layout(client.get(edition.url + "pdf/").content)
            found[edition.edition_number] = (layout, edition.summary_easy)
        for slug in ("numerique", "aller-vers"):
            url = f"{series.url}themes/{slug}/pdf/"
            found[slug] = (letter_layout(client.get(url).content), "")
        transaction.set_rollback(True)
    return found


def test_nothing_is_printed_under_10_pt(layouts):
    for name, (layout, _summary) in layouts.items():
        assert layout.smallest_size >= 10, (name, layout.smallest_size)


def test_body_text_is_at_least_12_pt(layouts):
    for number, text in BODY_TEXT.items():
        layout, _summary = layouts[number]
        sizes = layout.sizes_of(text[:25])
        assert sizes and min(sizes) >= 12, (number, sizes)


def test_easy_to_read_summary_is_14_pt_sans_serif_and_first(layouts):
    for number in BODY_TEXT:
        layout, summary = layouts[number]
        first_line = summary.split("\n")[0]
        assert first_line, number
        sizes = layout.sizes_of(first_line[:20])
        assert sizes and min(sizes) >= 14, (number, sizes)
        assert all("Sans" in font for font in layout.fonts_of(first_line[:20]))
        assert layout.page_of(first_line[:20]) == 1


def test_the_contact_block_shares_its_page_with_the_content(layouts):
    for name, (layout, _summary) in layouts.items():
        page = layout.contact_page
        assert page == layout.pages, name
        spans = [s for s in layout.spans if s.page == page and s.y > FOOTER_MARGIN]
        heading = next(i for i, s in enumerate(spans) if CONTACT_HEADING in s.text)
        # Lines of the letter's content come before it on the same page.
        assert heading > 0, (name, [s.text for s in spans[:3]])


def test_an_address_already_shown_is_not_repeated(layouts):
    layout, _summary = layouts[3]
    text = " ".join(span.text for span in layout.spans)
    assert text.count(BARE_URL) == 1
    assert "(http://ressources-fdcsx44.fr)" not in text


def test_a_short_edition_fits_one_sheet(layouts):
    """Editions 1 and 2 of the demo fit on one A4 sheet printed recto-verso."""
    assert layouts[1][0].pages <= 2
    assert layouts[2][0].pages <= 2
