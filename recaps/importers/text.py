"""Flattened text of a recap page (copied from a browser), like the legacy page.

Bullets are lines starting with ``•`` (or ``-``/``*``), nested bullets are more
deeply indented; a heading is a short line naming a known section or ending with
a colon. A line reading “petite ébullition du vendredi”, or a sentence announcing
an edition (“cette première édition”) after some sections, starts a new edition.
Lines before the first heading are the page header and are skipped.
"""

import re

from ..search import fold
from .document import (
    BulletList,
    EditionBuilder,
    Heading,
    ListItem,
    Paragraph,
    Separator,
    decode,
    finish_editions,
)
from .mapping import (
    HEADING_LINE_MAX_LENGTH,
    clean_heading,
    is_heading_line,
    section_kind,
)
from .sanitize import text_to_html

_BULLET = re.compile(r"^(?P<indent>[ \t\u00a0\u2002\u2003]*)[•●▪◦‣*-]\s+(?P<text>.*)$")
_SEPARATOR = re.compile(r"^(les )?petites? ebullitions? du vendredi$")
#: A heading without a colon names its section in a few words (“Retour sur...”).
MAX_HEADING_WORDS = 8


def _indent(text):
    return len(text.expandtabs(4))


def _is_heading(line):
    """A heading line: short and ending with a colon, or a few words naming a kind.

    A sentence (several words, or a full stop) is never a heading.
    """
    if is_heading_line(line):
        return Heading(line, weak=section_kind(line) is None)
    if len(line) > HEADING_LINE_MAX_LENGTH or len(line.split()) > MAX_HEADING_WORDS:
        return None
    if line.endswith((".", "!", "?")) and not line.endswith("..."):
        return None
    if section_kind(clean_heading(line)) is not None:
        return Heading(line)
    return None


def events(text):
    """Document events of a flattened text."""
    pending = []
    base_indent = None

    def flush():
        nonlocal pending, base_indent
        if pending:
            yield BulletList(pending)
        pending, base_indent = [], None

    for raw in text.splitlines():
        line = raw.strip()
        bullet = _BULLET.match(raw)
        if bullet and bullet.group("text").strip():
            indent = _indent(bullet.group("indent"))
            html = text_to_html(bullet.group("text"))
            if base_indent is None:
                base_indent = indent
            if indent > base_indent and pending:
                pending[-1].children.append(ListItem(html))
            else:
                pending.append(ListItem(html))
            continue
        if not line:
            continue
        yield from flush()
        if _SEPARATOR.match(fold(line)):
            yield Separator(line)
            continue
        heading = _is_heading(line)
        yield heading if heading else Paragraph(text_to_html(line))
    yield from flush()


def parse_text(data, name="", page=True):
    """Editions of a flattened text source, in chronological order.

    Each edition's source key is the SHA-256 of the file plus its position.
    ``page``: the text was copied from a page of several editions, whose header
    is skipped; otherwise (an e-mail) it is one edition and the lines before its
    first heading are its introduction.
    """
    builder = EditionBuilder(split_editions=page, skip_preamble=page)
    editions = builder.read(events(decode(data)))
    editions = finish_editions(editions, data, name, builder.warnings, numbered=True)
    for edition in editions:
        # Separator lines repeat the series name: the writer numbers the title.
        edition.title = ""
    return editions
