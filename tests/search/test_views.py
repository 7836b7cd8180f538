"""The reader search at /search/, on SQLite (FTS5) and PostgreSQL."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from recaps.models import RecapPage
from recaps.search import matching_keys
from tests.factories import section

pytestmark = pytest.mark.django_db


def _search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def _titles(html):
    """Titles of the results, in order."""
    import re

    return re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("numerique", {"Inclusion numérique"}),
        ("NUMÉRIQUE", {"Inclusion numérique"}),
        ("benevoles", {"Inclusion numérique", "Aller vers"}),
        ("Bénévoles", {"Inclusion numérique", "Aller vers"}),
        ("aines", {"Inclusion numérique"}),  # a sub-item
        ("confinement", {"Rompre l’isolement"}),  # an item
        ("connecte", {"Inclusion numérique"}),  # inside <i>
        ("goûter", {"Rompre l’isolement"}),
        ("benevoles quartier", {"Aller vers"}),  # every word must match
    ],
)
def test_accent_and_case_insensitive_search_over_items(client, corpus, query, expected):
    assert set(_titles(_search(client, query=query))) == expected


def test_french_stemming_on_both_databases(client, corpus):
    """Inflected forms match, on SQLite as on PostgreSQL (recaps.search.stem)."""
    assert "Rompre l’isolement" in _titles(_search(client, query="isolé"))
    # “isolement” (title, and a theme of “Aller vers”) and “isolées” (item)
    # share the stem “isol”.
    assert set(_titles(_search(client, query="isolées"))) == {
        "Rompre l’isolement",
        "Aller vers",
    }
    assert set(_titles(_search(client, query="bénévole"))) == {
        "Inclusion numérique",
        "Aller vers",
    }
    assert set(_titles(_search(client, query="personne"))) == {"Rompre l’isolement"}


def test_only_published_editions_are_found(client, corpus, hidden_editions):
    html = _search(client, query="numerique")
    assert _titles(html) == ["Inclusion numérique"]
    html = _search(client, query="cache")
    assert not any(page.title in html for page in hidden_editions.values())
    assert "Aucune édition ne correspond" in html


def test_snippet_highlights_the_match_and_names_the_section(client, corpus):
    html = _search(client, query="benevoles")
    assert "<mark>bénévoles</mark> accompagnent les démarches en ligne." in html
    assert "Dans « Les constats » (Constats d’habitants)" in html
    # Markup of the item is not rendered; its text is escaped around the mark.
    html = _search(client, query="cafe")
    assert "Un <mark>café</mark> connecté &amp; partagé" in html
    assert "Dans « Les pépites » (Pépites et pistes d’action)" in html


def test_snippet_escapes_html_in_items(client, make_edition):
    make_edition(
        edition_number=1,
        body=[
            section(
                "highlights",
                "Temps",
                ["Balise &lt;script&gt;alert(1)&lt;/script&gt; piège"],
            )
        ],
    )
    html = _search(client, query="piege")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>piège</mark>" in html
    assert "<script>alert" not in html


def test_filters_by_theme_section_kind_and_dates(client, corpus):
    assert set(_titles(_search(client, query="benevoles", tag="aller-vers"))) == {
        "Aller vers"
    }
    assert set(_titles(_search(client, query="benevoles", type="actions"))) == {
        "Aller vers"
    }
    # The kind filter keeps editions holding such a section.
    assert set(_titles(_search(client, query="benevoles", type="nuggets"))) == {
        "Inclusion numérique"
    }
    assert set(_titles(_search(client, query="benevoles", type="questions"))) == set()
    assert set(
        _titles(_search(client, query="benevoles", date_before="2021-01-01"))
    ) == {"Inclusion numérique"}
    assert set(
        _titles(_search(client, query="benevoles", date_after="2021-01-01"))
    ) == {"Aller vers"}
    # Filters alone list the matching editions, newest first.
    assert _titles(_search(client, tag="isolement")) == [
        "Aller vers",
        "Rompre l’isolement",
    ]
    assert _titles(_search(client, type="nuggets")) == [
        "Rompre l’isolement",
        "Inclusion numérique",
    ]


def test_type_filter_chooses_the_snippet_section(client, corpus):
    # “bénévoles” is in the observations; with type=nuggets the snippet comes
    # from the nuggets when they match, else from wherever the words are.
    html = _search(client, query="cafe", type="nuggets")
    assert "(Pépites et pistes d’action)" in html
    html = _search(client, query="benevoles", type="nuggets")
    assert "<mark>bénévoles</mark> accompagnent" in html
    html = _search(client, query="partage")
    assert "Un café connecté &amp; <mark>partagé</mark>" in html


@pytest.mark.parametrize(
    "params",
    [
        {"date_after": "2021-13-45"},
        {"date_before": "hier"},
        {"type": "inconnu"},
        {"tag": "pas un slug !"},
        {"tag": "theme-inconnu"},
    ],
)
def test_malformed_filters_are_ignored_with_a_message(client, corpus, params):
    html = _search(client, query="benevoles", **params)
    assert set(_titles(html)) == {"Inclusion numérique", "Aller vers"}
    assert "ignoré" in html


def test_facets_count_themes_among_results_and_add_the_filter(client, corpus):
    html = _search(client, query="benevoles")
    facets = html[html.index("Thèmes parmi les résultats") :]
    assert 'href="?query=benevoles&amp;tag=numerique">numérique</a>' in facets
    assert 'href="?query=benevoles&amp;tag=aller-vers">aller-vers</a>' in facets
    assert "(1)" in facets
    html = _search(client, query="isolement")
    assert 'tag=isolement">isolement</a> <span class="count">(' in html


def test_empty_query_shows_the_themes(client, corpus, hidden_editions):
    html = _search(client)
    assert "Parcourir par thème" in html
    assert 'href="?tag=isolement">isolement</a> <span class="count">(2)' in html
    assert "secret" not in html
    assert "Aucune édition" not in html


def test_no_result_says_so_and_suggests_themes(client, corpus):
    html = _search(client, query="xylophone")
    assert "Aucune édition ne correspond à votre recherche." in html
    assert "Essayez un thème" in html
    assert 'href="?tag=numerique"' in html


def test_results_are_paginated_keeping_the_query_string(client, make_edition):
    from search.views import RESULTS_PER_PAGE

    for number in range(1, RESULTS_PER_PAGE + 3):
        make_edition(
            edition_number=number,
            title=f"Réunion {number:03d}",
            tags=["commun"],
            body=[section("highlights", items=["Le jardin partagé"])],
        )
    html = _search(client, query="jardin", tag="commun")
    assert len(_titles(html)) == RESULTS_PER_PAGE
    assert 'href="?query=jardin&amp;tag=commun&amp;page=2"' in html
    second = _search(client, query="jardin", tag="commun", page=2)
    assert len(_titles(second)) == 2
    assert set(_titles(html)).isdisjoint(_titles(second))
    # Out-of-range or malformed page numbers show the last or first page.
    assert _titles(_search(client, query="jardin", page=999)) == _titles(second)
    assert _titles(_search(client, query="jardin", page="x")) == _titles(html)


HOSTILE_QUERIES = [
    "x" * 5000,
    "numérique " * 300,
    '"',
    '"numerique',
    "numerique*",
    "*",
    "OR",
    "numerique OR benevoles",
    "AND NOT",
    "NEAR(numerique benevoles)",
    "NEAR(",
    "-numerique",
    "title:numerique",
    ":",
    "()",
    "(numerique",
    "numerique)",
    "'; DROP TABLE wagtailcore_page; --",
    "' OR 1=1 --",
    "\\",
    "%",
    "_",
    "numerique & | ! <-> :*",
    "<script>alert(1)</script>",
    "le la les",
    "\x00",
    "nume\x00rique",
    "😀",
    "ß ﬁ Ω",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_are_answered_normally(client, corpus, query):
    response = client.get("/search/", {"query": query, "tag": query, "type": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        "query=%ED%A0%80",
        "query=num%ED%A0%80erique",
        "query=%00",
        "query=%FF%FE",
        "query=%",
        "query=numerique&page=%ED%A0%80",
        "query=numerique&page=-1",
        "query=numerique&page=99999999999999999999",
        "query=numerique&date_after=%00",
        "query=numerique&date_after=99999-01-01",
        "query=numerique&date_before=0000-00-00",
    ],
)
def test_raw_hostile_query_strings(client, corpus, raw):
    response = client.get(f"/search/?{raw}")
    assert response.status_code == 200


def test_operators_are_searched_as_plain_words(client, corpus):
    assert set(_titles(_search(client, query='"numerique"'))) == {"Inclusion numérique"}
    assert _titles(_search(client, query="numerique OR confinement")) == []
    assert set(_titles(_search(client, query="(benevoles) quartier*"))) == {
        "Aller vers"
    }


def _count_queries(client, params):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {"query": "jardin"},
        {"query": "jardin", "tag": "commun", "type": "highlights"},
        {"tag": "commun"},
        {},
        {"query": "introuvable"},
    ],
)
def test_search_queries_do_not_grow_with_results_editions_or_themes(
    client, make_edition, params, uncached
):
    def add(number):
        make_edition(
            edition_number=number,
            date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
            tags=["commun", f"thème {number}", f"autre {number}"],
            body=[
                section(
                    kind,
                    items=[(f"Le jardin {n}", ["sous-point"]) for n in range(4)],
                    links=[{"title": "Lien", "url": "https://example.org/"}],
                )
                for kind in ["highlights", "nuggets", "resources"]
            ],
        )

    add(1)
    _count_queries(client, params)  # warm the site cache
    small = _count_queries(client, params)
    for number in range(2, 16):
        add(number)
    assert _count_queries(client, params) == small


def test_only_the_newest_matches_are_ranked_and_every_match_is_counted(
    client, make_edition, monkeypatch
):
    """Ranking is bounded (recaps.search.RANK_CANDIDATES): the newest matches
    are listed by relevance, the count and the message tell how many matched."""
    monkeypatch.setattr("recaps.search.RANK_CANDIDATES", 3)
    monkeypatch.setattr("search.views.RANK_CANDIDATES", 3)
    for number in range(1, 6):
        make_edition(
            edition_number=number,
            title=f"Réunion {number}",
            date=datetime.date(2021, 1, 1) + datetime.timedelta(days=7 * number),
            tags=["ancien" if number < 3 else "récent"],
            body=[section("highlights", items=["Le jardin partagé"])],
        )
    html = _search(client, query="jardin")
    assert set(_titles(html)) == {"Réunion 5", "Réunion 4", "Réunion 3"}
    assert "5 éditions trouvées" in html
    assert "Les 3 plus récentes sont classées par pertinence" in html
    # Themes among the listed results.
    assert re.search(r">récent</a> <span class=\"count\">\(3\)</span>", html)
    assert ">ancien</a>" not in html
    # Narrowing the search reaches the older ones.
    older = _search(client, query="jardin", date_before="2021-01-20")
    assert set(_titles(older)) == {"Réunion 1", "Réunion 2"}
    assert "2 éditions trouvées" in older
    assert "plus récentes" not in older


def test_every_public_match_beyond_the_ranked_ones_is_counted(
    client, garden_editions, monkeypatch
):
    monkeypatch.setattr("recaps.search.RANK_CANDIDATES", 2)
    monkeypatch.setattr("search.views.RANK_CANDIDATES", 2)
    html = _search(client, query="jardins")
    assert "3 éditions trouvées" in html
    assert "Les 2 plus récentes sont classées par pertinence" in html


def test_postgresql_serves_the_search_expression_from_its_index(corpus):
    """The GIN index of migration 0018 matches the expression Wagtail's backend
    filters on (which ranks the reader search's candidates), and keeps no
    statistics (so that the planner never prefers a scan that decompresses
    every row)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's index and planner")
    matching = RecapPage.objects.filter(pk__in=matching_keys(RecapPage, "numerique"))
    sql, params = matching.query.sql_with_params()
    content_type = ContentType.objects.get_for_model(RecapPage)
    with connection.cursor() as cursor:
        # An archive of a few thousand entries in which the word is rare.
        cursor.execute(
            "INSERT INTO wagtailsearch_indexentry (content_type_id, object_id, "
            "title, autocomplete, body, title_norm, title_text, body_text) "
            "SELECT %s, 'archive-' || n, to_tsvector('simple', 'autre'), '', "
            "to_tsvector('simple', 'autre chose ' || n), 1, '', '' "
            "FROM generate_series(1, 3000) AS n",
            [content_type.pk],
        )
        # As autovacuum does: move the new entries into the index proper.
        cursor.execute(
            "SELECT gin_clean_pending_list('recaps_indexentry_title_body_gin')"
        )
        cursor.execute("ANALYZE wagtailsearch_indexentry")
        # Among the indexes, the planner must find one for the expression.
        for method in ("seqscan", "indexscan", "nestloop"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = "
            "'recaps_indexentry_title_body_gin'::regclass AND attnum = 1"
        )
        (statistics,) = cursor.fetchone()
    assert "recaps_indexentry_title_body_gin" in plan
    assert statistics == 0
    assert {page.title for page in matching} == {"Inclusion numérique"}
