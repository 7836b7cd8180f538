import datetime
import io

import pytest

from recaps.importers.document import SourceError
from recaps.importers.wxr import parse_wxr


def test_posts_become_editions(wxr_file):
    export = parse_wxr(str(wxr_file))
    assert export.title == "Fédération des Centres Sociaux 44"
    titles = [e.title for e in export.editions]
    assert titles == [
        "Seconde petite ébullition",
        "Retour du vendredi",
        "Première petite ébullition",
    ]
    second, third, first = export.editions
    assert (first.edition_number, second.edition_number) == (1, 2)
    # No number in the title: its rank by date.
    assert third.edition_number == 3
    assert second.date == datetime.date(2020, 11, 20)
    assert second.status == "publish" and third.status == "draft"
    assert second.source_key == "https://site.example/?p=2"
    assert second.slug == "seconde-petite-ébullition"
    assert second.themes == ["Numérique", "Isolement"]
    assert ("reseau", "Réseau") in second.categories
    assert [label for label, _reason in export.skipped] == [
        "Brouillon supprimé (item 4)"
    ]


def test_post_html_gives_sections_nested_items_and_links(wxr_file):
    second = parse_wxr(str(wxr_file)).editions[0]
    assert [s["type"] for s in second.sections] == ["highlights", "reflections"]
    items = second.sections[0]["items"]
    assert items[0]["text"] == (
        '<p>Une initiative 2 <a href="https://example.org/2">en ligne</a></p>'
    )
    assert len(items[1]["children"]) == 2
    assert second.intro == "<p>Beau moment pour cette édition 2.</p>"


def test_dangerous_html_is_neutralised(wxr_file):
    third = parse_wxr(str(wxr_file)).editions[1]
    dump = repr(third.sections)
    for bad in ["<script", "alert", "onclick", "javascript:", "iframe", "evil"]:
        assert bad not in dump
    resources = third.sections[-1]
    assert resources["type"] == "resources"
    assert resources["links"][0]["url"] == "https://www.conseiller-numerique.gouv.fr/"
    assert resources["items"] == [{"text": "<p>piège à éviter</p>", "children": []}]


def test_entity_expansion_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<title>&b;</title></channel></rss>"
    )
    with pytest.raises(SourceError, match="XML"):
        parse_wxr(io.BytesIO(bomb.encode()))


def test_broken_xml_is_refused(wxr_text):
    with pytest.raises(SourceError, match="XML"):
        parse_wxr(io.BytesIO(wxr_text[:-40].encode()))


def test_export_without_recap_is_refused():
    from tests.importers.helpers import build_wxr, wxr_item

    text = build_wxr([wxr_item("Bonjour", "<p>Juste un mot.</p>", "g1")])
    with pytest.raises(SourceError):
        parse_wxr(io.BytesIO(text.encode()))
