"""French search: the same Snowball stems at index and query time, on both databases.

Run on SQLite (default) and on PostgreSQL (``DATABASE_URL=postgres://…``): the
table of expected matches is the same.
"""

import datetime

import pytest

from recaps.search import highlight, stem, stem_text
from tests.factories import section

pytestmark = pytest.mark.django_db


@pytest.fixture
def editions(make_edition):
    return {
        "isolement": make_edition(
            edition_number=1,
            title="Rompre l’isolement",
            date=datetime.date(2020, 11, 13),
            body=[
                section(
                    "observations",
                    "Les constats",
                    ["Les personnes âgées isolées attendent un appel."],
                )
            ],
        ),
        "fond": make_edition(
            edition_number=2,
            title="Deuxième rencontre",
            date=datetime.date(2020, 11, 20),
            body=[
                section(
                    "reflections",
                    "Les réflexions de fond",
                    ["Le lien social doit rester un choix."],
                )
            ],
        ),
        "ateliers": make_edition(
            edition_number=3,
            title="Troisième rencontre",
            date=datetime.date(2020, 11, 27),
            summary_easy="Des bénévoles aident les habitants.",
            body=[
                section("nuggets", "Les pépites", ["Des ateliers numériques au café."])
            ],
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("personne", {"isolement"}),
        ("Personnes", {"isolement"}),
        ("reflexion", {"fond"}),
        ("réflexions", {"fond"}),
        ("REFLEXIONS", {"fond"}),
        ("isolée", {"isolement"}),
        ("isolement", {"isolement"}),
        ("benevole", {"ateliers"}),
        ("atelier numerique", {"ateliers"}),
        ("habitant", {"ateliers"}),
        ("liens sociaux", {"fond"}),
        ("lien social", {"fond"}),
        ("personne reflexion", set()),
        ("jardinage", set()),
    ],
)
def test_french_words_find_their_other_forms(client, editions, query, expected):
    response = client.get("/api/v1/recaps/", {"search": query})
    assert response.status_code == 200
    found = {item["id"] for item in response.json()["results"]}
    assert found == {editions[name].pk for name in expected}


def test_reader_search_finds_and_marks_other_forms(client, editions):
    html = client.get("/search/", {"query": "personne"}).content.decode()
    assert "Rompre l’isolement" in html
    assert "<mark>personnes</mark>" in html
    assert "Deuxième rencontre" not in html


def test_one_stemmer_folds_accents_case_plurals_and_endings():
    assert stem("personnes") == stem("personne") == "person"
    assert stem("Réflexions") == stem("reflexion") == stem("réflexion")
    assert stem("isolées") == stem("isolés") == stem("isolement") == "isol"
    assert stem("bénévoles") == stem("benevole")
    assert stem_text("Les Personnes  âgées!") == "le person age"
    assert stem_text("") == ""
    marked = highlight("Des réflexions sur les personnes isolées", "reflexion personne")
    assert str(marked) == (
        "Des <mark>réflexions</mark> sur les <mark>personnes</mark> isolées"
    )
