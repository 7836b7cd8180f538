"""Raw StreamField data of an edition's body, built from plain section mappings.

A section mapping is what importers read and what the demo data and the test
factories write::

    {"type": "nuggets", "heading": "…", "intro": "<p>…</p>",
     "items": [{"text": "…", "children": [{"text": "…"}], "owner": "…"}],
     "links": [...]}

An item holds ``text``, ``children`` and the item fields of its kind
(:class:`recaps.kinds.ItemField`, by name; rich text ones as HTML). Links are
read for the kinds that hold links. :func:`section_to_stream` turns it into
the raw data that :class:`recaps.blocks.RecapBodyBlock` stores, from the
kinds' declarations: a new section kind needs no change here.
"""

import uuid
from functools import lru_cache

from bs4 import BeautifulSoup, NavigableString

from .blocks import MEDIA_TYPES, SECTION_TYPES, section_kinds

#: Elements that are paragraphs of their own in stored rich text.
BLOCK_ELEMENTS = {"p", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr"}


class UnknownSectionType(ValueError):
    """A section mapping names no block of the body."""


def as_paragraphs(html):
    """Wrap inline HTML in a paragraph, as Wagtail stores rich text."""
    html = (html or "").strip()
    if not html:
        return ""
    return _as_paragraphs(html)


@lru_cache(maxsize=8192)
def _as_paragraphs(html):
    # A pure function of its text, and editions repeat their sentences (the
    # generator draws them from a vocabulary): parsed once each.
    soup = BeautifulSoup(html, "html.parser")
    return html if holds_only_blocks(soup.contents) else f"<p>{html}</p>"


def holds_only_blocks(nodes):
    """Whether the top-level ``nodes`` of rich text are all blocks (or blank):
    otherwise :func:`as_paragraphs` wraps them in a paragraph."""
    return all(
        isinstance(child, NavigableString)
        and not child.strip()
        or getattr(child, "name", None) in BLOCK_ELEMENTS
        for child in nodes
    )


def _id():
    return str(uuid.uuid4())


def _item(data, new_id, fields=()):
    value = {
        "text": as_paragraphs(data["text"]),
        "children": [
            {
                "type": "item",
                "value": {"text": as_paragraphs(child["text"])},
                "id": new_id(),
            }
            for child in data.get("children") or []
        ],
    }
    for field in fields:
        found = data.get(field.name) or ""
        value[field.name] = as_paragraphs(found) if field.type == "rich_text" else found
    return value


def media_value(section):
    """Raw value of a media block (``image``, ``table``, ``code``, ``embed``)."""
    kind = section["type"]
    if kind == "image":
        return {
            "image": section["image"],
            "alt": section.get("alt", ""),
            "caption": section.get("caption", ""),
        }
    if kind == "table":
        return {
            "data": section.get("rows") or [],
            "first_row_is_table_header": bool(section.get("header")),
            "first_col_is_header": False,
            "table_caption": section.get("caption", ""),
        }
    if kind == "code":
        return {"language": section.get("language", ""), "code": section["code"]}
    return {"url": section["url"], "caption": section.get("caption", "")}


def section_to_stream(section, new_id=_id):
    """Convert one section mapping to StreamField raw data.

    ``new_id`` makes the block ids (random UUIDs by default). An unknown
    ``type`` raises :class:`UnknownSectionType`.
    """
    kind = section.get("type")
    if kind in MEDIA_TYPES:
        return {"type": kind, "value": media_value(section), "id": new_id()}
    if kind not in SECTION_TYPES:
        raise UnknownSectionType(f"unknown section type {kind!r}")
    if kind == "text":
        value = {
            "heading": section.get("heading", ""),
            "text": as_paragraphs(section.get("text", "")),
        }
    else:
        declaration = section_kinds()[kind]
        value = {
            "heading": section["heading"],
            "intro": as_paragraphs(section.get("intro", "")),
            "items": [
                {
                    "type": "item",
                    "value": _item(item, new_id, declaration.item_fields),
                    "id": new_id(),
                }
                for item in section.get("items") or []
            ],
        }
        if declaration.links:
            value["links"] = [
                {
                    "type": "item",
                    "value": {
                        "title": link["title"],
                        "url": link.get("url", ""),
                        "document": link.get("document"),
                        "description": link.get("description", ""),
                    },
                    "id": new_id(),
                }
                for link in section.get("links") or []
            ]
    return {"type": kind, "value": value, "id": new_id()}
