"""``import_recaps FILE.docx|FILE.odt``: office documents on the command line."""

import io
import shutil
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from recaps.models import RecapPage
from tests.importers.documents import (
    DOCX,
    ENCRYPTED_ODT,
    LINK_URL,
    ODT,
    demo_edition,
    encrypted_docx,
    sections_as_text,
)

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_recaps", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def state():
    return Page.objects.count(), Revision.objects.count()


def stored_sections(page):
    return [
        {
            "type": child.block_type,
            "items": [
                {
                    "text": item["text"].source,
                    "children": [{"text": c["text"].source} for c in item["children"]],
                }
                for item in child.value.get("items") or []
            ]
            if hasattr(child.value, "get")
            else [],
        }
        for child in page.body
    ]


@pytest.mark.parametrize("path", [DOCX, ODT], ids=lambda p: p.suffix)
def test_document_imported_as_a_draft(series, path):
    output = run(path, "--series", series.slug, "--draft")
    page = RecapPage.objects.child_of(series).get()
    assert not page.live
    demo = demo_edition(1)
    assert page.title == demo["title"]
    assert [child.block_type for child in page.body] == [
        "image",
        "highlights",
        "feedback",
        "resources",
    ]
    assert sections_as_text(stored_sections(page)) == sections_as_text(demo["body"])
    assert [link["url"] for link in page.body[3].value["links"]] == [LINK_URL]
    assert get_image_model().objects.filter(pk=page.body[0].value["image"].pk).exists()
    assert "1 image" in output


@pytest.mark.parametrize("path", [DOCX, ODT], ids=lambda p: p.suffix)
def test_document_published_and_imported_again_unchanged(series, path, tmp_path):
    run(path, "--series", series.slug, "--publish")
    page = RecapPage.objects.child_of(series).get()
    assert page.live
    before = state()
    # Same content under another name: the same edition, left alone.
    copy = tmp_path / f"copie{path.suffix}"
    shutil.copy(path, copy)
    run(copy, "--series", series.slug, "--publish")
    assert state() == before
    assert get_image_model().objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("mot-de-passe.docx", encrypted_docx(), "protégé par un mot de passe"),
        ("mot-de-passe.odt", ENCRYPTED_ODT.read_bytes(), "protégé par un mot de passe"),
        ("vide.docx", b"", "fichier vide"),
        ("faux.docx", b"PK\x03\x04 rien", "endommagé"),
        ("tableur.ods", None, "pas un document texte"),
    ],
    ids=["encrypted-docx", "encrypted-odt", "empty", "damaged", "spreadsheet"],
)
def test_bad_document_exits_naming_it_and_changes_nothing(
    series, tmp_path, name, content, message
):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(
                "mimetype", "application/vnd.oasis.opendocument.spreadsheet"
            )
    else:
        path.write_bytes(content)
    before = state()
    with pytest.raises(CommandError, match=message) as error:
        run(path, "--series", series.slug, "--draft")
    assert name in str(error.value)
    assert state() == before


def test_too_large_document_is_refused(series, settings):
    settings.RECAPS_IMPORT_MAX_MB = 0.001
    before = state()
    with pytest.raises(CommandError, match="fichier trop gros"):
        run(DOCX, "--series", series.slug)
    assert state() == before
    with pytest.raises(CommandError, match="fichier trop gros"):
        run(ODT, "--series", series.slug, "--max-size", "0")  # 0: the setting
    assert state() == before
