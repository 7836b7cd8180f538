"""StreamField blocks: one block type per kind of recap section.

Every list section shares the same shape (heading, optional intro, items that
may hold sub-items and fields of their kind, links for some kinds); its kinds
are declared in :mod:`recaps.kinds` and their blocks built here from the
declaration (:func:`section_block`). The machine name is the block's name in
:class:`RecapBodyBlock`; templates and the API use it as the section ``type``.
Free text and media have blocks of their own.
"""

import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import BlockGroup, StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import expand_db_html, get_text_for_indexing

from .kinds import SECTION_KINDS

#: Inline styles a source may carry (“le samedi <s>dimanche</s>”, “H<sub>2</sub>O”).
INLINE_STYLES = ["strikethrough", "subscript", "superscript"]
ITEM_FEATURES = ["bold", "italic", *INLINE_STYLES, "link", "document-link"]
#: Size of images in the API (and of the largest image on pages).
IMAGE_RENDITION = "max-1200x1200"
TEXT_FEATURES = [
    *["h3", "h4", "bold", "italic", *INLINE_STYLES, "ol", "ul", "link"],
    *["document-link", "blockquote", "hr"],
]


def html_to_text(html):
    """Plain text of a rich text fragment: tags removed, entities decoded
    (``&amp;`` → ``&``), whitespace collapsed. The one plain-text helper.

    A ``RichText`` value is read from its source (rendering it would run a
    template for nothing).
    """
    return _plain_text(str(getattr(html, "source", html) or ""))


_OPENING_BLOCK = re.compile(r"(<(?:ul|ol|li|dl|dt|dd|table|tr|td|th|pre|div)\b)", re.I)


@lru_cache(maxsize=4096)
def _plain_text(source):
    # Publishing computes both the API form and the search text of every item.
    # Wagtail separates words after closing blocks only: “Three<ul><li>Four”
    # would read “ThreeFour”.
    source = _OPENING_BLOCK.sub(r" \1", source)
    text = get_text_for_indexing(normalize_newlines(source))
    return " ".join(text.split())


def public_html(html):
    """Rich text as readers get it: internal page and document links resolved.

    The database form keeps ``<a linktype="page" id="3">``; sister sites and
    snippets need real ``href`` values, as the templates render them.
    """
    html = str(getattr(html, "source", html) or "")
    return expand_db_html(html) if "linktype=" in html else html


def rich_text_data(value):
    """``{"html", "text"}`` of a rich text value, as the API shows it."""
    html = public_html(value)
    return {"html": html, "text": html_to_text(html)}


def name_rich_text_editor(widget, label):
    """Name the editable area of a rich text editor ``widget`` after ``label``.

    Draftail's editable area is a ``role="textbox"`` that the field's ``<label>``
    does not reach (the label belongs to a hidden input, or to nothing in a
    block): screen readers and axe (``aria-input-field-name``) find it unnamed.
    Draftail hands its options to the editor, ``ariaLabel`` included.
    """
    if isinstance(getattr(widget, "options", None), dict):
        widget.options = {**widget.options, "ariaLabel": label}
    return widget


class NamedRichTextBlock(blocks.RichTextBlock):
    """A rich text block whose editor is named after the block's label."""

    @cached_property
    def field(self):
        field = super().field
        name_rich_text_editor(field.widget, self.label)
        return field


class SubItemBlock(blocks.StructBlock):
    """A nested bullet under an item.

    Repeated on every sub-item: no help text here, the section's list of points
    explains sub-items once (see :class:`SectionBlock`).
    """

    text = NamedRichTextBlock(features=ITEM_FEATURES, label=_("Sub-item"))

    class Meta:
        icon = "list-ul"
        label = _("Sub-item")
        form_classname = "recap-subitem"

    def get_api_representation(self, value, context=None):
        """``{"html": "<p>…</p>", "text": "…", "children": []}``."""
        return {**rich_text_data(value["text"]), "children": []}


