"""The ``import_recaps`` command: writing, idempotence, safety and the report."""

import datetime
import io
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext
from wagtail.models import Page, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from recaps.blocks import html_to_text
from recaps.models import RecapPage, RecapPageTag, RecapSeriesPage, Theme
from recaps.sections import section_rows
from tests.importers.helpers import build_wxr, recap_html, wxr_item
from tests.readiness import EDITION_TABLES, Upkeep

ROOT = Path(__file__).resolve().parents[3]
LEGACY = ROOT / "tests" / "importers" / "data" / "legacy-page.txt"
HTML_PAGE = ROOT / "tests" / "importers" / "data" / "recap-page.html"
DEMO = ROOT / "home" / "demo_data" / "petites-ebullitions.yaml"
DEMO_DATES = "2020-11-13,2020-11-20,2020-12-11"

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_recaps", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def counts():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "themes": Theme.objects.count(),
        "tagged": RecapPageTag.objects.count(),
        "search": IndexEntry.objects.count(),
        "references": ReferenceIndex.objects.count(),
    }


def editions(series):
    return list(RecapPage.objects.child_of(series).order_by("edition_number"))


def plain(text):
    return " ".join(str(text or "").split()).rstrip(" :")


# --- the legacy page and the demo content -----------------------------------


def test_legacy_text_matches_the_demo_content(series):
    output = run(LEGACY, "--series", series.slug, "--dates", DEMO_DATES)
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["editions"]
    pages = editions(series)
    assert [p.edition_number for p in pages] == [e["edition_number"] for e in demo]
    assert [p.date for p in pages] == [e["date"] for e in demo]
    total = 0
    for page, expected in zip(pages, demo, strict=True):
        assert plain(page.intro_text) == plain(html_to_text(expected["intro"]))
        sections = page.public_sections()
        # The legacy text's sections with nothing under their heading (its
        # lost resource lists) are imported but shown nowhere; the demo data
        # leaves them out.
        body = expected["body"]
        assert all(
            s.get("items") or s.get("links") or s.get("intro") or s.get("text")
            for s in body
        )
        assert len(page.body) == len(body) + 1
        assert [s.type for s in sections] == [s["type"] for s in body]
        assert [plain(s.intro_text) for s in sections] == [
            plain(html_to_text(s.get("intro") or s.get("text"))) for s in body
        ]
        for section, expected_section in zip(sections, body, strict=True):
            expected_items = expected_section.get("items") or []
            assert [plain(i["text"]) for i in section.items] == [
                plain(html_to_text(i["text"])) for i in expected_items
            ]
            assert [len(i["children"]) for i in section.items] == [
                len(i.get("children") or []) for i in expected_items
            ]
        assert page.item_count() == sum(
            1 + len(i.get("children") or [])
            for s in expected["body"]
            for i in s.get("items") or []
        )
        total += page.item_count()
    assert total == 61
    assert [p.item_count() for p in pages] == [9, 14, 38]
    assert "Editions created: 3" in output or "Éditions créées : 3" in output


def test_legacy_text_reimport_changes_nothing(series):
    run(LEGACY, "--series", series.slug, "--dates", DEMO_DATES)
    first = {p.import_source: p.pk for p in editions(series)}
    revisions = Revision.objects.count()
    output = run(LEGACY, "--series", series.slug)
    again = {p.import_source: p.pk for p in editions(series)}
    assert again == first
    assert Revision.objects.count() == revisions
    # Dates given the first time are kept when the source has none.
    assert [p.date for p in editions(series)] == [
        datetime.date(2020, 11, 13),
        datetime.date(2020, 11, 20),
        datetime.date(2020, 12, 11),
    ]
    assert "unchanged: 3" in output or "inchangées : 3" in output


def test_text_without_dates_gets_consecutive_fridays(series, tmp_path):
    source = tmp_path / "legacy.txt"
    source.write_bytes(LEGACY.read_bytes())
    friday = datetime.datetime(2020, 12, 12, 12, 0).timestamp()  # a Saturday
    os.utime(source, (friday, friday))
    run(source, "--series", series.slug)
    assert [p.date for p in editions(series)] == [
        datetime.date(2020, 11, 27),
        datetime.date(2020, 12, 4),
        datetime.date(2020, 12, 11),
    ]


# --- WordPress exports ---------------------------------------------------------


def test_wxr_posts_become_editions_with_themes_and_status(series, wxr_file):
    output = run(wxr_file, "--series", series.slug)
    pages = editions(series)
    assert [p.title for p in pages] == [
        "Première petite ébullition",
        "Seconde petite ébullition",
        "Retour du vendredi",
    ]
    first, second, third = pages
    assert first.live and second.live
    assert not third.live and third.has_unpublished_changes
    assert second.slug == "seconde-petite-ebullition"
    assert second.date == datetime.date(2020, 11, 20)
    assert sorted(t.name for t in second.tags.all()) == [
        "isolement",
        "numérique",
        "réseau",
    ]
    # The series' own category and WordPress' default category are not themes.
    assert list(first.tags.all()) == []
    assert [s.type for s in second.public_sections()] == ["highlights", "reflections"]
    # A draft is not in the public index: read its content as the index would.
    links = section_rows(third.get_latest_revision_as_object())[-1].links
    assert links[0]["url"] == "https://www.conseiller-numerique.gouv.fr/"
    body = str(third.get_latest_revision_as_object().body.raw_data)
    assert "<script" not in body and "javascript" not in body
    assert "skipped: 1" in output or "ignorées : 1" in output


def test_wxr_reimport_respects_flags_and_leaves_unchanged_editions(series, wxr_file):
    run(wxr_file, "--series", series.slug)
    pks = [p.pk for p in editions(series)]
    pages_before = Page.objects.count()
    # The draft of the source gets published; the others are left alone.
    output = run(wxr_file, "--series", series.slug, "--publish")
    assert "unchanged: 2" in output or "inchangées : 2" in output
    assert Page.objects.count() == pages_before
    assert [p.pk for p in editions(series)] == pks
    assert all(p.live and not p.has_unpublished_changes for p in editions(series))
    revisions = Revision.objects.count()
    # Nothing changed in the source: asking for drafts writes nothing.
    run(wxr_file, "--series", series.slug, "--draft")
    assert Revision.objects.count() == revisions
    assert RecapPage.objects.published().child_of(series).count() == 3


def test_imported_editions_are_searchable(series, wxr_file):
    run(wxr_file, "--series", series.slug)
    found = RecapPage.objects.child_of(series).search("repérer personnes")
    assert len(found) == 3
    run(wxr_file, "--series", series.slug)
    assert (
        IndexEntry.objects.filter(
            object_id__in=[str(p.pk) for p in editions(series)]
        ).count()
        == 3
    )


def test_html_page_is_imported(series):
    run(HTML_PAGE, "--series", series.slug)
    [page] = editions(series)
    assert page.title == "Petite ébullition n°4"
    assert page.edition_number == 4
    assert page.import_source == "https://www.centres-sociaux-44.fr/ebullition-4/"
    assert [s.type for s in page.public_sections()] == [
        "highlights",
        "text",
        "resources",
        "text",
    ]


def test_html_fragment_is_read_as_html(series, tmp_path):
    fragment = tmp_path / "fragment.html"
    fragment.write_text(
        "<h3>Les pépites</h3><ul><li><b>Une</b> idée</li></ul>", encoding="utf-8"
    )
    run(fragment, "--series", series.slug, "--dates", "2021-01-08")
    [page] = editions(series)
    [section] = page.public_sections()
    assert section.type == "nuggets"
    assert section.items[0]["html"] == "<p><b>Une</b> idée</p>"


