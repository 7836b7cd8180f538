"""Reader pages rendered through the Django test client."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import section

pytestmark = pytest.mark.django_db


def test_home_links_to_the_series(client, series):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert f'href="{series.url}"' in html


def test_series_page_shows_presentation_registration_and_editions(
    client, series, make_edition
):
    series.registration_message = "Les inscriptions sont terminées."
    series.contact_name = "Maxime"
    series.contact_email = "contact@example.org"
    series.save_revision().publish()
    make_edition(edition_number=1, title="Première", date=datetime.date(2020, 11, 13))
    make_edition(edition_number=2, title="Deuxième", date=datetime.date(2020, 11, 20))
    make_edition(edition_number=3, title="Brouillon", publish=False)
    html = client.get(series.url).content.decode()
    assert "Un espace d’échange." in html
    assert "Les inscriptions sont terminées." in html
    assert "Les inscriptions sont closes." in html
    assert 'href="mailto:contact@example.org"' in html
    assert html.index("Deuxième") < html.index("Première")
    assert "Brouillon" not in html


def test_edition_page_renders_sections_items_sub_items_and_neighbours(
    client, make_edition
):
    first = make_edition(
        edition_number=1, title="Première", date=datetime.date(2020, 11, 13)
    )
    second = make_edition(
        edition_number=2,
        title="Deuxième",
        date=datetime.date(2020, 11, 20),
        tags=["numérique", "isolement"],
        body=[
            section("observations", "Les constats", ["Isolement des aînés"]),
            section(
                "highlights",
                "Ce qui a été partagé",
                [("Des interrogations partagées", ["Comment repérer ?"])],
            ),
            section("text", intro="<p>Le bilan est positif.</p>"),
        ],
    )
    third = make_edition(
        edition_number=3, title="Troisième", date=datetime.date(2020, 11, 27)
    )
    response = client.get(second.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Les constats</h2>" in html
    assert "Isolement des aînés" in html
    assert "Comment repérer ?" in html
    assert "Le bilan est positif." in html
    assert "numérique" in html and "isolement" in html
    assert f'rel="prev" href="{first.url}"' in html
    assert f'rel="next" href="{third.url}"' in html
    assert "vendredi 20 novembre 2020" in html


def test_easy_summary_is_shown_first(client, make_edition):
    edition = make_edition(
        edition_number=1,
        intro="<p>Introduction des animateurs.</p>",
        summary_easy="Des centres se sont réunis.\nIls ont parlé des aînés.",
    )
    html = client.get(edition.url).content.decode()
    box = html.index('<section class="summary-easy"')
    assert html.index("<h1>") < box < html.index("<p>Introduction des animateurs.")
    assert box < html.index('<section class="section')
    assert "L’essentiel en mots simples" in html
    assert "Des centres se sont réunis.<br>Ils ont parlé des aînés." in html
    without = make_edition(edition_number=2)
    assert "summary-easy" not in client.get(without.url).content.decode()


def test_unpublished_edition_is_not_served(client, make_edition):
    draft = make_edition(publish=False)
    assert client.get(f"/ebullitions/{draft.slug}/").status_code == 404


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_edition_queries_do_not_grow_with_sections_items_or_themes(
    client, make_edition, uncached
):
    small = make_edition(
        edition_number=1, tags=["a"], body=[section("highlights", items=["x"])]
    )
    big = make_edition(
        edition_number=2,
        tags=[f"thème {n}" for n in range(8)],
        body=[
            section(kind, items=[(f"item {n}", ["sub 1", "sub 2"]) for n in range(6)])
            for kind in ["highlights", "observations", "reflections", "nuggets"] * 3
        ],
    )
    _queries_for(client, small.url)  # warm caches (site root paths)
    assert _queries_for(client, big.url) == _queries_for(client, small.url)


def test_series_queries_do_not_grow_with_editions(
    client, series, make_edition, uncached
):
    make_edition(edition_number=1, tags=["a", "b"])
    _queries_for(client, series.url)
    few = _queries_for(client, series.url)
    for number in range(2, 12):
        make_edition(edition_number=number, tags=["a", "b", f"t{number}"])
    assert _queries_for(client, series.url) == few
