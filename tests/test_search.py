"""recaps.search: folding, query cleaning and word matching on the section index."""

import pytest
from anyascii import anyascii
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recaps.models import RecapPage, RecapSection
from recaps.search import (
    FULLTEXT_TABLE,
    STOP_WORDS,
    clean_query,
    filter_by_search,
    filter_by_words,
    fold,
    fulltext_index_serves,
    highlight,
    highlight_terms,
    normalise,
    search_words,
)
from tests.factories import section


def test_search_helpers_fold_accents_and_neutralise_operators():
    assert normalise("Numérique ÉTÉ") == "numerique ete"
    assert clean_query('"isolé" OR x\x00 AND (y* ' + "a" * 500).startswith("isolé OR x")
    assert len(clean_query("a" * 5000)) <= 200
    assert clean_query("\ud800bénévoles") == "bénévoles"


def test_normalise_is_anyascii_then_casefold_on_any_text():
    """Only non-ASCII runs go through anyascii: the result must be the same as
    transliterating the whole text, for every character, alone or in context."""
    samples = [chr(code) for code in range(0x20, 0x3100) if not 0xD800 <= code < 0xE000]
    samples.append("".join(samples))
    samples += [
        "Œuvre « collective » — l’été à Saint-Herblain",
        "ﬁn ½ Straße İstanbul ǅ 東京 naïve",
        "",
    ]
    for text in samples:
        assert normalise(text) == anyascii(text).casefold(), text


def test_fold_gives_the_folded_words_single_spaced():
    assert fold("  Édition 3 :\tRéflexions ! ") == "edition 3 reflexions"
    assert fold(None) == ""
    assert search_words("Les Aînés") == " les aines "


@pytest.mark.django_db
def test_filter_by_words_matches_word_prefixes_accents_and_case_ignored(
    make_edition,
):
    make_edition(body=[section("actions", "Actions", ["Les bénévoles du centre"])])
    rows = RecapSection.objects.all()
    assert filter_by_words(rows, "benevole").count() == 1
    assert filter_by_words(rows, "BÉNÉ cent").count() == 1
    assert filter_by_words(rows, "salariés").count() == 0
    assert filter_by_words(rows, "  ").count() == 0


def test_snippets_do_not_highlight_french_function_words():
    text = "Garder le lien avec les habitants, et le lien avec les bénévoles."
    html = str(highlight(text, "garder le lien"))
    assert html.count("<mark>") == 3
    assert "<mark>Garder</mark>" in html and html.count("<mark>lien</mark>") == 2
    assert "<mark>le</mark>" not in html and "<mark>les</mark>" not in html
    # A query of function words only still shows where they are.
    assert "<mark>les</mark>" in str(highlight(text, "les"))


def test_stop_words_are_folded_like_queries():
    # Compared after normalise(): every entry must be in that form.
    assert all(word == normalise(word) for word in STOP_WORDS)
    assert highlight_terms("Où sont LES ateliers ?") == ["ateliers"]


def _plan(queryset):
    """SQLite's plan of ``queryset``, one line per step."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.fixture
def fulltext(db):
    if not fulltext_index_serves(connection):
        pytest.skip("SQLite's FTS5 index of public editions")


@pytest.mark.django_db
def test_sqlite_search_reads_the_fulltext_index_and_walks_the_date_index(
    fulltext, make_edition
):
    """A page of results walks the editions in date order and stops when it
    is full, probing the matches read once from the FTS5 table: never
    Wagtail's entries, never every match sorted. A count starts from the
    matches."""
    for number in range(1, 4):
        make_edition(edition_number=number, title=f"Jardin {number}")
    matching = filter_by_search(RecapPage.objects.published(), "jardins")
    page = matching.order_by("-date", "-edition_number", "-pk").values("pk")[:20]
    plan = _plan(page)
    assert "USING COVERING INDEX recappage_date_number" in plan
    assert f"SCAN {FULLTEXT_TABLE} VIRTUAL TABLE" in plan
    assert "TEMP B-TREE" not in plan
    assert "wagtailsearch" not in plan
    count = _plan(matching.order_by().values("pk"))
    assert f"SCAN {FULLTEXT_TABLE} VIRTUAL TABLE" in count
    assert "SCAN recaps_recappage" not in count
    assert "wagtailsearch" not in count
    assert len(page) == 3 and matching.count() == 3


@pytest.mark.django_db
def test_sqlite_reader_search_runs_no_query_per_candidate(
    fulltext, client, make_edition
):
    """Ranking reads the FTS5 table once for every candidate, never once per
    candidate (a correlated subquery reads the word's whole list of editions
    each time)."""
    for number in range(1, 4):
        make_edition(edition_number=number, title=f"Jardin {number}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"query": "jardin"})
    assert response.status_code == 200
    assert response.content.decode().count('<h2><a href="') == 3
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            if query["sql"].startswith("SELECT"):
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans += [row[-1] for row in cursor.fetchall()]
    assert any(FULLTEXT_TABLE in step for step in plans)
    assert not [step for step in plans if "CORRELATED" in step]
    assert not [step for step in plans if "wagtailsearch" in step]