def test_detect_format():
    from recaps.management.commands.import_recaps import detect_format

    assert detect_format(build_wxr([]).encode()[:4096]) == "wxr"
    assert detect_format(b'\xef\xbb\xbf<?xml version="1.0"?><feed/>') == "xml"
    assert detect_format(b"<!DOCTYPE html><html>") == "html"
    assert detect_format(b"  <p>Bonjour</p>") == "html"
    assert detect_format("Retour sur...\n  • un point".encode()) == "text"
    # WordPress.com exports open with a long comment and use https namespaces.
    assert detect_format(THEME_UNIT_TEST.read_bytes()[:65536]) == "wxr"


# --- the target series ----------------------------------------------------------


def test_missing_series_is_created_under_the_site_root(root_page, wxr_file):
    output = run(wxr_file, "--series", "archives")
    series = RecapSeriesPage.objects.get(slug="archives")
    assert series.get_parent().pk == root_page.pk
    assert series.title == "Fédération des Centres Sociaux 44"
    assert RecapPage.objects.child_of(series).count() == 3
    assert "archives" not in output or series.title in output


def test_series_is_required_when_ambiguous(series, root_page, wxr_file):
    other = root_page.add_child(instance=RecapSeriesPage(title="Autre", slug="autre"))
    before = counts()
    with pytest.raises(CommandError):
        run(wxr_file)
    assert counts() == before
    run(wxr_file, "--series", other.slug)
    assert RecapPage.objects.child_of(other).count() == 3


# --- safety -------------------------------------------------------------------------


