"""Links printed once: ``mark_bare_links`` marks the links that say their address."""

import random

from django.template import Context, Template
from django.utils.html import escape

from recaps.templatetags.recaps_print import is_bare_link, mark_bare_links

HOSTS = ["example.org", "ressources-fdcsx44.fr", "www.conseiller-numerique.gouv.fr"]
PATHS = ["", "/", "/a", "/a/b/", "/page?x=1&y=2"]


def _url(rng):
    return rng.choice(["http://", "https://"]) + rng.choice(HOSTS) + rng.choice(PATHS)


def _same_address_written_otherwise(rng, url):
    """``url`` as a person might write it as link text: scheme, ``www.``,
    case or final slash changed."""
    text = url
    if rng.random() < 0.5:
        text = text.split("://", 1)[1]
    if rng.random() < 0.3:
        text = text.upper()
    if rng.random() < 0.3:
        text = text.rstrip("/") if text.endswith("/") else text + "/"
    return text


def test_generated_links_are_marked_exactly_when_their_text_is_their_address():
    rng = random.Random(27)
    for _ in range(500):
        url = _url(rng)
        bare = rng.random() < 0.5
        text = _same_address_written_otherwise(rng, url) if bare else "le site"
        html = f'<p>Voir <a href="{escape(url)}">{escape(text)}</a>.</p>'
        marked = mark_bare_links(html)
        assert ("data-bare-url" in marked) is bare, (url, text)
        # Nothing else changes: without the mark, the HTML is what came in.
        assert marked.replace("data-bare-url ", "") == html


def test_phone_numbers_and_e_mails_written_as_their_link():
    assert is_bare_link("tel:0646800095", "06 46 80 00 95")
    assert is_bare_link("mailto:contact@example.org", "contact@example.org")
    assert not is_bare_link("mailto:contact@example.org", "Écrire à Maxime")
    assert not is_bare_link("https://example.org/", "")
    assert is_bare_link("https://example.org/", "<b>example.org</b>")


def test_marking_twice_changes_nothing_and_the_filter_keeps_html_safe():
    html = '<a href="https://example.org/">https://example.org/</a>'
    once = mark_bare_links(html)
    assert mark_bare_links(once) == once
    rendered = Template(
        "{% load recaps_print %}{% filter mark_bare_links %}"
        '<a href="https://example.org/">example.org</a>{% endfilter %}'
    ).render(Context())
    assert rendered == '<a data-bare-url href="https://example.org/">example.org</a>'
