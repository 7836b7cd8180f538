"""Shared model of a parsed source: document events in, editions out.

Every format parser (HTML, flattened text, the HTML of a WordPress post) turns its
input into a flat sequence of events — headings, paragraphs, bullet lists and
edition separators. :class:`EditionBuilder` assembles them into
:class:`ParsedEdition` objects whose sections have the shape that
:func:`recaps.stream.section_to_stream` stores.
"""

import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.html import escape, strip_tags
from django.utils.translation import gettext_lazy as _

from ..blocks import field_text, html_to_text, item_fields
from ..search import fold, stem_text
from ..stream import as_paragraphs
from .mapping import clean_heading, section_kind
from .sanitize import (
    IMPORT_TEXT_FEATURES,
    clean_html,
    clean_inline,
    clean_intro,
)


class SourceError(ValueError):
    """A source cannot be imported (unreadable, malformed or not a recap)."""


class SourceWarning(NamedTuple):
    """Something an import could not keep as it was, grouped by ``kind`` in reports.

    ``detail`` says which one (a heading's text, a shortcode's name, a URL).
    """

    kind: str
    detail: str = ""

    def message(self):
        return WARNING_MESSAGES.get(self.kind, "%(detail)s") % {"detail": self.detail}


#: One message per kind of warning; reports group warnings by kind and detail.
WARNING_MESSAGES = {
    "unknown_heading": _("unknown heading “%(detail)s” kept as free text"),
    "list_without_heading": _("bullet list without a heading kept as free text"),
    "deep_list": _("list nested deeper than sub-items flattened into sub-items"),
    "media_link": _("media kept as a link to its original address: %(detail)s"),
    "missing_file": _("file not found in the uploads folder: %(detail)s"),
    "shortcode": _("shortcode removed: [%(detail)s]"),
    "frame_removed": _("embedded frame removed (unknown player): %(detail)s"),
    "header_skipped": _("%(detail)s paragraph(s) of page header skipped"),
    "no_date": _("no date in the source, dated %(detail)s"),
    "embedded_image": _("image in a format the site cannot show left out: %(detail)s"),
    "private_post": _("private post imported as a draft: %(detail)s"),
    "password_post": _("password-protected post imported as a draft: %(detail)s"),
    "duplicate_guid": _("GUID shared with another post, both imported: %(detail)s"),
    "old_site_link": _(
        "link to the old site kept (its target is not an imported, published "
        "post): %(detail)s"
    ),
}


@dataclass
class Heading:
    text: str
    #: Weak headings (a short bold paragraph or text line ending with a colon) that
    #: name no known section are read as paragraphs, e.g. “Entre autres :”.
    weak: bool = False


@dataclass
class Paragraph:
    html: str


@dataclass
class ListItem:
    """One bullet; ``children`` is the list nested in it, to any depth."""

    html: str
    children: list["ListItem"] = field(default_factory=list)
    ordered: bool = False
    start: int | None = None


@dataclass
class BulletList:
    items: list[ListItem]
    ordered: bool = False
    start: int | None = None


@dataclass
class Block:
    """Content that is a block of its own: an image, a table, code, an embed…

    ``value`` is a section mapping (``{"type": "image", …}``) as
    :func:`recaps.stream.section_to_stream` reads it; media are
    resolved to Wagtail images and documents when the edition is written.
    """

    value: dict


@dataclass
class Separator:
    """An explicit boundary between editions (a title line, an ``<article>``)."""

    title: str = ""