class ItemBlock(blocks.StructBlock):
    """One bullet of a section, optionally with sub-items.

    Repeated on every point: no help text here (the section's list of points
    explains points and sub-items once), and the sub-items sit in a group that
    starts collapsed, so an item without sub-items takes one line of form.
    """

    text = NamedRichTextBlock(features=ITEM_FEATURES, label=_("Item"))
    children = blocks.ListBlock(
        SubItemBlock(),
        default=[],
        min_num=0,
        label=_("Sub-items"),
    )

    class Meta:
        icon = "list-ul"
        label = _("Item")
        form_classname = "recap-item"
        form_layout = BlockGroup(
            children=[
                "text",
                BlockGroup(
                    children=["children"],
                    heading=_("Sub-items"),
                    icon="list-ul",
                    classname="collapsed recap-subitems",
                ),
            ]
        )

    #: The fields of the kind besides ``text`` and ``children``
    #: (:class:`recaps.kinds.ItemField`); see :func:`item_block`.
    item_fields = ()

    def get_api_representation(self, value, context=None):
        """``{"html", "text", "children": [sub-items], <fields of the kind>}``."""
        child_block = self.child_blocks["children"].child_block
        return {
            **rich_text_data(value["text"]),
            "children": [
                child_block.get_api_representation(child, context)
                for child in value["children"] or []
            ],
            **{
                field.name: field_data(field, value.get(field.name))
                for field in self.item_fields
            },
        }

    def get_searchable_content(self, value):
        """The item's text, its fields' texts, then its sub-items'."""
        return [
            text
            for text in [html_to_text(value["text"])]
            + [field_text(field, value.get(field.name)) for field in self.item_fields]
            + [html_to_text(child["text"]) for child in value["children"] or []]
            if text
        ]


def field_data(field, value):
    """The API form of an item field's stored ``value`` (by its type)."""
    if field.type == "rich_text":
        return rich_text_data(value)
    return str(value or "")


def field_text(field, value):
    """Plain text of an item field, from its stored or its API form (a rich
    text's ``{"html", "text"}``); an address has none."""
    if field.type == "url":
        return ""
    if isinstance(value, dict):
        return value.get("text") or ""
    return html_to_text(value) if field.type == "rich_text" else str(value or "")


def field_html(field, value):
    """Safe HTML of an item field (stored or API form), for the templates."""
    if isinstance(value, dict):
        return mark_safe(value.get("html") or "")  # noqa: S308 -- stored rich text
    if field.type == "rich_text":
        return mark_safe(public_html(value))  # noqa: S308 -- stored rich text
    if field.type == "url" and value:
        return format_html('<a href="{}">{}</a>', value, value)
    return escape(value or "")


def _field_block(field):
    """The block of an item field of the declaration."""
    options = {"label": field.label, "required": field.required}
    if field.help_text:
        options["help_text"] = field.help_text
    if field.type == "rich_text":
        return NamedRichTextBlock(features=ITEM_FEATURES, **options)
    if field.type == "url":
        return blocks.URLBlock(**options)
    return blocks.CharBlock(max_length=255, **options)


def item_block(kind):
    """The item block of ``kind``: :class:`ItemBlock`, with the kind's fields
    after its text in the form (sub-items stay last)."""
    if not kind.item_fields:
        return ItemBlock()
    names = [field.name for field in kind.item_fields]
    meta = type(
        "Meta",
        (),
        {
            "form_layout": BlockGroup(
                children=["text", *names, ItemBlock._meta_class.form_layout.children[1]]
            )
        },
    )
    attrs = {field.name: _field_block(field) for field in kind.item_fields}
    name = f"{kind.name.capitalize()}ItemBlock"
    return type(
        name,
        (ItemBlock,),
        {
            **attrs,
            "Meta": meta,
            "item_fields": kind.item_fields,
            "__module__": __name__,
        },
    )()


ITEMS_HELP = _(
    "The points of the section, one per bullet, in reading order, as said "
    "during the meeting (links are allowed), e.g. “Des boites solidaires à "
    "offrir”. Open “Sub-items” under a point for its nested points, e.g. "
    "under “Quelles actions pour le lien ?”, the answers given."
)


