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
    # On a phone the editions come first; the presentation is “À propos”.
    assert html.index("<h1>") < html.index('href="#about-title">À propos</a>')
    editions = html.index('id="editions-title"')
    assert editions < html.index('id="about-title"') < html.index("Un espace d’")
    assert editions < html.index('id="registration-title"')


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
    assert '<span class="weekday">vendredi </span>20 novembre 2020' in html


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


def test_series_listing_shows_each_easy_summary(client, series, make_edition):
    make_edition(edition_number=1, summary_easy="Une phrase.\nUne autre phrase.")
    make_edition(edition_number=2)
    html = client.get(series.url).content.decode()
    assert html.count('class="summary-easy-short"') == 1
    assert "Une phrase.<br>Une autre phrase." in html


def test_edition_page_says_how_to_take_part(client, series, make_edition):
    series.participation_info = "<p>En cas de difficultés, contactez Maxime.</p>"
    series.contact_name = "Maxime"
    series.contact_phone = "06 46 80 00 95"
    series.contact_email = "contact@example.org"
    series.save_revision().publish()
    edition = make_edition(edition_number=1)
    html = client.get(edition.url).content.decode()
    block = html[html.index('<section class="participation"') :]
    block = block[: block.index("</section>")]
    assert "Comment participer ?" in block
    assert "contactez Maxime" in block
    # Links that say their address are not followed by it again on paper.
    assert '<a data-bare-url href="tel:0646800095">06 46 80 00 95</a>' in block
    assert (
        '<a data-bare-url href="mailto:contact@example.org">contact@example.org</a>'
        in block
    )
    # After the content, before the links to other editions.
    assert html.index('class="section') < html.index('<section class="participation"')
    assert html.index('<section class="participation"') < html.index('class="pager"')


def test_long_edition_has_a_table_of_contents_and_a_way_back_up(client, make_edition):
    body = [
        section("highlights", "Retour sur…", ["Un point"]),
        section("resources", "Vide"),
        section("observations", "Les constats", ["Un constat"]),
        section("text", intro="<p>Un bilan sans titre.</p>"),
        section("nuggets", "Les pépites", ["Une pépite"]),
    ]
    edition = make_edition(edition_number=1, body=body)
    html = client.get(edition.url).content.decode()
    toc = html[html.index('<nav class="toc"') : html.index("</nav>")]
    assert "Dans cette édition" in toc
    entries = [
        ("section-1", "Retour sur…"),
        ("section-2", "Les constats"),
        ("section-4", "Les pépites"),
    ]
    for anchor, title in entries:
        assert f'<a href="#{anchor}">{title}</a>' in toc
        assert f'id="{anchor}"' in html
    # The free-text block has no heading to jump to: it is not listed.
    assert toc.count("<li>") == len(entries)
    assert "En complément" not in toc and "#section-3" not in toc
    assert "Vide" not in html
    assert html.index("</nav>") < html.index('id="section-1"')
    assert '<a href="#top">Haut de page</a>' in html
    assert '<header id="top">' in html

    short = make_edition(edition_number=2, body=body[:3])
    html = client.get(short.url).content.decode()
    assert 'class="toc"' not in html and 'href="#top"' not in html


def test_header_search_names_its_action_with_the_verb(client, series):
    html = client.get(series.url).content.decode()
    assert 'placeholder="Un mot, un thème…"' in html
    assert '<button type="submit">Rechercher</button>' in html


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
