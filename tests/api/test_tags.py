"""/api/v1/tags/: themes of published editions with their counts."""

import pytest

from tests.api.helpers import API, get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(make_edition):
    make_edition(edition_number=1, tags=["numérique", "isolement"])
    make_edition(edition_number=2, tags=["numérique"])
    make_edition(edition_number=3, tags=["numérique", "aller-vers"])
    make_edition(edition_number=4, tags=["caché"], publish=False)


def test_themes_with_counts_ordered_by_name(client, tagged):
    data = get_json(client, API + "tags/")
    assert data["count"] == 3
    assert [(t["slug"], t["recap_count"]) for t in data["results"]] == [
        ("aller-vers", 1),
        ("isolement", 1),
        ("numerique", 3),
    ]
    assert data["results"][2] == {
        "name": "numérique",
        "label": "numérique",
        "slug": "numerique",
        "description": "",
        "recap_count": 3,
        "recaps_url": "http://testserver/api/v1/recaps/?tag=numerique",
        "pdf_url": "http://testserver/ebullitions/themes/numerique/pdf/",
    }


def test_ordering_by_name_or_count(client, tagged):
    data = get_json(client, API + "tags/?ordering=-recap_count")
    assert [t["slug"] for t in data["results"]] == [
        "numerique",
        "aller-vers",
        "isolement",
    ]
    data = get_json(client, API + "tags/?ordering=recap_count")
    assert [t["slug"] for t in data["results"]][-1] == "numerique"
    data = get_json(client, API + "tags/?ordering=-name")
    assert [t["slug"] for t in data["results"]] == [
        "numerique",
        "isolement",
        "aller-vers",
    ]


def test_recaps_url_lists_the_counted_editions(client, tagged):
    theme = get_json(client, API + "tags/?ordering=-recap_count")["results"][0]
    assert get_json(client, theme["recaps_url"])["count"] == theme["recap_count"]


def test_pagination(client, tagged):
    data = get_json(client, API + "tags/?page_size=2")
    assert len(data["results"]) == 2 and data["next"]


def test_pdf_url_is_the_digest_in_the_series_of_the_newest_edition(
    client, root_page, tagged
):
    from tests.factories import RecapPageFactory, RecapSeriesPageFactory

    other = RecapSeriesPageFactory(parent=root_page, title="Autre", slug="autre")
    RecapPageFactory(parent=other, edition_number=9, tags=["isolement"])
    RecapPageFactory(parent=other, edition_number=10, tags=["caché"], publish=False)
    themes = {t["slug"]: t for t in get_json(client, API + "tags/")["results"]}
    assert themes["isolement"]["pdf_url"] == (
        "http://testserver/autre/themes/isolement/pdf/"
    )
    assert themes["aller-vers"]["pdf_url"] == (
        "http://testserver/ebullitions/themes/aller-vers/pdf/"
    )
    assert "cache" not in themes
