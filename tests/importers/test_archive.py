"""The portable archive (``recaps.importers.archive``): export, then an
all-or-nothing restore into an empty site, every refusal named in French.

The commands around it (``export_recaps``, ``import_recaps ARCHIVE``) and the
public site before and after a restore are tested in
tests/management/commands/test_export_recaps.py.
"""

import datetime
import io
import json
import random
import zipfile

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction, Site

from recaps.importers.archive import (
    DOCUMENT,
    VERSION,
    ArchiveError,
    export_archive,
    is_archive,
    read_archive,
    reset_sequences,
    restore_archive,
)
from recaps.models import RecapPage, RecapSeriesPage, Theme
from tests.factories import RecapPageFactory, RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db

#: Themes as editors write them: each keeps that spelling (its label).
THEMES = ["Numérique", "isolement", "Réseau Solidaire", "jardin", "ACCUEIL"]
KINDS = ["highlights", "nuggets", "questions", "resources", "text"]
STATES = ["live", "draft", "changed", "restricted", "unpublished", "scheduled"]


def add_edition(rng, series, number, documents):
    """One edition of ``series`` in a state drawn by ``rng``."""
    state = rng.choice(STATES)
    link = ""
    if documents and rng.random() < 0.5:
        link = f' <a linktype="document" id="{rng.choice(documents).pk}">guide</a>'
    body = [
        section(
            kind,
            f"Section {position}",
            [f"Point {number}.{position}{link}"] if kind != "text" else (),
            intro=f"<p>Texte {number}{link}</p>" if kind == "text" else "",
        )
        for position, kind in enumerate(rng.sample(KINDS, rng.randint(1, 3)))
    ]
    page = RecapPageFactory(
        parent=series,
        edition_number=number,
        publish=state != "draft",
        tags=rng.sample(THEMES, rng.randint(0, 3)),
        body=body,
        summary_easy=rng.choice(["", f"En bref {number}."]),
    )
    page = RecapPage.objects.get(pk=page.pk)
    if state == "changed":
        page.title = f"Brouillon {number}"
        page.save_revision()
    elif state == "restricted":
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=rng.choice(["password", "login", "groups"])
        )
        if restriction.restriction_type == "password":
            restriction.password = "secret"  # noqa: S105
            restriction.save()
        if restriction.restriction_type == "groups":
            restriction.groups.add(
                apps.get_model("auth", "Group").objects.create(name=f"Équipe {number}")
            )
    elif state == "unpublished":
        page.unpublish()
    elif state == "scheduled":
        page.go_live_at = timezone.now() + datetime.timedelta(days=number)
        page.save_revision().publish()


def draw_site(rng, series, root_page):
    """Series with editions in every state, themes and documents."""
    documents = [
        get_document_model().objects.create(
            title=f"Guide {n}", file=ContentFile(rng.randbytes(40), f"guide-{n}.pdf")
        )
        for n in range(rng.randrange(3))
    ]
    every_series = [series]
    every_series += [
        RecapSeriesPageFactory(parent=root_page, title=f"Série {n}", slug=f"serie-{n}")
        for n in range(rng.randrange(2))
    ]
    for each in every_series:
        for number in range(1, rng.randint(2, 5)):
            add_edition(rng, each, number, documents)
    for theme in Theme.objects.filter(name__in=rng.sample(THEMES, 2)):
        theme.description = f"À propos de {theme.name}."
        theme.save()


#: What a restore writes anew: revisions and the home page's place in the tree.
REWRITTEN = {"latest_revision", "live_revision", "path"}


def archive_bytes():
    """An export of the site, as bytes."""
    buffer = io.BytesIO()
    export_archive(buffer)
    return buffer.getvalue()