class SectionBlock(blocks.StructBlock):
    """Common shape of every list section: heading, optional intro, items."""

    heading = blocks.CharBlock(
        max_length=255,
        label=_("Heading"),
        help_text=_(
            "Title of the section as readers see it; change it freely, e.g. "
            "“Retour sur…” or “Partage de ce qui est fait pour Noël”."
        ),
    )
    intro = NamedRichTextBlock(
        features=ITEM_FEATURES,
        required=False,
        label=_("Introduction"),
        help_text=_("Optional sentence before the list, e.g. “Entre autres :”."),
    )
    items = blocks.ListBlock(
        ItemBlock(), min_num=0, default=[], label=_("Items"), help_text=ITEMS_HELP
    )
    #: The declaration of the kind (:class:`recaps.kinds.SectionKind`).
    kind = None

    class Meta:
        template = "recaps/blocks/section.html"
        icon = "list-ul"

    def get_api_representation(self, value, context=None):
        """The section as the API shows it (the ``label`` is added on output)::

        {"type": "nuggets", "heading": "…", "intro": {"html", "text"},
         "items": [{"html", "text", "children": […]}], "links": [...]}
        """
        item_block = self.child_blocks["items"].child_block
        links = []
        if "links" in self.child_blocks:
            link_block = self.child_blocks["links"].child_block
            links = [
                link_block.get_api_representation(link, context)
                for link in value["links"] or []
            ]
        return {
            "type": self.name,
            "heading": value["heading"] or "",
            "intro": rich_text_data(value["intro"]),
            "items": [
                item_block.get_api_representation(item, context)
                for item in value["items"] or []
            ],
            "links": links,
        }

    def get_searchable_content(self, value):
        """Every word of the section in reading order, entities decoded."""
        texts = [value["heading"], html_to_text(value["intro"])]
        item_block = self.child_blocks["items"].child_block
        for item in value["items"] or []:
            texts.extend(item_block.get_searchable_content(item))
        if "links" in self.child_blocks:
            link_block = self.child_blocks["links"].child_block
            for link in value["links"] or []:
                texts.extend(link_block.get_searchable_content(link))
        return [text for text in texts if text]

    def is_empty(self, value):
        """True when the section has nothing under its heading: no intro, no
        item, no link. Such a section is never shown to readers."""
        return not (
            value["items"]
            or ("links" in self.child_blocks and value["links"])
            or html_to_text(value["intro"])
        )


class LinkBlock(blocks.StructBlock):
    """A shared resource: an external URL or a Wagtail document."""

    title = blocks.CharBlock(
        max_length=255,
        label=_("Title"),
        help_text=_("e.g. “Conseillers numériques France Services”."),
    )
    url = blocks.URLBlock(
        required=False,
        label=_("URL"),
        help_text=_("e.g. https://www.conseiller-numerique.gouv.fr/"),
    )
    document = DocumentChooserBlock(
        required=False,
        label=_("Document"),
        help_text=_(
            "Or a document uploaded to the site instead of a URL, e.g. the PDF "
            "of a guide."
        ),
    )
    description = blocks.TextBlock(
        required=False,
        label=_("Description"),
        help_text=_(
            "Optional: what the reader will find there, e.g. “Des conseillers pour "
            "accompagner les habitants au numérique”."
        ),
    )

    class Meta:
        icon = "link"
        label = _("Link")

    def get_api_representation(self, value, context=None):
        """``{"title", "url", "description"}``; a document gives its own URL."""
        document = value.get("document")
        return {
            "title": value.get("title") or "",
            "url": (document.url if document else value.get("url")) or "",
            "description": value.get("description") or "",
        }

    def get_searchable_content(self, value):
        return [text for text in (value["title"], value["description"]) if text]

    def clean(self, value):
        value = super().clean(value)
        has_url = bool(value.get("url"))
        has_document = bool(value.get("document"))
        if has_url == has_document:
            message = _("Give either a URL or a document, not both.")
            if not has_url:
                message = _("Give a URL or choose a document.")
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(message)}
            )
        return value


def section_block(kind):
    """The block of a list section ``kind`` (:class:`recaps.kinds.SectionKind`):
    a :class:`SectionBlock` subclass whose ``Meta`` and fields come from the
    declaration. Only a kind's own fields (item fields, links) are child
    blocks of its own, so the stored data and the migration state of the
    existing kinds stay those of hand-written blocks."""
    preview = {
        "heading": kind.heading,
        "items": [{"text": text, "children": []} for text in kind.preview],
    }
    if kind.links:
        preview["links"] = list(kind.preview_links)
    meta = {
        "label": kind.label,
        "icon": kind.icon,
        "default": {"heading": kind.heading},
        "description": kind.description,
        "preview_value": preview,
        "group": _("Lists"),
        "template": kind.template,
    }
    attrs = {"Meta": type("Meta", (), meta), "kind": kind, "__module__": __name__}
    if kind.item_fields:
        attrs["items"] = blocks.ListBlock(
            item_block(kind),
            min_num=0,
            default=[],
            label=_("Items"),
            help_text=ITEMS_HELP,
        )
    if kind.links:
        attrs["links"] = blocks.ListBlock(
            LinkBlock(),
            min_num=0,
            default=[],
            label=_("Links and documents"),
            help_text=_("Each link with a title; a URL or a document."),
        )
    attrs["__doc__"] = f"Section {kind.name!r}: {kind.description}"
    return type(f"{kind.name.capitalize()}Block", (SectionBlock,), attrs)


