"""Template filters for what readers print (the PDF letters, the browser's print).

On paper nobody can click, so the print styles follow a link with its address.
A link whose text already is its address would show it twice
("https://… (https://…)"): :func:`mark_bare_links` marks such links with
``data-bare-url``, and the print styles leave them as they are.
"""

import html
import re

from django import template

register = template.Library()

_LINK = re.compile(
    r"<a\s(?P<attrs>[^>]*?\bhref=\"(?P<href>[^\"]*)\"[^>]*)>(?P<text>.*?)</a>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]+>")
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?(?://)?(?:www\.)?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _address(text):
    """``text`` as an address to compare: no scheme, ``www.``, spaces or final
    slash, case folded (“https://www.Example.org/” → ``example.org``)."""
    text = _SPACES.sub("", html.unescape(text)).casefold()
    return _SCHEME.sub("", text).rstrip("/")


def is_bare_link(href, text):
    """Whether a link's visible ``text`` (HTML) already says its ``href``."""
    shown = _address(_TAG.sub("", text))
    return bool(shown) and shown == _address(href)


def _mark(match):
    if "data-bare-url" in match["attrs"] or not is_bare_link(
        match["href"], match["text"]
    ):
        return match[0]
    return f"<a data-bare-url {match['attrs']}>{match['text']}</a>"


@register.filter(is_safe=True)
def mark_bare_links(value):
    """``value`` (HTML) with ``data-bare-url`` on each link whose text is its
    address. Use around printable content: ``{% filter mark_bare_links %}``."""
    return _LINK.sub(_mark, str(value))
