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
"""

from collections import Counter
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment
from django.utils.translation import gettext_lazy as _

from ..blocks import html_to_text, visible_sections
from ..models import RecapPage
from ..search import fold
from ..stream import section_to_stream
from .document import is_chrome
from .html import BLOCKS, furniture_elements
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
}
#: Elements that separate words (a reader sees a break around them).
SEPARATING = sorted(
    BLOCKS | {"li", "dt", "dd", "tr", "td", "th", "br", "figcaption", "caption"}
)
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
        }


def source_text(html):
    """``(text, set_aside)``: what a reader saw of ``html``, and the texts the
    importer sets aside on purpose, as ``[(reason code, text)]``."""
    soup = BeautifulSoup(html or "", "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for element in soup.find_all(INVISIBLE):
        element.decompose()
    # Block elements separate words; inline ones do not (“H<sub>2</sub>O”).
    separate = soup.find_all(SEPARATING) + soup.find_all(FORM_ELEMENTS)
    for element in separate + furniture_elements(soup):
        element.insert_before(" ")
        element.insert_after(" ")
    text = html_to_text(str(soup))
    set_aside = []
    for element in furniture_elements(soup):
        set_aside.append(("furniture", html_to_text(str(element))))
        element.decompose()
    for element in soup.find_all(FORM_ELEMENTS):
        if not element.decomposed:
            set_aside.append(("form", html_to_text(str(element))))
            element.decompose()
    for element in soup.find_all(_TEXT_ELEMENTS):
        if element.decomposed:
            continue
        chrome = html_to_text(str(element))
        if chrome and is_chrome(chrome):
            set_aside.append(("chrome", chrome))
    return text, set_aside


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


def balance(label, source_html, intro, body, title=""):
    """The :class:`Balance` of one post: its source HTML against what is written."""
    text, set_aside = source_text(source_html)
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
    return result