class TextBlock(blocks.StructBlock):
    """Free paragraphs that belong to no list (e.g. the “bilan” paragraph)."""

    heading = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Heading"),
        help_text=_("Optional title above the paragraphs, e.g. “Bilan”."),
    )
    text = NamedRichTextBlock(
        features=TEXT_FEATURES,
        label=_("Text"),
        help_text=_(
            "e.g. “Nous avons également pu faire le bilan de ces petites ébullitions…”"
        ),
    )

    class Meta:
        label = _("Free text")
        icon = "pilcrow"
        template = "recaps/blocks/text.html"
        description = _("Paragraphs that are not a list.")
        preview_value = {
            "heading": "",
            "text": "<p>Nous avons également pu faire le bilan de ces petites "
            "ébullitions.</p>",
        }
        group = _("Text")

    def get_api_representation(self, value, context=None):
        """Same shape as a list section: the paragraphs are its ``intro``."""
        return {
            "type": self.name,
            "heading": value["heading"] or "",
            "intro": rich_text_data(value["text"]),
            "items": [],
            "links": [],
        }

    def get_searchable_content(self, value):
        return [
            text for text in (value["heading"], html_to_text(value["text"])) if text
        ]

    def is_empty(self, value):
        """True when there is no paragraph (a heading alone says nothing)."""
        return not html_to_text(value["text"])


class ImageBlock(blocks.StructBlock):
    """An image of the recap, with its alternative text and caption."""

    image = ImageChooserBlock(
        label=_("Image"),
        help_text=_("Choose or upload the image, e.g. a photo of the meeting."),
    )
    alt = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Alternative text"),
        help_text=_(
            "What the image shows, for readers who cannot see it, e.g. “Des "
            "bénévoles autour d’une table”."
        ),
    )
    caption = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Caption"),
        help_text=_("Optional text under the image."),
    )

    class Meta:
        icon = "image"
        template = "recaps/blocks/image.html"
        label = _("Image")
        description = _("An image with its alternative text and caption.")
        group = _("Media")
        preview_value = {
            "alt": "Des bénévoles autour d’une table",
            "caption": "La rencontre du vendredi",
        }

    def get_searchable_content(self, value):
        return [text for text in (value.get("caption"), value.get("alt")) if text]

    def get_api_representation(self, value, context=None):
        """``{"type": "image", "url": …, "alt": …, "caption": …}``."""
        image = value.get("image")
        url = image.get_rendition(IMAGE_RENDITION).url if image else ""
        return {
            "type": "image",
            "url": url,
            "alt": value.get("alt") or "",
            "caption": value.get("caption") or "",
        }


class DataTableBlock(TableBlock):
    """A table of text cells, with an optional header row and a caption."""

    def __init__(self, required=True, help_text=None, **kwargs):
        help_text = help_text or _(
            "One row per line, e.g. the centres and how many people came."
        )
        super().__init__(required=required, help_text=help_text, **kwargs)

    class Meta:
        icon = "table"
        template = "recaps/blocks/table.html"
        label = _("Table")
        description = _("A table, e.g. a schedule or figures shared.")
        group = _("Media")
        preview_value = {
            "data": [["Centre", "Participants"], ["Breil", "12"], ["Malakoff", "8"]],
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_caption": "Participation",
        }

    def get_searchable_content(self, value):
        value = value or {}
        cells = [cell for row in value.get("data") or [] for cell in row if cell]
        return [value.get("table_caption") or "", *cells]

    def get_api_representation(self, value, context=None):
        """``{"type": "table", "caption": …, "header": true, "rows": [[…]]}``."""
        value = value or {}
        return {
            "type": "table",
            "caption": value.get("table_caption") or "",
            "header": bool(value.get("first_row_is_table_header")),
            "rows": [[cell or "" for cell in row] for row in value.get("data") or []],
        }


class CodeBlock(blocks.StructBlock):
    """Preformatted text shown as written, spaces and line breaks kept."""

    language = blocks.CharBlock(
        required=False,
        max_length=50,
        label=_("Language"),
        help_text=_("Optional, e.g. “html” or “python”."),
    )
    code = blocks.TextBlock(label=_("Text"), help_text=_("Shown exactly as typed."))

    class Meta:
        icon = "code"
        template = "recaps/blocks/code.html"
        label = _("Preformatted text")
        description = _("Code or text whose spaces and line breaks matter.")
        group = _("Media")
        preview_value = {"language": "", "code": "9h   accueil\n10h  visio"}

    def get_searchable_content(self, value):
        return [value.get("code") or ""]

    def get_api_representation(self, value, context=None):
        """``{"type": "code", "language": …, "code": …}``."""
        return {
            "type": "code",
            "language": value.get("language") or "",
            "code": value.get("code") or "",
        }


