"""Which reader a source file needs, told from its content, never its name."""

from django.conf import settings
from django.utils.translation import gettext as _

from .document import SourceError
from .html import parse_html
from .office import is_office, parse_office
from .text import parse_text

#: Exports may open with a long comment before ``<rss>``.
SNIFF_BYTES = 65536
#: Largest source file accepted, in megabytes (setting ``RECAPS_IMPORT_MAX_MB``).
DEFAULT_MAX_MB = 100


def max_import_mb():
    """The size limit of imported files, in megabytes, shared by every way in."""
    return getattr(settings, "RECAPS_IMPORT_MAX_MB", DEFAULT_MAX_MB)


def detect_format(head):
    """``wxr``, ``xml``, ``html``, ``office`` (.docx, .odt) or ``text`` from the
    first bytes of a file."""
    if is_office(head):
        return "office"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<?xml", b"<rss")):
        if b"<rss" in start and b"wordpress.org/export" in start:
            return "wxr"
        if b"<html" in start:
            return "html"
        return "xml"
    # A file that starts with a tag is a page or a fragment of one (“<h2>…”).
    if start.startswith(b"<"):
        return "html"
    return "text"


def parse_document(data, name="", page=True):
    """Editions and embedded images of one HTML page, office document or text.

    Returns ``(editions, images, kind)``. ``page``: a text file is a copied page
    of several editions (see :func:`.text.parse_text`), not one e-mail.
    WordPress exports are read by :mod:`.wxr`, not here.
    """
    if not data.strip():
        raise SourceError(_("empty file"))
    kind = detect_format(data[:SNIFF_BYTES])
    if kind in {"wxr", "xml"}:
        raise SourceError(_("XML file, not a document, an HTML page or a text"))
    if kind == "office":
        editions, images = parse_office(data, name=name)
        return editions, images, kind
    if kind == "html":
        return parse_html(data, name=name), {}, kind
    return parse_text(data, name=name, page=page), {}, kind
