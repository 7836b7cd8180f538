import datetime
from pathlib import Path

import pytest

from recaps.importers.document import SourceError
from recaps.importers.html import parse_html

PAGE = (Path(__file__).parent / "data" / "recap-page.html").read_text()


def test_saved_page_gives_one_edition_with_typed_sections():
    [edition] = parse_html(PAGE.encode(), "page.html")
    assert edition.source_key == "https://www.centres-sociaux-44.fr/ebullition-4/"
    assert edition.title == "Petite ébullition n°4"
    assert edition.edition_number == 4
    assert edition.date == datetime.date(2020, 12, 18)
    assert edition.intro == "<p>Une belle rencontre.</p>"
    kinds = [s["type"] for s in edition.sections]
    assert kinds == ["highlights", "text", "resources", "text"]
    highlights = edition.sections[0]
    assert highlights["intro"] == "<p>Entre autres :</p>"
    assert highlights["items"][0]["text"] == (
        '<p>Une <strong>épicerie</strong> solidaire <a href="https://ex.org/epicerie">'
        "ici</a></p>"
    )
    assert [c["text"] for c in highlights["items"][1]["children"]] == [
        "<p>Comment faire ?</p>",
        "<p>Avec qui ?</p>",
    ]
    assert "conclusion" in edition.sections[1]["text"]


def test_resource_links_and_unknown_headings():
    [edition] = parse_html(PAGE.encode(), "page.html")
    resources = edition.sections[2]
    assert resources["links"] == [
        {
            "title": "Conseillers numériques",
            "url": "https://www.conseiller-numerique.gouv.fr/",
            "description": "le site",
        }
    ]
    assert [i["text"] for i in resources["items"]] == ["<p>Un document papier</p>"]
    unknown = edition.sections[3]
    assert unknown["heading"] == "Programme de la journée"
    assert "<ul><li>Accueil</li></ul>" in unknown["text"]
    assert any("Programme de la journée" in w for w in edition.warnings)


def test_navigation_share_buttons_and_scripts_are_dropped():
    [edition] = parse_html(PAGE.encode(), "page.html")
    dump = repr([edition.title, edition.intro, edition.sections])
    assert "menu" not in dump
    assert "facebook" not in dump
    assert "tracking" not in dump
    assert "evil" not in dump
    assert "onclick" not in dump
    # The frame of an unknown site is not kept, and the report says so.
    assert ("frame_removed", "evil.example") in edition.warnings


def test_page_without_canonical_url_is_keyed_by_hash():
    page = PAGE.replace(
        '<link rel="canonical" href="https://www.centres-sociaux-44.fr/ebullition-4/">',
        "",
    )
    [edition] = parse_html(page.encode(), "page.html")
    assert edition.source_key.startswith("sha256:")


def test_html_page_that_is_not_a_recap_is_refused():
    with pytest.raises(SourceError):
        parse_html(b"<html><body><p>Bonjour</p></body></html>", "vide.html")


BLOG = """<html><body><main>
<article class="post"><header><h1>Dernière ébullition</h1>
<time datetime="2020-12-11">11 décembre</time></header>
<h3>Les constats et remontés d’habitants</h3><ul><li>Isolement</li></ul>
<footer><a rel="tag" href="/t/isolement">Isolement</a></footer></article>
<article class="post"><header><h1>Première ébullition</h1>
<time datetime="2020-11-13">13 novembre</time></header>
<h3>Ce qui a été partagé</h3><ul><li>Des initiatives</li><li>Du lien</li></ul>
<footer><a rel="tag" href="/t/lien">Lien social</a></footer></article>
<article class="comment"><p>Ce qui a été partagé : bravo</p></article>
</main></body></html>"""


def test_page_with_several_articles_gives_dated_editions():
    first, last = parse_html(BLOG.encode(), "blog.html")
    assert (first.title, first.date) == (
        "Première ébullition",
        datetime.date(2020, 11, 13),
    )
    assert (last.title, last.date) == (
        "Dernière ébullition",
        datetime.date(2020, 12, 11),
    )
    assert [first.edition_number, last.edition_number] == [1, 2]
    assert first.themes == ["Lien social"] and last.themes == ["Isolement"]
    assert [s["type"] for s in last.sections] == ["observations"]
    assert first.source_key.endswith("#1") and last.source_key.endswith("#2")
    assert "bravo" not in repr(first) + repr(last)


def test_very_long_headings_are_cut_to_the_block_limit():
    page = "<h3>Ce qui a été partagé " + "très " * 100 + "</h3><ul><li>a</li></ul>"
    [edition] = parse_html(page.encode(), "long.html")
    assert len(edition.sections[0]["heading"]) == 255


def test_images_inside_list_items_become_links_to_them():
    page = (
        "<h3>Les pépites :</h3><ul>"
        '<li>Une idée <img src="https://s.fr/wp-content/uploads/a.png" alt="Affiche">'
        "</li></ul>"
    )
    [edition] = parse_html(page.encode(), "liste.html")
    [item] = edition.sections[0]["items"]
    assert item["text"] == (
        '<p>Une idée <a href="https://s.fr/wp-content/uploads/a.png">Affiche</a></p>'
    )


def test_a_bold_sentence_with_a_section_word_is_a_paragraph():
    page = (
        "<h3>Ce qui a été partagé</h3><ul><li>un point</li></ul>"
        "<p><strong>Nous avons reçu beaucoup de questions cette année.</strong></p>"
        "<p><strong>Les pistes d’action :</strong></p><ul><li>une piste</li></ul>"
    )
    [edition] = parse_html(page.encode(), "gras.html")
    assert [s["type"] for s in edition.sections] == ["highlights", "text", "nuggets"]
    assert "questions cette année" in edition.sections[1]["text"]


def blocks_of(html):
    """The block values (tables, images…) of an HTML fragment, in order."""
    from bs4 import BeautifulSoup

    from recaps.importers.document import Block
    from recaps.importers.html import events

    soup = BeautifulSoup(html, "html.parser")
    return [event.value for event in events(soup) if isinstance(event, Block)]


def test_links_in_table_cells_and_captions_keep_their_address():
    """Cells and captions are plain text: a link keeps its address after its
    words (issue 25: links in header cells and in [caption] were lost)."""
    [table] = blocks_of(
        "<table><caption>Voir <a href='https://ex.org/plan'>le plan</a></caption>"
        "<thead><tr><th><a href='https://ex.org/th'>Inscription</a></th>"
        "<th>Contact</th></tr></thead>"
        "<tbody><tr><td><a href='mailto:accueil@ex.org'>Écrire</a></td>"
        "<td><a href='https://ex.org/same'>https://ex.org/same</a></td></tr>"
        "<tr><td><a href='#ancre'>plus haut</a></td><td>9h</td></tr></tbody></table>"
    )
    assert table["rows"] == [
        ["Inscription (https://ex.org/th)", "Contact"],
        ["Écrire (accueil@ex.org)", "https://ex.org/same"],  # shown once
        ["plus haut", "9h"],  # an anchor is no address to print
    ]
    assert table["caption"] == "Voir le plan (https://ex.org/plan)"
    [image] = blocks_of(
        "<figure class='wp-caption'><img src='https://ex.org/a.png' alt='Groupe'>"
        "<figcaption>Photo de <a href='https://ex.org/credit'>Léa</a></figcaption>"
        "</figure>"
    )
    assert image["caption"] == "Photo de Léa (https://ex.org/credit)"
