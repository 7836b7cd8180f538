"""/api/v1/sections/: sections across editions with their edition reference."""

import datetime

import pytest

from tests.api.helpers import API, get_json
from tests.factories import section

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(first_edition, make_edition):
    """Two editions sharing the theme isolement."""
    first = first_edition
    second = make_edition(
        edition_number=2,
        title="Deuxième",
        date=datetime.date(2020, 11, 20),
        tags=["isolement"],
        body=[
            section("nuggets", "Pépites", ["Appeler les voisins isolés"]),
            section("questions", "Questions", ["Comment joindre les familles ?"]),
        ],
    )
    return first, second


def kinds(data):
    return [(item["recap"]["id"], item["type"]) for item in data["results"]]


def test_every_section_newest_edition_first_then_page_order(client, two):
    first, second = two
    data = get_json(client, API + "sections/")
    assert data["count"] == 6
    assert kinds(data) == [
        (second.pk, "nuggets"),
        (second.pk, "questions"),
        (first.pk, "highlights"),
        (first.pk, "nuggets"),
        (first.pk, "resources"),
        (first.pk, "text"),
    ]
    nugget = data["results"][3]
    assert nugget["position"] == 1
    assert nugget["id"] == first.body[1].id
    assert nugget["heading"] == "Les pépites"
    assert nugget["items"][1]["text"] == "Atelier d’inclusion numérique"
    assert nugget["recap"] == {
        "id": first.pk,
        "title": "Première",
        "date": "2020-11-13",
        "url": "http://testserver/ebullitions/premiere/",
        "api_url": f"http://testserver/api/v1/recaps/{first.pk}/",
    }


def test_type_is_repeatable(client, two):
    first, second = two
    data = get_json(client, API + "sections/?type=nuggets")
    assert kinds(data) == [(second.pk, "nuggets"), (first.pk, "nuggets")]
    data = get_json(client, API + "sections/?type=questions&type=resources")
    assert kinds(data) == [(second.pk, "questions"), (first.pk, "resources")]


def test_tag_recap_and_dates(client, two):
    first, second = two
    data = get_json(client, API + "sections/?type=nuggets&tag=numerique")
    assert kinds(data) == [(first.pk, "nuggets")]
    assert get_json(client, API + "sections/?tag=isolement")["count"] == 6
    assert get_json(client, API + "sections/?tag=inconnu")["count"] == 0
    data = get_json(client, API + f"sections/?recap={second.pk}")
    assert kinds(data) == [(second.pk, "nuggets"), (second.pk, "questions")]
    data = get_json(client, API + "sections/?date_after=2020-11-14")
    assert {item["recap"]["id"] for item in data["results"]} == {second.pk}
    data = get_json(client, API + "sections/?date_before=2020-11-13")
    assert {item["recap"]["id"] for item in data["results"]} == {first.pk}


def test_search_matches_the_sections_own_text(client, two):
    first, second = two
    data = get_json(client, API + "sections/?search=numerique")
    assert kinds(data) == [(first.pk, "nuggets")]
    data = get_json(client, API + "sections/?search=isoles&type=nuggets")
    assert kinds(data) == [(second.pk, "nuggets")]
    data = get_json(client, API + "sections/?search=guide")
    assert kinds(data) == [(first.pk, "resources")]
    data = get_json(client, API + "sections/?search=numerique&tag=isolement")
    assert kinds(data) == [(first.pk, "nuggets")]
    assert get_json(client, API + "sections/?search=familles%20voisins")["count"] == 0


def test_pagination(client, two):
    first, second = two
    data = get_json(client, API + "sections/?page_size=4")
    assert len(data["results"]) == 4
    assert data["next"] == "http://testserver/api/v1/sections/?page=2&page_size=4"
    data = get_json(client, data["next"])
    assert kinds(data) == [(first.pk, "resources"), (first.pk, "text")]
    data = get_json(client, API + "sections/?search=pepite&page_size=1&page=2")
    assert data["count"] == 2 and len(data["results"]) == 1
    get_json(client, API + "sections/?page=3&page_size=4", status=404)


def test_a_search_alone_counts_sections_of_public_editions_only(
    client, garden_editions
):
    data = get_json(client, API + "sections/?search=jardin&page_size=2")
    assert data["count"] == 3 and len(data["results"]) == 2
    assert get_json(client, API + "sections/?search=jard%20PART")["count"] == 3
