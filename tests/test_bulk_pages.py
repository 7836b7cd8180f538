"""Bulk writing of edition pages (``recaps.bulk_pages``): what Wagtail's
``add_child()``, ``save_revision()`` and ``publish()`` write, a batch at a time."""

import copy
import datetime
import random
import re

import pytest
import time_machine
from django.core.files.base import ContentFile
from wagtail.blocks import RichTextBlock
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from recaps.blocks import SectionBlock
from recaps.bulk_pages import (
    CHANGED_FIELDS,
    BulkPageWriter,
    index_pages,
    replaced_methods,
    searchable_content_memo,
    update_reference_index,
)
from recaps.models import RecapPage, RecapPageTag, RecapSection, Theme
from tests.factories import another_value, section

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 6, 17, 30, tzinfo=datetime.UTC)
T1 = T0 + datetime.timedelta(days=7)
#: Fields that tell two pages apart whoever wrote them: identity and place.
IDENTITY = {
    "id",
    "page_ptr",
    "pk",
    "path",
    "translation_key",
    "slug",
    "url_path",
    "latest_revision",
    "live_revision",
}
#: The public state, written by the section index (``recaps.sections``).
INDEXED = {"public_fingerprint", "public_updated_at"}
#: Fields of an edition that publishing new content never changes.
NOT_PUBLISHED = {
    "id",
    "page_ptr",
    "path",
    "translation_key",
    "slug",
    "url_path",
    *INDEXED,
    "depth",
    "numchild",
    "locale",
    "content_type",
    "owner",
    "alias_of",
    "locked",
    "locked_at",
    "locked_by",
    "go_live_at",
    "expire_at",
    "import_source",
}
#: What publishing sets, whatever the content.
PUBLICATION_STATE = {
    "live",
    "has_unpublished_changes",
    "expired",
    "draft_title",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "latest_revision",
    "live_revision",
}


@pytest.fixture
def document():
    return get_document_model().objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4 guide", "guide.pdf")
    )


@pytest.fixture
def body(series, document):
    """A body linking to a document and to a page (references to index)."""
    return [
        section(
            "nuggets",
            "Pépites",
            [
                f'Lire <a linktype="document" id="{document.pk}">le guide</a>',
                (f'La <a linktype="page" id="{series.pk}">série</a>', ["un détail"]),
            ],
        ),
        section("text", "Mot de la fin", intro="<p>Merci</p>"),
    ]


def row(page):
    """The stored fields of an edition, but its identity and public state."""
    page = RecapPage.objects.get(pk=page.pk)
    return {
        field.name: field.value_to_string(page)
        for field in RecapPage._meta.concrete_fields
        if field.name not in IDENTITY | INDEXED
    }


def revision_content(revision):
    """A revision's content, its themes by id (their rows' ids are identity)."""
    content = {
        key: value
        for key, value in revision.content.items()
        if key not in IDENTITY | INDEXED
    }
    content["tagged_items"] = [row["tag"] for row in content["tagged_items"]]
    return content


def log(page):
    """The log entries of a page, their revision named by its role.

    Not ``wagtail.create``, which ``add_child()`` logs and the bulk writer
    leaves out (its module says what it writes; the admin's document import
    logs it itself). The data of a rename only: Wagtail copies it on the
    publish entry too, where nothing reads it.
    """
    page = RecapPage.objects.get(pk=page.pk)
    return [
        {
            "action": entry.action,
            "label": entry.label,
            "data": entry.data if entry.action == "wagtail.rename" else None,
            "user": entry.user_id,
            "timestamp": entry.timestamp,
            "content_changed": entry.content_changed,
            "revision": "live" if entry.revision_id == page.live_revision_id else None,
        }
        for entry in PageLogEntry.objects.filter(page=page)
        .exclude(action="wagtail.create")
        .order_by("pk")
    ]


def references(page):
    """The references recorded for ``page`` (a theme's path without the id of
    its row)."""
    return sorted(
        (*row[:4], re.sub(r"^tagged_items\.\d+\.", "tagged_items.N.", row[4]))
        for row in ReferenceIndex.objects.filter(
            object_id=str(page.pk), base_content_type__model="page"
        ).values_list(
            "content_type__model",
            "to_content_type__model",
            "to_object_id",
            "model_path",
            "content_path",
        )
    )


