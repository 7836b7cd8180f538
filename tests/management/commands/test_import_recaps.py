"""The ``import_recaps`` command: writing, idempotence, safety and the report."""

import datetime
import io
import os
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import Page, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from recaps.blocks import html_to_text
from recaps.models import RecapPage, RecapPageTag, RecapSeriesPage, Theme
from recaps.sections import sections_of
from tests.importers.helpers import build_wxr, recap_html, wxr_item

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
        sections = sections_of(page)
        assert [s.type for s in sections] == [s["type"] for s in expected["body"]]
        assert [plain(s.intro_text) for s in sections] == [
            plain(html_to_text(s.get("intro") or s.get("text")))
            for s in expected["body"]
        ]
        for section, expected_section in zip(sections, expected["body"], strict=True):
            expected_items = expected_section.get("items") or []
            assert [plain(i.text) for i in section.items] == [
                plain(html_to_text(i["text"])) for i in expected_items
            ]
            assert [len(i.children) for i in section.items] == [
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
    assert [s.type for s in sections_of(second)] == ["highlights", "reflections"]
    links = sections_of(third)[-1].links
    assert links[0].url == "https://www.conseiller-numerique.gouv.fr/"
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
    assert [s.type for s in sections_of(page)] == [
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
    [section] = sections_of(page)
    assert section.type == "nuggets"
    assert section.items[0].html == "<p><b>Une</b> idée</p>"


def test_detect_format():
    from recaps.management.commands.import_recaps import detect_format

    assert detect_format(build_wxr([]).encode()[:4096]) == "wxr"
    assert detect_format(b'\xef\xbb\xbf<?xml version="1.0"?><feed/>') == "xml"
    assert detect_format(b"<!DOCTYPE html><html>") == "html"
    assert detect_format(b"  <p>Bonjour</p>") == "html"
    assert detect_format("Retour sur...\n  • un point".encode()) == "text"


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
    from recaps.importers import writer

    calls = []

    class Backend:
        def add_bulk(self, model, objects):
            calls.append(sorted(page.title for page in objects))

    monkeypatch.setattr(writer, "get_search_backends", lambda **kwargs: [Backend()])
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
