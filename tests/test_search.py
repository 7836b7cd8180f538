"""recaps.search: folding, query cleaning and word matching on the section index."""

import io

import pytest
from anyascii import anyascii
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recaps.models import RecapPage, RecapSection
from recaps.search import (
    FULLTEXT_TABLE,
    STOP_WORDS,
    WORDS_TABLES,
    clean_query,
    filter_by_search,
    filter_by_words,
    fold,
    fulltext_index_serves,
    hashed_in,
    highlight,
    highlight_terms,
    matching_keys,
    normalise,
    search_editions,
    search_words,
    stem_text,
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
        pytest.skip("the index of the public editions' words")


@pytest.fixture
def sqlite_fulltext(fulltext):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 indexes")


@pytest.mark.django_db
def test_sqlite_search_reads_the_fulltext_index_and_walks_the_date_index(
    sqlite_fulltext, make_edition
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
    sqlite_fulltext, client, make_edition
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


def _wagtail_hits(queryset, query):
    """The editions of ``queryset`` that Wagtail's search backend finds for
    ``query`` (what every database did before SQLite's FTS5 index)."""
    keys = matching_keys(RecapPage, query)
    if keys is None:
        return set()
    return set(queryset.filter(hashed_in("pk", keys)).values_list("pk", flat=True))


def _queries(rng, words, count):
    """``count`` queries of one to three words drawn from ``words``, in any
    case, with or without accents, some inflected, some absent."""
    queries = []
    for _ in range(count):
        chosen = []
        for word in rng.sample(words, rng.randint(1, 3)):
            word = rng.choice([word, word.upper(), normalise(word), word + "s"])
            chosen.append(word)
        if rng.random() < 0.1:
            chosen.append("introuvablement")
        queries.append(" ".join(chosen))
    return queries


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_fulltext_search_finds_what_wagtails_backend_finds(
    fulltext, root_page, seed, monkeypatch
):
    """Over generated archives (some editions unpublished, restricted,
    expired), the index of the public editions' words finds the same editions
    as Wagtail's backend for queries drawn from their words, filtered, ranked
    or not, counted alone or paged in date order; on PostgreSQL, whether the
    page walks the date order probing each edition or reads every match."""
    import datetime
    import random

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import PageViewRestriction

    from recaps import search
    from recaps.models import RecapEntry

    call_command(
        "generate_recaps", "--editions", "8", "--seed", str(seed), stdout=io.StringIO()
    )
    editions = list(RecapPage.objects.order_by("pk"))
    rng = random.Random(seed)  # noqa: S311 (test data)
    unpublished, restricted, expired = rng.sample(editions, 3)
    unpublished.unpublish()
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.LOGIN
    )
    RecapPage.objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - datetime.timedelta(days=1)
    )
    words = sorted(
        {
            word
            for text in RecapSection.objects.values_list("text", flat=True)
            for word in text.split()
            if word.isalpha()
        }
        | {word for page in editions for word in page.title.split() if word.isalpha()}
    )
    published = RecapPage.objects.published()
    order = ("-date", "-edition_number", "-pk")
    walks = []
    for query in _queries(rng, words, 40):
        expected = _wagtail_hits(published, query)
        in_order = list(
            published.filter(pk__in=expected)
            .order_by(*order)
            .values_list("pk", flat=True)
        )
        found = set(filter_by_search(published, query).values_list("pk", flat=True))
        assert found == expected, query
        assert RecapEntry.objects.count_matching(query) == len(expected), query
        for walk_max in (0, 10**6):  # every match read, or the order walked
            monkeypatch.setattr(search, "WALK_MAX", walk_max)
            matching = filter_by_search(published, query).order_by(*order)
            page = matching.values_list("pk", flat=True)[:3]
            assert list(page) == in_order[:3], (query, walk_max)
            assert list(matching.values_list("pk", flat=True)[1:4]) == in_order[1:4]
            sql = str(page.query)
            walks.append("WHERE edition_id = " in sql)
        ranked = [page.pk for page in search_editions(published, query)]
        assert set(ranked) == expected, query
        if connection.vendor == "postgresql" and expected:
            # Ranked as Wagtail's backend ranks them, in the same order.
            theirs = published.filter(pk__in=expected).search(
                stem_text(clean_query(query)), operator="and"
            )
            assert ranked == [page.pk for page in theirs], query
        assert unpublished.pk not in found and restricted.pk not in found
        assert expired.pk not in found
    # Some queries find editions, the others none.
    assert any(_wagtail_hits(published, word) for word in words[:20])
    if connection.vendor == "postgresql":
        assert True in walks and False in walks  # both plans were checked


