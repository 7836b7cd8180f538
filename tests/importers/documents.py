"""The office documents and e-mail of tests/importers/data/documents, and the demo
edition they rebuild."""

import io
import struct
import zipfile
from pathlib import Path

import yaml
from django.utils.html import strip_tags

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
