"""generate_recaps writes real, published Wagtail pages, the same for a seed."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision, Site
from wagtail.search.backends import get_search_backends
from wagtail.search.models import IndexEntry

from recaps.blocks import SECTION_TYPES
from recaps.generator.content import EditionDrawer
from recaps.generator.vocabulary import THEMES
from recaps.generator.writer import BulkEditionWriter
from recaps.models import (
    RecapPage,
    RecapPageTag,
    RecapSection,
    RecapSeriesPage,
    Theme,
)
from tests.factories import RecapPageFactory, RecapSeriesPageFactory
from tests.readiness import EDITION_TABLES, Upkeep

pytestmark = pytest.mark.django_db

LIST_TYPES = set(SECTION_TYPES) - {"text", "resources"}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def generate(*args, stdout=None):
    stdout = stdout or io.StringIO()
    call_command("generate_recaps", *args, stdout=stdout)
    return stdout.getvalue()


def editions_of(slug):
    series = RecapSeriesPage.objects.get(slug=slug)
    return list(RecapPage.objects.child_of(series).order_by("edition_number"))


def content(page):
    """What a reader sees of an edition, without database ids."""
    return {
        "title": page.title,
        "slug": page.slug,
        "number": page.edition_number,
        "date": page.date,
        "format": page.format,
        "intro": page.intro,
        "body": list(page.body.raw_data),
        "themes": sorted(theme.name for theme in page.tags.all()),
    }


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Page, Revision, Theme, RecapPageTag, PageLogEntry)
    }


def test_same_seed_gives_the_same_editions(root_page):
    generate("--editions", "4", "--seed", "7", "--series", "une")
    generate("--editions", "4", "--seed", "7", "--series", "deux")
    generate("--editions", "4", "--seed", "8", "--series", "trois")
    one, two, three = editions_of("une"), editions_of("deux"), editions_of("trois")
    assert [content(page) for page in one] == [content(page) for page in two]
    assert [content(p)["body"] for p in one] != [content(p)["body"] for p in three]


def test_an_edition_does_not_depend_on_how_many_are_drawn():
    drawer = EditionDrawer("7")
    assert drawer.draw(3) == EditionDrawer("7").draw(3)
    assert drawer.draw(3).body != drawer.draw(4).body


def test_editions_are_varied_and_realistic(root_page):
    generate("--editions", "20", "--seed", "1")
    editions = editions_of("petites-ebullitions-du-vendredi")
    assert [page.edition_number for page in editions] == list(range(1, 21))
    kinds = set()
    for page in editions:
        assert 8 <= len(page.body) <= 12
        assert 2 <= page.tags.count() <= 5
        assert {theme.name for theme in page.tags.all()} <= set(THEMES)
        for block in page.body:
            kinds.add(block.block_type)
            if block.block_type in LIST_TYPES:
                assert 3 <= len(block.value["items"]) <= 8
            if block.block_type == "resources":
                assert block.value["links"]
                assert all(link["url"] for link in block.value["links"])
    assert kinds == set(SECTION_TYPES)
    sub_items = [
        child
        for page in editions
        for block in page.body
        if "items" in block.value
        for item in block.value["items"]
        for child in item["children"]
    ]
    assert sub_items
    assert Theme.objects.filter(slug="numerique").exists()


def test_generated_pages_are_real_wagtail_pages(root_page, client):
    existing = RecapSeriesPageFactory(parent=root_page, slug="ebullitions")
    RecapPageFactory(parent=existing, edition_number=1)
    generate("--editions", "6", "--series", "ebullitions")

    assert Page.find_problems() == ([], [], [], [], [])
    existing.refresh_from_db()
    assert existing.numchild == existing.get_children().count() == 7
    editions = editions_of("ebullitions")[1:]
    assert [page.edition_number for page in editions] == [2, 3, 4, 5, 6, 7]
    for page in editions:
        base = Page.objects.get(pk=page.pk)
        assert isinstance(base.specific, RecapPage)
        assert page.url_path == f"{existing.url_path}{page.slug}/"
        assert page.live and not page.has_unpublished_changes
        assert page.first_published_at and page.last_published_at
        assert page.live_revision_id == page.latest_revision_id
        revision = page.live_revision
        assert revision.content_object.pk == base.pk
        published = revision.as_object()
        assert content(published) == content(page)
        assert PageLogEntry.objects.filter(
            page=page, action="wagtail.publish", revision=revision
        ).exists()
        assert client.get(page.url).status_code == 200
    theme = editions[0].tags.first()
    theme_page = client.get(f"{existing.url}themes/{theme.slug}/")
    assert theme_page.status_code == 200
    assert editions[0].title in theme_page.content.decode()


def test_revision_content_has_the_shape_save_revision_gives(root_page):
    series = RecapSeriesPageFactory(parent=root_page, slug="ebullitions")
    made = RecapPageFactory(parent=series, tags=["numérique"])
    generate("--editions", "1", "--series", "ebullitions")
    generated = RecapPage.objects.child_of(series).exclude(pk=made.pk).get()
    expected = made.live_revision.content
    actual = generated.live_revision.content
    assert actual.keys() == expected.keys()
    for key in ("live", "has_unpublished_changes", "first_published_at", "locked"):
        assert actual[key] == expected[key], key
    assert actual["tagged_items"][0].keys() == expected["tagged_items"][0].keys()
    assert {item["pk"] for item in actual["tagged_items"]} == set(
        generated.tagged_items.values_list("pk", flat=True)
    )


def test_api_and_search_find_the_generated_editions(root_page, client):
    generate("--editions", "5")
    editions = editions_of("petites-ebullitions-du-vendredi")
    listed = client.get("/api/v1/recaps/").json()
    assert listed["count"] == 5
    assert {row["id"] for row in listed["results"]} == {p.pk for p in editions}
    detail = client.get(f"/api/v1/recaps/{editions[0].pk}/")
    assert detail.status_code == 200
    assert len(detail.json()["body"]) == len(editions[0].body)

    found = RecapPage.objects.live().search("ébullition")
    assert {page.pk for page in found} == {page.pk for page in editions}
    theme = editions[0].tags.first()
    with_theme = RecapPage.objects.live().search(theme.name)
    assert editions[0].pk in {page.pk for page in with_theme}
    reader = client.get("/search/", {"query": "ébullition"})
    assert reader.status_code == 200
    assert all(page.title in reader.content.decode() for page in editions)


def test_queries_do_not_grow_with_the_number_of_editions(root_page):
    generate("--editions", "1")  # creates the series and the themes
    with CaptureQueriesContext(connection) as few:
        generate("--editions", "2")
    with CaptureQueriesContext(connection) as many:
        generate("--editions", "30")
    # Bulk writes: the same statements for 30 editions as for 2, except that
    # SQLite's limit of parameters per statement splits the biggest inserts.
    assert len(few) <= len(many) <= len(few) + 5


def test_with_debug_the_sql_of_earlier_batches_is_not_kept(root_page, settings):
    """DEBUG keeps every query's SQL, here whole bodies: a long generation
    (2 GB at 10,000 editions) keeps only the current batch's."""
    generate("--editions", "1")
    series = RecapSeriesPage.objects.get()
    settings.DEBUG = True

    def logged_after(count):
        connection.queries_log.clear()
        BulkEditionWriter(series, "7", batch_size=1).write(count)
        return len(connection.queries_log)

    one_batch = logged_after(1)
    assert one_batch > 0
    assert logged_after(4) <= one_batch + 5


