"""The section index: built from blocks at publish time, read by every surface."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from recaps.models import RecapEntry, RecapPage, RecapSection, Theme
from recaps.signal_handlers import fill_empty_index
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
        == [{"name": "numérique", "slug": "numerique"}]
    )
    assert listed["url"] == f"http://testserver{entry.data['url']}"
    assert detail["pdf_url"] == f"http://testserver{entry.data['pdf_url']}"
    theme = Theme.objects.get(slug="numerique")
    theme.name = "inclusion numérique"
    theme.save()
    series.title = "Les ébullitions"
    series.save_revision().publish()
    for data in (
        get_json(client, f"{API}recaps/{edition.pk}/"),
        get_json(client, f"{API}recaps/")["results"][0],
    ):
        assert data["tags"] == [{"name": "inclusion numérique", "slug": "numerique"}]
        assert data["series"]["title"] == "Les ébullitions"


def test_an_empty_edition_index_is_rebuilt_after_migrate_and_by_rebuild_sections(
    make_edition,
):
    public = make_edition(edition_number=1, body=[section("nuggets", "P", ["Une"])])
    make_edition(edition_number=2, publish=False)
    expected = entry_of(public).data
    RecapEntry.objects.all().delete()
    fill_empty_index(sender=None)
    assert [entry.data for entry in RecapEntry.objects.all()] == [expected]
    RecapEntry.objects.all().delete()
    call_command("rebuild_sections", stdout=io.StringIO())
    assert [entry.data for entry in RecapEntry.objects.all()] == [expected]
