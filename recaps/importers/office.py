"""Word (``.docx``) and OpenDocument (``.odt``) files, read as HTML.

This module only turns a document into the HTML that :mod:`.html` reads: the
headings, paragraphs, bullet lists (nested), links and images of the document,
then the one HTML reader and heading mapping of every import do the rest.
``.docx`` files go through mammoth, ``.odt`` files through odfpy. Embedded
images are addressed as ``embedded:<name>`` and become Wagtail images when the
edition is written (:class:`EmbeddedMedia`).

The format is told by the content, never by the file name: both are zip files,
a ``.docx`` names its main part in ``[Content_Types].xml``, an ``.odt`` states
its ``mimetype``. A password-protected ``.docx`` is no zip at all but an OLE
compound file holding an ``EncryptionInfo`` stream; a password-protected
``.odt`` is a zip whose manifest carries encryption data.
"""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import mammoth
from django.core.files.base import ContentFile
from django.utils.html import escape
from django.utils.translation import gettext as _
from odf import opendocument
from odf.namespaces import DRAWNS, FONS, STYLENS, SVGNS, TABLENS, TEXTNS, XLINKNS
from odf.table import TableRow
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from .document import SourceError, SourceWarning
from .html import parse_html
from .media import IMAGE_EXTENSIONS, MediaLibrary

ZIP_MAGIC = b"PK\x03\x04"
#: Compound files (OLE): old ``.doc`` files and password-protected ``.docx``.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX = "docx"
ODT = "odt"
DOCX_MAIN_TYPES = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main",
    b"application/vnd.ms-word.document.macroEnabled.main",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main",
)
ODT_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.text-template",
}
#: A document this many times larger once unzipped is refused (zip bombs).
MAX_EXPANSION = 20
EMBEDDED = "embedded:"
#: Word's list styles, by their English and French names, and their list tag.
#: Word numbers each of them as the *first* level of a list of its own (“List
#: Bullet 2” is only indented further), so mammoth alone puts every sub-point at
#: the top level: the style's name says its depth.
LIST_STYLES = {
    "ul": ("List Bullet", "Liste à puces"),
    "ol": ("List Number", "Liste numéro"),
}
LIST_STYLE_DEPTH = 3


def _list_style_map():
    """Mammoth rules nesting each list style at its depth (``List Bullet 2`` =>
    a list in the last item of the list before it).

    The first level keeps mammoth's reading of the numbering, so that a bullet
    indented with Tab (numbering level 1) stays a sub-point.
    """
    rules = []
    for tag, names in LIST_STYLES.items():
        for depth in range(2, LIST_STYLE_DEPTH + 1):
            path = " > ".join(["ul|ol > li"] * (depth - 1) + [f"{tag} > li:fresh"])
            rules += [f"p[style-name='{name} {depth}'] => {path}" for name in names]
    return "\n".join(rules)


#: Word's title style, and LibreOffice's, are the edition's title (``h1``).
DOCX_STYLE_MAP = f"""
p[style-name='Title'] => h1:fresh
p[style-name='Titre'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
{_list_style_map()}
"""


def is_office(head):
    """Whether the first bytes are those of a zip or OLE file (maybe a document)."""
    return head.startswith((ZIP_MAGIC, OLE_MAGIC))


@dataclass
class OfficeDocument:
    """A document as HTML, its embedded images and what could not be kept."""

    kind: str
    html: str
    #: ``embedded:<name>`` → (file name, bytes).
    images: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def _encrypted():
    return SourceError(
        _("password-protected document: remove the password and try again")
    )


