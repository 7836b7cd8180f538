"""The section index: built from blocks at publish time, read by every surface."""

import datetime
import io
from importlib import import_module

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.blocks import MEDIA_TYPES, SECTION_TYPES, RecapBodyBlock
from recaps.models import (
    RecapEntry,
    RecapPage,
    RecapSection,
    Theme,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.api.helpers import API, get_json
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db


def test_index_gives_items_children_links_in_page_order(make_edition):
    edition = make_edition(
        body=[
            section("observations", "Constats", [("Isolement", ["des aînés"])]),
            section(
                "resources",
                "Liens",
                links=[{"title": "Site", "url": "https://example.org/"}],
            ),
            section("text", intro="<p>Le <b>bilan</b></p>"),
        ]
    )
    observations, resources, text = edition.public_sections()
    assert observations.as_dict() == {
        "type": "observations",
        "label": "Constats d’habitants",
        "heading": "Constats",
        "intro": {"html": "", "text": ""},
        "items": [
            {
                "html": "<p>Isolement</p>",
                "text": "Isolement",
                "children": [
                    {"html": "<p>des aînés</p>", "text": "des aînés", "children": []}
                ],
            }
        ],
        "links": [],
    }
    assert resources.links[0] == {
        "title": "Site",
        "url": "https://example.org/",
        "description": "",
    }
    assert (text.type, text.intro_text, text.position) == ("text", "Le bilan", 2)
    assert observations.text == "Constats Isolement des aînés"


def test_internal_links_are_resolved_for_readers_and_the_api(client, make_edition):
    target = make_edition(edition_number=1, title="Cible")
    edition = make_edition(
        edition_number=2,
        intro=f'<p>Voir <a linktype="page" id="{target.pk}">la première</a></p>',
        body=[
            section(
                "nuggets",
                items=[f'Voir <a linktype="page" id="{target.pk}">la cible</a>'],
            )
        ],
    )
    item = edition.public_sections()[0].items[0]
    assert f'<a href="{target.url}">la cible</a>' in item["html"]
    assert "linktype" not in item["html"]
    data = client.get(f"/api/v1/recaps/{edition.pk}/").json()
    assert f'href="{target.url}"' in data["intro"]["html"]
    assert f'href="{target.url}"' in data["body"][0]["items"][0]["html"]


def rows(edition):
    return list(RecapSection.objects.filter(edition=edition).order_by("position"))


def test_index_follows_publish_unpublish_republish_and_delete(make_edition):
    edition = make_edition(body=[section("nuggets", "Pépites", ["Une idée"])])
    assert [row.type for row in rows(edition)] == ["nuggets"]
    page = RecapPage.objects.get(pk=edition.pk)
    page.body = [section("questions", "Questions", ["Comment ?"])]
    revision = page.save_revision()
    assert [row.type for row in rows(edition)] == ["nuggets"]  # a draft: unchanged
    revision.publish()
    assert [row.items[0]["text"] for row in rows(edition)] == ["Comment ?"]
    page.unpublish()
    assert rows(edition) == []
    page.save_revision().publish()
    assert len(rows(edition)) == 1
    page.delete()
    assert not RecapSection.objects.exists()


def test_index_follows_privacy_and_moves(make_edition, series, root_page):
    edition = make_edition(body=[section("nuggets", "Pépites", ["Une idée"])])
    restriction = PageViewRestriction.objects.create(
        page=edition, restriction_type=PageViewRestriction.LOGIN
    )
    assert rows(edition) == []
    restriction.delete()
    assert len(rows(edition)) == 1
    private = RecapSeriesPageFactory(parent=root_page, title="Privée", slug="privee")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    RecapPage.objects.get(pk=edition.pk).move(private, pos="last-child")
    assert rows(edition) == []
    home = type(series).objects.get(pk=series.pk)
    RecapPage.objects.get(pk=edition.pk).move(home, pos="last-child")
    assert len(rows(edition)) == 1


def test_scheduled_publishing_fills_the_index(make_edition):
    edition = make_edition(publish=False, body=[section("nuggets", "P", ["Une idée"])])
    moment = timezone.now() + datetime.timedelta(hours=1)
    edition.go_live_at = moment
    edition.save_revision().publish()
    assert rows(edition) == []
    with time_machine.travel(moment + datetime.timedelta(minutes=1), tick=False):
        call_command("publish_scheduled", stdout=io.StringIO())
    assert len(rows(edition)) == 1


def test_rebuild_sections_rebuilds_the_whole_index(make_edition):
    public = make_edition(
        edition_number=1, body=[section("nuggets", "P", ["Une", "Deux"])]
    )
    make_edition(edition_number=2, publish=False, body=[section("text", intro="x")])
    expected = [(row.type, row.data, row.text) for row in rows(public)]
    RecapSection.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_sections", stdout=out)
    assert [(row.type, row.data, row.text) for row in rows(public)] == expected
    assert RecapSection.objects.count() == 1
    assert "1" in out.getvalue()


ENTITIES = "L&#x27;atelier &amp; le caf&eacute; &lt;numérique&gt; &quot;ouvert&quot;"
DECODED = 'L\'atelier & le café <numérique> "ouvert"'


def texts_of(data):
    """Every ``text`` value of a JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts_of(value)
    elif isinstance(data, list):
        for value in data:
            yield from texts_of(value)


def test_entities_never_appear_in_text_fields(client, make_edition):
    edition = make_edition(
        intro=f"<p>{ENTITIES}</p>",
        body=[
            section(
                "nuggets",
                "Pépites",
                [(ENTITIES, [ENTITIES])],
                intro=f"<p>{ENTITIES}</p>",
            ),
            section("text", "Bilan", intro=f"<p>{ENTITIES}</p>"),
        ],
    )
    [first, second] = rows(edition)
    assert first.items[0]["text"] == DECODED
    assert first.items[0]["children"][0]["text"] == DECODED
    assert first.intro_text == second.intro_text == DECODED
    assert first.text == f"Pépites {DECODED} {DECODED} {DECODED}"
    for url in (
        f"/api/v1/recaps/{edition.pk}/",
        "/api/v1/recaps/",
        "/api/v1/sections/",
    ):
        texts = list(texts_of(client.get(url).json()))
        assert texts, url
        assert all("&amp;" not in t and "&#x27;" not in t for t in texts), url
        assert DECODED in texts, url


def count_index_writes(monkeypatch):
    from wagtail.search.backends import get_search_backend

    writes = []
    backend_class = type(get_search_backend())
    original = backend_class.add

    def add(self, obj):
        writes.append(obj.pk)
        return original(self, obj)

    monkeypatch.setattr(backend_class, "add", add)
    return writes


def test_saving_and_publishing_writes_the_search_index_once(make_edition, monkeypatch):
    writes = count_index_writes(monkeypatch)
    edition = make_edition(tags=["numérique"], body=[section("nuggets", "P", ["x"])])
    assert writes == [edition.pk]
    writes.clear()
    page = RecapPage.objects.get(pk=edition.pk)
    page.title = "Nouveau titre"
    page.save_revision()  # a draft: nothing public changed
    assert writes == []
    page.save_revision().publish()
    assert writes == [edition.pk]


def publish_queries(make_edition, number, body):
    edition = make_edition(edition_number=number, publish=False, body=body)
    page = RecapPage.objects.get(pk=edition.pk)
    with CaptureQueriesContext(connection) as queries:
        page.save_revision().publish()
    return len(queries)


def test_publish_cost_does_not_grow_with_sections_items_or_links(make_edition):
    small = [section("nuggets", "P", ["x"])]
    big = [
        section(kind, f"S{n}", [(f"item {i}", ["a", "b"]) for i in range(8)])
        for n, kind in enumerate(["highlights", "nuggets", "questions"] * 4)
    ] + [
        section(
            "resources",
            "Liens",
            links=[{"title": f"L{i}", "url": "https://e.org/"} for i in range(6)],
        )
    ]
    publish_queries(make_edition, 1, small)  # warm caches
    assert publish_queries(make_edition, 2, big) == publish_queries(
        make_edition, 3, small
    )


EMPTY_HEADINGS = ("Les différents liens partagés", "Pour aller plus loin", "Bilan vide")


def _edition_with_empty_sections(make_edition):
    return make_edition(
        edition_number=1,
        tags=["numérique"],
        body=[
            section("highlights", "Ce qui a été partagé", ["Un point partagé"]),
            section("resources", "Les différents liens partagés"),
            section("reflections", "Réflexions", intro="<p>Entre autres :</p>"),
            section("nuggets", "Pour aller plus loin", intro="<p> </p>"),
            section(
                "resources",
                "Liens",
                links=[{"title": "Guide", "url": "https://example.org/"}],
            ),
            section("text", "Bilan vide", intro="<p></p>"),
            section("text", "Bilan", intro="<p>Un bilan</p>"),
        ],
    )


def test_empty_sections_are_left_out_of_the_index_and_the_api(client, make_edition):
    edition = _edition_with_empty_sections(make_edition)
    assert [child.value["heading"] for child in edition.empty_sections()] == list(
        EMPTY_HEADINGS
    )
    sections = edition.public_sections()
    assert [(s.type, s.heading, s.position) for s in sections] == [
        ("highlights", "Ce qui a été partagé", 0),
        ("reflections", "Réflexions", 1),
        ("resources", "Liens", 2),
        ("text", "Bilan", 3),
    ]
    detail = client.get(f"/api/v1/recaps/{edition.pk}/").json()
    assert [s["heading"] for s in detail["body"]] == [s.heading for s in sections]
    listed = client.get("/api/v1/recaps/").json()["results"][0]
    assert listed["section_types"] == ["highlights", "reflections", "resources", "text"]
    found = client.get("/api/v1/sections/", {"type": "nuggets"}).json()
    assert found["count"] == 0


def test_empty_sections_are_not_rendered_on_the_edition_page(client, make_edition):
    edition = _edition_with_empty_sections(make_edition)
    html = client.get(edition.url).content.decode()
    assert "Un point partagé" in html
    assert "Entre autres" in html
    assert ">Bilan<" in html
    for heading in EMPTY_HEADINGS:
        assert heading not in html


def test_theme_pages_name_section_kinds_in_readers_words(client, series, make_edition):
    _edition_with_empty_sections(make_edition)
    url = series.url + series.reverse_subpage("theme", kwargs={"slug": "numerique"})
    html = client.get(url).content.decode()
    assert (
        "Rubriques : Temps forts, Réflexions de fond, Ressources et liens, "
        "En complément" in html
    )
    assert "Texte libre" not in html
    assert "Pépites" not in html


# The edition index (RecapEntry): the API representation of each public edition.


def entry_of(edition):
    return RecapEntry.objects.filter(pk=edition.pk).first()


def test_entries_follow_publish_unpublish_privacy_and_delete(make_edition):
    edition = make_edition(title="Première", body=[section("nuggets", "P", ["Une"])])
    assert entry_of(edition).data["title"] == "Première"
    page = RecapPage.objects.get(pk=edition.pk)
    page.title = "Nouveau titre"
    page.save_revision()
    assert entry_of(edition).data["title"] == "Première"  # a draft: unchanged
    page.save_revision().publish()
    assert entry_of(edition).data["title"] == "Nouveau titre"
    page.unpublish()
    assert entry_of(edition) is None
    page.save_revision().publish()
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )
    assert entry_of(edition) is None
    restriction.delete()
    assert entry_of(edition) is not None
    RecapPage.objects.get(pk=edition.pk).delete()
    assert not RecapEntry.objects.exists()


def test_the_api_reads_the_entry_which_follows_theme_and_series_changes(
    client, make_edition, series
):
    edition = make_edition(tags=["numérique"], body=[section("nuggets", "P", ["x"])])
    detail = get_json(client, f"{API}recaps/{edition.pk}/")
    listed = get_json(client, f"{API}recaps/")["results"][0]
    entry = entry_of(edition)
    assert listed == {key: detail[key] for key in listed}
    assert (
        listed["tags"]
        == entry.data["tags"]
        == [{"name": "numérique", "label": "numérique", "slug": "numerique"}]
    )
    assert listed["url"] == f"http://testserver{entry.data['url']}"
    assert detail["pdf_url"] == f"http://testserver{entry.data['pdf_url']}"
    theme = Theme.objects.get(slug="numerique")
    theme.name = "Inclusion numérique"
    theme.save()
    series.title = "Les ébullitions"
    series.save_revision().publish()
    for data in (
        get_json(client, f"{API}recaps/{edition.pk}/"),
        get_json(client, f"{API}recaps/")["results"][0],
    ):
        assert data["tags"] == [
            {
                "name": "inclusion numérique",
                "label": "Inclusion numérique",
                "slug": "numerique",
            }
        ]
        assert data["series"]["title"] == "Les ébullitions"
    theme.label = "Inclusion Numérique"
    theme.save()
    assert get_json(client, f"{API}recaps/{edition.pk}/")["tags"][0] == {
        "name": "inclusion numérique",
        "label": "Inclusion Numérique",
        "slug": "numerique",
    }


def test_an_empty_edition_index_is_rebuilt_by_rebuild_sections(make_edition):
    """(After ``migrate``: tests/test_signal_handlers.py.)"""
    public = make_edition(edition_number=1, body=[section("nuggets", "P", ["Une"])])
    make_edition(edition_number=2, publish=False)
    expected = entry_of(public).data
    RecapEntry.objects.all().delete()
    call_command("rebuild_sections", stdout=io.StringIO())
    assert [entry.data for entry in RecapEntry.objects.all()] == [expected]


# The fingerprint: every field the API shows of an edition moves its public
# state, generated from the API representation itself.

#: Not the edition's own content: publication dates (and the version, which
#: is ``updated_at``'s instant) and neighbours.
NOT_FINGERPRINTED = {"first_published_at", "last_published_at", "updated_at", "version"}
NEIGHBOURS = {"previous", "next"}
#: Derived from another field, whose case covers them: identity (never edited),
#: URLs (from the slugs), a section's label (its type), the kinds of sections.
DERIVED = {"id", "uuid", "api_url", "url", "pdf_url", "label", "section_types"}
T1 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def api_fields(data, path=()):
    """``(path, value)`` of every field of an API representation; a rich
    text (``{"html", "text"}``, also an item's own) counts as one field."""
    if isinstance(data, dict):
        keys = set(data)
        if {"html", "text"} <= keys:
            yield path, data
            keys -= {"html", "text"}
        for key in sorted(keys):
            if key in NOT_FINGERPRINTED | NEIGHBOURS | DERIVED and path[:1] != (
                "body",
            ):
                continue
            if key in {"id", "label"}:
                continue
            if key == "children" and path[:1] == ("body",) and not data[key]:
                continue
            yield from api_fields(data[key], (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from api_fields(value, (*path, index))
    else:
        yield path, data


def changed_value(field, value):
    """Another value of ``value``, valid for the model ``field`` (or raw key)."""
    name = getattr(field, "name", field)
    choices = getattr(field, "choices", None)
    if choices:
        return next(key for key, _label in choices if key != value)
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=7)
    if isinstance(value, int):
        return value + 1
    if name == "slug":
        return f"{value}-modifie"
    if name == "url":
        return f"{value}?version=2"
    if isinstance(value, str) and value.rstrip().endswith(">"):
        closing = value.rstrip().rindex("</")
        return f"{value[:closing]} modifié{value[closing:]}"
    return f"{value} modifié".strip()


def raw_key(value, key):
    """The raw block key under which a representation's ``key`` is stored: a
    rich text pair (an item's own, an intro) may be stored as ``text``."""
    return key if key in value else "text"


def same_shape(kind, used=()):
    """Another kind than ``kind`` (and ``used``) with the same fields, or ``None``."""
    blocks = RecapBodyBlock.base_blocks
    fields = list(blocks[kind].child_blocks)
    return next(
        (
            other
            for other in SECTION_TYPES
            if other not in {kind, *used} and list(blocks[other].child_blocks) == fields
        ),
        None,
    )


def edit(path, edition, detail):
    """Change the source of the API field at ``path`` of ``detail``; republish."""
    head, *rest = path
    if head == "series":
        series = edition.get_parent().specific
        field = series._meta.get_field(rest[0])
        setattr(series, field.name, changed_value(field, getattr(series, field.name)))
        series.save_revision().publish()
    elif head == "tags":
        theme = Theme.objects.get(slug=detail["tags"][rest[0]]["slug"])
        setattr(theme, rest[1], changed_value(rest[1], getattr(theme, rest[1])))
        theme.save()
    elif head == "body":
        page = RecapPage.objects.get(pk=edition.pk)
        raw = page.body.get_prep_value()
        sections = [child for child in raw if child["type"] not in MEDIA_TYPES]
        child, (key, *inner) = sections[rest[0]], rest[1:]
        if key == "type":
            child["type"] = same_shape(child["type"], {child["type"] for child in raw})
        else:
            holder, key = child["value"], raw_key(child["value"], key)
            while inner:
                holder = holder[key][inner[0]]["value"]
                key = raw_key(holder, inner[1]) if len(inner) > 1 else "text"
                inner = inner[2:]
            holder[key] = changed_value(key, holder[key])
        page.body = raw
        page.save_revision().publish()
    else:
        page = RecapPage.objects.get(pk=edition.pk)
        field = page._meta.get_field(head)
        setattr(page, field.name, changed_value(field, getattr(page, field.name)))
        page.save_revision().publish()


def field_at(data, path):
    for key in path:
        data = data[key]
    return data


def public_state(client, edition, cursor):
    """``(updated_at, detail, change entries since cursor, next cursor,
    webhook deliveries)``."""
    detail = get_json(client, f"{API}recaps/{edition.pk}/")
    changes = get_json(client, f"{API}changes/?since={cursor}")
    assert not changes["has_more"]
    return (
        detail["updated_at"],
        detail,
        changes["results"],
        changes["next"],
        WebhookDelivery.objects.count(),
    )


def test_every_field_the_api_shows_moves_the_public_state(
    client, settings, make_edition
):
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    settings.RECAPS_API_THROTTLE_RATE = None
    WebhookSubscription.objects.create(
        url="https://receiver.example/hooks", secret="s3cret"
    )
    with time_machine.travel(T1, tick=False) as clock:
        edition = make_edition(
            tags=["numérique", "isolement"],
            summary_easy="En bref.",
            body=[
                section(
                    "nuggets",
                    "Pépites",
                    [("Un point", ["un détail"])],
                    intro="<p>À</p>",
                ),
                section(
                    "resources",
                    "Liens",
                    intro="<p>Voir</p>",
                    links=[
                        {
                            "title": "Site",
                            "url": "https://example.org/",
                            "description": "D",
                        }
                    ],
                ),
                section("text", "Bilan", intro="<p>Le bilan</p>"),
            ],
        )
        cursor = get_json(client, f"{API}changes/")["next"]
        cases = [
            path
            for path, value in api_fields(public_state(client, edition, cursor)[1])
            if path[-1:] != ("type",) or same_shape(value)
        ]
        # Edition, series, theme, section and item fields are all there.
        heads = {path[0] for path in cases}
        assert {"title", "summary_easy", "intro", "series", "tags", "body"} <= heads
        assert ("body", 0, "items", 0, "children", 0) in cases
        assert ("body", 1, "links", 0, "description") in cases

        clock.shift(60)
        published = public_state(client, edition, cursor)
        RecapPage.objects.get(pk=edition.pk).save_revision().publish()
        call_command("rebuild_sections", stdout=io.StringIO())
        unchanged = public_state(client, edition, cursor)
        assert unchanged[0] == published[0], "nothing changed, nothing moves"
        assert unchanged[2] == [] and unchanged[4] == published[4]

        for path in cases:
            clock.shift(60)
            updated_at, detail, _entries, cursor, deliveries = public_state(
                client, edition, cursor
            )
            edit(path, edition, detail)
            after = public_state(client, edition, cursor)
            assert field_at(after[1], path) != field_at(detail, path), path
            assert after[0] != updated_at, f"{path}: updated_at did not move"
            assert [entry["id"] for entry in after[2]] == [edition.pk], path
            assert after[2][0]["action"] == "updated", path
            assert after[4] == deliveries + 1, f"{path}: no webhook"
            edition.refresh_from_db()


def test_migration_0023_computes_the_fingerprint_the_code_computes(make_edition):
    from django.apps import apps

    recompute = import_module(
        "recaps.migrations.0023_fingerprint_of_the_representation"
    ).recompute
    editions = [
        make_edition(tags=["numérique"], summary_easy="Bref."),
        make_edition(body=[section("text", "Bilan", intro="<p>Fin</p>")]),
    ]
    expected = {page.pk: page.public_fingerprint for page in editions}
    dates = {page.pk: page.public_updated_at for page in editions}
    RecapPage.objects.update(public_fingerprint="")
    recompute(apps, None)
    for page in RecapPage.objects.filter(pk__in=expected):
        assert page.public_fingerprint == expected[page.pk] != ""
        assert page.public_updated_at == dates[page.pk]
