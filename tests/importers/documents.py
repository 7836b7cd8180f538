"""The office documents and e-mail of tests/importers/data/documents, and the demo
edition they rebuild."""

import io
import struct
import zipfile
from pathlib import Path

import yaml
from django.utils.html import escape, strip_tags

DOCUMENTS = Path(__file__).parent / "data" / "documents"
DOCX = DOCUMENTS / "premiere-petite-ebullition.docx"
ODT = DOCUMENTS / "premiere-petite-ebullition.odt"
EMAIL = DOCUMENTS / "courriel-premiere-petite-ebullition.txt"
ENCRYPTED_ODT = DOCUMENTS / "mot-de-passe.odt"
DEMO_DATA = (
    Path(__file__).resolve().parents[2]
    / "home"
    / "demo_data"
    / "petites-ebullitions.yaml"
)
LINK_URL = "http://ressources-fdcsx44.fr/"


#: The section the samples end with and the demo data leaves out (the legacy
#: page lost its links, and the demo shows no empty section): one link.
SAMPLE_RESOURCES = {
    "type": "resources",
    "heading": "Les différents liens partagés",
    "links": [{"url": LINK_URL}],
}


def demo_edition(number=1):
    """The demo data's edition ``number`` as the samples rebuild it (edition 1
    with its resources section)."""
    data = yaml.safe_load(DEMO_DATA.read_text(encoding="utf-8"))
    edition = next(e for e in data["editions"] if e["edition_number"] == number)
    if number == 1 and edition["body"][-1]["type"] != "resources":
        edition["body"].append(SAMPLE_RESOURCES)
    return edition


def text(html):
    return " ".join(strip_tags(html).split())


def sections_as_text(sections):
    """``[(kind, [(item, [sub-items])])]`` of parsed or demo sections, as text."""
    return [
        (
            section["type"],
            [
                (
                    text(item["text"]),
                    [text(child["text"]) for child in item.get("children") or []],
                )
                for item in section.get("items") or []
            ],
        )
        for section in sections
        if section["type"] not in {"image", "text"}
    ]


def encrypted_docx():
    """The shape of a password-protected .docx: an OLE compound file whose
    directory names the ``EncryptionInfo`` and ``EncryptedPackage`` streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9) + bytes(472)
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    return header + directory


def zip_bytes(files):
    """A zip holding ``files`` ({name: bytes})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def odt_with_picture_renamed(suffix):
    """The sample .odt whose picture is stored under another extension."""
    source = zipfile.ZipFile(io.BytesIO(ODT.read_bytes()))
    (picture,) = [n for n in source.namelist() if n.startswith("Pictures/")]
    renamed = picture.rsplit(".", 1)[0] + suffix
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in {"content.xml", "META-INF/manifest.xml"}:
                content = content.replace(picture.encode(), renamed.encode())
            name = renamed if info.filename == picture else info.filename
            target.writestr(name, content)
    return buffer.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    ),
    "word/_rels/document.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
        "</Relationships>"
    ),
}


def docx_with_styles(paragraphs):
    """A minimal ``.docx`` whose paragraphs are ``(style name, text)`` pairs.

    As Word's own template does, each list style carries its numbering in its
    style definition, every one of them at numbering level 0 of a list of its
    own (“List Bullet 2” is a *first* level indented further): only the style's
    name says the paragraph is a sub-point.
    """
    names = sorted({name for name, _text in paragraphs if name})
    ids = {name: f"S{index}" for index, name in enumerate(names, start=1)}
    styles, abstracts, nums = [], [], []
    for index, name in enumerate(names, start=1):
        numbered = name.lower().startswith(("list", "liste"))
        ordered = "number" in name.lower() or "numéro" in name.lower()
        numbering = (
            f'<w:pPr><w:numPr><w:numId w:val="{index}"/></w:numPr></w:pPr>'
            if numbered
            else ""
        )
        styles.append(
            f'<w:style w:type="paragraph" w:styleId="{ids[name]}">'
            f'<w:name w:val="{escape(name)}"/>{numbering}</w:style>'
        )
        if numbered:
            abstracts.append(
                f'<w:abstractNum w:abstractNumId="{index}"><w:lvl w:ilvl="0">'
                f'<w:numFmt w:val="{"decimal" if ordered else "bullet"}"/>'
                f'<w:pStyle w:val="{ids[name]}"/></w:lvl></w:abstractNum>'
            )
            nums.append(
                f'<w:num w:numId="{index}"><w:abstractNumId w:val="{index}"/></w:num>'
            )
    body = "".join(
        "<w:p>"
        + (f'<w:pPr><w:pStyle w:val="{ids[name]}"/></w:pPr>' if name else "")
        + f"<w:r><w:t>{escape(text)}</w:t></w:r></w:p>"
        for name, text in paragraphs
    )
    return zip_bytes(
        {
            **_DOCX_PARTS,
            "word/document.xml": f'<w:document xmlns:w="{_W}"><w:body>{body}'
            "</w:body></w:document>",
            "word/styles.xml": f'<w:styles xmlns:w="{_W}">{"".join(styles)}</w:styles>',
            "word/numbering.xml": f'<w:numbering xmlns:w="{_W}">'
            f"{''.join(abstracts)}{''.join(nums)}</w:numbering>",
        }
    )


def odt_with_list_styles(paragraphs):
    """An ``.odt`` as LibreOffice saves a Word file with list styles: each run
    of paragraphs ``(style display name, text)`` of one list style is a list of
    its own (one level), its paragraphs in an automatic style whose parent is the
    named style; a ``None`` style is a heading."""
    from odf.opendocument import OpenDocumentText
    from odf.style import Style
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    created = {}

    def automatic(display):
        if display not in created:
            name = display.replace(" ", "_20_")
            document.styles.addElement(
                Style(name=name, displayname=display, family="paragraph")
            )
            auto = Style(name=f"P{len(created) + 1}", family="paragraph")
            auto.setAttribute("parentstylename", name)
            document.automaticstyles.addElement(auto)
            created[display] = auto.getAttribute("name")
        return created[display]

    current, current_style = None, object()
    for display, text in paragraphs:
        if display is None:
            document.text.addElement(H(outlinelevel=2, text=text))
            current, current_style = None, object()
            continue
        if display != current_style:
            current, current_style = List(), display
            document.text.addElement(current)
        item = ListItem()
        item.addElement(P(stylename=automatic(display), text=text))
        current.addElement(item)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()
