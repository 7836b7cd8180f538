"""The section index: built from blocks at publish time, read by every surface."""

import pytest

from recaps.search import clean_query, normalise, text_matches
from tests.factories import section

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


def test_search_helpers_fold_accents_and_neutralise_operators():
    assert normalise("Numérique ÉTÉ") == "numerique ete"
    assert clean_query('"isolé" OR x\x00 AND (y* ' + "a" * 500).startswith("isolé OR x")
    assert len(clean_query("a" * 5000)) <= 200
    assert clean_query("\ud800bénévoles") == "bénévoles"
    assert text_matches("Les bénévoles du centre", "benevole")
    assert not text_matches("Les bénévoles du centre", "salariés")
    assert not text_matches("anything", "  ")


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
