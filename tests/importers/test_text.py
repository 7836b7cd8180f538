"""The flattened-text reader on the legacy page and small samples."""

from pathlib import Path

import pytest

from recaps.importers.document import SourceError
from recaps.importers.text import parse_text
from tests.legacy import EXPECTED_ITEMS_PER_EDITION, EXPECTED_SECTIONS

LEGACY = Path(__file__).parent / "data" / "legacy-page.txt"


@pytest.fixture(scope="module")
def editions():
    return parse_text(LEGACY.read_bytes(), "legacy-page.txt")


def test_legacy_page_gives_three_editions_in_chronological_order(editions):
    assert [e.edition_number for e in editions] == [1, 2, 3]
    assert "première édition" in editions[0].intro
    assert "seconde édition" in editions[1].intro
    assert [e.item_count() for e in editions] == [
        EXPECTED_ITEMS_PER_EDITION[n] for n in (1, 2, 3)
    ]


def test_legacy_sections_are_typed(editions):
    kinds = [[s["type"] for s in e.sections] for e in editions]
    assert kinds == [EXPECTED_SECTIONS[n] for n in (1, 2, 3)]


def test_nested_bullets_become_sub_items(editions):
    item = editions[0].sections[0]["items"][2]
    assert "interrogations partagées" in item["text"]
    assert len(item["children"]) == 2
    assert "radars" in item["children"][1]["text"]


def test_intro_lines_and_leftover_paragraphs(editions):
    last = editions[2]
    assert "Pour cette dernière petite ébullition" in last.intro
    assert last.sections[0]["intro"] == "<p>Entre autres :</p>"
    assert "faire le bilan" in last.sections[1]["text"]


def test_site_chrome_is_not_content(editions):
    everything = repr([e.sections for e in editions]) + repr(
        [e.intro for e in editions]
    )
    for chrome in ["Partager sur", "Aller au contenu", "Comment participer", "Maxime"]:
        assert chrome not in everything


def test_urls_in_items_become_links(editions):
    takeaways = editions[2].sections[-1]["items"]
    assert any(
        'href="https://www.conseiller-numerique.gouv.fr/"' in item["text"]
        for item in takeaways
    )


def test_source_keys_are_stable_and_distinct(editions):
    again = parse_text(LEGACY.read_bytes(), "legacy-page.txt")
    assert [e.source_key for e in editions] == [e.source_key for e in again]
    assert len({e.source_key for e in editions}) == 3


def test_text_without_recap_is_refused():
    with pytest.raises(SourceError, match="aucun compte rendu|no recap"):
        parse_text(b"Bonjour,\nceci est une lettre.\n", "lettre.txt")


def test_unreadable_encoding_is_refused():
    with pytest.raises(SourceError, match="UTF-8"):
        parse_text("Ce qui a été partagé :\n  - élan\n".encode("latin-1"), "x.txt")