@dataclass
class ParsedEdition:
    """One edition read from a source, before it is written to a page."""

    source_key: str = ""
    title: str = ""
    slug: str = ""
    date: object = None
    edition_number: int | None = None
    status: str | None = None
    intro: str = ""
    sections: list[dict] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    #: WordPress categories as (nicename, name); they become themes too.
    categories: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label: str = ""
    source_path: object = None
    #: Keys earlier imports may have given this edition (a WordPress GUID):
    #: its page is found under them and given ``source_key``.
    previous_keys: list[str] = field(default_factory=list)
    #: The HTML readers saw (a WordPress post once rendered), whose words the
    #: import accounts for (:mod:`recaps.importers.conservation`).
    source_html: str = ""
    #: Absolute addresses the post had on its old site (permalink, short link):
    #: each gets a redirect to the edition (:mod:`recaps.importers.old_site`).
    old_urls: list[str] = field(default_factory=list)
    #: The summary its author wrote (a WordPress excerpt), as plain text.
    excerpt: str = ""
    #: How people met (``RecapPage.format``), when the source says it.
    format: str | None = None

    def item_counts(self):
        """Items (sub-items included) per section kind."""
        counts = {}
        for section in self.sections:
            items = section.get("items") or []
            total = sum(1 + len(item.get("children") or []) for item in items)
            counts[section["type"]] = counts.get(section["type"], 0) + total
        return counts

    def item_count(self):
        return sum(self.item_counts().values())

    def full_text(self):
        """Every word of the edition: title, intros, headings, items and text."""
        parts = [self.title, html_to_text(self.intro)]
        for section in self.sections:
            parts += [section.get("heading", ""), html_to_text(section.get("intro"))]
            parts.append(html_to_text(section.get("text", "")))
            fields = item_fields(section.get("type"))
            for item in section.get("items") or []:
                parts.append(html_to_text(item["text"]))
                parts += [field_text(f, item.get(f.name)) for f in fields]
                parts += [html_to_text(c["text"]) for c in item.get("children") or []]
            for link in section.get("links") or []:
                parts += [link.get("title", ""), link.get("description", "")]
        return " ".join(part for part in parts if part)

    def text(self):
        """All the words of the edition, to look for edition numbers."""
        parts = [self.title, html_to_text(self.intro)]
        parts += [html_to_text(s.get("intro", "")) for s in self.sections[:1]]
        return " ".join(parts)


_CHROME = re.compile(
    r"^(vous avez aime cet article|partagez le|partager sur|aller au contenu"
    r"|comment participer|lire la suite|articles? similaires?"
    r"|(facebook|twitter|linkedin|whatsapp|e ?mail|pinterest|imprimer)$)"
)
_ORDINALS = {
    "premier": 1,
    "premiere": 1,
    "second": 2,
    "seconde": 2,
    "deuxieme": 2,
    "troisieme": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "sixieme": 6,
    "septieme": 7,
    "huitieme": 8,
    "neuvieme": 9,
    "dixieme": 10,
}
_ORDINAL = "|".join(_ORDINALS)
_NUMBER_PATTERNS = [
    re.compile(
        rf"\b({_ORDINAL}|\d+ ?(?:e|eme|er|ere))\b (?:\w+ ){{0,2}}"
        r"(?:edition|ebullition|rencontre)"
    ),
    re.compile(rf"\b(?:edition|ebullition|rencontre)s? ({_ORDINAL})\b"),
    re.compile(r"\bedition (?:n o |no |numero )?(\d+)\b"),
    re.compile(r"\b(?:n o|no|numero) (\d+)\b"),
]
_EDITION_MARKER = re.compile(rf"\b({_ORDINAL}|derniere|\d+ ?(?:e|eme)) edition\b")
HEADING_MAX_LENGTH = 255
_ABOUT_MEETING = re.compile(r"\b(?:petites? ebullitions?|edition|rencontre)\b")
_LAST = re.compile(r"\bderniere (?:edition|petite ebullition|ebullition)\b")


def themes_in_text(text, names):
    """The names among ``names`` that occur in ``text`` as whole words, by their
    French stems (:func:`recaps.search.stem_text`: case, accents, punctuation
    and endings folded): “aller-vers” is found in “l’Aller-Vers”, “personne
    âgée” in “des personnes âgées”."""
    words = f" {stem_text(text)} "
    found = []
    for name in names:
        stems = stem_text(name)
        if stems and f" {stems} " in words:
            found.append(name)
    return found


def is_chrome(text):
    """Site furniture that is no part of a recap (share buttons, skip links)."""
    return bool(_CHROME.match(fold(text)))


def edition_number_from(text):
    """The edition number a title or sentence states (“seconde édition”, “n°3”)."""
    folded = fold(str(text or "").replace("°", "o ").replace("º", "o "))
    for pattern in _NUMBER_PATTERNS:
        match = pattern.search(folded)
        if match:
            word = match.group(1).replace(" ", "")
            if word in _ORDINALS:
                return _ORDINALS[word]
            digits = re.match(r"\d+", word)
            if digits and 0 < int(digits.group()) < 10000:
                return int(digits.group())
    return None


def says_last(text):
    return bool(_LAST.search(fold(text)))


def list_html(items, ordered=False, start=None):
    """Valid HTML of a list: its order type, start and nesting to any depth."""
    tag = "ol" if ordered else "ul"
    opening = (
        f'<{tag} start="{start}">' if ordered and start not in (None, 1) else f"<{tag}>"
    )
    parts = [
        f"<li>{item.html}"
        + (list_html(item.children, item.ordered, item.start) if item.children else "")
        + "</li>"
        for item in items
    ]
    return f"{opening}{''.join(parts)}</{tag}>"


def _flatten(items):
    """Items of a nested list, depth first (for sub-items, which do not nest)."""
    for item in items:
        yield item
        yield from _flatten(item.children)


