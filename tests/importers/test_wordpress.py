"""Rendering a post's content as WordPress shows it: wpautop and shortcodes."""

from recaps.importers.wordpress import has_blocks, render_post, wpautop


def test_wpautop_makes_paragraphs_and_line_breaks():
    html = wpautop("Bonjour\nle monde\n\nDeuxième paragraphe")
    assert html == "<p>Bonjour<br />\nle monde</p>\n<p>Deuxième paragraphe</p>"


def test_wpautop_leaves_block_elements_and_pre_alone():
    html = wpautop("Avant\n<ul>\n<li>un</li>\n</ul>\n<pre>a\n  b</pre>\nAprès")
    assert "<p><ul>" not in html and "<ul>\n<li>un</li>\n</ul>" in html
    assert "<pre>a\n  b</pre>" in html
    assert "<p>Avant</p>" in html


def test_wpautop_keeps_newlines_inside_tags_as_spaces():
    html = wpautop('<a\nhref="https://ex.org/">lien</a>')
    assert html == '<p><a href="https://ex.org/">lien</a></p>'


def test_block_editor_content_is_not_autop_ed():
    content = "<!-- wp:paragraph -->\n<p>Un\ndeux</p>\n<!-- /wp:paragraph -->"
    assert has_blocks(content)
    assert render_post(content).html == content


def test_caption_gallery_and_embed_shortcodes_become_media():
    rendered = render_post(
        '[caption id="attachment_3" width="300"]<img src="/a.png" alt="A" /> '
        'Légende[/caption]\n\n[gallery ids="4,5"]\n\n[embed]https://youtu.be/x[/embed]',
        lambda ids, include: [
            {"id": i, "src": f"/{i}.png", "alt": "", "caption": ""} for i in ids
        ],
    )
    html = rendered.html
    assert "<figure><img" in html and "<figcaption>Légende</figcaption>" in html
    assert html.count('data-attachment="') == 2
    assert 'class="wp-block-embed"' in html and "https://youtu.be/x" in html
    assert rendered.removed == []


def test_unknown_shortcodes_are_removed_and_reported_but_brackets_stay():
    rendered = render_post(
        'Merci [sic] [contact-form-7 id="1"] [su_box]boîte[/su_box] fin'
    )
    assert "[sic]" in rendered.html
    assert "contact-form-7" not in rendered.html and "su_box" not in rendered.html
    assert "boîte" in rendered.html
    assert rendered.removed == ["contact-form-7", "su_box"]
