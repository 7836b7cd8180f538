from recaps.importers.sanitize import clean_html, clean_inline, text_to_html


def test_scripts_styles_frames_and_handlers_are_removed():
    html = (
        '<p onclick="steal()">Bonjour <script>alert(1)</script>'
        "<style>p{color:red}</style>"
        '<iframe src="https://evil.example"></iframe>'
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">piège</a> '
        '<a href="https://ok.example/" target="_blank" onmouseover="x()">lien</a></p>'
    )
    cleaned = clean_inline(html)
    assert "script" not in cleaned
    assert "alert" not in cleaned
    assert "color" not in cleaned
    assert "iframe" not in cleaned
    assert "on" + "click" not in cleaned
    assert "javascript" not in cleaned
    assert "<img" not in cleaned
    assert '<a href="https://ok.example/">lien</a>' in cleaned
    assert "piège" in cleaned


def test_inline_text_is_wrapped_in_a_paragraph_and_keeps_bold():
    assert clean_inline("Un <b>point</b> <span>fort</span>") == (
        "<p>Un <b>point</b> fort</p>"
    )


def test_text_features_keep_lists_but_drop_tables():
    html = "<h2>Titre</h2><ul><li>a</li></ul><table><tr><td>b</td></tr></table>"
    cleaned = clean_html(html)
    assert "<ul><li>a</li></ul>" in cleaned
    assert "<table" not in cleaned and "<h2" not in cleaned


def test_bare_urls_of_text_become_links():
    html = text_to_html(
        "Plus d’infos ici : https://www.conseiller-numerique.gouv.fr/ ."
    )
    assert '<a href="https://www.conseiller-numerique.gouv.fr/"' in html
    assert "<script>" not in text_to_html("<script>x</script>")