class EditionBuilder:
    """Assemble document events into editions.

    ``split_editions``: a paragraph announcing an edition (“cette première
    édition…”) after some sections starts a new edition, as on the legacy page.
    ``skip_preamble``: paragraphs before the first heading of the document are the
    page header (site name, presentation), not part of an edition.
    """

    def __init__(self, split_editions=False, skip_preamble=False):
        self.split_editions = split_editions
        self.skip_preamble = skip_preamble
        self.editions = []
        self.warnings = []
        self._seen_heading = False
        self._skipped_preamble = 0
        self._start()

    def _start(self, title=""):
        self.current = {"title": title, "intro": [], "sections": [], "warnings": []}
        self.section = None

    def _close(self):
        if self.current["sections"] or self.current["intro"]:
            self.editions.append(self._finish(self.current))
        self._start()

    def feed(self, event):
        if isinstance(event, Separator):
            self._seen_heading = True
            if self.current["sections"]:
                self._close()
            self.current["title"] = event.title or self.current["title"]
        elif isinstance(event, Heading):
            self._heading(event)
        elif isinstance(event, Paragraph):
            self._paragraph(event.html)
        elif isinstance(event, BulletList):
            self._list(event)
        elif isinstance(event, Block):
            self._block(event.value)
        elif isinstance(event, SourceWarning):
            self.current_warning(event)

    def _heading(self, event):
        text = clean_heading(event.text)[:HEADING_MAX_LENGTH]
        if not text or is_chrome(text):
            return
        kind = section_kind(text)
        if kind is None and event.weak:
            if self.section is None or (
                self.section["type"] != "text" and not self.section["items"]
            ):
                self._paragraph(escape(event.text.strip()))
                return
        self._seen_heading = True
        if kind is None:
            self.current_warning(SourceWarning("unknown_heading", text))
            self.section = {"type": "text", "heading": text, "parts": []}
        else:
            self.section = {
                "type": kind,
                "heading": text,
                "intro": [],
                "items": [],
                "links": [],
            }
        self.current["sections"].append(self.section)

    def current_warning(self, warning):
        self.current["warnings"].append(warning)

    def _text_section(self):
        """A free-text section without heading, where loose content goes on."""
        self.section = {"type": "text", "heading": "", "parts": []}
        self.current["sections"].append(self.section)
        return self.section

    def _paragraph(self, html):
        text = html_to_text(html)
        if (not text and "<hr" not in html) or is_chrome(text):
            return
        if (
            self.split_editions
            and self.current["sections"]
            and _EDITION_MARKER.search(fold(text))
        ):
            self._close()
            self.current["intro"].append(html)
            return
        if self.section is None:
            if self.skip_preamble and not self._seen_heading:
                if _EDITION_MARKER.search(fold(text)):
                    self._seen_heading = True
                else:
                    self._skipped_preamble += 1
                    return
            self.current["intro"].append(html)
        elif self._introduces_edition(text):
            self.current["intro"].append(html)
        elif self.section["type"] != "text" and not (
            self.section["items"] or self.section["links"]
        ):
            self.section["intro"].append(html)
        elif self.section["type"] == "text":
            self.section["parts"].append(as_paragraphs(html))
        else:
            self._text_section()["parts"].append(as_paragraphs(html))

    def _introduces_edition(self, text):
        """A sentence about the meeting itself under the first, still empty heading.

        The legacy page opens its last edition with “Retour sur...” followed by
        “Pour cette dernière petite ébullition, …”: that sentence introduces the
        edition, not the list.
        """
        section = self.section
        return (
            not self.current["intro"]
            and len(self.current["sections"]) == 1
            and section["type"] != "text"
            and not section["items"]
            and not section["intro"]
            and bool(_ABOUT_MEETING.search(fold(text)))
        )

    def _list(self, event):
        if not event.items:
            return
        if self.section is None:
            self.current_warning(SourceWarning("list_without_heading"))
            self._text_section()
        if self.section["type"] == "text":
            self.section["parts"].append(
                list_html(event.items, event.ordered, event.start)
            )
            return
        for item in event.items:
            entry = _link_entry(item) if self.section["type"] == "resources" else None
            if entry is not None:
                self.section["links"].append(entry)
                continue
            text = clean_inline(item.html)
            nested = list(_flatten(item.children))
            if any(child.children for child in item.children):
                self.current_warning(SourceWarning("deep_list"))
            children = [clean_inline(child.html) for child in nested]
            children = [{"text": child} for child in children if child]
            if not text and children:
                text, children = children[0]["text"], children[1:]
            if text:
                self.section["items"].append({"text": text, "children": children})

    def _block(self, value):
        """An image, table, code or embed, kept where it stands in the page.

        Free text after it goes on in a new text section; items after it still
        belong to the list section they follow.
        """
        if self.section is None:
            self._seen_heading = True
        self.current["sections"].append(value)
        if self.section is None or self.section["type"] == "text":
            self.section = {"type": "text", "heading": "", "parts": []}
            self.current["sections"].append(self.section)

    def _finish(self, draft):
        sections = []
        for section in draft["sections"]:
            if section["type"] == "text" and "parts" in section:
                html = clean_html("".join(section["parts"]), IMPORT_TEXT_FEATURES)
                if html or section["heading"]:
                    sections.append(
                        {"type": "text", "heading": section["heading"], "text": html}
                    )
                continue
            if "intro" in section and isinstance(section["intro"], list):
                intro = "".join(clean_inline(part) for part in section["intro"])
                section = {**section, "intro": intro}
            sections.append(section)
        intro = "".join(clean_intro(part) for part in draft["intro"])
        return ParsedEdition(
            title=" ".join(draft["title"].split()),
            intro=intro,
            sections=sections,
            warnings=list(draft["warnings"]),
        )

    def read(self, events):
        """Feed every event; the editions read (see :meth:`finish`)."""
        for event in events:
            self.feed(event)
        return self.finish()

    def finish(self):
        """The editions read so far (closes the last one)."""
        self._close()
        if self._skipped_preamble:
            self.warnings.append(
                SourceWarning("header_skipped", str(self._skipped_preamble))
            )
        return self.editions