def _zip(data, max_bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise SourceError(
            _("damaged document (not a readable Word or OpenDocument file)")
        ) from error
    if sum(info.file_size for info in archive.infolist()) > max_bytes:
        raise SourceError(_("document too large once uncompressed"))
    return archive


def office_format(data, max_bytes=None):
    """``docx`` or ``odt`` for the bytes of a document; ``SourceError`` otherwise."""
    max_bytes = max_bytes or len(data) * MAX_EXPANSION + 10_000_000
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _encrypted()
        raise SourceError(
            _(
                "old Word document (.doc) or other Office file: save it as .docx "
                "or .odt and try again"
            )
        )
    archive = _zip(data, max_bytes)
    names = set(archive.namelist())
    if "mimetype" in names:
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
        if mimetype not in ODT_TYPES:
            raise SourceError(
                _("OpenDocument file that is not a text document (%(type)s)")
                % {"type": mimetype}
            )
        manifest = (
            archive.read("META-INF/manifest.xml")
            if ("META-INF/manifest.xml" in names)
            else b""
        )
        if b"encryption-data" in manifest:
            raise _encrypted()
        return ODT
    if "[Content_Types].xml" in names:
        types = archive.read("[Content_Types].xml")
        if any(kind in types for kind in DOCX_MAIN_TYPES):
            return DOCX
        raise SourceError(_("Office file that is not a Word document"))
    raise SourceError(
        _("zip file that is not a Word (.docx) or OpenDocument (.odt) document")
    )


def _image_name(name, content_type=""):
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix and "/" in content_type:
        suffix = "." + content_type.split("/", 1)[1].split("+")[0]
    return suffix


def is_document_zip(path):
    """Whether a zip file is an office document (not an ``export_recaps`` archive)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
    return "mimetype" in names or "[Content_Types].xml" in names


def read_docx(data, prefix=EMBEDDED):
    """The HTML of a ``.docx`` (mammoth), its images collected apart."""
    images, warnings = {}, []

    def convert(image):
        suffix = _image_name("", image.content_type)
        if suffix not in IMAGE_EXTENSIONS:
            warnings.append(SourceWarning("embedded_image", image.content_type))
            return {}
        name = f"image{len(images) + 1}{suffix}"
        key = f"{prefix}{name}"
        with image.open() as handle:
            images[key] = (name, handle.read())
        return {"src": key}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            convert_image=mammoth.images.img_element(convert),
            style_map=DOCX_STYLE_MAP,
        )
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise SourceError(_("damaged Word document")) from error
    return OfficeDocument(DOCX, result.value, images, warnings)


LIST_STYLE_NAME = re.compile(
    "^(?:{})\\s+([2-9])$".format(
        "|".join(re.escape(name) for names in LIST_STYLES.values() for name in names)
    ),
    re.IGNORECASE,
)
_LIST_END = re.compile(r"(?:</li></[uo]l>)+$")


def nest_list(previous, html, depth):
    """``previous`` (HTML ending with a list) with the list ``html`` put in its
    last item at ``depth``; ``None`` when ``previous`` does not end with a list."""
    end = _LIST_END.search(previous)
    if not end:
        return None
    closings = re.findall(r"</li></[uo]l>", end.group())
    keep = closings[-min(depth - 1, len(closings)) :]
    cut = len(previous) - len("".join(keep))
    return previous[:cut] + html + previous[cut:]


class _OdtWriter:
    """Walk an OpenDocument text and write the equivalent HTML."""

    def __init__(self, document, archive, prefix):
        self.archive = archive
        self.prefix = prefix
        self.images = {}
        self.warnings = []
        self.bold = set()
        self.numbered = set()
        self.title_styles = set()
        #: Paragraph style name → (display name, parent style name).
        self.paragraph_styles = {}
        for styles in (document.automaticstyles, document.styles):
            for style in styles.childNodes:
                self._read_style(style)

    def _read_style(self, style):
        if style.nodeType != style.ELEMENT_NODE:
            return
        name = style.getAttrNS(STYLENS, "name")
        if not name:
            return
        if style.qname == (TEXTNS, "list-style"):
            levels = [c for c in style.childNodes if c.qname[0] == TEXTNS]
            if levels and levels[0].qname[1] == "list-level-style-number":
                self.numbered.add(name)
            return
        parent = style.getAttrNS(STYLENS, "parent-style-name") or ""
        display = style.getAttrNS(STYLENS, "display-name") or name.replace("_20_", " ")
        self.paragraph_styles[name] = (display, parent)
        if name in {"Title", "Titre"} or parent in {"Title", "Titre"}:
            self.title_styles.add(name)
        for child in style.childNodes:
            if child.qname == (STYLENS, "text-properties") and (
                child.getAttrNS(FONS, "font-weight") in {"bold", "700", "800", "900"}
            ):
                self.bold.add(name)

    def html(self, node):
        parts = []
        for child in node.childNodes:
            html = self.node(child)
            depth = self.list_depth(child)
            if depth > 1 and parts:
                nested = nest_list(parts[-1], html, depth)
                if nested is not None:
                    parts[-1] = nested
                    continue
            parts.append(html)
        return "".join(parts)

    def style_depth(self, name, seen=()):
        """The depth a list paragraph style names (“List Bullet 2” → 2), 1 if none."""
        if not name or name in seen or name not in self.paragraph_styles:
            return 1
        display, parent = self.paragraph_styles[name]
        match = LIST_STYLE_NAME.match(display.strip())
        if match:
            return int(match.group(1))
        return self.style_depth(parent, (*seen, name))

    def list_depth(self, node):
        """The depth of a ``text:list`` its first paragraph's style names.

        LibreOffice keeps Word's “List Bullet 2” paragraphs as a list of their
        own after the first-level one, not nested in it.
        """
        if node.nodeType != node.ELEMENT_NODE or node.qname != (TEXTNS, "list"):
            return 1
        for item in node.childNodes:
            for child in getattr(item, "childNodes", []):
                if child.qname == (TEXTNS, "p"):
                    return self.style_depth(child.getAttrNS(TEXTNS, "style-name"))
            return 1
        return 1

    def node(self, node):
        if node.nodeType == node.TEXT_NODE:
            return escape(str(node.data))
        if node.nodeType != node.ELEMENT_NODE:
            return ""
        namespace, name = node.qname
        if namespace == TEXTNS:
            return self.text_element(node, name)
        if namespace == DRAWNS and name == "frame":
            return self.frame(node)
        if namespace == TABLENS and name == "table":
            return self.table(node)
        if namespace == TABLENS:
            return ""
        return self.html(node)

    def text_element(self, node, name):
        style = node.getAttrNS(TEXTNS, "style-name") or ""
        inner = self.html(node)
        if name == "h":
            level = min(int(node.getAttrNS(TEXTNS, "outline-level") or 1), 6)
            return f"<h{level}>{inner}</h{level}>"
        if name == "p":
            if style in self.title_styles:
                return f"<h1>{inner}</h1>"
            if style in self.bold:
                inner = f"<strong>{inner}</strong>"
            return f"<p>{inner}</p>"
        if name == "list":
            tag = "ol" if style in self.numbered else "ul"
            return f"<{tag}>{inner}</{tag}>"
        if name in {"list-item", "list-header"}:
            return f"<li>{self.list_item(node)}</li>"
        if name == "span":
            return f"<strong>{inner}</strong>" if style in self.bold else inner
        if name == "a":
            href = node.getAttrNS(XLINKNS, "href") or ""
            return f'<a href="{escape(href)}">{inner}</a>' if href else inner
        if name == "s":
            return " " * int(node.getAttrNS(TEXTNS, "c") or 1)
        if name == "tab":
            return " "
        if name == "line-break":
            return "<br/>"
        if name in {"note", "tracked-changes", "sequence-decls", "bookmark-ref"}:
            return ""
        return inner

    def list_item(self, item):
        """A bullet's paragraphs as inline text (as Word's bullets), then its lists."""
        parts, lists = [], []
        for child in item.childNodes:
            if child.qname == (TEXTNS, "p"):
                parts.append(self.text_element(child, "span"))
            else:
                lists.append(self.node(child))
        return "<br/>".join(part.strip() for part in parts) + "".join(lists)

    def frame(self, frame):
        """An image (its title or description as alternative text), else its text."""
        alt = ""
        for child in frame.childNodes:
            if child.qname in {(SVGNS, "title"), (SVGNS, "desc")} and not alt:
                alt = " ".join(str(child).split())
        for child in frame.childNodes:
            if child.qname == (DRAWNS, "image"):
                return self.image(child, alt)
        return self.html(frame)

    def image(self, node, alt):
        href = node.getAttrNS(XLINKNS, "href") or ""
        suffix = _image_name(href)
        if suffix not in IMAGE_EXTENSIONS or href not in self.archive.namelist():
            self.warnings.append(SourceWarning("embedded_image", href or "?"))
            return ""
        key = f"{self.prefix}{PurePosixPath(href).name}"
        self.images[key] = (PurePosixPath(href).name, self.archive.read(href))
        return f'<img src="{escape(key)}" alt="{escape(alt)}"/>'

    def table(self, table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = [
                f"<td>{self.html(cell)}</td>"
                for cell in row.childNodes
                if cell.qname == (TABLENS, "table-cell")
            ]
            rows.append(f"<tr>{''.join(cells)}</tr>")
        return f"<table>{''.join(rows)}</table>"


def read_odt(data, max_bytes=None, prefix=EMBEDDED):
    """The HTML of an ``.odt`` (odfpy), its images collected apart."""
    archive = _zip(data, max_bytes or len(data) * MAX_EXPANSION + 10_000_000)
    try:
        document = opendocument.load(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - odfpy raises anything on bad XML
        raise SourceError(_("damaged OpenDocument file")) from error
    writer = _OdtWriter(document, archive, prefix)
    html = writer.html(document.text)
    return OfficeDocument(ODT, html, writer.images, writer.warnings)


def read_office(data, max_bytes=None):
    """An :class:`OfficeDocument` for the bytes of a ``.docx`` or ``.odt`` file."""
    kind = office_format(data, max_bytes)
    # Images of several documents imported together keep distinct addresses.
    prefix = f"{EMBEDDED}{hashlib.sha256(data).hexdigest()[:12]}/"
    if kind == DOCX:
        return read_docx(data, prefix)
    return read_odt(data, max_bytes, prefix)


def parse_office(data, name=""):
    """Editions of a ``.docx`` or ``.odt`` file, and its embedded images.

    Returns ``(editions, images)``. Each edition's source key is the SHA-256 of
    the file, so importing the same file again updates its edition.
    """
    document = read_office(data)
    html = f"<html><body>{document.html}</body></html>".encode()
    key = "sha256:" + hashlib.sha256(data).hexdigest()
    editions = parse_html(html, name=name, key=key)
    editions[0].warnings.extend(document.warnings)
    return editions, document.images


class EmbeddedMedia(MediaLibrary):
    """Media of an office document: its embedded images become Wagtail images.

    Other addresses are resolved as :class:`MediaLibrary` does.
    """

    def __init__(self, images, uploads=None):
        super().__init__(uploads)
        self.embedded = images

    def image(self, section):
        found = self.embedded.get(section["src"])
        if found is None:
            return super().image(section)
        name, content = found
        image = self.stored(
            get_image_model(),
            hash_filelike(io.BytesIO(content)),
            section.get("alt") or PurePosixPath(name).stem,
            ContentFile(content, name=name),
            len(content),
        )
        return self.image_section(image, section)