def index_snapshot():
    """What the indexes hold of every edition, without database ids."""
    sections = list(
        RecapSection.objects.order_by(
            "edition__edition_number", "position"
        ).values_list(
            "edition__edition_number",
            "position",
            "block_id",
            "type",
            "heading",
            "data",
            "text",
            "search_text",
            "edition_date",
        )
    )
    numbers = dict(RecapPage.objects.values_list("pk", "edition_number"))
    entries = sorted(
        (
            numbers[int(entry["object_id"])],
            entry["title"],
            entry["body"],
            entry["autocomplete"],
        )
        for entry in IndexEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(RecapPage)
        ).values("object_id", "title", "body", "autocomplete")
    )
    references = sorted(
        (numbers[int(object_id)], *rest)
        for object_id, *rest in ReferenceIndex.objects.filter(
            object_id__in=[str(pk) for pk in numbers]
        ).values_list("object_id", "to_object_id", "model_path", "content_path")
    )
    # Computed from the rows in hand when written, from the database when
    # rebuilt: the same, or the rebuild would date every edition anew.
    public_state = list(
        RecapPage.objects.order_by("edition_number").values_list(
            "edition_number", "public_fingerprint", "public_updated_at"
        )
    )
    return sections, [str(entry) for entry in entries], references, public_state


