"""The importers' writer (``recaps.importers.writer``): parsed editions become
pages of a series, and its report says what was done with each."""

import datetime
import random

import pytest
from django.utils.html import escape
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision
from wagtail.search.models import IndexEntry

from recaps.blocks import section_kinds
from recaps.importers import writer
from recaps.importers.document import ParsedEdition, SourceWarning
from recaps.importers.media import MediaLibrary
from recaps.importers.writer import (
    EditionWriter,
    ImportConflict,
    Report,
    deferred_indexing,
    fingerprint,
)
from recaps.kinds import ItemField, SectionKind
from recaps.models import RecapEntry, RecapPage, RecapSection
from tests.added_kinds import added_kind
from tests.factories import RecapSeriesPageFactory

pytestmark = pytest.mark.django_db

#: A kind whose items carry a field of each type besides their text and
#: sub-items (issue 23: the ``owner`` of an imported decision was dropped).
DECISIONS = SectionKind(
    name="decisions",
    label="Décisions",
    heading="Ce qui a été décidé",
    icon="tick",
    description="Les décisions prises ensemble.",
    item_fields=(
        ItemField("owner", "Porteur"),
        ItemField("note", "Précision", type="rich_text"),
        ItemField("source", "Source", type="url"),
    ),
)


@pytest.fixture
def decisions():
    with added_kind(DECISIONS):
        yield DECISIONS


def parsed(number, sections=None, **fields):
    """A parsed edition of number ``number`` (its own source key by default)."""
    if sections is None:
        sections = [
            {
                "type": "highlights",
                "heading": "Ce qui a été partagé",
                "intro": "",
                "items": [{"text": f"<p>Un point n°{number}</p>", "children": []}],
            }
        ]
    fields.setdefault("source_key", f"test:{number}")
    fields.setdefault("title", f"Petite ébullition n°{number}")
    fields.setdefault(
        "date", datetime.date(2021, 1, 1) + datetime.timedelta(weeks=number)
    )
    fields.setdefault("intro", f"<p>Beau moment n°{number}.</p>")
    return ParsedEdition(edition_number=number, sections=sections, **fields)


def write(series, editions, **options):
    """Write ``editions`` as ``import_recaps`` does; returns the report."""
    report = Report()
    edition_writer = EditionWriter(series, report, **options)
    with deferred_indexing() as written:
        edition_writer.prepare(editions)
        for edition in editions:
            edition_writer.write(edition)
        written.update(edition_writer.finish())
    return report


def statuses(report):
    return [entry["status"] for entry in report.editions]


def page_of(edition):
    return RecapPage.objects.get(import_source=edition.source_key)


# --- any body is written as it was read ---------------------------------------

WORDS = ["atelier", "café", "numérique", "l’accueil", "jardin", "R&D", "« élan »"]
LINKS = [
    '<a href="https://example.org/?a=1&amp;b=2">un lien</a>',
    # An upload without an uploads folder: kept as it is, with a warning.
    '<a href="https://site.example/wp-content/uploads/2020/11/guide.pdf">guide</a>',
]


def words(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))


def html(rng):
    link = f" {rng.choice(LINKS)}" if rng.random() < 0.3 else ""
    return f"<p>{escape(words(rng))}{link}</p>"


def url(rng):
    return f"https://example.org/{rng.randrange(1000)}"


FIELD_VALUES = {"text": words, "rich_text": html, "url": url}


def draw_section(rng, kind):
    """A section mapping of ``kind`` as a parser gives it."""
    if kind == "text":
        return {
            "type": "text",
            "heading": rng.choice(["", words(rng)]),
            "text": html(rng),
        }
    declaration = section_kinds()[kind]
    section = {
        "type": kind,
        "heading": words(rng),
        "intro": rng.choice(["", html(rng)]),
        "items": [
            {
                "text": html(rng),
                "children": [{"text": html(rng)} for _ in range(rng.randrange(3))],
                **{
                    field.name: FIELD_VALUES[field.type](rng)
                    if rng.random() < 0.7
                    else ""
                    for field in declaration.item_fields
                },
            }
            for _ in range(rng.randint(1, 4))
        ],
    }
    if declaration.links:
        section["links"] = [
            {
                "title": words(rng),
                "url": url(rng),
                "document": None,
                "description": rng.choice(["", words(rng)]),
            }
            for _ in range(rng.randrange(3))
        ]
    return section


def draw_body(rng):
    """Sections of every kind in any order, always one with item fields."""
    kinds = [*section_kinds(), "text"]
    body = [draw_section(rng, "decisions")]
    body += [draw_section(rng, rng.choice(kinds)) for _ in range(rng.randrange(5))]
    rng.shuffle(body)
    return body