def assert_same(written, expected):
    """The state of ``written`` is that of ``expected`` (a failure names the
    field or the part that differs)."""
    got, wanted = state(written), state(expected)
    for name, value in wanted["row"].items():
        assert got["row"][name] == value, ("row", name)
    for mine, theirs in zip(got["revisions"], wanted["revisions"], strict=True):
        for name, value in theirs[0].items():
            assert mine[0].get(name) == value, ("revision", name)
    for part, value in wanted.items():
        assert got[part] == value, part


def state(page):
    """Everything written for ``page`` besides its identity and place."""
    page = RecapPage.objects.get(pk=page.pk)
    revisions = Revision.objects.filter(object_id=str(page.pk)).order_by("pk")
    return {
        "row": row(page),
        "revisions": [
            (revision_content(r), r.created_at, r.user_id, r.object_str)
            for r in revisions
        ],
        "latest": page.latest_revision_id == revisions.last().pk,
        "live": page.live_revision_id and page.live_revision_id == revisions.last().pk,
        "log": log(page),
        "themes": list(
            RecapPageTag.objects.filter(content_object=page)
            .order_by("pk")
            .values_list("tag__name", flat=True)
        ),
        "references": references(page),
    }


FIELDS = {
    "edition_number": 3,
    "date": datetime.date(2026, 3, 6),
    "intro": "<p>Beau moment.</p>",
    "summary_easy": "On a parlé du jardin.",
    "participation_note": "Douze centres.",
    "import_fingerprint": "abc",
}


def wagtail_page(series, slug, body, live=True, themes=()):
    """A new edition written by Wagtail, at T0."""
    page = RecapPage(
        title="Petite ébullition n°3",
        slug=slug,
        body=copy.deepcopy(body),
        live=live,
        **FIELDS,
    )
    # The admin's order: the form sets the themes, then the page is added.
    page.tags.set(list(themes))
    with time_machine.travel(T0, tick=False):
        series.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
    return page


def bulk_page(series, slug, body, live=True, themes=()):
    """The same edition written by :class:`BulkPageWriter`."""
    writer = BulkPageWriter(series)
    page = writer.new_page(
        slug,
        "Petite ébullition n°3",
        published_at=T0 if live else None,
        body=copy.deepcopy(body),
        **FIELDS,
    )
    found = Theme.objects.by_names(themes)
    page.tagged_items = [RecapPageTag(tag=found[name]) for name in themes]
    writer.write([page], created_at=T0)
    writer.finish()
    return page


@pytest.mark.parametrize("live", [True, False])
def test_a_new_page_is_written_as_wagtail_writes_it(series, body, live):
    themes = ["numérique", "isolement"]
    expected = wagtail_page(series, "par-wagtail", body, live, themes)
    written = bulk_page(series, "en-bloc", body, live, themes)
    assert_same(written, expected)
    assert state(written)["references"]  # the document and the page
    series.refresh_from_db()
    assert series.numchild == 2
    assert Page.find_problems() == ([], [], [], [], [])
    # Wagtail takes over from there: a page added after them, a move.
    after = series.add_child(instance=RecapPage(title="Après", slug="apres", **FIELDS))
    assert after.path > RecapPage.objects.get(pk=written.pk).path
    RecapPage.objects.get(pk=written.pk).move(series, pos="first-child")
    assert Page.find_problems() == ([], [], [], [], [])


def edit(page, body):
    """Change every field of ``page`` that an editor may change, derived from
    the model (a new field of the edition is edited here without a word);
    the body becomes ``body``."""
    for field in RecapPage._meta.concrete_fields:
        if field.name not in NOT_PUBLISHED | PUBLICATION_STATE:
            value = getattr(page, field.attname)
            setattr(page, field.attname, another_value(field, value))
    page.body = copy.deepcopy(body)