def entries_of(raw):
    """``(data, files)`` of an archive's bytes."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop(DOCUMENT)), files


def zip_of(entries):
    """A zip holding ``entries`` (name: bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in entries.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def exported():
    """``(data, files)`` of an export of the site, less what a restore writes
    anew."""
    data, files = entries_of(archive_bytes())
    records = [data["home"]] + [
        record for series in data["series"] for record in [series, *series["editions"]]
    ]
    for record in records:
        contents = [record["live_content"]]
        if record["draft"]:
            contents.append(record["draft"]["content"])
        for content in contents:
            for key in REWRITTEN:
                content.pop(key)
    return data, files


def restore(path):
    data, archive = read_archive(path)
    with archive:
        return restore_archive(data, archive)


@pytest.mark.parametrize("seed", range(8))
def test_any_small_site_comes_back_as_it_was(
    series, root_page, tmp_path, empty_site, seed
):
    """Export, empty the site, restore: the next export is the same archive
    (pages and their ids, live content, drafts, states, restrictions, themes,
    documents and their files, the home page and the site)."""
    draw_site(random.Random(seed), series, root_page)
    path = tmp_path / "recaps.zip"
    with path.open("wb") as output:
        counts = export_archive(output)
    before = exported()
    labels = {theme["name"]: theme["label"] for theme in before[0]["themes"]}
    assert labels == {name.lower(): name for name in THEMES if name.lower() in labels}
    empty_site()
    assert restore(path) == counts
    assert exported() == before
    assert dict(Theme.objects.values_list("name", "label")) == labels
    assert Page.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize("microsecond", [0, 412, 999, 1000, 123456])
def test_times_below_the_millisecond_come_back_the_same(
    series, make_edition, tmp_path, empty_site, microsecond
):
    """An edition published at any microsecond, with a draft since, exports,
    restores and exports again to the same archive (CI met a publication at
    ``…:22.000412``: its draft came back as ``…:22Z``, not ``…:22.000Z``)."""
    moment = datetime.datetime(2026, 12, 7, 15, 11, 22, tzinfo=datetime.UTC)
    with time_machine.travel(moment.replace(microsecond=microsecond), tick=False):
        edition = make_edition(edition_number=1)
    edition = RecapPage.objects.get(pk=edition.pk)
    edition.title = "Un brouillon depuis"
    edition.save_revision()
    path = tmp_path / "recaps.zip"
    with path.open("wb") as output:
        export_archive(output)
    before = exported()
    empty_site()
    restore(path)
    assert exported() == before


def test_an_archive_of_version_1_restores_under_the_home_page(
    make_edition, root_page, tmp_path, empty_site
):
    make_edition(edition_number=1, tags=["numérique"])
    data, files = entries_of(archive_bytes())
    del data["home"], data["site"]
    data["version"] = 1
    path = tmp_path / "v1.zip"
    path.write_bytes(zip_of({DOCUMENT: json.dumps(data).encode(), **files}))
    empty_site()
    assert restore(path)["editions"] == 1
    assert RecapSeriesPage.objects.get().get_parent().pk == root_page.pk
    assert Site.objects.get(is_default_site=True).root_page_id == root_page.pk


def test_themes_of_an_archive_without_labels_read_as_their_names(
    make_edition, tmp_path, empty_site
):
    """Archives of version 2 and before hold no ``label``: the restored themes
    read as their names."""
    make_edition(edition_number=1, tags=["Numérique", "Aller Vers"])
    data, files = entries_of(archive_bytes())
    assert {theme["label"] for theme in data["themes"]} == {"Numérique", "Aller Vers"}
    for theme in data["themes"]:
        del theme["label"]
    data["version"] = 2
    path = tmp_path / "v2.zip"
    path.write_bytes(zip_of({DOCUMENT: json.dumps(data).encode(), **files}))
    empty_site()
    assert restore(path)["themes"] == 2
    assert dict(Theme.objects.values_list("name", "label")) == {
        "numérique": "numérique",
        "aller vers": "aller vers",
    }


def test_is_archive_reads_the_zip_signature():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
    assert is_archive(buffer.getvalue()[:4])
    for head in (b"", b"<?xm", b"%PDF", b"PK\x05\x06"):  # the last: an empty zip
        assert not is_archive(head)


# --- refusals: named in French, nothing written --------------------------------


def table_counts():
    """Row counts of every table."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def with_data(entries, change):
    """``entries`` whose ``recaps.json`` went through ``change``."""
    data = json.loads(entries[DOCUMENT])
    change(data)
    return {**entries, DOCUMENT: json.dumps(data).encode()}


def corrupt(raw):
    """``raw`` with a byte of the first member's data flipped: its CRC fails."""
    raw = bytearray(raw)
    raw[60] ^= 0xFF
    return bytes(raw)


def without_files(entries):
    return {DOCUMENT: entries[DOCUMENT]}


#: Damages of an archive and the start of the French message naming each.
DAMAGES = {
    "not a zip": (
        lambda entries: b"PK\x03\x04 pas une archive",
        "archive endommagée (",
    ),
    "a corrupt member": (
        lambda entries: corrupt(zip_of(without_files(entries))),
        "archive endommagée : « recaps.json » est corrompu",
    ),
    "no recaps.json": (
        lambda entries: zip_of({"autre.json": b"{}"}),
        "ce n’est pas une archive de comptes rendus : « recaps.json » est absent",
    ),
    "recaps.json is not JSON": (
        lambda entries: zip_of({DOCUMENT: b"{pas du json"}),
        "archive endommagée : « recaps.json » n’est pas du JSON valide (",
    ),
    "recaps.json is a list": (
        lambda entries: zip_of({DOCUMENT: b"[]"}),
        "ce n’est pas une archive de comptes rendus (format inconnu)",
    ),
    "another format": (
        lambda entries: zip_of(with_data(entries, lambda d: d.update(format="x"))),
        "ce n’est pas une archive de comptes rendus (format inconnu)",
    ),
    "a later version": (
        lambda entries: zip_of(
            with_data(entries, lambda d: d.update(version=VERSION + 1))
        ),
        f"la version {VERSION + 1} de l’archive n’est pas prise en charge",
    ),
    "a label that spells another theme": (
        lambda entries: zip_of(
            with_data(
                entries,
                lambda d: d["themes"].append(
                    {"id": 9, "name": "numérique", "label": "Autre", "slug": "n"}
                ),
            )
        ),
        "archive endommagée : « recaps.json » ne suit pas le format :\n"
        "themes[0].label : « Autre » n’est pas une graphie de « numérique »",
    ),
    "a date that is not one": (
        lambda entries: zip_of(
            with_data(
                entries,
                lambda d: d["series"][0]["editions"][0]["live_content"].update(
                    date="hier"
                ),
            )
        ),
        "archive endommagée : « recaps.json » ne suit pas le format :\n"
        "series[0].editions[0].live_content.date : « hier » n’est pas une date",
    ),
    "a document without its file": (
        lambda entries: zip_of(without_files(entries)),
        "archive endommagée : le fichier du document « Guide » est absent",
    ),
}


@pytest.fixture
def archived(make_edition, empty_site):
    """The entries (name: bytes) of an archive of one edition linking to a
    document; the site emptied since."""
    document = get_document_model().objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4 guide", "guide.pdf")
    )
    link = f'<a linktype="document" id="{document.pk}">le guide</a>'
    make_edition(edition_number=1, body=[section("nuggets", "P", [link])])
    data, files = entries_of(archive_bytes())
    empty_site()
    return {DOCUMENT: json.dumps(data).encode(), **files}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_archive_is_named_in_french_before_anything_is_written(
    archived, tmp_path, damage
):
    make, message = DAMAGES[damage]
    path = tmp_path / "endommagee.zip"
    path.write_bytes(make(archived))
    before = table_counts()
    with pytest.raises(ArchiveError) as refused:
        read_archive(path)
    assert str(refused.value).startswith(message)
    assert table_counts() == before