def changed(rng, body):
    """``body`` with one text or field of one section changed."""
    body = [dict(section) for section in body]
    index = rng.randrange(len(body))
    section = body[index]
    if section["type"] == "text":
        section["text"] = f"<p>Modifié : {escape(words(rng))}</p>"
        return body
    items = [dict(item) for item in section["items"]]
    item = rng.choice(items)
    fields = ["text", *(f.name for f in section_kinds()[section["type"]].item_fields)]
    name = rng.choice(fields)
    kind = next(
        (
            f.type
            for f in section_kinds()[section["type"]].item_fields
            if f.name == name
        ),
        "rich_text",
    )
    item[name] = {
        "text": "modifié",
        "rich_text": "<p>modifié</p>",
        "url": "https://example.org/modifie",
    }[kind]
    section["items"] = items
    return body


def read_back(page):
    """The body of ``page`` as section mappings, read from its blocks."""
    kinds = section_kinds()
    sections = []
    for child in page.body:
        value = child.value
        if child.block_type == "text":
            sections.append(
                {
                    "type": "text",
                    "heading": value["heading"],
                    "text": value["text"].source,
                }
            )
            continue
        fields = kinds[child.block_type].item_fields
        section = {
            "type": child.block_type,
            "heading": value["heading"],
            "intro": value["intro"].source,
            "items": [
                {
                    "text": item["text"].source,
                    "children": [
                        {"text": sub["text"].source} for sub in item["children"]
                    ],
                    **{
                        field.name: getattr(
                            item[field.name], "source", item[field.name]
                        )
                        for field in fields
                    },
                }
                for item in value["items"]
            ],
        }
        if "links" in value:
            section["links"] = [
                {
                    "title": link["title"],
                    "url": link["url"],
                    "document": link["document"],
                    "description": link["description"],
                }
                for link in value["links"]
            ]
        sections.append(section)
    return sections


@pytest.mark.parametrize("seed", range(8))
def test_any_body_reads_back_as_written_through_every_path(series, decisions, seed):
    """New editions (bulk), unchanged ones (nothing written), changed live ones
    (bulk republication) and changed drafts (Wagtail's path) all hold exactly
    the sections they were given: every item field, sub-item and link."""
    rng = random.Random(seed)
    editions = [
        parsed(number, draw_body(rng), status=rng.choice(["publish", "draft"]))
        for number in range(1, rng.randint(2, 4))
    ]

    def assert_read_back():
        for edition in editions:
            page = page_of(edition)
            assert page.live is (edition.status == "publish")
            assert read_back(page.get_latest_revision_as_object()) == edition.sections
            if page.live:
                assert read_back(page) == edition.sections
                assert not page.has_unpublished_changes

    assert statuses(write(series, editions)) == ["created"] * len(editions)
    assert_read_back()
    revisions = Revision.objects.count()
    assert statuses(write(series, editions)) == ["unchanged"] * len(editions)
    assert Revision.objects.count() == revisions
    for edition in editions:
        edition.sections = changed(rng, edition.sections)
    assert statuses(write(series, editions)) == ["updated"] * len(editions)
    assert Revision.objects.count() == revisions + len(editions)
    assert_read_back()
    assert Page.find_problems() == ([], [], [], [], [])


# --- pages, slugs and titles ---------------------------------------------------


def test_new_editions_take_free_slugs_by_the_series_rule(series, make_edition):
    make_edition(edition_number=1, slug="bilan")
    make_edition(edition_number=2, slug="bilan-2")
    editions = [
        parsed(3, slug="bilan"),
        parsed(4, slug="bilan"),
        parsed(5, title="Édition spéciale : bilan"),  # no slug: from the title
        parsed(6, title="« ? »"),  # no slug, nothing in the title
        parsed(7, title=""),  # no title: the series' wording
        parsed(8, slug="x" * 300),
    ]
    write(series, editions, publish=True)
    pages = [page_of(edition) for edition in editions]
    assert [page.slug for page in pages] == [
        "bilan-3",
        "bilan-4",
        "edition-speciale-bilan",
        "edition",
        "edition-n-7",
        "x" * 240,
    ]
    assert pages[4].title == "Édition n° 7"
    for page in pages:
        assert page.url_path == f"{series.url_path}{page.slug}/"
    # A changed title on a later import keeps the address.
    editions[0].title = "Bilan de l’année"
    write(series, editions[:1])
    assert page_of(editions[0]).slug == "bilan-3"
    assert page_of(editions[0]).title == "Bilan de l’année"