@pytest.mark.django_db
def test_postgresql_search_counts_in_the_gin_index_and_probes_a_page(
    fulltext, make_edition, monkeypatch
):
    """PostgreSQL: a search's count reads the public editions' words alone,
    never a page; a page of matches probes each edition it walks by key (a
    subquery per row, which the planner cannot turn into a join), or, when
    the matches are too few for a short walk, reads them once (a hashed
    subquery). Never Wagtail's entries. (Which index serves each step depends
    on the tables' sizes: measured at 100,000 editions by the benchmark.)"""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    from recaps import search
    from recaps.models import RecapEntry

    for number in range(1, 4):
        make_edition(edition_number=number, title=f"Jardin {number}")

    def plan(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row for (row,) in cursor.fetchall())

    with CaptureQueriesContext(connection) as queries:
        assert RecapEntry.objects.count_matching("jardins") == 3
    (count,) = [plan(q["sql"]) for q in queries if "recaps_recapentry_fts" in q["sql"]]
    assert "wagtailsearch" not in count and "recaps_recappage" not in count
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = "
            "'recaps_recapentry_fts'::regclass AND attname = 'words'"
        )
        assert cursor.fetchone() == (0,)  # the planner never prefers a scan

    order = ("-date", "-edition_number", "-pk")
    published = RecapPage.objects.published()
    walked = filter_by_search(published, "jardins").order_by(*order)[:20]
    assert len(walked) == 3
    steps = plan(*walked.query.sql_with_params())
    assert "SubPlan" in steps and "hashed SubPlan" not in steps
    assert "recaps_recapentry_fts" in steps
    assert "wagtailsearch" not in steps
    monkeypatch.setattr(search, "WALK_MAX", 0)
    hashed = filter_by_search(published, "jardins").order_by(*order)[:20]
    assert len(hashed) == 3
    steps = plan(*hashed.query.sql_with_params())
    assert "hashed SubPlan" in steps and "recaps_recapentry_fts" in steps
    assert "wagtailsearch" not in steps


def _words_hits(rows, query):
    """Rows of ``rows`` with a word starting with each word of ``query``, by
    scanning their folded words (what every database did before SQLite's
    FTS5 index of the sections' words)."""
    terms = normalise(clean_query(query)).split()
    if not terms:
        return set()
    for term in terms:
        rows = rows.filter(search_text__contains=f" {term}")
    return set(rows.values_list("pk", flat=True))