def test_publishing_changes_writes_what_publish_writes(series, body):
    expected = wagtail_page(series, "par-wagtail", body, themes=["numérique"])
    written = bulk_page(series, "en-bloc", body, themes=["numérique"])
    new_body = [section("questions", "Questions", ["Comment ?"])]
    changed = RecapPage.objects.get(pk=expected.pk)
    edit(changed, new_body)
    changed.tags.set(["isolement", "réseau"])
    with time_machine.travel(T1, tick=False):
        changed.save_revision().publish()
    # Wagtail's own update of the references ran from ``post_save``, before
    # modelcluster wrote the new themes: what it records once they are written.
    ReferenceIndex.create_or_update_for_object(RecapPage.objects.get(pk=changed.pk))
    page = RecapPage.objects.get(pk=written.pk).get_latest_revision_as_object()
    page._old_title = page.title
    edit(page, new_body)
    found = Theme.objects.by_names(["isolement", "réseau"])
    page.tagged_items = [RecapPageTag(tag=found[n]) for n in ["isolement", "réseau"]]
    BulkPageWriter(series).publish_changes([page], T1)
    # Its references are the caller's, a batch at a time (as the writer does).
    update_reference_index([page])
    assert_same(written, expected)
    found = state(written)
    assert found["row"]["title"] != "Petite ébullition n°3"
    assert [entry["action"] for entry in found["log"]] == [
        "wagtail.publish",
        "wagtail.rename",
        "wagtail.publish",
    ]
    assert found["log"][1]["data"] == {
        "title": {"old": "Petite ébullition n°3", "new": found["row"]["title"]}
    }


def test_publishing_a_draft_makes_it_live_from_that_instant(series, body):
    page = bulk_page(series, "brouillon", body, live=False)
    page = RecapPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    BulkPageWriter(series).publish_changes([page], T1)
    page = RecapPage.objects.get(pk=page.pk)
    assert page.live and not page.has_unpublished_changes
    assert page.first_published_at == page.last_published_at == T1
    assert page.live_revision == page.latest_revision
    assert [entry["action"] for entry in log(page)] == ["wagtail.publish"]


def test_every_field_an_edit_changes_is_written_by_a_republication():
    """A new field of the edition is either written when new content is
    published in bulk, or named here as one publishing never changes."""
    names = {field.name for field in RecapPage._meta.concrete_fields}
    assert names - NOT_PUBLISHED == set(CHANGED_FIELDS)


def test_write_dates_revisions_and_names_their_author(series, body, django_user_model):
    editor = django_user_model.objects.create_user("editrice", password="x")
    writer = BulkPageWriter(series)
    live = writer.new_page("en-ligne", "En ligne", published_at=T0, body=body, **FIELDS)
    draft = writer.new_page("brouillon", "Brouillon", body=body, **FIELDS)
    for page in (live, draft):
        page.tagged_items = []
    writer.write([live, draft], created_at=T1, user=editor)
    writer.finish()
    for page in (live, draft):
        page = RecapPage.objects.get(pk=page.pk)
        revision = page.latest_revision
        assert (revision.created_at, revision.user) == (T1, editor)
        assert page.latest_revision_created_at == T1
    live, draft = (RecapPage.objects.get(pk=p.pk) for p in (live, draft))
    assert live.first_published_at == live.last_published_at == T0
    assert PageLogEntry.objects.get(page=live).user == editor
    assert draft.first_published_at is None and draft.live_revision is None
    assert not PageLogEntry.objects.filter(page=draft).exists()


# --- slugs -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_each_new_page_takes_the_first_free_slug_of_the_series_rule(
    series, make_edition, seed
):
    """``slug``, else ``slug-2``, ``slug-3``…: the first that no sibling, old
    or written before it in the same run, has."""
    rng = random.Random(seed)
    bases = ["bilan", "bilan-2", "noel", "rentree"]
    existing = set(rng.sample([*bases, "bilan-3", "noel-2"], rng.randrange(5)))
    for number, slug in enumerate(sorted(existing), start=1):
        make_edition(edition_number=number, slug=slug)
    writer = BulkPageWriter(series)
    taken = set(existing)
    for _ in range(rng.randrange(1, 8)):
        base = rng.choice(bases)
        slug = writer.unique_slug(base)
        candidates = [base] + [f"{base}-{n}" for n in range(2, 20)]
        assert slug in candidates
        assert slug not in taken
        assert set(candidates[: candidates.index(slug)]) <= taken
        taken.add(slug)