@pytest.mark.parametrize(
    ("publish", "status", "live"),
    [
        (None, "publish", True),
        (None, "draft", False),
        (None, "pending", True),
        (None, "private", False),
        (True, "draft", True),
        (True, "private", False),
        (False, "publish", False),
        (False, "private", False),
    ],
)
def test_publication_follows_the_source_unless_told_and_never_for_private(
    series, publish, status, live
):
    edition = parsed(1, status=status)
    write(series, [edition], publish=publish)
    page = page_of(edition)
    assert page.live is live
    assert page.has_unpublished_changes is not live
    assert RecapEntry.objects.filter(edition=page).exists() is live


def test_the_same_source_twice_in_one_run_is_one_edition(series):
    first = parsed(1, title="Première lecture")
    second = parsed(1, title="Seconde lecture")
    report = write(series, [first, second], publish=True)
    assert statuses(report) == ["created", "updated"]
    page = RecapPage.objects.get()
    assert page.title == "Seconde lecture"
    assert report.editions[0]["id"] == report.editions[1]["id"] == page.pk


def test_batches_write_the_same_tree_as_one_go(series, monkeypatch):
    monkeypatch.setattr(writer, "BATCH_SIZE", 2)
    editions = [parsed(number) for number in range(1, 6)]
    report = write(series, editions, publish=True)
    pages = [page_of(edition) for edition in editions]
    # Every report entry has its page, once written with its batch.
    assert [entry["id"] for entry in report.editions] == [page.pk for page in pages]
    series.refresh_from_db()
    assert series.numchild == 5
    for edition in editions:
        edition.intro = "<p>Changé.</p>"
    assert statuses(write(series, editions, publish=True)) == ["updated"] * 5
    assert all(page_of(e).intro == "<p>Changé.</p>" for e in editions)
    assert Page.find_problems() == ([], [], [], [], [])
    assert RecapSection.objects.count() == 5


def test_another_series_is_refused_in_french_unless_move(series, root_page):
    other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
    edition = parsed(1)
    write(other, [edition], publish=True)
    page = page_of(edition)
    with pytest.raises(ImportConflict) as refused:
        write(series, [edition], publish=True)
    assert str(refused.value) == (
        "déjà importées dans une autre série (ajoutez --move pour les déplacer "
        f"ici) : “{page.title}” ({page.url_path})"
    )
    assert page_of(edition).get_parent().pk == other.pk
    assert statuses(write(series, [edition], publish=True, move=True)) == ["updated"]
    moved = page_of(edition)
    assert moved.pk == page.pk and moved.get_parent().pk == series.pk
    assert moved.url_path == f"{series.url_path}{moved.slug}/"
    assert Page.find_problems() == ([], [], [], [], [])


# --- themes and media ----------------------------------------------------------


def test_themes_are_tags_and_categories_but_the_series_own(series):
    edition = parsed(
        1,
        themes=["Numérique ", "numérique", "  ", "x" * 150],
        categories=[
            ("ebullitions", "Ailleurs"),  # the series' slug
            ("", "Les petites ébullitions du Vendredi"),  # its title
            ("reseau", "Réseau  local"),
        ],
    )
    write(series, [edition], publish=True)
    assert sorted(page_of(edition).tags.values_list("name", flat=True)) == [
        "numérique",
        "réseau local",
        "x" * 100,
    ]