@pytest.mark.django_db
def test_section_search_finds_what_a_scan_of_the_words_finds(
    make_edition, hidden_editions, monkeypatch
):
    """Over generated sections, the index of the sections' words (SQLite's
    FTS5 index, PostgreSQL's table of vectors) finds the same sections as a scan of
    their folded words, for word prefixes in any case, with or without
    accents, for words folding to characters no folded word has, with ``_``,
    in texts PostgreSQL's vector cannot hold exactly (``_``, a word of 2,048
    characters); counted alone, less the hidden editions' sections, or paged
    in reading order, walked or driven by the matches; and it stays in step
    with every write."""
    import random

    from recaps import search

    rng = random.Random(5)  # noqa: S311 (test data)
    vocabulary = (
        "bénévoles bénévolat aînés numérique Numériques café_connecté connecté ½ "
        "Œuvre partagé Straße ﬁnances l’été porte-à-porte isolées 2024 "
        "jardin_partagé ateliers a1b2 0123 12e"
    ).split()
    long_word = "numerique" * 228  # 2,052 characters
    for number in range(1, 9):
        items = [
            " ".join(rng.sample(vocabulary, rng.randint(1, 4)))
            for _ in range(rng.randint(1, 3))
        ]
        if number == 8:
            items.append(f"ateliers {long_word}")
        make_edition(
            edition_number=number, body=[section("highlights", "Partages", items)]
        )
    words = [word for text in vocabulary for word in text.split("’")]
    rows = RecapSection.objects.all()
    current = RecapSection.objects.current()
    in_order = current.in_reading_order().values_list("pk", flat=True)
    for _ in range(80):
        chosen = [
            rng.choice([word, word.upper(), normalise(word), word[: rng.randint(1, 5)]])
            for word in rng.sample(words, rng.randint(1, 2))
        ]
        query = " ".join(chosen)
        expected = _words_hits(rows, query)
        found = set(filter_by_words(rows, query).values_list("pk", flat=True))
        assert found == expected, query
        visible = [pk for pk in in_order if pk in _words_hits(current, query)]
        # Driven by the matches, walked, or (many matches) every text tested.
        for walk_max, many in ((0, 10**6), (10**6, 10**6), (0, 0)):
            monkeypatch.setattr(search, "WALK_MAX", walk_max)
            monkeypatch.setattr(search, "MATCHES_COUNTED", many)
            counted = RecapSection.objects.count_matching(query)
            assert counted in (len(visible), None), query
            matching = filter_by_words(current, query)
            assert matching.count() == len(visible), query
            page = matching.in_reading_order()
            assert list(page.values_list("pk", flat=True)[:3]) == visible[:3], query
            assert list(page.values_list("pk", flat=True)[2:5]) == visible[2:5]
    monkeypatch.undo()
    assert filter_by_words(rows, "café_conn").exists()
    assert not filter_by_words(rows, "½").exists()
    assert filter_by_words(rows, long_word[:2050]).count() == 1
    assert RecapSection.objects.count_matching("secret") in (0, None)
    assert RecapSection.objects.count_matching("numérique") == len(
        _words_hits(current, "numérique")
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The index is the sections' words, checked by SQLite.
            cursor.execute(
                f"INSERT INTO {WORDS_TABLES['recaps_recapsection']} "  # noqa: S608
                f"({WORDS_TABLES['recaps_recapsection']}, rank) "
                "VALUES ('integrity-check', 1)"
            )
        else:
            # Texts with "_" or a long word have no vector; the others, theirs.
            cursor.execute(
                "SELECT s.search_text, f.words IS NULL, "
                "f.words = strip(to_tsvector('simple', s.search_text)) "
                "FROM recaps_recapsection AS s "
                "LEFT JOIN recaps_recapsection_fts AS f ON f.id = s.id"
            )
            for text, without, same in cursor.fetchall():
                assert without == ("_" in text or long_word in text), text
                assert without or same, text


@pytest.mark.django_db
def test_sqlite_a_page_of_keys_walks_the_order_index(sqlite_fulltext, make_edition):
    """``hashed_in`` on SQLite: a page walks the type's index in reading order
    and probes the keys, read once into a list; the keys never drive the
    query into a "multi-index OR" whose every match is then sorted. A count
    starts from the keys."""
    from recaps.models import RecapPageTag

    for number in range(1, 4):
        make_edition(
            edition_number=number,
            tags=["numérique"],
            body=[section("observations", "Constats", ["Un constat"])],
        )
    keys = RecapPageTag.objects.filter(tag__slug="numerique").values("content_object")
    sections = RecapSection.objects.filter(
        hashed_in("edition_id", keys), type="observations"
    )
    page = sections.order_by("-edition_date", "-edition_number")[:20]
    plan = _plan(page)
    assert "USING INDEX recapsection_type_order (type=?)" in plan
    assert "LIST SUBQUERY" in plan
    assert "MULTI-INDEX OR" not in plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan
    assert "recapsection_type_edition (type=? AND edition_id=?)" in _plan(
        sections.order_by()
    )
    assert len(page) == 3 and sections.count() == 3


@pytest.mark.django_db
def test_a_page_of_a_themes_sections_probes_each_row_in_reading_order(
    make_edition,
):
    """A theme filter walks the sections in reading order and probes the tag
    links of each row (the unique index of links), so that a page stops once
    full: never every edition carrying the theme read first."""
    from recaps.filters import with_all_themes

    for number in range(1, 4):
        make_edition(
            edition_number=number,
            tags=["numérique"],
            body=[section("observations", "Constats", ["Un constat"])],
        )
    sections = with_all_themes(
        RecapSection.objects.filter(type="observations"),
        ["numerique"],
        field="edition_id",
    )
    page = sections.order_by("-edition_date", "-edition_number")[:20]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[-1] for row in cursor.fetchall())
            assert "USING INDEX recapsection_type_order (type=?)" in plan
            assert "CORRELATED SCALAR SUBQUERY" in plan
            assert "TEMP B-TREE FOR ORDER BY" not in plan
        else:
            # Few rows: the planner may hash them; a walk must be possible.
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "recapsection_type_order" in plan
            assert "Semi Join" in plan
    assert len(page) == 3 and sections.count() == 3