MALFORMED = {
    "broken.xml": build_wxr([wxr_item("Première", recap_html(1), "g1")])[:-30].encode(),
    "bomb.xml": (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&b;'
        b"</title></channel></rss>"
    ),
    "latin1.xml": build_wxr([wxr_item("Première", recap_html(1), "g1")])
    .replace("Première", "Premi\udce8re")
    .encode("utf-8", "surrogateescape"),
    "pages-only.xml": build_wxr(
        [wxr_item("Mentions", recap_html(1), "g1", post_type="page")]
    ).encode(),
    "not-wordpress.xml": b'<?xml version="1.0"?><feed><entry/></feed>',
    "letter.txt": b"Bonjour,\nvoici une lettre sans compte rendu.\n",
    "latin1.txt": "Ce qui a été partagé :\n  - un élan\n".encode("latin-1"),
    "binary.bin": bytes(range(256)) * 4,
    "empty.txt": b"",
    "blank.html": b"   \n",
    "page.html": b"<html><body><p>Accueil du site</p></body></html>",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_input_changes_nothing(series, tmp_path, wxr_file, name):
    run(wxr_file, "--series", series.slug)
    before = counts()
    bad = tmp_path / name
    bad.write_bytes(MALFORMED[name])
    with pytest.raises(CommandError) as error:
        # The good file comes first: its updates must be rolled back too.
        run(wxr_file, LEGACY, bad, "--series", series.slug)
    assert name in str(error.value)
    assert counts() == before


def test_missing_file_is_named(series):
    before = counts()
    with pytest.raises(CommandError, match="nowhere.xml"):
        run(LEGACY, "nowhere.xml", "--series", series.slug)
    assert counts() == before


def test_failure_while_writing_rolls_everything_back(series, wxr_file, monkeypatch):
    from recaps.importers import writer

    calls = []
    original = writer.EditionWriter.write

    def failing(self, edition):
        calls.append(edition)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(self, edition)

    monkeypatch.setattr(writer.EditionWriter, "write", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        run(wxr_file, "--series", series.slug)
    assert counts() == before


def test_dry_run_writes_nothing_but_reports(series, wxr_file):
    before = counts()
    output = run(wxr_file, LEGACY, "--series", series.slug, "--dry-run")
    assert counts() == before
    assert "6" in output
    assert "highlights" in output


def test_dry_run_does_not_create_the_series(root_page, wxr_file):
    before = counts()
    run(wxr_file, "--series", "nouvelle", "--dry-run")
    assert counts() == before
    assert not RecapSeriesPage.objects.filter(slug="nouvelle").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_written_tables_are_ready_once_committed(series, wxr_file):
    upkeep = Upkeep()
    run(wxr_file, "--series", series.slug)
    upkeep.assert_ready(EDITION_TABLES, gin_tables=["wagtailsearch_indexentry"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dry_run_leaves_the_tables_to_autovacuum(series, wxr_file, monkeypatch):
    from recaps import db

    made_ready = []
    monkeypatch.setattr(db, "make_ready", made_ready.append)
    run(wxr_file, "--series", series.slug, "--dry-run")
    assert made_ready == []
    run(wxr_file, "--series", series.slug)
    assert set(EDITION_TABLES) <= set(made_ready[0])


def test_report_lists_items_per_kind_and_warnings(series):
    output = run(HTML_PAGE, "--series", series.slug)
    assert "(highlights): 4" in output
    assert "Programme de la journée" in output


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(series, wxr_file):
    piped, terminal = io.StringIO(), Terminal()
    call_command("import_recaps", str(wxr_file), "--series", series.slug, stderr=piped)
    call_command(
        "import_recaps", str(wxr_file), "--series", series.slug, stderr=terminal
    )
    assert piped.getvalue() == ""
    assert "3/3" in terminal.getvalue() and "#" in terminal.getvalue()


def test_bad_dates_option(series):
    with pytest.raises(CommandError, match="--dates"):
        run(LEGACY, "--series", series.slug, "--dates", "2020-11-13")
    with pytest.raises(CommandError, match="--dates"):
        run(LEGACY, "--series", series.slug, "--dates", "hier")


def test_search_index_is_updated_once_at_the_end_and_not_in_a_dry_run(
    series, wxr_file, monkeypatch
):
    from recaps import bulk_pages

    calls = []

    class Backend:
        def add_bulk(self, model, objects):
            calls.append(sorted(page.title for page in objects))

    monkeypatch.setattr(bulk_pages, "get_search_backends", lambda **kwargs: [Backend()])
    run(wxr_file, "--series", series.slug, "--dry-run")
    assert calls == []
    run(wxr_file, "--series", series.slug)
    assert calls == [
        [
            "Première petite ébullition",
            "Retour du vendredi",
            "Seconde petite ébullition",
        ]
    ]


# --- real WordPress exports, media, re-imports, report ---------------------------

WORDPRESS = ROOT / "tests" / "importers" / "data" / "wordpress"
FRENCH = WORDPRESS / "recaps-gutenberg-fr.xml"
THEME_UNIT_TEST = WORDPRESS / "theme-unit-test-data.xml"


@pytest.fixture
def uploads(tmp_path):
    """A copy of wp-content/uploads holding the French export's image and PDF."""
    from PIL import Image as PillowImage

    folder = tmp_path / "uploads" / "2020" / "11"
    folder.mkdir(parents=True)
    PillowImage.new("RGB", (40, 30), "orange").save(folder / "groupe.png")
    (folder / "guide.pdf").write_bytes(b"%PDF-1.4\n% guide\n%%EOF\n")
    return tmp_path / "uploads"


def by_title(series, title):
    return RecapPage.objects.child_of(series).get(title=title)


def test_uploads_become_images_and_documents_deduplicated(series, uploads, client):
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    output = run(FRENCH, "--series", series.slug, "--uploads", uploads)
    # The same file, in three sizes and two posts, is one image.
    assert Image.objects.count() == 1 and Document.objects.count() == 1
    image, document = Image.objects.get(), Document.objects.get()
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    raw = fifth.body.raw_data
    [image_block] = [block for block in raw if block["type"] == "image"]
    assert image_block["value"] == {
        "image": image.pk,
        "alt": "Vingt visages dans une visio",
        "caption": "La visio du 8 janvier",
    }
    resources = next(block for block in raw if block["type"] == "resources")
    links = [link["value"] for link in resources["value"]["links"]]
    assert links[-1]["document"] == document.pk and links[-1]["title"] == (
        "Guide de l’accueil"
    )
    sixth = by_title(series, "Petite ébullition n°6")
    assert [b["type"] for b in sixth.body.raw_data].count("image") == 2
    response = client.get(fifth.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'alt="Vingt visages dans une visio"' in html
    assert "<figcaption>La visio du 8 janvier</figcaption>" in html
    assert '<th scope="col">Centre</th>' in html
    assert "  horaires :\n    9h  accueil" in html
    assert "https://www.youtube.com/watch?v=abc123" in html
    assert '<ol start="3">' in html and "<blockquote>" in html
    assert "3 image(s), 1 document(s)" in output or "3 image(s), 1 document(s)" in (
        output.replace("\u202f", " ")
    )
    # Re-importing finds the same files: no new image or document.
    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    assert Image.objects.count() == 1 and Document.objects.count() == 1


def media_files():
    """Every file under MEDIA_ROOT."""
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return (
        {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()
    )


def test_a_dry_run_leaves_no_media_file(series, uploads):
    """The database forgets the dry run's images and documents; so does the
    media folder."""
    before = media_files()
    output = run(FRENCH, "--series", series.slug, "--uploads", uploads, "--dry-run")
    assert "1 document(s)" in output.replace("\u202f", " ")
    assert media_files() == before


def test_a_failed_import_leaves_no_media_file(series, uploads, monkeypatch):
    from recaps.importers import writer

    original = writer.EditionWriter.finish

    def failing(self):
        assert self.media.created  # the files were stored before the failure
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer.EditionWriter, "finish", failing)
    before, rows = media_files(), counts()
    with pytest.raises(RuntimeError):
        run(FRENCH, "--series", series.slug, "--uploads", uploads)
    assert media_files() == before and counts() == rows
    monkeypatch.setattr(writer.EditionWriter, "finish", original)
    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    assert len(media_files() - before) >= 2  # kept when the import commits


def test_without_uploads_media_stay_links_and_are_counted(series, tmp_path):
    from wagtail.images.models import Image

    report = tmp_path / "report.json"
    run(FRENCH, "--series", series.slug, "--report", report)
    assert Image.objects.count() == 0
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    text = " ".join(block["value"].get("text", "") for block in fifth.body.raw_data)
    assert "uploads/2020/11/groupe-1024x576.png" in text
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["media"] == {"images": 0, "documents": 0, "links": 4}
    kinds = Counter()
    for row in data["warnings"]:
        kinds[row["kind"]] += row["count"]
    assert kinds["media_link"] == 4


def test_report_names_versions_statuses_and_groups_warnings(series, tmp_path):
    report = tmp_path / "report.json"
    output = run(FRENCH, "--series", series.slug, "--report", report)
    assert "WXR 1.2" in output and "6.4.2" in output
    data = json.loads(report.read_text(encoding="utf-8"))
    [source] = data["sources"]
    assert (source["wxr_version"], source["wordpress_version"]) == ("1.2", "6.4.2")
    assert source["other_items"] == {"attachment": 1}
    assert data["counts"] == {"created": 2, "skipped": 1}
    skipped = [e for e in data["editions"] if e["status"] == "skipped"]
    assert skipped == [
        {
            "status": "skipped",
            "edition": "Nos questions du moment (item 4)",
            "reason": gettext("fewer than two headings naming a section kind"),
        }
    ]
    rows = {(row["kind"], row["detail"]): row for row in data["warnings"]}
    unknown = rows[("unknown_heading", "Programme de la matinée")]
    assert unknown["count"] == 1
    assert rows[("shortcode", "contact-form-7")]["editions"] == [
        "Petite ébullition n°6 (item 3)"
    ]
    run(FRENCH, "--series", series.slug, "--report", report)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["counts"] == {"unchanged": 2, "skipped": 1}


def test_unknown_headings_are_reported_once_with_a_count(series, tmp_path):
    posts = [
        wxr_item(
            f"Petite ébullition n°{n}",
            recap_html(n, "<h3>Programme</h3><p>Accueil</p>"),
            f"g{n}",
        )
        for n in (1, 2, 3)
    ]
    source = tmp_path / "export.xml"
    source.write_text(build_wxr(posts), encoding="utf-8")
    output = run(source, "--series", series.slug)
    lines = [line for line in output.splitlines() if "Programme" in line]
    assert len(lines) == 1 and "3×" in lines[0]


def test_unchanged_reimport_keeps_revisions_dates_and_etags(series, client):
    run(FRENCH, "--series", series.slug)
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    url = f"/api/v1/recaps/{fifth.pk}/"
    etag = client.get(url)["ETag"]
    page_etag = client.get(fifth.url).get("ETag")
    before = (
        Revision.objects.count(),
        fifth.last_published_at,
        fifth.latest_revision_created_at,
        fifth.live_revision_id,
    )
    output = run(FRENCH, "--series", series.slug)
    fifth.refresh_from_db()
    assert (
        Revision.objects.count(),
        fifth.last_published_at,
        fifth.latest_revision_created_at,
        fifth.live_revision_id,
    ) == before
    assert client.get(url)["ETag"] == etag
    assert client.get(fifth.url).get("ETag") == page_etag
    assert "unchanged: 2" in output or "inchangées : 2" in output


def test_changed_post_gets_a_new_revision(series, tmp_path):
    run(FRENCH, "--series", series.slug)
    changed = tmp_path / "changed.xml"
    changed.write_text(
        FRENCH.read_text(encoding="utf-8").replace("Un jardin partagé", "Un verger"),
        encoding="utf-8",
    )
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    revision = fifth.live_revision_id
    output = run(changed, "--series", series.slug)
    fifth.refresh_from_db()
    assert fifth.live_revision_id != revision
    assert "Un verger" in str(fifth.body.raw_data)
    assert "updated: 1" in output or "mises à jour : 1" in output


def test_editions_edited_in_the_admin_are_kept_unless_overwrite(
    series, tmp_path, django_user_model
):
    run(FRENCH, "--series", series.slug)
    editor = django_user_model.objects.create_user("editrice", password="x")
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    draft = fifth.get_latest_revision_as_object()
    draft.intro = "<p>Réécrit par l’équipe.</p>"
    draft.save_revision(user=editor)
    changed = tmp_path / "changed.xml"
    changed.write_text(
        FRENCH.read_text(encoding="utf-8").replace("Un jardin partagé", "Un verger"),
        encoding="utf-8",
    )
    output = run(changed, "--series", series.slug)
    fifth.refresh_from_db()
    assert fifth.get_latest_revision_as_object().intro == (
        "<p>Réécrit par l’équipe.</p>"
    )
    assert "Petite ébullition n°5 & bilan (item 2)" in output
    assert "kept as edited in the admin: 1" in output or "1" in output
    run(changed, "--series", series.slug, "--overwrite")
    fifth.refresh_from_db()
    assert "Un verger" in str(fifth.get_latest_revision_as_object().body.raw_data)


def test_same_source_in_another_series_is_refused_unless_move(series, root_page):
    other = root_page.add_child(instance=RecapSeriesPage(title="Autre", slug="autre"))
    run(FRENCH, "--series", series.slug)
    before = counts()
    with pytest.raises(CommandError, match="Petite ébullition n°5"):
        run(FRENCH, "--series", other.slug)
    assert counts() == before
    run(FRENCH, "--series", other.slug, "--move")
    assert RecapPage.objects.child_of(series).count() == 0
    assert RecapPage.objects.child_of(other).count() == 2


def test_theme_unit_test_data_imports_chosen_posts_that_render(series, client):
    output = run(THEME_UNIT_TEST, "--series", series.slug, "--category", "block")
    pages = editions(series)
    assert len(pages) == 18
    assert "WXR 1.2" in output
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.title
        # Block markers are gone; a code block may still show some as its text.
        html = re.sub(r"<pre.*?</pre>", "", response.content.decode(), flags=re.S)
        assert "wp:" not in html_to_text(html)
    # The category “6.1” keeps its word boundary.
    assert Theme.objects.get(name="6.1").slug == "6-1"


def test_file_over_the_size_limit_is_refused_up_front(series, tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * 1_500_000)
    before = counts()
    with pytest.raises(CommandError, match=r"big\.xml.*1\.5"):
        run(big, "--series", series.slug, "--max-size", "1")
    assert counts() == before


def wxr_of(tmp_path, name, posts, extra=""):
    """A WordPress export of ``posts`` recaps, each with a theme of its own, the
    last one a draft."""
    source = tmp_path / f"{name}{'-changed' if extra else ''}.xml"
    source.write_text(
        build_wxr(
            [
                wxr_item(
                    f"Petite ébullition n°{n}",
                    recap_html(n, extra),
                    f"https://site.example/{name}/?p={n}",
                    date=datetime.date(2020, 1, 3) + datetime.timedelta(weeks=n),
                    status="draft" if n == posts else "publish",
                    tags=["numérique", f"{name} {n}"],
                )
                for n in range(1, posts + 1)
            ]
        ),
        encoding="utf-8",
    )
    return source


def test_queries_do_not_grow_with_the_number_of_posts(series, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(posts, name):
        source = wxr_of(tmp_path, name, posts)
        with CaptureQueriesContext(connection) as created:
            run(source, "--series", series.slug)
        with CaptureQueriesContext(connection) as unchanged:
            run(source, "--series", series.slug)
        changed = wxr_of(tmp_path, name, posts, "<p>Modifié.</p>")
        with CaptureQueriesContext(connection) as updated:
            run(changed, "--series", series.slug)
        return len(created), len(unchanged), updated

    few, many = queries(5, "peu"), queries(20, "beaucoup")
    assert RecapPage.objects.child_of(series).count() == 25
    # New editions are written a batch at a time: the same statements for 20
    # posts as for 5 (SQLite may split an insert); an unchanged re-import
    # writes nothing and reads all editions at once; changed editions are
    # published a batch at a time too.
    assert many[0] <= few[0] + 5
    assert few[1] == many[1]
    # Except for the database search backend, which updates its rows one by one.
    search = re.compile(r"^\s*UPDATE\s+\"?wagtailsearch_indexentry", re.I)

    def count(captured):
        return sum(not search.match(q["sql"]) for q in captured.captured_queries)

    assert count(many[2]) <= count(few[2]) + 5


def test_new_editions_are_the_pages_publishing_would_write(
    series, make_edition, tmp_path, client
):
    from wagtail.models import PageLogEntry

    existing = make_edition(edition_number=1, slug="petite-ebullition-n1")
    run(wxr_of(tmp_path, "lot", 3), "--series", series.slug)
    assert Page.find_problems() == ([], [], [], [], [])
    series.refresh_from_db()
    assert series.numchild == series.get_children().count() == 4
    first, second, draft = [
        by_title(series, f"Petite ébullition n°{n}") for n in (1, 2, 3)
    ]
    # The slug of the existing edition is not taken twice.
    assert first.slug == "petite-ebullition-n1-2" != existing.slug
    for page in (first, second):
        assert page.url_path == f"{series.url_path}{page.slug}/"
        assert page.live and not page.has_unpublished_changes
        revision = page.live_revision
        assert revision == page.latest_revision and revision.user is None
        assert page.first_published_at == page.last_published_at
        assert revision.created_at == page.latest_revision_created_at
        published = revision.as_object()
        assert list(published.body.raw_data) == list(page.body.raw_data)
        assert sorted(t.name for t in published.tags.all()) == sorted(
            t.name for t in page.tags.all()
        )
        assert PageLogEntry.objects.filter(
            page=page, action="wagtail.publish", revision=revision, user=None
        ).exists()
        assert client.get(page.url).status_code == 200
    assert not draft.live and draft.has_unpublished_changes
    assert draft.live_revision is None and draft.first_published_at is None
    assert draft.latest_revision.as_object().title == draft.title
    assert not PageLogEntry.objects.filter(page=draft).exists()
    # Edited later in the admin, an imported edition publishes as any other.
    first.get_latest_revision_as_object().save_revision().publish()
    second.move(series, pos="first-child")
    assert Page.find_problems() == ([], [], [], [], [])


def test_changed_editions_are_published_as_wagtail_would(series, tmp_path, client):
    from wagtail.models import PageLogEntry

    from recaps.models import WebhookDelivery, WebhookSubscription

    run(wxr_of(tmp_path, "lot", 3), "--series", series.slug)
    first = by_title(series, "Petite ébullition n°1")
    before = (first.live_revision_id, first.first_published_at, first.last_published_at)
    WebhookSubscription.objects.create(url="https://soeur.example/hooks", secret="s")
    changed = wxr_of(tmp_path, "lot", 3, "<p>Modifié.</p>")
    changed.write_text(
        changed.read_text(encoding="utf-8").replace(
            "<title>Petite ébullition n°1</title>",
            "<title>Petite ébullition n°1 revue</title>",
        ),
        encoding="utf-8",
    )
    output = run(changed, "--series", series.slug)
    assert "updated: 3" in output or "mises à jour : 3" in output
    assert Page.find_problems() == ([], [], [], [], [])
    first.refresh_from_db()
    revision = first.live_revision
    assert revision.pk != before[0] and revision == first.latest_revision
    assert revision.user is None and revision.created_at == first.last_published_at
    assert first.first_published_at == before[1] < first.last_published_at
    assert first.title == first.draft_title == "Petite ébullition n°1 revue"
    assert first.live and not first.has_unpublished_changes
    published = revision.as_object()
    assert list(published.body.raw_data) == list(first.body.raw_data)
    assert "Modifié" in str(first.body.raw_data)
    assert sorted(t.name for t in first.tags.all()) == ["lot 1", "numérique"]
    assert "Modifié" in client.get(first.url).content.decode()
    assert PageLogEntry.objects.get(
        page=first, action="wagtail.rename", revision=revision
    ).data["title"] == {
        "old": "Petite ébullition n°1",
        "new": "Petite ébullition n°1 revue",
    }
    assert PageLogEntry.objects.filter(
        page=first, action="wagtail.publish", revision=revision
    ).exists()
    # The draft stays a draft, with a new pending revision.
    draft = by_title(series, "Petite ébullition n°3")
    assert not draft.live and draft.has_unpublished_changes
    assert "Modifié" in str(draft.get_latest_revision_as_object().body.raw_data)
    # Sister sites hear of the two public editions that changed.
    events = sorted(json.loads(d.body)["event"] for d in WebhookDelivery.objects.all())
    assert events == ["recap.updated", "recap.updated"]
    assert [row.type for row in first.public_sections()][:1] == ["highlights"]


def test_new_editions_reach_the_reference_index(series, uploads):
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    for media in (Image.objects.get(), Document.objects.get()):
        referencing = ReferenceIndex.get_references_to(media).values_list(
            "object_id", flat=True
        )
        assert str(fifth.pk) in set(referencing)


def test_new_editions_reach_the_change_feed_and_webhooks(series, tmp_path, client):
    from recaps.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(url="https://soeur.example/hooks", secret="s")
    source = wxr_of(tmp_path, "lot", 3)
    run(source, "--series", series.slug)
    published = {p.pk for p in editions(series) if p.live}
    assert len(published) == 2
    # One delivery per edition made public, none for the draft.
    bodies = [json.loads(d.body) for d in WebhookDelivery.objects.all()]
    assert sorted((b["event"], b["id"]) for b in bodies) == sorted(
        ("recap.published", pk) for pk in published
    )
    feed = client.get("/api/v1/changes/").json()["results"]
    assert {(row["id"], row["action"]) for row in feed} == {
        (pk, "published") for pk in published
    }
    run(source, "--series", series.slug)
    assert WebhookDelivery.objects.count() == 2


# --- imported editions in the section index, the API and the pages ------------


def test_imported_editions_are_indexed_once_like_published_ones(
    series, uploads, monkeypatch
):
    from recaps import bulk_pages, signal_handlers
    from recaps.blocks import MEDIA_TYPES, visible_sections
    from recaps.models import ContentVersion, RecapSection

    calls = []
    index_editions = signal_handlers.index_editions

    def counting(pages, *args):
        pages = list(pages)
        calls.append(sorted(page.title for page in pages))
        return index_editions(pages, *args)

    # Whichever path indexes them: one edition published, or a bulk import.
    monkeypatch.setattr(signal_handlers, "index_editions", counting)
    monkeypatch.setattr(bulk_pages, "index_editions", counting)
    before = ContentVersion.current().number
    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    # One indexing pass for the whole import, with every written edition (the
    # third post is not a recap); caches see one new content version.
    assert calls == [["Petite ébullition n°5 & bilan", "Petite ébullition n°6"]]
    after = ContentVersion.current().number
    assert after == before + 1
    for page in editions(series):
        indexed = [row.as_dict() for row in page.public_sections()]
        # Exactly what publishing in the admin would index: the sections of the
        # live content, media blocks (shown by the page only) left out.
        assert indexed == [row.as_dict() for row in section_rows(page)]
        assert [row["type"] for row in indexed] == [
            child.block_type
            for child in visible_sections(page.body)
            if child.block_type not in MEDIA_TYPES
        ]
    fifth = by_title(series, "Petite ébullition n°5 & bilan")
    assert {"image", "table", "code", "embed"} <= {c.block_type for c in fifth.body}
    assert not RecapSection.objects.filter(type__in=MEDIA_TYPES).exists()
    # Re-importing the unchanged export indexes nothing again.
    calls.clear()
    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    assert calls == []
    assert ContentVersion.current().number == after


def entities(text):
    """Entities left in a text (a post may well write a tag as its text)."""
    return re.search(r"&(amp|lt|gt|quot|nbsp|#\d+);", text or "")


def test_api_and_pages_show_decoded_text_of_real_exports(series, uploads, client):
    run(FRENCH, "--series", series.slug, "--uploads", uploads)
    run(
        THEME_UNIT_TEST,
        "--series",
        series.slug,
        "--category",
        "block",
        "--category",
        "markup",
    )
    pages = RecapPage.objects.child_of(series).live()
    assert pages.count() > 20
    titles = set(pages.values_list("title", flat=True))
    # “n°5 &amp; bilan” and “Title <em>With</em> <b>Mark<sup>up</sup></b>”.
    assert {"Petite ébullition n°5 & bilan", "Markup: Title With Markup"} <= titles
    for page in pages:
        data = client.get(f"/api/v1/recaps/{page.pk}/").json()
        names = [data["title"], *(section["heading"] for section in data["body"])]
        # Titles and headings are decoded and stripped of markup.
        assert not any(re.search(r"<[a-z/!]", name) for name in names), names
        texts = [*names, data["intro"]["text"]]
        for section in data["body"]:
            texts += [section["intro"]["text"]]
            for item in section["items"]:
                texts += [item["text"], *(child["text"] for child in item["children"])]
            texts += [link["title"] for link in section["links"]]
        bad = [text for text in texts if entities(text)]
        assert bad == [], (page.title, bad)
        html = client.get(page.url).content.decode()
        assert "&amp;amp;" not in html and "&lt;em&gt;" not in html, page.title


# --- what was private stays private (issue 25) ------------------------------

WORDPRESS_STATUSES = ["publish", "draft", "pending", "private", "future", "trash"]
WORDPRESS_STATUSES += ["inherit"]


@pytest.mark.parametrize("publish_flag", [(), ("--publish",)])
def test_private_and_password_protected_posts_are_never_published(
    series, tmp_path, publish_flag
):
    """Every WordPress status × password set or not: only public posts go live."""
    cases = [
        (status, password)
        for status in WORDPRESS_STATUSES
        for password in ("", "secret")
    ]
    items = [
        wxr_item(
            f"Post {status} {password or 'open'}",
            recap_html(n),
            f"https://site.example/?p={n}",
            status=status,
            post_id=n,
            password=password,
        )
        for n, (status, password) in enumerate(cases, start=1)
    ]
    path = tmp_path / "statuses.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    report = tmp_path / "report.json"
    output = run(path, "--series", series.slug, "--report", report, *publish_flag)
    pages = {page.title: page for page in RecapPage.objects.child_of(series)}
    for status, password in cases:
        title = f"Post {status} {password or 'open'}"
        if status in {"trash", "inherit"}:
            assert title not in pages
            continue
        page = pages[title]
        hidden = status == "private" or password
        public = not hidden and (status == "publish" or publish_flag)
        assert page.live is bool(public), (status, password)
        assert page.has_unpublished_changes is not page.live
        if hidden:
            assert title in output
    warnings = json.loads(report.read_text())["warnings"]
    kinds = Counter(row["kind"] for row in warnings)
    assert kinds["private_post"] == 2  # private, with and without password
    assert kinds["password_post"] == 5  # every imported status with a password


def test_a_post_made_private_since_its_import_is_unpublished(series, tmp_path):
    path = tmp_path / "export.xml"
    item = {"title": "Ébullition", "guid": "https://site.example/?p=4", "post_id": 4}
    path.write_text(build_wxr([wxr_item(content=recap_html(4), **item)]))
    run(path, "--series", series.slug)
    assert RecapPage.objects.get(title="Ébullition").live
    path.write_text(
        build_wxr([wxr_item(content=recap_html(4), password="secret", **item)])
    )
    run(path, "--series", series.slug)
    page = RecapPage.objects.get(title="Ébullition")
    assert not page.live


# --- identity: post id and site, never the GUID alone (issue 25) ------------


def _shared_guid_export(tmp_path):
    guid = "https://site.example/?p=1"
    path = tmp_path / "shared-guid.xml"
    path.write_text(
        build_wxr(
            [
                wxr_item("Première ébullition", recap_html(1), guid, post_id=1),
                wxr_item("Copie de la première", recap_html(2), guid, post_id=2),
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_posts_sharing_a_guid_are_both_imported_and_reported(series, tmp_path):
    path = _shared_guid_export(tmp_path)
    report = tmp_path / "report.json"
    run(path, "--series", series.slug, "--report", report)
    pages = RecapPage.objects.child_of(series)
    assert sorted(pages.values_list("title", flat=True)) == [
        "Copie de la première",
        "Première ébullition",
    ]
    assert sorted(pages.values_list("import_source", flat=True)) == [
        "https://www.centres-sociaux-44.fr/?p=1",
        "https://www.centres-sociaux-44.fr/?p=2",
    ]
    warnings = json.loads(report.read_text())["warnings"]
    shared = [row for row in warnings if row["kind"] == "duplicate_guid"]
    assert sorted(row["detail"] for row in shared) == [
        "Copie de la première (item 2)",
        "Première ébullition (item 1)",
    ]
    before = counts()
    run(path, "--series", series.slug)
    assert counts() == before  # 0 revisions whatever the GUIDs


def test_editions_imported_under_their_guid_are_found_again(series, tmp_path):
    """Pages of earlier imports (keyed by GUID) are updated, not duplicated."""
    guid = "https://site.example/?p=7"
    path = tmp_path / "export.xml"
    path.write_text(build_wxr([wxr_item("Ébullition", recap_html(7), guid)]))
    run(path, "--series", series.slug)
    assert RecapPage.objects.get().import_source == guid
    path.write_text(build_wxr([wxr_item("Ébullition", recap_html(7), guid, post_id=7)]))
    before = counts()
    run(path, "--series", series.slug)
    assert counts() == before
    page = RecapPage.objects.get()
    assert page.import_source == "https://www.centres-sociaux-44.fr/?p=7"


def test_overwrite_replaces_an_admin_edit_even_when_the_source_is_unchanged(
    series, tmp_path, django_user_model
):
    path = tmp_path / "export.xml"
    path.write_text(build_wxr([wxr_item("Ébullition", recap_html(7), "g7", post_id=7)]))
    run(path, "--series", series.slug)
    editor = django_user_model.objects.create_user("editrice", password="x")
    draft = RecapPage.objects.get().get_latest_revision_as_object()
    draft.intro = "<p>Réécrit par l’équipe.</p>"
    draft.save_revision(user=editor).publish()
    run(path, "--series", series.slug)
    assert "Réécrit" in RecapPage.objects.get().intro
    run(path, "--series", series.slug, "--overwrite")
    page = RecapPage.objects.get()
    assert "édition 7" in page.intro
    assert page.get_latest_revision().user_id is None


# --- conservation of words, checked by the import itself (issue 25) ---------


def _social_centre_export(tmp_path):
    path = tmp_path / "centre.xml"
    content = (
        "<h2>Planning des ateliers</h2><table><tr><td>Lundi</td><td>Couture</td>"
        "</tr></table><h3>Ce qui a été partagé</h3><ul><li>Un jardin</li></ul>"
        '<div class="sharedaddy"><h3>Partager :</h3><p>Facebook</p></div>'
    )
    path.write_text(
        build_wxr(
            [
                wxr_item(
                    "Atelier",
                    content,
                    "g1",
                    post_id=1,
                    categories=[("comptes-rendus", "Comptes rendus")],
                )
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_the_report_accounts_for_every_word_of_every_post(series, tmp_path):
    path = _social_centre_export(tmp_path)
    report = tmp_path / "report.json"
    output = run(path, "--series", series.slug, "--report", report)
    assert "Mots : 14 dans la ou les sources, 12 conservés, 2 mis de côté" in output
    (entry,) = json.loads(report.read_text())["conservation"]
    assert entry["edition"] == "Atelier (item 1)"
    assert (entry["words_in"], entry["kept"], entry["set_aside"]) == (14, 12, 2)
    assert entry["lost"] == 0
    assert entry["set_aside_by_reason"][0]["reason"] == "furniture"
    page = RecapPage.objects.get()
    # The heading of the table heads no section: it stays as a bold paragraph.
    assert "<b>Planning des ateliers</b>" in page.intro


def two_posts_export(tmp_path):
    """An export of two recap posts, "Sans perte" and "Avec perte"."""
    path = tmp_path / "export.xml"
    path.write_text(
        build_wxr(
            [
                wxr_item("Sans perte", recap_html(1), "g1", post_id=1),
                wxr_item("Avec perte", recap_html(2), "g2", post_id=2),
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_a_post_losing_words_fails_the_whole_import_unless_accepted(
    series, tmp_path, monkeypatch
):
    """A converter that drops the intro is caught by the import itself."""
    from recaps.importers import wxr

    original = wxr.parse_fragment

    def lossy(html):
        editions, warnings = original(html)
        editions[0].intro = ""
        return editions, warnings

    monkeypatch.setattr(wxr, "parse_fragment", lossy)
    path = two_posts_export(tmp_path)
    before = counts()
    report = tmp_path / "report.json"
    with pytest.raises(CommandError, match="Avec perte .item 2.: 2 beau cette"):
        run(path, "--series", series.slug, "--report", report)
    assert counts() == before
    lost = {
        e["edition"]: e["lost"] for e in json.loads(report.read_text())["conservation"]
    }
    assert lost == {"Sans perte (item 1)": 6, "Avec perte (item 2)": 6}
    output = run(path, "--series", series.slug, "--accept-losses")
    assert RecapPage.objects.child_of(series).count() == 2
    assert "6 perdus" in output


def test_a_post_losing_a_link_fails_the_whole_import_unless_accepted(
    series, tmp_path, monkeypatch
):
    """A link whose address is dropped (its words kept) is a loss too."""
    from recaps.importers.media import MediaLibrary

    original = MediaLibrary.rewrite_links

    def unlinking(self, html, warnings):
        return original(self, html, warnings).replace(
            ' href="https://example.org/2"', ""
        )

    monkeypatch.setattr(MediaLibrary, "rewrite_links", unlinking)
    path = two_posts_export(tmp_path)
    before = counts()
    report = tmp_path / "report.json"
    with pytest.raises(
        CommandError, match="Avec perte .item 2.: https://example.org/2"
    ):
        run(path, "--series", series.slug, "--report", report)
    assert counts() == before
    entries = {e["edition"]: e for e in json.loads(report.read_text())["conservation"]}
    assert entries["Avec perte (item 2)"]["lost_links"] == ["https://example.org/2"]
    assert entries["Avec perte (item 2)"]["lost"] == 0
    assert entries["Sans perte (item 1)"]["links_kept"] == 1
    output = run(path, "--series", series.slug, "--accept-losses")
    assert "Liens : 2 dans la ou les sources, 1 conservés" in output
    assert "liens perdus : https://example.org/2" in output


# --- choosing recaps (issue 25) ---------------------------------------------

NEWS = {
    "Portes ouvertes": "<p>Venez !</p><h2>Nos actions</h2><p>Un goûter.</p>",
    "Nos partenaires": "<p>Merci.</p><h2>Liens utiles</h2><ul><li>La CAF</li></ul>",
    "Foire aux questions": "<h2>Questions fréquentes</h2><p>Où ? Ici.</p>",
    "Accueil d’été": "<h2>Horaires d'ouverture</h2><p>9h-12h</p>",
}


def _news_export(tmp_path):
    items = [
        wxr_item(title, content, f"g{n}", post_id=n)
        for n, (title, content) in enumerate(NEWS.items(), start=1)
    ]
    items.append(wxr_item("Vraie ébullition", recap_html(5), "g5", post_id=5))
    items.append(
        wxr_item(
            "Compte rendu court",
            "<h2>Ce qui a été partagé</h2><ul><li>Un jardin</li></ul>",
            "g6",
            post_id=6,
            categories=[("comptes-rendus", "Comptes rendus")],
        )
    )
    items.append(
        wxr_item(
            "Fête de quartier",
            "<p>Une fête.</p>",
            "g7",
            post_id=7,
            categories=[("%c3%a9v%c3%a9nements", "Événements")],
        )
    )
    path = tmp_path / "news.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    return path


def test_ordinary_news_posts_are_not_taken_for_recaps(series, tmp_path):
    path = _news_export(tmp_path)
    report = tmp_path / "report.json"
    output = run(path, "--series", series.slug, "--report", report)
    titles = set(RecapPage.objects.values_list("title", flat=True))
    assert titles == {"Vraie ébullition", "Compte rendu court"}
    skipped = {
        e["edition"]: e["reason"]
        for e in json.loads(report.read_text())["editions"]
        if e["status"] == "skipped"
    }
    reason = gettext("fewer than two headings naming a section kind")
    assert skipped == {
        f"{title} (item {n})": reason
        for n, title in enumerate([*NEWS, "", "", "Fête de quartier"], start=1)
        if title
    }
    assert "Portes ouvertes (item 1)" in output


def test_list_categories_prints_each_with_its_post_count(series, tmp_path):
    before = counts()
    output = run(_news_export(tmp_path), "--list-categories")
    assert "comptes-rendus (catégorie, Comptes rendus): 1" in output
    assert "événements (catégorie, Événements): 1" in output
    assert counts() == before


def test_a_non_ascii_category_can_be_chosen(series, tmp_path):
    run(_news_export(tmp_path), "--series", series.slug, "--category", "événements")
    assert list(RecapPage.objects.values_list("title", flat=True)) == [
        "Fête de quartier"
    ]


def test_a_mistyped_category_names_the_closest(series, tmp_path):
    with pytest.raises(CommandError, match="comptes-rendus"):
        run(
            _news_export(tmp_path),
            "--series",
            series.slug,
            "--category",
            "compte-rendu",
        )


def test_when_nothing_is_found_every_skipped_post_has_its_reason(series, tmp_path):
    path = tmp_path / "news.xml"
    path.write_text(
        build_wxr([wxr_item("Portes ouvertes", NEWS["Portes ouvertes"], "g1")]),
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    out = io.StringIO()
    with pytest.raises(CommandError, match="WXR 1.2"):
        call_command(
            "import_recaps",
            str(path),
            "--series",
            series.slug,
            "--report",
            str(report),
            stdout=out,
        )
    reason = gettext("fewer than two headings naming a section kind")
    assert f"Portes ouvertes (item 1) ({reason})" in out.getvalue()
    [entry] = json.loads(report.read_text())["editions"]
    assert entry["reason"] == reason


ISSUE_25 = ROOT / "tests" / "importers" / "data" / "wordpress" / "issue25-cases.xml"


def test_the_cases_of_issue_25_lose_no_word_publish_nothing_private(series, tmp_path):
    report = tmp_path / "report.json"
    run(ISSUE_25, "--series", series.slug, "--report", report)
    data = json.loads(report.read_text())
    assert data["conservation"]
    assert [e for e in data["conservation"] if e["lost"]] == []
    live = set(
        RecapPage.objects.child_of(series).live().values_list("title", flat=True)
    )
    assert "Statut publish ouvert" in live
    assert not {title for title in live if "secret" in title or "private" in title}
    # All share one GUID: each post is its own edition, and a re-run writes nothing.
    assert RecapPage.objects.filter(title__startswith="Statut").count() == 6
    before = counts()
    run(ISSUE_25, "--series", series.slug)
    assert counts() == before


# --- migration of the site: redirects, links, excerpts, images (issue 25) ---

OLD = "https://www.centres-sociaux-44.fr"


def _linked_posts_export(tmp_path, status_of_b="publish", password=""):
    """Posts 11 and 12 linking to each other (by permalink, absolute and
    relative, and by short link), and to a post the export does not hold."""
    a = (
        recap_html(11)
        + f'<p>Voir la <a href="{OLD}/2020/11/20/deuxieme/">suite</a> et '
        '<a href="/?p=12">la même</a>, ou <a href="https://www.centres-sociaux-44.fr'
        '/2019/01/01/autre/">un autre article</a>.</p>'
    )
    b = (
        recap_html(12)
        + '<p>Avant : <a href="http://centres-sociaux-44.fr/2020/11/13/premiere">'
        "la première</a>.</p>"
    )
    items = [
        wxr_item(
            "Première",
            a,
            f"{OLD}/?p=11",
            post_id=11,
            link=f"{OLD}/2020/11/13/premiere/",
            slug="premiere",
        ),
        wxr_item(
            "Deuxième",
            b,
            f"{OLD}/?p=12",
            post_id=12,
            link=f"{OLD}/2020/11/20/deuxieme/",
            slug="deuxieme",
            status=status_of_b,
            password=password,
        ),
    ]
    path = tmp_path / "linked.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    return path


def test_old_addresses_redirect_to_their_editions(series, tmp_path, client):
    from wagtail.contrib.redirects.models import Redirect

    path = _linked_posts_export(tmp_path)
    output = run(path, "--series", series.slug)
    first, second = by_title(series, "Première"), by_title(series, "Deuxième")
    assert set(Redirect.objects.values_list("old_path", "redirect_page_id")) == {
        ("/2020/11/13/premiere", first.pk),
        ("/?p=11", first.pk),
        ("/2020/11/20/deuxieme", second.pk),
        ("/?p=12", second.pk),
    }
    for old, page in [
        ("/2020/11/13/premiere/", first),
        ("/2020/11/13/premiere", first),
        ("/?p=11", first),
        ("/?p=12", second),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == page.url
    assert client.get("/?p=99").status_code == 200  # the home page, as before
    assert "Redirections depuis les anciennes adresses : 4 créées" in output
    # A re-import changes nothing: no redirect, no revision.
    before = counts(), Redirect.objects.count()
    output = run(path, "--series", series.slug)
    assert (counts(), Redirect.objects.count()) == before
    assert "0 créées, 4 inchangées" in output


def test_links_between_imported_posts_become_page_links(series, tmp_path, client):
    path = _linked_posts_export(tmp_path)
    report = tmp_path / "report.json"
    run(path, "--series", series.slug, "--report", report)
    first, second = by_title(series, "Première"), by_title(series, "Deuxième")
    body = json.dumps(list(first.body.raw_data))
    # Both ways, new pages of the same run: each has the other's id.
    assert body.count(f'linktype=\\"page\\" id=\\"{second.pk}\\"') == 2
    assert f'linktype=\\"page\\" id=\\"{first.pk}\\"' in json.dumps(
        list(second.body.raw_data)
    )
    # The revision (what the admin edits) holds the same links.
    revision = first.get_latest_revision_as_object()
    assert json.dumps(list(revision.body.raw_data)) == body
    assert ReferenceIndex.objects.filter(
        object_id=str(first.pk), to_object_id=str(second.pk)
    ).exists()
    html = client.get(first.url).content.decode()
    assert f'href="{second.url}"' in html
    # The post the export does not hold keeps its address, and is reported.
    assert f'href="{OLD}/2019/01/01/autre/"' in html
    data = json.loads(report.read_text())
    assert data["links"] == {"to_editions": 3, "kept": 1}
    [kept] = [w for w in data["warnings"] if w["kind"] == "old_site_link"]
    assert kept["detail"] == f"{OLD}/2019/01/01/autre/"
    before = counts()
    run(path, "--series", series.slug)
    assert counts() == before
    # A changed post is published again with its page links.
    path.write_text(path.read_text().replace("la première", "la toute première"))
    run(path, "--series", series.slug)
    second = by_title(series, "Deuxième")
    assert "toute première" in str(list(second.body.raw_data))
    for body in (second.body, second.get_latest_revision_as_object().body):
        assert f'linktype=\\"page\\" id=\\"{first.pk}\\"' in json.dumps(
            list(body.raw_data)
        )


@pytest.mark.parametrize(
    ("status", "password"), [("draft", ""), ("private", ""), ("publish", "x")]
)
def test_no_link_nor_redirect_leads_to_an_unpublished_edition(
    series, tmp_path, client, status, password
):
    from wagtail.contrib.redirects.models import Redirect

    run(_linked_posts_export(tmp_path), "--series", series.slug)
    assert Redirect.objects.count() == 4
    # The second post is no longer public: its redirects go, links to it are
    # the old addresses again.
    path = _linked_posts_export(tmp_path, status_of_b=status, password=password)
    run(path, "--series", series.slug, "--draft" if status == "draft" else "--publish")
    first, second = by_title(series, "Première"), by_title(series, "Deuxième")
    if status == "draft":
        # A live edition saved as a draft stays live: its redirects stay.
        assert second.live
        return
    assert not second.live
    assert set(Redirect.objects.values_list("redirect_page_id", flat=True)) == {
        first.pk
    }
    assert client.get("/?p=12").status_code == 200
    body = json.dumps(list(first.body.raw_data))
    assert f'id=\\"{second.pk}\\"' not in body
    assert f"{OLD}/2020/11/20/deuxieme/" in body


def test_a_draft_gets_no_redirect_and_no_link(series, tmp_path):
    from wagtail.contrib.redirects.models import Redirect

    run(_linked_posts_export(tmp_path, status_of_b="draft"), "--series", series.slug)
    first, second = by_title(series, "Première"), by_title(series, "Deuxième")
    assert not second.live
    assert set(Redirect.objects.values_list("redirect_page_id", flat=True)) == {
        first.pk
    }
    assert f'id=\\"{second.pk}\\"' not in json.dumps(list(first.body.raw_data))


def test_an_address_redirecting_elsewhere_is_kept_and_counted(series, tmp_path):
    from wagtail.contrib.redirects.models import Redirect

    Redirect.add_redirect("/2020/11/13/premiere/", "https://ailleurs.example/")
    output = run(_linked_posts_export(tmp_path), "--series", series.slug)
    assert Redirect.objects.get(old_path="/2020/11/13/premiere").redirect_link
    assert "3 créées, 0 inchangées, 1 menant déjà ailleurs" in output


def test_excerpts_become_the_intro_or_the_description(series, tmp_path):
    body_without_intro = recap_html(1).split("</p>", 1)[1]
    items = [
        wxr_item("Avec intro", recap_html(1), "g1", post_id=1, excerpt="Résumé un."),
        wxr_item(
            "Sans intro",
            body_without_intro,
            "g2",
            post_id=2,
            excerpt="Résumé &amp; deux.",
        ),
    ]
    path = tmp_path / "excerpts.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    run(path, "--series", series.slug)
    with_intro = by_title(series, "Avec intro")
    assert with_intro.search_description == "Résumé un."
    assert "Beau moment" in with_intro.intro
    without = by_title(series, "Sans intro")
    assert without.intro == "<p>Résumé &amp; deux.</p>"
    assert without.search_description == ""


def test_the_featured_image_opens_the_edition(series, tmp_path, uploads):
    from wagtail.images.models import Image

    items = [
        wxr_item(
            "Photo du groupe",
            "",
            f"{OLD}/?attachment_id=30",
            post_id=30,
            post_type="attachment",
            attachment_url=f"{OLD}/wp-content/uploads/2020/11/groupe.png",
            meta={"_wp_attachment_image_alt": "Le groupe"},
        ),
        wxr_item(
            "Avec image", recap_html(1), "g1", post_id=1, meta={"_thumbnail_id": "30"}
        ),
        wxr_item(
            "Image perdue", recap_html(2), "g2", post_id=2, meta={"_thumbnail_id": "31"}
        ),
    ]
    path = tmp_path / "featured.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    report = tmp_path / "report.json"
    output = run(
        path, "--series", series.slug, "--uploads", uploads, "--report", report
    )
    assert "Images mises en avant : 1, chacune en première section" in output
    first = by_title(series, "Avec image").body.raw_data[0]
    assert first["type"] == "image"
    assert first["value"]["image"] == Image.objects.get().pk
    assert first["value"]["alt"] == "Le groupe"
    assert by_title(series, "Image perdue").body.raw_data[0]["type"] != "image"
    warnings = json.loads(report.read_text())["warnings"]
    assert {"kind": "missing_file", "detail": "31"} in [
        {"kind": w["kind"], "detail": w["detail"]} for w in warnings
    ]


@pytest.mark.parametrize(
    ("opening", "option", "expected"),
    [
        ("Rencontre dans la grande salle.", (), "presentiel"),
        ("Rencontre au centre social de la Bottière.", (), "presentiel"),
        ("Rencontre en visio, sur Zoom.", (), "visio"),
        ("Rencontre hybride cette fois.", (), "hybride"),
        ("Beau moment.", (), "visio"),  # nothing said: today's default
        ("Rencontre en visio.", ("--format", "presentiel"), "presentiel"),
    ],
)
def test_the_format_is_read_from_the_opening_unless_given(
    series, tmp_path, opening, option, expected
):
    content = f"<p>{opening}</p>" + recap_html(1).split("</p>", 1)[1]
    path = tmp_path / "format.xml"
    path.write_text(build_wxr([wxr_item("Format", content, "g1", post_id=1)]))
    output = run(path, "--series", series.slug, *option)
    assert by_title(series, "Format").format == expected
    said = "ne disent ni « visio »" in output
    assert said is (opening == "Beau moment.")


def test_a_bad_format_is_refused_in_french(series, wxr_file):
    with pytest.raises(CommandError, match="« distanciel » n’est pas"):
        run(wxr_file, "--series", series.slug, "--format", "distanciel")


def test_wordpress_com_uploads_become_images_and_documents(series, tmp_path, uploads):
    from wagtail.documents.models import Document
    from wagtail.images.models import Image

    hosted = "https://centre.files.wordpress.com/2020/11"
    content = (
        f'<p>Accueil.</p><figure class="wp-block-image"><img src="{hosted}/'
        'groupe.png?w=300" alt="Le groupe"/></figure>'
        + recap_html(1).split("</p>", 1)[1]
        + '<p><a href="https://i0.wp.com/centre.files.wordpress.com/2020/11/'
        'guide.pdf">Le guide</a></p>'
    )
    path = tmp_path / "wpcom.xml"
    path.write_text(build_wxr([wxr_item("Hébergé", content, "g1", post_id=1)]))
    run(path, "--series", series.slug, "--uploads", uploads)
    raw = list(by_title(series, "Hébergé").body.raw_data)
    assert [b["value"]["image"] for b in raw if b["type"] == "image"] == [
        Image.objects.get().pk
    ]
    assert f'linktype="document" id="{Document.objects.get().pk}"' in str(raw)


# --- theme names keep their case (issue 25) ---------------------------------


def test_themes_read_as_the_export_writes_them(series, tmp_path, client):
    """A category "Parentalité" is shown "Parentalité" on the edition page and
    in the API's ``label``; its ``name`` stays the key. A later spelling in
    another case (another post, a re-import) and a theme that already existed
    keep their label."""
    Theme.objects.create(name="numérique")
    items = [
        wxr_item(
            "Première",
            recap_html(1),
            "g1",
            post_id=1,
            categories=[("parentalite", "Parentalité")],
            tags=["Numérique", "Aller Vers"],
        ),
        wxr_item(
            "Deuxième",
            recap_html(2),
            "g2",
            post_id=2,
            date=datetime.date(2020, 11, 20),
            categories=[("parentalite", "PARENTALITÉ")],
            tags=["aller vers"],
        ),
    ]
    path = tmp_path / "themes.xml"
    path.write_text(build_wxr(items), encoding="utf-8")
    run(path, "--series", series.slug)
    labels = dict(Theme.objects.values_list("name", "label"))
    assert labels == {
        "parentalité": "Parentalité",
        "aller vers": "Aller Vers",
        "numérique": "numérique",
    }
    first = by_title(series, "Première")
    html = client.get(first.url).content.decode()
    assert ">Parentalité</a>" in html and ">Aller Vers</a>" in html
    assert ">parentalité<" not in html
    tags = client.get(f"/api/v1/recaps/{first.pk}/").json()["tags"]
    assert tags == [
        {"name": "aller vers", "label": "Aller Vers", "slug": "aller-vers"},
        {"name": "numérique", "label": "numérique", "slug": "numerique"},
        {"name": "parentalité", "label": "Parentalité", "slug": "parentalite"},
    ]
    listed = client.get("/api/v1/tags/").json()["results"]
    assert {tag["name"]: tag["label"] for tag in listed} == labels
    # The posts spelled again in another case: nothing is written.
    before = counts()
    path.write_text(
        build_wxr(
            [
                item.replace("Parentalité", "parentalité").replace(
                    "Aller Vers", "ALLER VERS"
                )
                for item in items
            ]
        ),
        encoding="utf-8",
    )
    run(path, "--series", series.slug)
    assert counts() == before
    assert dict(Theme.objects.values_list("name", "label")) == labels
