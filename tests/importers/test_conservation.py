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
    "heading in a quote": (
        '<blockquote class="wp-block-quote"><h2 class="wp-block-heading">Quote, '
        "with heading color</h2><ul><li>Un point</li></ul><cite>Citation</cite>"
        "</blockquote><h2>Ce qui a été partagé</h2><p>Texte</p>"
    ),
    "heading above a separator": (
        '<h2>Color</h2><hr class="wp-block-separator"/><!-- wp:post-template /-->'
        "<h3>Decoration</h3><hr/><h2>Ce qui a été partagé</h2><p>Texte</p>"
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


# --- links: every address of the source is kept, made a page link or set aside


def _link_balance(source, intro="", body=(), rewritten=()):
    return balance("Post", source, intro, list(body), rewritten=rewritten)


def _text(html):
    return {"type": "text", "heading": "", "text": html}


def test_a_link_whose_address_is_dropped_is_lost():
    source = '<p>Voir <a href="https://partenaire.example/agenda">l’agenda</a>.</p>'
    result = _link_balance(source, body=[_text("<p>Voir l’agenda.</p>")])
    assert result.lost_count == 0  # every word is there…
    assert result.links_lost == ["https://partenaire.example/agenda"]  # …not its link
    assert result.losing
    kept = _link_balance(source, body=[_text(source)])
    assert (kept.links_in, kept.links_kept, kept.links_lost) == (1, 1, [])
    assert not kept.losing


def test_a_link_is_kept_wherever_the_edition_shows_its_address():
    source = (
        '<p><a href="mailto:accueil@centre.example">Écrire</a></p>'
        '<table><tr><th><a href="https://a.example/">Lien</a></th></tr></table>'
        '<ul><li><a href="https://b.example/guide.pdf">Guide</a></li></ul>'
        '<p><a href="#haut">Haut de page</a></p>'
    )
    body = [
        _text("<p>Écrire (accueil@centre.example)</p>"),
        {"type": "table", "rows": [["Lien (https://a.example/)"]], "header": True},
        {
            "type": "resources",
            "heading": "Liens",
            "intro": "",
            "items": [],
            "links": [
                {
                    "title": "Guide",
                    "url": "https://b.example/guide.pdf",
                    "document": None,
                    "description": "",
                }
            ],
        },
        _text("<p>Haut de page</p>"),
    ]
    result = _link_balance(source, body=body)
    # A place in the same page (#haut) is not a link elsewhere.
    assert (result.links_in, result.links_kept, result.links_lost) == (3, 3, [])


def test_links_made_page_or_document_links_are_accounted_for():
    source = '<p><a href="/?p=12">La suite</a> <a href="/a.pdf">Le guide</a></p>'
    body = [
        _text(
            '<p><a linktype="page" id="3">La suite</a> '
            '<a linktype="document" id="4">Le guide</a></p>'
        )
    ]
    result = _link_balance(source, body=body, rewritten={"/?p=12", "/a.pdf"})
    assert (result.links_rewritten, result.links_lost) == (2, [])
    assert _link_balance(source, body=body).links_lost == ["/?p=12", "/a.pdf"]


def test_links_of_images_and_furniture_are_set_aside_with_their_reason():
    source = (
        '<figure><a href="https://site.example/photo-grande.jpg"><img src="p.jpg" '
        'alt=""></a></figure>'
        '<div class="sharedaddy"><a href="https://facebook.com/share">Facebook</a></div>'
        '<p><a href="https://twitter.com/intent/tweet">Partager sur Twitter</a></p>'
    )
    result = _link_balance(source)
    assert result.links_set_aside == {
        "image_link": ["https://site.example/photo-grande.jpg"],
        "furniture": ["https://facebook.com/share"],
        "chrome": ["https://twitter.com/intent/tweet"],
    }
    assert result.links_lost == [] and result.links_in == 3
    data = result.as_data()
    assert (data["links_set_aside"], data["links_lost"]) == (3, 0)


def test_generated_posts_lose_no_link(tmp_path):
    """Posts of links in every place a post holds them (paragraphs, list
    items, table cells, captions, quotes, resources): none is lost."""
    rng = random.Random(25)
    places = [
        '<p>Texte <a href="{url}">lien {n}</a>.</p>',
        '<h3>Ce qui a été partagé</h3><ul><li><a href="{url}">item {n}</a></li></ul>',
        '<table><tr><th><a href="{url}">tête {n}</a></th></tr>'
        "<tr><td>x</td></tr></table>",
        '<blockquote><p><a href="{url}">citation {n}</a></p></blockquote>',
        '<h3>Liens utiles</h3><ul><li><a href="{url}">ressource {n}</a> – note'
        "</li></ul>",
        '[caption id="" align="alignnone" width="300"]<img src="https://site.exa'
        'mple/i{n}.jpg" alt="a"> <a href="{url}">légende {n}</a>[/caption]',
    ]
    for case in range(40):
        parts = [
            rng.choice(places).format(
                url=f"https://site{case}-{n}.example/p?a=1&b={n}", n=n
            )
            for n in range(rng.randint(1, 6))
        ]
        edition = _read(tmp_path, "".join(parts))
        result = balance("Post", edition.source_html, edition.intro, _written(edition))
        assert result.links_lost == [], (parts, result.links_lost)
        assert result.links_in == len(parts)