def files_on_disk():
    _folders, names = default_storage.listdir("documents")
    return sorted(names)


def refused_restore(path, message):
    """Restoring ``path`` is refused with ``message``: nothing written, no
    file left behind."""
    before, files = table_counts(), files_on_disk()
    with pytest.raises(ArchiveError) as refused:
        restore(path)
    assert str(refused.value) == message
    assert table_counts() == before
    assert files_on_disk() == files


def test_a_site_with_series_is_refused(archived, root_page, tmp_path):
    RecapSeriesPageFactory(parent=root_page, title="Déjà là", slug="deja-la")
    path = tmp_path / "recaps.zip"
    path.write_bytes(zip_of(archived))
    refused_restore(
        path, "le site a déjà des séries ou des éditions : restaurez dans un site vide"
    )


def test_a_site_without_default_site_is_refused(archived, tmp_path):
    path = tmp_path / "recaps.zip"
    path.write_bytes(zip_of(archived))
    Site.objects.all().delete()
    refused_restore(path, "aucun site par défaut où restaurer")


def test_a_document_already_there_is_refused_and_no_file_is_left(archived, tmp_path):
    # A document restored first, then the archive's own, whose id is taken.
    other = "documents/999/autre.pdf"
    archived[other] = b"%PDF-1.4 autre"

    def add_document(data):
        [entry] = data["documents"]
        data["documents"] = [{**entry, "id": 999, "file": other}, entry]

    archived = with_data(archived, add_document)
    path = tmp_path / "recaps.zip"
    path.write_bytes(zip_of(archived))
    taken = json.loads(archived[DOCUMENT])["documents"][1]["id"]
    get_document_model().objects.create(
        pk=taken, title="Déjà là", file=ContentFile(b"%PDF-1.4", "deja.pdf")
    )
    refused_restore(
        path, f"le document {taken} existe déjà : restaurez dans un site vide"
    )


def test_a_home_page_with_children_is_refused(archived, root_page, tmp_path):
    root_page.add_child(instance=Page(title="Contact", slug="contact"))
    path = tmp_path / "recaps.zip"
    path.write_bytes(zip_of(archived))
    refused_restore(
        path,
        "le site a déjà des pages sous sa page d’accueil : restaurez dans un site vide",
    )


def test_a_page_id_already_taken_is_refused(archived, root_page, tmp_path):
    taken = Page.get_first_root_node().add_child(
        instance=Page(title="Ailleurs", slug="ailleurs")
    )

    def take_the_series_id(data):
        # Version 1: restored under the current home page, which stays.
        del data["home"], data["site"]
        data["version"] = 1
        data["series"][0]["id"] = taken.pk

    path = tmp_path / "recaps.zip"
    path.write_bytes(zip_of(with_data(archived, take_the_series_id)))
    refused_restore(
        path, f"la page {taken.pk} existe déjà : restaurez dans un site vide"
    )


def test_sequences_move_past_restored_ids():
    """A row inserted with its id leaves PostgreSQL's sequence behind until
    ``reset_sequences`` (SQLite follows the highest id by itself)."""
    restored = Theme.objects.create(pk=5000, name="restaurée")
    reset_sequences({Theme._meta.db_table, "une_table_inconnue"})
    assert Theme.objects.create(name="nouvelle").pk > restored.pk
