"""Word and OpenDocument files read through the importer's one HTML reader."""

import pytest

from recaps.importers.document import SourceError, themes_in_text
from recaps.importers.office import DOCX, ODT, office_format, parse_office, read_office
from recaps.importers.sources import detect_format, parse_document
from tests.importers.documents import (
    DOCX as DOCX_FILE,
)
from tests.importers.documents import (
    EMAIL,
    ENCRYPTED_ODT,
    LINK_URL,
    demo_edition,
    docx_with_styles,
    encrypted_docx,
    odt_with_list_styles,
    odt_with_picture_renamed,
    sections_as_text,
    text,
    zip_bytes,
)
from tests.importers.documents import (
    ODT as ODT_FILE,
)

SAMPLES = [DOCX_FILE, ODT_FILE]


def test_samples_are_small_real_documents():
    for path in [*SAMPLES, EMAIL, ENCRYPTED_ODT]:
        assert path.stat().st_size < 100_000
    assert office_format(DOCX_FILE.read_bytes()) == DOCX
    assert office_format(ODT_FILE.read_bytes()) == ODT


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.suffix)
def test_document_rebuilds_the_demo_edition(path):
    (edition,), images = parse_office(path.read_bytes(), name=path.name)
    demo = demo_edition(1)
    assert edition.title == demo["title"]
    assert text(edition.intro) == text(demo["intro"])
    kinds = [section["type"] for section in edition.sections]
    assert kinds == ["image", *[section["type"] for section in demo["body"]]]
    assert sections_as_text(edition.sections) == sections_as_text(demo["body"])
    # The resources section: the one link of the document, title and description.
    (link,) = edition.sections[-1]["links"]
    assert link["url"] == LINK_URL
    assert link["title"] == "Le site ressource de la Fédération"
    assert link["description"].startswith("textes officiels")
    # The image is kept apart, to become a Wagtail image.
    image = edition.sections[0]
    assert image["src"] in images
    name, content = images[image["src"]]
    assert content.startswith(b"\x89PNG") and name.endswith(".png")


def test_odt_image_keeps_its_alternative_text():
    (edition,), _images = parse_office(ODT_FILE.read_bytes())
    assert edition.sections[0]["alt"] == "Les participants en visio-conférence"


def test_pasted_email_is_one_edition_with_its_greeting_as_intro():
    (edition,), images, kind = parse_document(EMAIL.read_bytes(), "mail", page=False)
    demo = demo_edition(1)
    assert kind == "text" and images == {}
    assert "Bonjour à toutes et à tous," in text(edition.intro)
    assert text(demo["intro"]) in text(edition.intro)
    assert sections_as_text(edition.sections) == sections_as_text(demo["body"])
    assert edition.sections[2]["links"][0]["url"] == LINK_URL
    # The signature is no part of a section: kept as free text.
    assert edition.sections[-1]["type"] == "text"
    assert "Maxime" in edition.sections[-1]["text"]


def test_same_document_same_key_whatever_its_name():
    data = DOCX_FILE.read_bytes()
    first = parse_office(data, name="a.docx")[0][0]
    second = parse_office(data, name="b.docx")[0][0]
    assert first.source_key == second.source_key.replace("b.docx", "a.docx")
    assert first.source_key.startswith("sha256:")


def test_detect_format_tells_documents_from_their_content():
    assert detect_format(DOCX_FILE.read_bytes()[:4]) == "office"
    assert detect_format(encrypted_docx()) == "office"
    assert detect_format(b"<h2>Les pepites</h2>") == "html"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encrypted_docx(), "protégé par un mot de passe"),
        (ENCRYPTED_ODT.read_bytes(), "protégé par un mot de passe"),
        (b"PK\x03\x04 not really a zip", "document endommagé"),
        (zip_bytes({"photo.jpg": b"x"}), "fichier zip qui n’est pas un document Word"),
        (
            zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "pas un document texte",
        ),
        (
            zip_bytes({"[Content_Types].xml": b"<Types>spreadsheetml</Types>"}),
            "pas un document Word",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "ancien document Word"),
    ],
    ids=["encrypted-docx", "encrypted-odt", "damaged", "zip", "ods", "xlsx", "doc"],
)
def test_bad_documents_are_refused_naming_the_problem(data, message):
    with pytest.raises(SourceError, match=message):
        read_office(data)