class EmbedBlock(blocks.StructBlock):
    """A video or other content hosted elsewhere, shown as a link to it.

    A link rather than the provider's player: readers' pages make no request to
    third parties until they choose to follow it.
    """

    url = blocks.URLBlock(
        label=_("Address"), help_text=_("e.g. https://www.youtube.com/watch?v=…")
    )
    caption = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Caption"),
        help_text=_("What the link shows, e.g. “La vidéo de la rencontre”."),
    )

    class Meta:
        icon = "media"
        template = "recaps/blocks/embed.html"
        label = _("Embedded content")
        description = _("A video, a sound or a map hosted on another site.")
        group = _("Media")
        preview_value = {
            "url": "https://www.youtube.com/watch?v=abc123",
            "caption": "La vidéo de la rencontre",
        }

    def get_searchable_content(self, value):
        return [value.get("caption") or ""]

    def get_api_representation(self, value, context=None):
        """``{"type": "embed", "url": …, "caption": …}``."""
        return {
            "type": "embed",
            "url": value.get("url") or "",
            "caption": value.get("caption") or "",
        }


#: The block class of each list section kind, by machine name.
SECTION_BLOCKS = {kind.name: section_block(kind) for kind in SECTION_KINDS}

#: The body of an edition: typed sections in page order (the list sections
#: of :data:`recaps.kinds.SECTION_KINDS`, free text, then media).
RecapBodyBlock = type(
    "RecapBodyBlock",
    (blocks.StreamBlock,),
    {
        "__module__": __name__,
        "__doc__": "The body of an edition: typed sections in page order.",
        **{name: block() for name, block in SECTION_BLOCKS.items()},
        "text": TextBlock(),
        "image": ImageBlock(),
        "table": DataTableBlock(),
        "code": CodeBlock(),
        "embed": EmbedBlock(),
    },
)


#: Blocks that show media between sections; they are not sections.
MEDIA_TYPES = ["image", "table", "code", "embed"]
#: Machine names of the section kinds, in the editor's menu order.
SECTION_TYPES = [name for name in RecapBodyBlock.base_blocks if name not in MEDIA_TYPES]


#: ``[(type, type)]`` of every section kind, for choice fields (the filters).
SECTION_TYPE_CHOICES = [(kind, kind) for kind in SECTION_TYPES]


#: Readers' names of the kinds whose editor label is internal jargon.
_READER_LABELS = {"text": _("In addition")}


def section_labels():
    """Map each section type to its readers' (translated) name.

    The editors' menu labels are the blocks' own; readers never see “Free
    text”, which names how the section is written, not what it holds.
    """
    return {
        name: _READER_LABELS.get(name, block.meta.label)
        for name, block in RecapBodyBlock.base_blocks.items()
    }


def section_kinds():
    """``{type: declaration}`` of the list section kinds of the body
    (:class:`recaps.kinds.SectionKind`), in menu order."""
    return {
        name: block.kind
        for name, block in RecapBodyBlock.base_blocks.items()
        if getattr(block, "kind", None) is not None
    }


def item_fields(kind_name):
    """The item fields of the section kind ``kind_name`` besides ``text`` and
    ``children`` (none for free text, media or an unknown kind)."""
    kind = section_kinds().get(kind_name)
    return kind.item_fields if kind else ()


def section_passages(kind_name, data):
    """Every text of a section's API form ``data``, in reading order: heading,
    intro, each item's text, fields and sub-items, each link (title and
    description). Search snippets are cut from these passages."""
    fields = item_fields(kind_name)
    texts = [data.get("heading") or "", data["intro"]["text"]]
    for item in data["items"]:
        texts.append(item["text"])
        texts.extend(field_text(field, item.get(field.name)) for field in fields)
        texts.extend(child["text"] for child in item["children"])
    texts.extend(f"{link['title']} {link['description']}" for link in data["links"])
    return [text for text in texts if text]


def item_extras(kind_name, item):
    """``[(label, safe HTML)]`` of an item's fields besides its text and
    sub-items (a block value or the API's item), for the section templates."""
    return [
        (field.label, field_html(field, item.get(field.name)))
        for field in item_fields(kind_name)
        if item.get(field.name)
    ]


def is_empty_section(child):
    """Whether a stream child (a section of a body) has nothing to show."""
    is_empty = getattr(child.block, "is_empty", None)
    return bool(is_empty and is_empty(child.value))


def visible_sections(body):
    """The sections of ``body`` that readers see: empty ones are left out."""
    return [child for child in body if not is_empty_section(child)]
