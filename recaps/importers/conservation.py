"""Conservation of words: nothing of a source is lost without saying so.

For every post, the importer compares the words of its source (the text a
reader saw: the post's HTML once WordPress has rendered it, markup and the
shortcodes it understood removed) with the words of the edition it writes (the
edition's own searchable text: intro, then each visible section's
``get_searchable_content``, as :func:`recaps.sections.section_rows` reads it).

Every word is either kept in the edition or set aside on purpose, with the
reason (furniture WordPress adds around a post, share buttons, forms). A word in
neither is lost: ``import_recaps`` refuses the whole import unless asked to
accept losses. Words are compared folded (case and accents,
:func:`recaps.search.fold`), as a multiset: a word that appears twice in the
source must appear twice in the edition.

Links are counted the same way: the address of every link of the source is in
the edition (a link, a resource, an embed, or written after the words of a
table cell or caption), or was made a link to an edition or a document, or is
set aside with its reason (the link of an image, furniture, a form). Any other
is a lost link, which fails the import as a lost word does.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from django.utils.translation import gettext_lazy as _
from wagtail.whitelist import check_url

from ..blocks import html_to_text, visible_sections
from ..models import RecapPage
from ..search import fold
from ..stream import section_to_stream
from . import trees
from .document import is_chrome
from .html import BLOCKS, furniture_elements
from .old_site import hrefs, strings
from .sanitize import DROPPED_ELEMENTS

#: Elements whose content no reader sees as text.
INVISIBLE = ["script", "style", "template", "noscript", "svg"]
#: Elements readers see but an edition cannot hold (forms, their fields).
FORM_ELEMENTS = [name for name in DROPPED_ELEMENTS if name not in INVISIBLE]
#: Why words were set aside, by reason code.
REASONS = {
    "furniture": _(
        "furniture added by WordPress (share, like and download buttons, related posts)"
    ),
    "chrome": _("share buttons and links to other pages"),
    "form": _("form or interactive element"),
    "image_link": _("link of an image (to its file or another page)"),
    "unsafe": _("address that would run code (javascript:), removed for safety"),
}
#: Elements that separate words (a reader sees a break around them).
SEPARATING = sorted(
    BLOCKS | {"li", "dt", "dd", "tr", "td", "th", "br", "figcaption", "caption"}
)
#: An address written in brackets after the words of a link (table cells,
#: captions: :func:`recaps.importers.html._linked_text`).
_SHOWN_ADDRESS = re.compile(r"\(([^()\s]+)\)")
#: Elements whose text is checked for site chrome (“Partager sur Facebook”).
_TEXT_ELEMENTS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "a", "div", "span"]


def words(text):
    """The folded words of ``text`` as a multiset."""
    return Counter(fold(text).split())


@dataclass
class Balance:
    """The words of one post: in the source, kept, set aside (by reason), lost."""

    label: str
    words_in: int = 0
    kept: int = 0
    set_aside: dict = field(default_factory=dict)
    lost: Counter = field(default_factory=Counter)
    links_in: int = 0
    links_kept: int = 0
    #: Links made links to editions or documents.
    links_rewritten: int = 0
    #: Links set aside: ``{reason: [address…]}``.
    links_set_aside: dict = field(default_factory=dict)
    links_lost: list = field(default_factory=list)

    @property
    def losing(self):
        """Whether words or links are lost without a reason."""
        return bool(self.lost or self.links_lost)

    @property
    def set_aside_count(self):
        return sum(entry["words"] for entry in self.set_aside.values())

    @property
    def lost_count(self):
        return sum(self.lost.values())

    def as_data(self):
        return {
            "edition": self.label,
            "words_in": self.words_in,
            "kept": self.kept,
            "set_aside": self.set_aside_count,
            "set_aside_by_reason": [
                {
                    "reason": code,
                    "message": str(REASONS[code]),
                    "words": entry["words"],
                    "text": entry["text"],
                }
                for code, entry in self.set_aside.items()
            ],
            "lost": self.lost_count,
            "lost_words": sorted(self.lost.elements())[:50],
            "links_in": self.links_in,
            "links_kept": self.links_kept,
            "links_rewritten": self.links_rewritten,
            "links_set_aside": sum(map(len, self.links_set_aside.values())),
            "links_set_aside_by_reason": [
                {"reason": code, "message": str(REASONS[code]), "links": links[:20]}
                for code, links in self.links_set_aside.items()
            ],
            "links_lost": len(self.links_lost),
            "lost_links": self.links_lost[:50],
        }


def source_text(source_html):
    """``(text, set_aside)``: what a reader saw of ``source_html``, and the texts
    the importer sets aside on purpose, as ``[(reason code, text)]``."""
    text, set_aside, _links = read_source(source_html)
    return text, set_aside


def _link_reason(link, furniture):
    """Why the importer sets the link ``link`` aside, or ``""``."""
    parents = {id(parent) for parent in link.parents}
    if any(id(element) in parents for element in furniture):
        return "furniture"
    if link.find_parent(FORM_ELEMENTS):
        return "form"
    if link.find(["img", "picture"]) and not link.get_text(strip=True):
        return "image_link"
    if is_chrome(" ".join(link.get_text(" ").split())):
        return "chrome"
    return ""


def source_links(soup, furniture):
    """``(addresses, set aside)``: the link addresses of ``soup`` a reader
    could follow, and ``[(reason code, address)]`` of those set aside."""
    kept, set_aside = [], []
    for link in soup.find_all("a", href=True):
        address = link["href"].strip()
        if not address or address.startswith("#"):
            continue  # a place in the same page, not a link elsewhere
        # Wagtail's rich text drops what its whitelist refuses: say so.
        reason = "" if check_url(address) else "unsafe"
        reason = reason or _link_reason(link, furniture)
        if reason:
            set_aside.append((reason, address))
        else:
            kept.append(address)
    return kept, set_aside


def read_source(source_html):
    """``(text, set_aside, links)`` of a post: see :func:`source_text`;
    ``links`` is :func:`source_links`.

    One parse and one walk of the tree: elements are picked from a list of the
    tree's tags, and texts are read from the tree (``get_text``), not written
    out and parsed again (an import reads every post this way).
    """
    soup = BeautifulSoup(source_html or "", "html.parser")
    for comment in trees.comments(soup):
        comment.extract()
    for element in trees.tags(soup, INVISIBLE):
        if not element.decomposed:
            element.decompose()
    found = trees.tags(soup)
    furniture = furniture_elements(soup)
    links = source_links(soup, furniture)
    # Block elements separate words; inline ones do not (“H<sub>2</sub>O”).
    separate = trees.pick(found, SEPARATING) + trees.pick(found, FORM_ELEMENTS)
    for element in separate + furniture:
        element.insert_before(" ")
        element.insert_after(" ")
    text = trees.text(soup)
    set_aside = []
    for element in furniture:
        set_aside.append(("furniture", trees.text(element)))
        element.decompose()
    for element in trees.pick(found, FORM_ELEMENTS):
        if not element.decomposed:
            set_aside.append(("form", trees.text(element)))
            element.decompose()
    for element in trees.pick(found, _TEXT_ELEMENTS):
        if element.decomposed:
            continue
        chrome = trees.text(element)
        if chrome and is_chrome(chrome):
            set_aside.append(("chrome", chrome))
    return text, set_aside, links


def edition_text(intro, body):
    """The searchable text of an edition with ``intro`` and ``body`` sections
    (as :class:`~recaps.importers.writer.EditionWriter` writes them)."""
    stream_block = RecapPage._meta.get_field("body").stream_block
    raw = []
    for section in body:
        data = section_to_stream(section)
        if data["type"] == "image":
            # Its text is its caption and alt text, not the image: no query.
            data["value"] = {**data["value"], "image": None}
        raw.append(data)
    parts = [html_to_text(intro)]
    value = stream_block.to_python(raw)
    for child in visible_sections(value):
        parts += child.block.get_searchable_content(child.value)
        if child.block_type == "embed":
            parts.append(child.value.get("url") or "")
    return " ".join(part for part in parts if part)


def _addresses_kept(intro, body):
    """The addresses an edition shows: its links, its address fields (of a
    resource, an embed) and those written after words, “words (https://…)”."""
    found = set()
    for text in strings([intro, body]):
        found.update(hrefs(text))
        found.add(html.unescape(text.strip()))
        found.update(html.unescape(a) for a in _SHOWN_ADDRESS.findall(text))
    return found


def _link_balance(result, links, intro, body, rewritten):
    kept, set_aside = links
    written = _addresses_kept(intro, body) if kept else ""
    result.links_in = len(kept) + len(set_aside)
    for code, address in set_aside:
        result.links_set_aside.setdefault(code, []).append(address)
    for address in kept:
        if address in rewritten:
            result.links_rewritten += 1
        elif address in written or address.removeprefix("mailto:") in written:
            result.links_kept += 1
        else:
            result.links_lost.append(address)


def balance(label, source_html, intro, body, title="", rewritten=()):
    """The :class:`Balance` of one post: its source HTML against what is written.

    ``rewritten``: the addresses the writer made links to editions or documents.
    """
    text, set_aside, links = read_source(source_html)
    source = words(text)
    written = words(" ".join([title, edition_text(intro, body)]))
    missing = source - written
    result = Balance(label, words_in=sum(source.values()))
    for code, aside_text in set_aside:
        explained = missing & words(aside_text)
        if not explained:
            continue
        missing -= explained
        entry = result.set_aside.setdefault(code, {"words": 0, "text": []})
        entry["words"] += sum(explained.values())
        entry["text"].append(" ".join(aside_text.split())[:200])
    result.lost = missing
    result.kept = result.words_in - result.set_aside_count - result.lost_count
    _link_balance(result, links, intro, body, set(rewritten))
    return result