def test_worker_processes_give_the_indexes_wagtail_and_the_pages_give(root_page):
    """Editions prepared in a worker process (section rows, searchable text,
    stems, references) are indexed exactly as their pages are indexed one by
    one by Wagtail and by rebuild_sections."""
    generate("--editions", "1")
    series = RecapSeriesPage.objects.get()
    BulkEditionWriter(series, "3", batch_size=2, workers=1).write(5)
    written = index_snapshot()
    assert len(written[0]) > 40 and len(written[1]) == 6 and len(written[2]) >= 12

    call_command("rebuild_sections", stdout=io.StringIO())
    pages = list(RecapPage.objects.all())
    for backend in get_search_backends():
        backend.add_bulk(RecapPage, pages)
    for page in pages:
        ReferenceIndex.create_or_update_for_object(page)
    assert index_snapshot() == written


def test_progress_bar_in_french_on_a_terminal(root_page):
    terminal = Terminal()
    with translation.override("fr"):
        output = generate("--editions", "3", stdout=terminal)
    assert "\rÉditions écrites [" in output
    assert "3/3" in output
    assert "3 éditions générées" in output
    piped = generate("--editions", "2")
    assert "\r" not in piped


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--editions", "0"], "--editions"),
        (["--editions", "-4"], "--editions"),
        (["--editions", "2", "--series", "pas un slug"], "pas un slug"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(root_page, args, message):
    before = counts()
    with translation.override("fr"), pytest.raises(CommandError, match=message):
        generate(*args)
    assert counts() == before


def test_without_a_default_site(root_page):
    Site.objects.all().delete()
    before = counts()
    with translation.override("fr"), pytest.raises(CommandError, match="site"):
        generate("--editions", "2")
    assert counts() == before


def test_slug_of_a_page_that_is_not_a_series(root_page):
    root_page.add_child(instance=Page(title="Autre", slug="occupee"))
    before = counts()
    with pytest.raises(CommandError, match="occupee"):
        generate("--editions", "2", "--series", "occupee")
    assert counts() == before


def test_failure_while_writing_rolls_everything_back(root_page, monkeypatch):
    from recaps import bulk_pages

    def failing(self, pages, user):
        raise RuntimeError("disk full")

    # After the page rows are written, before their revisions.
    monkeypatch.setattr(bulk_pages.BulkPageWriter, "_save_revisions", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        generate("--editions", "3", "--series", "nouvelle")
    assert counts() == before
    assert not RecapSeriesPage.objects.filter(slug="nouvelle").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_written_tables_are_ready_once_committed(root_page):
    """Vacuumed and analysed, with no search entry left in a GIN pending list:
    the site reads them at full speed right after generation."""
    upkeep = Upkeep()
    generate("--editions", "3")
    upkeep.assert_ready(EDITION_TABLES, gin_tables=["wagtailsearch_indexentry"])