def test_media_become_documents_or_links_beside_their_section(series, tmp_path):
    folder = tmp_path / "uploads" / "2020" / "11"
    folder.mkdir(parents=True)
    (folder / "guide.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    uploads = "https://site.example/wp-content/uploads/2020/11/"
    resources = {
        "type": "resources",
        "heading": "Ressources",
        "intro": "",
        "items": [],
        "links": [{"title": "Site", "url": "https://example.org/", "description": ""}],
    }
    edition = parsed(
        1,
        [
            {"type": "text", "heading": "", "text": "<p>Bonjour.</p>"},
            {"type": "image", "src": uploads + "photo.png", "alt": "Photo"},
            resources,
            {"type": "file", "url": uploads + "guide.pdf", "title": "Guide"},
            {"type": "file", "url": uploads + "absent.pdf", "title": "Absent"},
            {"type": "file", "url": uploads + "guide.pdf", "title": "Le guide"},
        ],
    )
    report = Report()
    edition_writer = EditionWriter(
        series, report, publish=True, media=MediaLibrary(tmp_path / "uploads")
    )
    with deferred_indexing() as written:
        edition_writer.prepare([edition])
        edition_writer.write(edition)
        written.update(edition_writer.finish())
    document = get_document_model().objects.get()
    raw = [(block["type"], block["value"]) for block in page_of(edition).body.raw_data]
    # A missing image is a link after the text before it.
    assert raw[0] == (
        "text",
        {
            "heading": "",
            "text": f'<p>Bonjour.</p><p><a href="{uploads}photo.png">Photo</a></p>',
        },
    )
    # Files after a resources section join its links: a document when found.
    assert [link["value"] for link in raw[1][1]["links"]] == [
        {
            "title": "Site",
            "url": "https://example.org/",
            "document": None,
            "description": "",
        },
        {"title": "Guide", "url": "", "document": document.pk, "description": ""},
        {
            "title": "Absent",
            "url": uploads + "absent.pdf",
            "document": None,
            "description": "",
        },
        {"title": "Le guide", "url": "", "document": document.pk, "description": ""},
    ]
    assert len(raw) == 2
    assert sorted(report.warnings.elements()) == [
        ("media_link", uploads + "absent.pdf"),
        ("media_link", uploads + "photo.png"),
    ]
    # Elsewhere, a document is a paragraph linking to it.
    later = parsed(2, [{"type": "file", "url": uploads + "guide.pdf", "title": "G&D"}])
    write(series, [later], publish=True, media=MediaLibrary(tmp_path / "uploads"))
    [block] = page_of(later).body.raw_data
    assert block["value"]["text"] == (
        f'<p><a linktype="document" id="{document.pk}">G&amp;D</a></p>'
    )
    assert get_document_model().objects.count() == 1


# --- the report, the digest and the indexing ----------------------------------


def test_the_report_groups_warnings_and_counts_statuses(series):
    report = Report()
    link = SourceWarning("media_link", "https://example.org/a.png")
    report.warn(link, "Édition 1")
    report.warn(link, "Édition 1")
    report.warn(link, "Édition 2")
    report.warn(SourceWarning("shortcode", "gallery"), "Édition 2")
    report.add("created", "Édition 1", page=series)
    report.add("skipped", "Brève", "pas un compte rendu")
    report.add("skipped", "Agenda", "pas un compte rendu")
    assert report.skipped == [
        ("Brève", "pas un compte rendu"),
        ("Agenda", "pas un compte rendu"),
    ]
    data = report.as_data()
    assert data["counts"] == {"created": 1, "skipped": 2}
    assert data["editions"][0] == {
        "status": "created",
        "edition": "Édition 1",
        "reason": "",
        "id": series.pk,
        "path": series.url_path,
    }
    assert data["warnings"] == [
        {
            "kind": "media_link",
            "detail": "https://example.org/a.png",
            "message": "média conservé comme lien vers son adresse d’origine : "
            "https://example.org/a.png",
            "count": 3,
            "editions": ["Édition 1", "Édition 2"],
        },
        {
            "kind": "shortcode",
            "detail": "gallery",
            "message": "code court supprimé : [gallery]",
            "count": 1,
            "editions": ["Édition 2"],
        },
    ]


@pytest.mark.parametrize("seed", range(20))
def test_the_digest_ignores_key_order_and_sees_any_change(seed):
    rng = random.Random(seed)
    values = {
        f"k{n}": rng.choice([words(rng), rng.randrange(9), None]) for n in range(6)
    }
    shuffled = dict(rng.sample(list(values.items()), len(values)))
    body = [draw_section(rng, rng.choice(["highlights", "resources", "text"]))]
    assert fingerprint([values, body]) == fingerprint([shuffled, body])
    key = rng.choice(list(values))
    other = {**values, key: f"{values[key]}!"}
    assert fingerprint([other, body]) != fingerprint([values, body])
    assert fingerprint([values, changed(rng, body)]) != fingerprint([values, body])


@pytest.mark.parametrize("update", [True, False])
def test_indexes_are_written_once_at_the_end_and_not_in_a_dry_run(series, update):
    editions = [parsed(1), parsed(2)]
    edition_writer = EditionWriter(series, Report(), publish=True)
    with deferred_indexing(update=update) as written:
        edition_writer.prepare(editions)
        for edition in editions:
            edition_writer.write(edition)
        written.update(edition_writer.finish())
        ids = [page_of(edition).pk for edition in editions]
        assert written == set(ids)
        assert not RecapSection.objects.exists()
    indexed = {int(pk) for pk in IndexEntry.objects.values_list("object_id", flat=True)}
    sections = set(RecapSection.objects.values_list("edition_id", flat=True))
    expected = set(ids) if update else set()
    assert (sections, indexed & set(ids)) == (expected, expected)


def test_items_count_per_kind_in_the_report(series):
    sections = [
        {
            "type": "nuggets",
            "heading": "Pépites",
            "intro": "",
            "items": [
                {"text": "<p>Une</p>", "children": [{"text": "<p>a</p>"}]},
                {"text": "<p>Deux</p>", "children": []},
            ],
        },
        {"type": "questions", "heading": "Questions", "intro": "", "items": []},
    ]
    report = write(series, [parsed(1, sections), parsed(2, sections[:1])])
    assert dict(report.items) == {"nuggets": 6, "questions": 0}
