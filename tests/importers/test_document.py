import hashlib

import pytest

from recaps.importers.document import (
    EditionBuilder,
    Heading,
    Paragraph,
    ParsedEdition,
    SourceError,
    SourceWarning,
    decode,
    edition_number_from,
    finish_editions,
    is_chrome,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Première petite ébullition", 1),
        ("Seconde petite ébullition du Vendredi", 2),
        ("Deuxième édition", 2),
        ("Troisième petite ébullition", 3),
        ("Petite ébullition n°4", 4),
        ("Petite ébullition nº 12", 12),
        ("5e édition des petites ébullitions", 5),
        ("Édition 7", 7),
        ("Retour du 13 novembre 2020", None),
        ("Pour cette dernière petite ébullition", None),
        ("Petite ébullition du 11 décembre", None),
    ],
)
def test_edition_numbers_stated_in_titles(text, number):
    assert edition_number_from(text) == number


@pytest.mark.parametrize(
    ("text", "chrome"),
    [
        ("Partager sur facebook", True),
        ("Facebook", True),
        ("Vous avez aimé cet article ? Partagez-le !", True),
        ("Aller au contenu principal", True),
        ("Comment participer ?", True),
        ("Le partenariat avec les facteurs", False),
    ],
)
def test_site_furniture_is_recognised(text, chrome):
    assert is_chrome(text) is chrome


def _edition(title, sections=True):
    body = [{"type": "text", "heading": "", "text": "<p>x</p>"}] if sections else []
    return ParsedEdition(title=title, sections=body)


def test_finishing_keeps_editions_with_sections_ordered_keyed_and_labelled():
    data = b"le fichier"
    warning = SourceWarning("header_skipped", "2")
    editions = finish_editions(
        [
            _edition("Seconde édition"),
            _edition("Vide", False),
            _edition("Première édition"),
        ],
        data,
        "page.html",
        [warning],
    )
    key = "sha256:" + hashlib.sha256(data).hexdigest()
    assert [e.title for e in editions] == ["Première édition", "Seconde édition"]
    assert [e.source_key for e in editions] == [f"{key}#1", f"{key}#2"]
    assert [e.label for e in editions] == ["page.html #1", "page.html #2"]
    assert [e.edition_number for e in editions] == [1, 2]
    assert editions[0].warnings == [warning] and editions[1].warnings == []


def test_finishing_one_edition_keys_it_by_the_url_given():
    (edition,) = finish_editions([_edition("Une")], b"", "p", [], key="https://a/")
    assert (edition.source_key, edition.label) == ("https://a/", "p")
    (edition,) = finish_editions([_edition("Une")], b"", "p", [], numbered=True)
    assert edition.source_key.endswith("#1")


def test_finishing_without_any_section_is_refused():
    with pytest.raises(SourceError):
        finish_editions([_edition("Vide", False)], b"", "p", [])


def test_the_builder_reads_events_into_editions():
    builder = EditionBuilder()
    (edition,) = builder.read([Heading("Les pépites :"), Paragraph("<p>Une idée</p>")])
    assert edition.sections[0]["type"] == "nuggets"
    assert edition.sections[0]["intro"] == "<p>Une idée</p>"


def test_decode_reads_utf8_or_the_declared_charset_and_refuses_binary():
    assert decode("\ufeffÉté".encode()) == "Été"
    latin = '<meta charset="iso-8859-1"><p>Été</p>'.encode("latin-1")
    assert decode(latin).endswith("<p>Été</p>")
    with pytest.raises(SourceError):
        decode(b"\x00\x01binary")
