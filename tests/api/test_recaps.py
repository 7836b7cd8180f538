"""/api/v1/recaps/ and /api/v1/recaps/{id}/: fields, filters, ordering, pages."""

import datetime

import pytest
from wagtail.models import Site

from recaps.models import RecapPage
from recaps.models.sections import EPOCH
from tests.api.helpers import API, get_json
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db


def ids(data):
    return [item["id"] for item in data["results"]]


@pytest.fixture
def three(first_edition, make_edition):
    """Three editions: themes, dates and section kinds differ."""
    first = first_edition
    second = make_edition(
        edition_number=2,
        title="Deuxième",
        date=datetime.date(2020, 11, 20),
        tags=["numérique"],
        body=[section("questions", "Questions", ["Comment garder le lien ?"])],
    )
    third = make_edition(
        edition_number=3,
        title="Troisième",
        date=datetime.date(2020, 11, 27),
        tags=["parentalité"],
        intro="<p>Parents et confinement.</p>",
    )
    return first, second, third


def test_index_links_every_endpoint(client, root_page):
    data = get_json(client, API)
    assert data == {
        "recaps": "http://testserver/api/v1/recaps/",
        "changes": "http://testserver/api/v1/changes/",
        "sections": "http://testserver/api/v1/sections/",
        "tags": "http://testserver/api/v1/tags/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


def test_list_item_has_every_documented_field(client, edition, series):
    data = get_json(client, API + "recaps/")
    assert data["count"] == 1
    assert data["next"] is None and data["previous"] is None
    item = data["results"][0]
    assert item == {
        "id": edition.pk,
        "slug": "premiere-edition",
        "title": "Première édition",
        "edition_number": 1,
        "date": "2020-11-13",
        "format": "visio",
        "series": {"id": series.pk, "slug": "ebullitions", "title": series.title},
        "tags": [
            {"name": "isolement", "label": "isolement", "slug": "isolement"},
            {"name": "numérique", "label": "numérique", "slug": "numerique"},
        ],
        "intro": {"html": "<p>Beau moment.</p>", "text": "Beau moment."},
        "summary_easy": "",
        "section_types": ["highlights", "nuggets", "resources", "text"],
        "url": "http://testserver/ebullitions/premiere-edition/",
        "api_url": f"http://testserver/api/v1/recaps/{edition.pk}/",
        "first_published_at": item["first_published_at"],
        "last_published_at": item["last_published_at"],
        "uuid": str(edition.translation_key),
        "updated_at": item["updated_at"],
        "version": item["version"],
    }
    updated = datetime.datetime.fromisoformat(item["updated_at"])
    assert item["version"] == (updated - EPOCH) // datetime.timedelta(microseconds=1)
    published = datetime.datetime.fromisoformat(item["last_published_at"])
    assert published == edition.last_published_at
    edition.refresh_from_db()
    updated = datetime.datetime.fromisoformat(item["updated_at"])
    assert updated == edition.public_updated_at


def test_easy_summary_in_list_detail_and_search(client, make_edition):
    summary = "Des centres sociaux se sont réunis.\nIls ont parlé des jardins."
    edition = make_edition(edition_number=1, summary_easy=summary)
    make_edition(edition_number=2)
    listed = get_json(client, API + "recaps/?ordering=edition_number")["results"]
    assert [item["summary_easy"] for item in listed] == [summary, ""]
    detail = get_json(client, API + f"recaps/{edition.pk}/")
    assert detail["summary_easy"] == summary
    found = get_json(client, API + "recaps/?search=jardins")["results"]
    assert [item["id"] for item in found] == [edition.pk]


def test_newest_first_by_default_and_every_ordering(client, three):
    first, second, third = three
    assert ids(get_json(client, API + "recaps/")) == [third.pk, second.pk, first.pk]
    expected = {
        "date": [first.pk, second.pk, third.pk],
        "-date": [third.pk, second.pk, first.pk],
        "edition_number": [first.pk, second.pk, third.pk],
        "-edition_number": [third.pk, second.pk, first.pk],
    }
    for ordering, order in expected.items():
        assert ids(get_json(client, API + f"recaps/?ordering={ordering}")) == order


def test_ordering_by_edition_number_differs_from_date(client, make_edition):
    late = make_edition(edition_number=1, date=datetime.date(2021, 1, 1))
    early = make_edition(edition_number=2, date=datetime.date(2020, 1, 1))
    assert ids(get_json(client, API + "recaps/?ordering=edition_number")) == [
        late.pk,
        early.pk,
    ]
    assert ids(get_json(client, API + "recaps/?ordering=date")) == [early.pk, late.pk]


def test_tag_filter_is_repeatable_with_and_semantics(client, three):
    first, second, _third = three
    assert ids(get_json(client, API + "recaps/?tag=numerique")) == [
        second.pk,
        first.pk,
    ]
    both = get_json(client, API + "recaps/?tag=numerique&tag=isolement")
    assert ids(both) == [first.pk]
    assert get_json(client, API + "recaps/?tag=inconnu")["count"] == 0
    assert get_json(client, API + "recaps/?tag=numerique&tag=inconnu")["count"] == 0


def test_series_filter(client, three, root_page):
    other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
    from tests.factories import RecapPageFactory

    elsewhere = RecapPageFactory(parent=other, edition_number=9)
    assert get_json(client, API + "recaps/?series=ebullitions")["count"] == 3
    data = get_json(client, API + "recaps/?series=autre")
    assert ids(data) == [elsewhere.pk]
    assert data["results"][0]["series"]["slug"] == "autre"
    assert get_json(client, API + "recaps/?series=inconnue")["count"] == 0


def test_date_filters_are_inclusive(client, three):
    first, second, third = three
    data = get_json(client, API + "recaps/?date_after=2020-11-20")
    assert ids(data) == [third.pk, second.pk]
    data = get_json(client, API + "recaps/?date_before=2020-11-20")
    assert ids(data) == [second.pk, first.pk]
    data = get_json(
        client, API + "recaps/?date_after=2020-11-14&date_before=2020-11-26"
    )
    assert ids(data) == [second.pk]


def test_section_type_filter(client, three):
    first, second, _third = three
    assert ids(get_json(client, API + "recaps/?section_type=nuggets")) == [first.pk]
    assert ids(get_json(client, API + "recaps/?section_type=questions")) == [second.pk]
    both = API + "recaps/?section_type=nuggets&section_type=questions"
    assert get_json(client, both)["count"] == 0


def test_search_is_full_text_and_combines_with_tag(client, three):
    first, second, third = three
    assert ids(get_json(client, API + "recaps/?search=confinement")) == [third.pk]
    assert ids(get_json(client, API + "recaps/?search=p%C3%A9pite")) == [first.pk]
    data = get_json(client, API + "recaps/?search=lien&tag=numerique")
    assert ids(data) == [second.pk]
    assert get_json(client, API + "recaps/?search=lien&tag=isolement")["count"] == 0
    # Theme names are indexed too: the second edition is tagged "numérique".
    data = get_json(
        client, API + "recaps/?search=num%C3%A9rique&ordering=date&page_size=1"
    )
    assert data["count"] == 2 and ids(data) == [first.pk]
    data = get_json(client, API + "recaps/?search=numerique&ordering=-date")
    assert ids(data) == [second.pk, first.pk]


def test_search_with_only_punctuation_finds_nothing(client, three):
    assert get_json(client, API + "recaps/?search=%22%27%28%29*")["count"] == 0


def test_pagination_and_page_size_clamp(client, make_edition):
    for number in range(1, 26):
        make_edition(edition_number=number, body=[])
    data = get_json(client, API + "recaps/")
    assert data["count"] == 25 and len(data["results"]) == 20
    assert data["next"] == "http://testserver/api/v1/recaps/?page=2"
    second = get_json(client, data["next"])
    assert len(second["results"]) == 5 and second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/recaps/"
    data = get_json(client, API + "recaps/?page_size=7&page=2")
    assert len(data["results"]) == 7
    assert [r["edition_number"] for r in data["results"]] == list(range(18, 11, -1))
    assert len(get_json(client, API + "recaps/?page_size=1000")["results"]) == 25


def test_page_size_above_maximum_is_cut_to_100(client, make_edition):
    for number in range(1, 103):
        make_edition(edition_number=number, body=[])
    data = get_json(client, API + "recaps/?page_size=500")
    assert len(data["results"]) == 100 and data["next"]


def test_page_beyond_the_last_is_404_json(client, edition):
    data = get_json(client, API + "recaps/?page=2", status=404)
    assert data["detail"] == "La page 2 n’existe pas."


def test_slug_returns_a_one_item_page(client, three):
    _first, second, _third = three
    data = get_json(client, API + "recaps/?slug=deuxieme")
    assert ids(data) == [second.pk]
    assert get_json(client, API + "recaps/?slug=inconnue")["count"] == 0


def test_detail_has_body_in_page_order_and_neighbours(client, three):
    first, second, third = three
    data = get_json(client, API + f"recaps/{first.pk}/")
    assert data["id"] == first.pk and data["title"] == "Première"
    assert data["pdf_url"] == "http://testserver/ebullitions/premiere/pdf/"
    assert [s["type"] for s in data["body"]] == [
        "highlights",
        "nuggets",
        "resources",
        "text",
    ]
    highlights = data["body"][0]
    assert highlights == {
        "type": "highlights",
        "label": "Temps forts",
        "heading": "Temps forts",
        "intro": {"html": "", "text": ""},
        "items": [
            {"html": "<p>Point 1</p>", "text": "Point 1", "children": []},
            {
                "html": "<p>Parent</p>",
                "text": "Parent",
                "children": [{"html": "<p>A</p>", "text": "A", "children": []}],
            },
        ],
        "links": [],
    }
    assert data["body"][1]["intro"] == {"html": "<p>À retenir</p>", "text": "À retenir"}
    assert data["body"][2]["links"] == [
        {
            "title": "Guide",
            "url": "https://example.org/guide",
            "description": "Un guide",
        }
    ]
    assert data["body"][3]["intro"]["text"] == "Merci à tous."
    assert data["previous"] is None
    assert data["next"] == {
        "id": second.pk,
        "title": "Deuxième",
        "date": "2020-11-20",
        "url": "http://testserver/ebullitions/deuxieme/",
        "api_url": f"http://testserver/api/v1/recaps/{second.pk}/",
    }
    middle = get_json(client, API + f"recaps/{second.pk}/")
    assert middle["previous"]["id"] == first.pk and middle["next"]["id"] == third.pk


def test_detail_of_unknown_id_is_404_json(client, edition):
    data = get_json(client, API + "recaps/999999/", status=404)
    assert data == {"detail": "Aucune édition publiée n’a cet identifiant."}
    get_json(client, API + "recaps/99999999999999999999999/", status=404)


def test_absolute_urls_follow_the_site_root_url(client, edition):
    Site.objects.filter(is_default_site=True).update(
        hostname="ebullitions.example.org", port=443
    )
    data = get_json(client, API + "recaps/")
    assert (
        data["results"][0]["url"]
        == "https://ebullitions.example.org/ebullitions/premiere-edition/"
    )
    detail = get_json(client, API + f"recaps/{edition.pk}/")
    assert detail["url"].startswith("https://ebullitions.example.org/")


def test_unknown_api_path_is_json_404(client):
    assert get_json(client, API + "nothing/here/", status=404)["detail"]
    assert client.get(API + "recaps").status_code == 301


@pytest.mark.parametrize(
    "query", ["", "?ordering=date", "?page_size=1&page=2", "?tag=numerique"]
)
def test_the_count_is_the_number_of_public_editions(
    client, make_edition, hidden_editions, query
):
    """Unfiltered lists are counted on the edition index, filtered ones on the
    pages: both leave out every hidden edition, even one whose schedule ran
    out or changed without a publication."""
    for number in (1, 2, 3):
        make_edition(edition_number=number, tags=["numérique"])
    data = get_json(client, f"{API}recaps/{query}")
    assert data["count"] == RecapPage.objects.published().count() == 3
    titles = {page.title for page in hidden_editions.values()}
    assert not titles & {item["title"] for item in data["results"]}


def test_a_search_alone_counts_public_editions_only(client, garden_editions):
    """Counted in SQLite's index of public editions' words: drafts,
    restricted editions and editions outside their schedule left out."""
    data = get_json(client, API + "recaps/?search=jardin")
    assert data["count"] == 3 and len(data["results"]) == 3
    assert get_json(client, API + "recaps/?search=jardin&page_size=1")["count"] == 3
