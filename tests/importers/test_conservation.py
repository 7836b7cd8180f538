"""Conservation of words: every word of a post is kept or set aside with a
reason (issue 25)."""

import random

import pytest

from recaps.importers.conservation import balance, source_text, words
from recaps.importers.wxr import WxrReader
from tests.importers.helpers import build_wxr, wxr_item


def _read(tmp_path, content):
    path = tmp_path / "post.xml"
    path.write_text(
        build_wxr([wxr_item("Post", content, "https://site.example/?p=1")]),
        encoding="utf-8",
    )
    # Every post is chosen, as with --category: the conversion is under test.
    reader = WxrReader()
    chosen = reader.edition
    reader.edition = lambda fields, title, _chosen: chosen(fields, title, True)
    (edition,) = reader.read(str(path)).editions
    return edition


def _written(edition):
    """The body the writer would write without uploads (media as links)."""
    body = []
    for section in edition.sections:
        if section["type"] == "image":
            text = section.get("caption") or section.get("alt")
            section = {"type": "text", "heading": "", "text": f"<p>{text}</p>"}
        elif section["type"] == "file":
            section = {"type": "text", "heading": "", "text": section["title"]}
        body.append(section)
    return body


def _balance(tmp_path, content):
    edition = _read(tmp_path, content)
    return balance("Post", edition.source_html, edition.intro, _written(edition))


def test_words_are_folded_and_counted():
    assert words("Élan, élan ÉLAN !") == {"elan": 3}


def test_inline_elements_do_not_split_words_and_blocks_do():
    text, _aside = source_text("<p>H<sub>2</sub>O</p><ul><li>un<ul><li>deux")
    assert words(text) == {"h2o": 1, "un": 1, "deux": 1}


def test_a_word_missing_from_the_edition_is_lost(tmp_path):
    edition = _read(tmp_path, "<h2>Nos actions</h2><p>Un goûter partagé.</p>")
    result = balance("Post", edition.source_html, "", [])
    assert result.lost == words("Nos actions Un goûter partagé")
    assert result.kept == 0 and result.words_in == 5


def test_wordpress_furniture_is_set_aside_with_its_reason(tmp_path):
    result = _balance(
        tmp_path,
        "<h2>Ce qui a été partagé</h2><ul><li>Un jardin</li></ul>"
        '<div class="sharedaddy sd-sharing-enabled"><h3>Partager :</h3>'
        "<ul><li>Facebook</li><li>Mastodon</li></ul></div>"
        '<div id="jp-relatedposts"><h3>Articles similaires</h3>'
        "<p>Un autre article</p></div>",
    )
    assert result.lost_count == 0
    assert result.set_aside["furniture"]["words"] == 8
    assert result.kept == 7


# Cases the issue found losing words; every one is a post written as WordPress
# (block editor or classic editor) writes it.
LOSSES = {
    "heading above a table": (
        "<h2>Planning des ateliers</h2><table><tr><td>Lundi</td><td>Couture</td>"
        "</tr></table><p>Inscriptions à l’accueil.</p>"
    ),
    "heading above code": "<h3>Horaires</h3><pre><code>9h-12h</code></pre>",
    "heading above an image": (
        '<h2>Photos</h2><figure class="wp-block-image"><img src="a.jpg" alt="">'
        "</figure>"
    ),
    "heading after heading": (
        "<h2>Programme</h2><h3>Ce qui a été partagé</h3><ul><li>Un jardin</li></ul>"
    ),
    "twenty headings": "".join(f"<h2>Titre numéro {n}</h2>" for n in range(20)),
    "list without items": (
        "<h2>Ce qui a été partagé</h2><ol>Le cœur de l’article, sans puce.</ol>"
    ),
    "class names": (
        '<h2>Ce qui a été partagé</h2><div class="centre-social-infos"><p>Ouvert '
        'le mardi</p></div><div class="menu-semaine"><p>Lundi : soupe</p></div>'
        '<div class="comment-participer"><p>Venez nombreux</p></div>'
    ),
    "preformatted": (
        '<h2>Ce qui a été partagé</h2><pre class="wp-block-preformatted">Ligne un'
        "<br>Ligne deux</pre>"
    ),
    "verse": (
        '<h2>Ce qui a été partagé</h2><pre class="wp-block-verse">Vers un<br>Vers '
        "deux</pre>"
    ),
    "strikethrough": (
        "<h2>Ce qui a été partagé</h2><p>le samedi <s>dimanche</s> <del>lundi</del>"
        " 1er mai, H<sub>2</sub>O, 10<sup>e</sup></p>"
    ),
    "h1 in a post": "<h1>Grand titre</h1><h2>Ce qui a été partagé</h2><p>Texte</p>",
    "buttons without links": (
        '<h2>Ce qui a été partagé</h2><div class="wp-block-buttons">'
        '<div class="wp-block-button"><a class="wp-block-button__link">'
        "Bientôt</a></div></div>"
    ),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_no_word_of_these_posts_is_lost(tmp_path, name):
    result = _balance(tmp_path, LOSSES[name])
    assert result.lost_count == 0, sorted(result.lost.elements())
    assert result.kept == result.words_in


def test_page_furniture_is_not_guessed_from_class_names(tmp_path):
    edition = _read(tmp_path, LOSSES["class names"])
    text = repr(edition.sections)
    for kept in ["Ouvert le mardi", "Lundi : soupe", "Venez nombreux"]:
        assert kept in text


def test_line_breaks_of_preformatted_and_verse_blocks_are_kept(tmp_path):
    code = _read(tmp_path, LOSSES["preformatted"]).sections[-1]
    assert code["code"] == "Ligne un\nLigne deux"
    verse = _read(tmp_path, LOSSES["verse"])
    assert "Vers un<br/>Vers deux" in repr(verse.sections)


PIECES = [*LOSSES.values()]
PIECES += [
    "<p>Un paragraphe <strong>gras</strong> et <em>penché</em>.</p>",
    "<ul><li>Une puce<ul><li>Une sous-puce</li></ul></li></ul>",
    "<blockquote><p>Une citation</p><cite>Une autrice</cite></blockquote>",
    "<dl><dt>Terme</dt><dd>Sa définition</dd></dl>",
    "Texte de l’éditeur classique\nsur deux lignes\n\nEt un second paragraphe.",
    '[caption id="a" caption="Une légende"]<img src="b.jpg">[/caption]',
]


@pytest.mark.parametrize("seed", range(20))
def test_generated_posts_lose_no_word(tmp_path, seed):
    """Property: any sequence of these pieces loses no word (seeded, bounded)."""
    rng = random.Random(seed)
    content = "\n\n".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
    result = _balance(tmp_path, content)
    assert result.lost_count == 0, (content, sorted(result.lost.elements()))