_URL_ONLY = re.compile(r"^\s*<a [^>]*>.*</a>\s*(?:[–—:-]\s*(.*))?$", re.S)


def _link_entry(item):
    """A resource item that is just a link (“<a>Titre</a> – description”)."""
    html = clean_html(item.html, ["link"])
    match = _URL_ONLY.match(html)
    if not match or item.children:
        return None
    href = re.search(r'href="([^"]+)"', html)
    if not href or not href.group(1).startswith(("http://", "https://")):
        return None
    title = html_to_text(html.split("</a>", 1)[0])
    description = strip_tags(match.group(1) or "").strip()
    return {
        "title": title[:255] or href.group(1)[:255],
        "url": href.group(1).replace("&amp;", "&"),
        "description": description,
    }


def order_editions(editions):
    """Put editions of a multi-edition page in chronological order and number them.

    Editions that all carry a date are sorted by date. Otherwise, as pages often
    list the latest edition first, the order is reversed when the numbers the
    editions state decrease down the page (or the first one calls itself the
    last). Editions that state no number follow the previous one.
    """
    if all(edition.date for edition in editions):
        editions = sorted(editions, key=lambda edition: edition.date)
    stated = [edition_number_from(e.text()) for e in editions]
    known = [(i, n) for i, n in enumerate(stated) if n is not None]
    reverse = (len(known) >= 2 and known[0][1] > known[-1][1]) or (
        len(editions) > 1 and says_last(editions[0].text())
    )
    if reverse and not all(edition.date for edition in editions):
        editions = editions[::-1]
        stated = stated[::-1]
    previous = 0
    for edition, number in zip(editions, stated, strict=True):
        edition.edition_number = number or previous + 1
        previous = edition.edition_number
    return editions


def decode(data):
    """Text of an HTML file: UTF-8, or the charset the page declares."""
    if b"\x00" in data[:8192]:
        raise SourceError(_("binary file, not a text, HTML or WordPress export"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:4096])
        if declared:
            try:
                return data.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        raise SourceError(
            _("unreadable encoding (expected UTF-8): byte %(position)s")
            % {"position": error.start}
        ) from error


def finish_editions(editions, data, name, warnings, key="", numbered=False):
    """The one finishing step of a parsed file: order, number, key and label its
    editions (those with sections), and give the first the file's warnings.

    ``key`` identifies the file (its URL), by default the SHA-256 of its bytes
    ``data``. One edition is keyed ``key``; several (or any when ``numbered``)
    are keyed ``key#1``, ``key#2``… in chronological order.
    """
    editions = [edition for edition in editions if edition.sections]
    if not editions:
        raise SourceError(_("no recap found (no section heading followed by content)"))
    key = key or "sha256:" + hashlib.sha256(data).hexdigest()
    editions = order_editions(editions)
    numbered = numbered or len(editions) > 1
    for position, edition in enumerate(editions, start=1):
        edition.source_key = f"{key}#{position}" if numbered else key
        edition.label = f"{name} #{position}" if numbered else name
    editions[0].warnings.extend(warnings)
    return editions
