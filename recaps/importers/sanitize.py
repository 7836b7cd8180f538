"""Reduce imported HTML to what Wagtail's rich text allows.

Wagtail's own whitelister (``EditorHTMLConverter``) keeps only the elements and
attributes of the enabled features and drops ``javascript:`` URLs and event
handlers; it unwraps unknown elements, so elements whose *content* is dangerous
or meaningless (scripts, styles, frames, forms) are removed first.
"""

import warnings
from functools import cache

from bs4 import (
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    NavigableString,
)
from django.utils.html import escape, urlize
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from ..blocks import INLINE_STYLES, ITEM_FEATURES, TEXT_FEATURES
from ..stream import holds_only_blocks
from . import trees

#: Elements removed together with their content.
DROPPED_ELEMENTS = [
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "canvas",
    "audio",
    "video",
    "link",
    "meta",
    "base",
    "head",
    "title",
]
# Imported fragments are often a bare URL or file name: that is text, not a mistake.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

INTRO_FEATURES = ["bold", "italic", *INLINE_STYLES, "link"]
#: Elements written as the one element of their rich text feature.
SYNONYMS = {"del": "s", "strike": "s"}
#: Free text as imported: the block's features, plus the start of ordered lists
#: (``ol-start``, registered in ``recaps.wagtail_hooks``).
IMPORT_TEXT_FEATURES = [*TEXT_FEATURES, "ol-start"]


@cache
def _converter(features):
    return EditorHTMLConverter(features=list(features))


def _strip(soup):
    for element in trees.tags(soup, DROPPED_ELEMENTS):
        element.decompose()
    for element in trees.tags(soup, SYNONYMS):
        element.name = SYNONYMS[element.name]
    for comment in trees.comments(soup):
        comment.extract()
    return soup


#: What Beautiful Soup's parser takes for blank (its ``ASCII_SPACES``).
_BLANK = " \n\t\f\r"


def _as_parsed_again(soup):
    """``soup`` as writing it out and parsing it again would give it: adjacent
    strings merged, a string of blanks reduced to one space or newline (outside
    ``<pre>`` and ``<textarea>``). Cleaning in place then gives the very HTML
    that writing and parsing after each step gave."""
    soup.smooth()
    for node in list(soup.descendants):
        if (
            type(node) is NavigableString
            and node
            and not node.strip(_BLANK)
            and node.find_parent(["pre", "textarea"]) is None
        ):
            node.replace_with("\n" if "\n" in node else " ")
    return soup


def _cleaned(html, features):
    """The tree of ``html`` reduced to the rich text ``features``, or ``None``
    if nothing is left.

    One parse: Wagtail's whitelister cleans the tree in place (its
    ``to_database_format`` would write it out and parse it again), and the
    same tree is tidied, then written once by the callers.
    """
    soup = _as_parsed_again(_strip(BeautifulSoup(str(html or ""), "html.parser")))
    _converter(tuple(features)).whitelister.clean_node(soup, soup)
    return _tidy(_as_parsed_again(soup))


def _tidy(soup):
    """``soup`` without links to nowhere and empty paragraphs, or ``None`` if
    nothing is left to read."""
    found = trees.tags(soup)
    for anchor in trees.pick(found, {"a"}):
        if not anchor.get("href") and not anchor.get("linktype"):
            anchor.unwrap()
    for paragraph in trees.pick(found, {"p"}):
        if not paragraph.decomposed and not paragraph.get_text(strip=True):
            paragraph.decompose()
    rules = [hr for hr in trees.pick(found, {"hr"}) if not hr.decomposed]
    if not soup.get_text(strip=True) and not rules:
        return None
    return soup


def clean_html(html, features=TEXT_FEATURES):
    """HTML reduced to the rich text ``features``; empty string if nothing is left."""
    soup = _cleaned(html, features)
    return "" if soup is None else soup.decode(formatter=escape).strip()


def _cleaned_paragraphs(html, features):
    # as_paragraphs(clean_html(html, features)), deciding on the tree at hand.
    soup = _cleaned(html, features)
    if soup is None:
        return ""
    cleaned = soup.decode(formatter=escape).strip()
    return cleaned if holds_only_blocks(soup.contents) else f"<p>{cleaned}</p>"


def clean_inline(html):
    """Rich text of an item or intro: bold, italic and links, as paragraphs."""
    return _cleaned_paragraphs(html, ITEM_FEATURES)


def clean_intro(html):
    """Rich text of an edition's introduction."""
    return _cleaned_paragraphs(html, INTRO_FEATURES)


def text_to_html(text):
    """Escape plain text and turn bare URLs into links."""
    return urlize(" ".join(str(text).split()), autoescape=True)