# --- references and indexes ----------------------------------------------------


def test_references_are_those_wagtail_would_record(series, body, document):
    page = bulk_page(series, "en-bloc", body)
    before = references(page)
    assert {(to, object_id) for _t, to, object_id, *_ in before} == {
        ("document", str(document.pk)),
        ("page", str(series.pk)),
    }
    # The page link goes, a second document link comes.
    other = get_document_model().objects.create(
        title="Autre", file=ContentFile(b"%PDF-1.4 autre", "autre.pdf")
    )
    page = RecapPage.objects.get(pk=page.pk)
    page.body = [
        section(
            "nuggets",
            "Pépites",
            [
                f'<a linktype="document" id="{document.pk}">le guide</a>',
                f'<a linktype="document" id="{other.pk}">l’autre</a>',
            ],
        )
    ]
    update_reference_index([page])
    bulk = references(page)
    ReferenceIndex.objects.filter(object_id=str(page.pk)).delete()
    ReferenceIndex.create_or_update_for_object(page)
    assert bulk == references(page)
    assert {(to, object_id) for _t, to, object_id, *_ in bulk} == {
        ("document", str(document.pk)),
        ("document", str(other.pk)),
    }
    update_reference_index([])  # nothing to do, no query


def test_index_pages_writes_what_publishing_indexes(series, make_edition):
    pages = [
        make_edition(
            edition_number=number,
            tags=["numérique"],
            body=[
                section("nuggets", "Pépites", [f"Point {number}", "Point commun"]),
                section("text", "Bilan", intro="<p>Merci à tous</p>"),
            ],
        )
        for number in (1, 2, 3)
    ]

    def indexes():
        return (
            sorted(
                RecapSection.objects.values_list(
                    "edition_id", "position", "type", "data", "text"
                )
            ),
            sorted(
                IndexEntry.objects.filter(
                    content_type__model="recappage",
                    object_id__in=[str(page.pk) for page in pages],
                ).values_list("object_id", "title", "body", "autocomplete")
            ),
        )

    published = indexes()
    assert published[0] and published[1]
    RecapSection.objects.all().delete()
    IndexEntry.objects.all().delete()
    index_pages(RecapPage.objects.filter(pk__in=[p.pk for p in pages]))
    assert indexes() == published


def test_the_memo_computes_each_text_once_and_is_forgotten_after(make_edition):
    page = make_edition(body=[section("nuggets", "Pépites", ["Une idée"])])
    field = RecapPage._meta.get_field("body")
    originals = [
        StreamField.get_searchable_content,
        SectionBlock.get_searchable_content,
        RichTextBlock.get_searchable_content,
        RecapPage.search_stems,
    ]
    calls = []
    counting = replaced_methods(
        [
            (
                SectionBlock,
                "get_searchable_content",
                lambda method: (
                    lambda block, value: calls.append(1) or method(block, value)
                ),
            )
        ]
    )
    with counting:
        expected = field.get_searchable_content(page.body)
        assert len(calls) == 1
        with searchable_content_memo():
            assert field.get_searchable_content(page.body) == expected
            assert field.get_searchable_content(page.body) == expected
            assert page.search_stems() == page.search_stems()
        assert len(calls) == 2
    assert [
        StreamField.get_searchable_content,
        SectionBlock.get_searchable_content,
        RichTextBlock.get_searchable_content,
        RecapPage.search_stems,
    ] == originals


def test_replaced_methods_are_restored_whatever_happens():
    class Owner:
        def name(self):
            return "original"

    def make(method):
        return lambda self: f"replaced {method(self)}"

    with pytest.raises(RuntimeError), replaced_methods([(Owner, "name", make)]):
        assert Owner().name() == "replaced original"
        with replaced_methods([(Owner, "name", make)]):
            assert Owner().name() == "replaced replaced original"
        assert Owner().name() == "replaced original"
        raise RuntimeError
    assert Owner().name() == "original"
