"""A plain view of an edition's body: sections, items and links as data.

Templates render blocks directly; the API, the search snippets and the importers'
cross-checks use this read-only view so that they all agree on what a section is.
"""

from dataclasses import dataclass, field

from wagtail.rich_text import expand_db_html

from .blocks import html_to_text, section_labels


@dataclass
class Item:
    html: str
    text: str
    children: list["Item"] = field(default_factory=list)

    def as_dict(self):
        return {
            "html": self.html,
            "text": self.text,
            "children": [child.as_dict() for child in self.children],
        }


@dataclass
class Link:
    title: str
    url: str
    description: str

    def as_dict(self):
        return {"title": self.title, "url": self.url, "description": self.description}


@dataclass
class Section:
    """One section of an edition, in page order (``position`` starts at 0)."""

    type: str
    label: str
    heading: str
    intro_html: str
    intro_text: str
    items: list[Item]
    links: list[Link]
    position: int
    id: str = ""

    @property
    def text(self):
        """All the words of the section, for matching and snippets."""
        parts = [self.heading, self.intro_text]
        for item in self.items:
            parts.append(item.text)
            parts.extend(child.text for child in item.children)
        for link in self.links:
            parts.extend([link.title, link.description])
        return " ".join(part for part in parts if part)

    def item_count(self):
        return sum(1 + len(item.children) for item in self.items)

    def as_dict(self):
        return {
            "type": self.type,
            "label": self.label,
            "heading": self.heading,
            "intro": {"html": self.intro_html, "text": self.intro_text},
            "items": [item.as_dict() for item in self.items],
            "links": [link.as_dict() for link in self.links],
        }


def public_html(html):
    """Rich text as readers get it: internal page and document links resolved.

    The database form keeps ``<a linktype="page" id="3">``; sister sites and
    snippets need real ``href`` values, as the templates render them.
    """
    html = str(html or "")
    return expand_db_html(html) if "linktype=" in html else html


def _rich(value):
    html = public_html(value.source if hasattr(value, "source") else value)
    return html, html_to_text(html)


def _item(value):
    html, text = _rich(value["text"])
    children = [Item(*_rich(child["text"])) for child in value.get("children") or []]
    return Item(html, text, children)


def _link(value):
    document = value.get("document")
    url = document.url if document else value.get("url") or ""
    return Link(value.get("title") or "", url, value.get("description") or "")


def section_from_block(bound_block, position=0):
    """Build a :class:`Section` from a StreamField child (``page.body[n]``).

    A ``text`` block has no list: its paragraphs are the section's intro.
    """
    value = bound_block.value
    kind = bound_block.block_type
    intro_html, intro_text = _rich(
        value["text"] if kind == "text" else value.get("intro")
    )
    return Section(
        type=kind,
        label=str(section_labels()[kind]),
        heading=value.get("heading") or "",
        intro_html=intro_html,
        intro_text=intro_text,
        items=[_item(item) for item in value.get("items") or []],
        links=[_link(link) for link in value.get("links") or []],
        position=position,
        id=bound_block.id or "",
    )


def _list_values(raw_list):
    """Values of a ListBlock's raw data (``{"type": "item", "value": …}`` items)."""
    return [
        item["value"] if isinstance(item, dict) and item.get("type") == "item" else item
        for item in raw_list or []
    ]


def raw_section_text(raw_block):
    """:attr:`Section.text` read from a raw stream block, without converting it.

    Matching many sections costs a fraction of building Wagtail values for them;
    the text is the same words in the same order (a test holds them equal).
    """
    value = raw_block.get("value") or {}
    if raw_block.get("type") == "text":
        parts = [value.get("heading"), html_to_text(value.get("text"))]
        return " ".join(part for part in parts if part)
    parts = [value.get("heading"), html_to_text(value.get("intro"))]
    for item in _list_values(value.get("items")):
        parts.append(html_to_text(item.get("text")))
        parts.extend(
            html_to_text(child.get("text"))
            for child in _list_values(item.get("children"))
        )
    for link in _list_values(value.get("links")):
        parts.extend([link.get("title"), link.get("description")])
    return " ".join(part for part in parts if part)


def sections_of(page):
    """Every section of an edition, in page order."""
    return [section_from_block(block, n) for n, block in enumerate(page.body)]
