import datetime
import io
from pathlib import Path

import pytest
from django.utils.translation import gettext

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


# --- real exports WordPress produced (see data/wordpress/README.md) ----------

WORDPRESS = Path(__file__).parent / "data" / "wordpress"
THEME_UNIT_TEST = WORDPRESS / "theme-unit-test-data.xml"
FRENCH = WORDPRESS / "recaps-gutenberg-fr.xml"


def test_theme_unit_test_data_is_read_under_the_https_namespace():
    export = parse_wxr(str(THEME_UNIT_TEST), require_editions=False)
    assert (export.wxr_version, export.wordpress_version) == ("1.2", "wordpress.com")
    assert export.post_count == 58
    assert export.other_items == {"page": 21, "attachment": 37, "nav_menu_item": 70}
    # One heading naming a section kind (“Resources”) does not make a recap of
    # “Keyboard navigation”: no post is, each is listed with its reason.
    assert export.editions == []
    assert len(export.skipped) == 58
    reasons = dict(export.skipped)
    assert reasons["Keyboard navigation (item 8)"] == gettext(
        "fewer than two headings naming a section kind"
    )


def test_theme_unit_test_posts_chosen_by_category_keep_their_structure():
    export = parse_wxr(str(THEME_UNIT_TEST), categories=["block"])
    titles = {e.title: e for e in export.editions}
    assert "WP 6.1 Text category blocks" in titles
    text = titles["WP 6.1 Text category blocks"]
    kinds = {section["type"] for section in text.sections}
    assert {"text", "table", "code"} <= kinds
    dump = repr(text.sections)
    assert "wp:" not in dump and "/wp:" not in dump
    # The category “6.1” becomes a theme; the chosen category does not.
    assert text.categories == [("6-1", "6.1")]
    media = titles["WP 6.1 Media category blocks"]
    assert any(section["type"] == "image" for section in media.sections)


def test_theme_unit_test_lists_keep_order_type_and_nesting():
    export = parse_wxr(str(THEME_UNIT_TEST), categories=["lists-2"])
    [edition] = [e for e in export.editions if "Nested And Mixed" in e.title]
    html = "".join(s.get("text", "") for s in edition.sections)
    assert "<p><ul>" not in html and "<p><ol>" not in html
    assert html.count("<ol>") >= 2
    # Three levels of nesting stay three levels.
    assert "<ul><li>" in html and "</li></ul></li></ul></li>" in html


def test_titles_are_decoded_and_stripped_of_markup():
    export = parse_wxr(str(THEME_UNIT_TEST), categories=["block", "classic"])
    titles = [e.title for e in export.editions]
    assert all("&amp;" not in title and "<" not in title for title in titles)


@pytest.mark.parametrize(
    ("name", "version", "wordpress"),
    [
        ("valid-wxr-1.0.xml", "1.0", "3.0.1"),
        ("valid-wxr-1.1.xml", "1.1", "3.1-alpha"),
        ("wxr-comprehensive.xml", "1.2", "6.5.4"),
    ],
)
def test_every_wxr_version_is_read(name, version, wordpress):
    from recaps.importers.wxr import WxrReader

    reader = WxrReader()
    with pytest.raises(SourceError, match=f"WXR {version}"):
        # None of these English posts is a recap: the message names the version.
        reader.read(str(WORDPRESS / name))
    assert reader.export.wordpress_version == wordpress
    assert reader.export.post_count >= 1


def test_wxr_1_0_posts_chosen_by_category_are_imported():
    export = parse_wxr(str(WORDPRESS / "valid-wxr-1.0.xml"), categories=["alpha"])
    assert export.wxr_version == "1.0"
    assert export.editions and all(e.sections for e in export.editions)


def test_french_gutenberg_export_reads_every_block():
    export = parse_wxr(str(FRENCH))
    fifth, sixth = export.editions
    assert fifth.title == "Petite ébullition n°5 & bilan"
    kinds = [s["type"] for s in fifth.sections]
    assert kinds == [
        "highlights",
        "image",
        "text",
        "table",
        "code",
        "text",
        "embed",
        "resources",
        "file",
        "text",
    ]
    highlights, image, program, table, code, separator, embed = fifth.sections[:7]
    assert highlights["items"][0]["text"] == "<p>Des paniers solidaires</p>"
    assert [c["text"] for c in highlights["items"][0]["children"]] == [
        "<p>au Breil</p>",
        "<p>le mardi</p>",
        "<p>à Malakoff</p>",
    ]
    assert ("deep_list", "") in fifth.warnings
    assert image["alt"] == "Vingt visages dans une visio"
    assert image["caption"] == "La visio du 8 janvier"
    assert image["file"] == "2020/11/groupe.png"
    assert program["text"].startswith('<ol start="3"><li>Accueil</li>')
    assert "<blockquote><p>On se sent moins seuls.</p>" in program["text"]
    assert ("unknown_heading", "Programme de la matinée") in fifth.warnings
    assert table["rows"] == [
        ["Centre", "Participants"],
        ["Breil", "12"],
        ["Malakoff", "8"],
    ]
    assert table["header"] and table["caption"] == "Participation"
    assert code["code"] == "  horaires :\n    9h  accueil\n    10h visio"
    assert separator["text"] == "<hr/>"
    assert embed["url"] == "https://www.youtube.com/watch?v=abc123"
    assert fifth.sections[8]["title"] == "Guide de l’accueil"
    assert "S’inscrire" in fifth.sections[9]["text"]
    # Classic editor: line breaks, bold heading with a colon, shortcodes.
    assert sixth.intro == (
        "<p>Un texte de l&#x27;éditeur classique,<br/>\nsur deux lignes.</p>"
    )
    assert [s["type"] for s in sixth.sections] == [
        "observations",
        "image",
        "image",
        "text",
    ]
    assert sixth.sections[1]["caption"] == "Les participants"
    assert ("shortcode", "contact-form-7") in sixth.warnings
    assert "[sic]" in sixth.sections[3]["text"]


def test_a_section_word_inside_a_sentence_is_not_a_heading():
    export = parse_wxr(str(FRENCH))
    assert export.skipped == [
        (
            "Nos questions du moment (item 4)",
            gettext("fewer than two headings naming a section kind"),
        )
    ]


def test_only_the_chosen_categories_are_imported():
    export = parse_wxr(str(FRENCH), categories=["actualites"])
    [edition] = export.editions
    assert edition.title == "Nos questions du moment"
    assert [s["type"] for s in edition.sections] == ["text"]
    assert [label for label, _reason in export.skipped] == [
        "Petite ébullition n°5 & bilan (item 2)",
        "Petite ébullition n°6 (item 3)",
    ]