def test_zip_bomb_is_refused():
    data = zip_bytes(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b" " * 5_000_000,
        }
    )
    with pytest.raises(SourceError, match="trop volumineux une fois décompressé"):
        read_office(data, max_bytes=1_000_000)


def test_empty_source_is_refused():
    with pytest.raises(SourceError, match="fichier vide"):
        parse_document(b"  \n", "vide.txt")


def test_themes_are_found_as_whole_words_folded():
    found = themes_in_text(
        "Le “Aller-Vers”, la Santé mentale et le numérique.",
        ["aller-vers", "santé mentale", "numérique", "num", "isolement"],
    )
    assert found == ["aller-vers", "santé mentale", "numérique"]


def test_themes_are_found_whatever_the_ending():
    found = themes_in_text(
        "Des personnes âgées isolées, des outils numériques.",
        ["personne âgée", "isolement", "numérique", "jeunes", "logement"],
    )
    assert found == ["personne âgée", "isolement", "numérique"]


def test_image_in_a_format_the_site_cannot_show_is_reported():
    (edition,), images = parse_office(odt_with_picture_renamed(".wmf"))
    assert images == {}
    assert [section["type"] for section in edition.sections][0] == "highlights"
    (warning,) = [w for w in edition.warnings if w.kind == "embedded_image"]
    assert warning.detail.endswith(".wmf")
    assert "laissée de côté" in str(warning.message())


#: A recap whose sub-points are made with list styles, not with Tab.
STYLED_LIST = [
    (None, "Ce qui a été partagé :"),
    ("List Bullet", "Des interrogations partagées"),
    ("List Bullet 2", "Comment repérer les personnes en fragilité ?"),
    ("List Bullet 3", "Celles qui ne sont pas dans nos radars"),
    ("List Bullet", "Des contextes différents"),
    ("Liste à puces 2", "Selon les collectivités"),
    ("Liste à puces 2", "Selon les quartiers"),
    ("Liste à puces 3", "Bottière et Pin Sec"),
    ("List Number", "Premier temps"),
    ("List Number 2", "Témoignages"),
    ("Liste numéro 2", "Questions"),
    ("Liste numéro 3", "Réponses"),
]


def styled_list_document(kind):
    if kind == "docx":
        return docx_with_styles(
            [(name or "heading 2", text) for name, text in STYLED_LIST]
        )
    return odt_with_list_styles(STYLED_LIST)


def nesting(html):
    """``[(text, depth)]`` of the list items of ``html``, in document order."""
    from bs4 import BeautifulSoup

    return [
        (item.find(string=True, recursive=False).strip(), len(item.find_parents("li")))
        for item in BeautifulSoup(html, "html.parser").find_all("li")
    ]


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_list_styles_give_the_nesting_they_name(kind):
    """“List Bullet 2”, “Liste à puces 3”, “List Number 2”… nest their paragraph
    under the previous point, as deep as the style's number says (Word numbers
    them as the first level of separate lists)."""
    html = read_office(styled_list_document(kind)).html
    expected = []
    for name, line in STYLED_LIST[1:]:
        level = int(name.rsplit(" ", 1)[1]) - 1 if name[-1].isdigit() else 0
        expected.append((line, level))
    assert nesting(html) == expected


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_styled_sub_points_are_sub_points_of_the_edition(kind):
    (edition,), _images = parse_office(styled_list_document(kind), name=f"cr.{kind}")
    (section,) = edition.sections
    assert [
        (text(item["text"]), [text(child["text"]) for child in item["children"]])
        for item in section["items"]
    ] == [
        (
            "Des interrogations partagées",
            [
                "Comment repérer les personnes en fragilité ?",
                "Celles qui ne sont pas dans nos radars",
            ],
        ),
        (
            "Des contextes différents",
            ["Selon les collectivités", "Selon les quartiers", "Bottière et Pin Sec"],
        ),
        ("Premier temps", ["Témoignages", "Questions", "Réponses"]),
    ]


def test_bullet_indented_with_tab_keeps_its_level():
    """The depth-1 styles keep mammoth's reading of the numbering level."""
    html = read_office(DOCX_FILE.read_bytes()).html
    assert any(depth == 1 for _text, depth in nesting(html))
