"""Reduce imported HTML to what Wagtail's rich text allows.

Wagtail's own whitelister (``EditorHTMLConverter``) keeps only the elements and
attributes of the enabled features and drops ``javascript:`` URLs and event
handlers; it unwraps unknown elements, so elements whose *content* is dangerous
or meaningless (scripts, styles, frames, forms) are removed first.
"""

import warnings
from functools import cache

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning
from django.utils.html import escape, urlize
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter

from ..blocks import INLINE_STYLES, ITEM_FEATURES, TEXT_FEATURES
from ..stream import as_paragraphs

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
    for element in soup.find_all(DROPPED_ELEMENTS):
        element.decompose()
    for element in soup.find_all(list(SYNONYMS)):
        element.name = SYNONYMS[element.name]
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    return soup


def clean_html(html, features=TEXT_FEATURES):
    """HTML reduced to the rich text ``features``; empty string if nothing is left."""
    soup = _strip(BeautifulSoup(str(html or ""), "html.parser"))
    cleaned = _converter(tuple(features)).to_database_format(str(soup))
    soup = BeautifulSoup(cleaned, "html.parser")
    for anchor in soup.find_all("a"):
        if not anchor.get("href") and not anchor.get("linktype"):
            anchor.unwrap()
    for paragraph in soup.find_all("p"):
        if not paragraph.get_text(strip=True):
            paragraph.decompose()
    if not soup.get_text(strip=True) and soup.find("hr") is None:
        return ""
    return soup.decode(formatter=escape).strip()


def clean_inline(html):
    """Rich text of an item or intro: bold, italic and links, as paragraphs."""
    return as_paragraphs(clean_html(html, ITEM_FEATURES))


def clean_intro(html):
    """Rich text of an edition's introduction."""
    return as_paragraphs(clean_html(html, INTRO_FEATURES))


def text_to_html(text):
    """Escape plain text and turn bare URLs into links."""
    return urlize(" ".join(str(text).split()), autoescape=True)
