"""Search helpers shared by the reader search and the API.

Both use Wagtail's search backend for editions, and the same accent- and
case-insensitive matching for the text of single sections: snippets are cut
from the section item that matches best, with the matching words highlighted.

French words are reduced to their stems by :func:`stem` (Snowball), the one
stemmer of the project: editions are indexed with the stems of their words
(``RecapPage.search_stems``) and queries are stemmed the same way
(:func:`search_editions`), so that “personne” finds “personnes” and
“reflexion” finds “réflexions” whatever the database.
"""

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from anyascii import anyascii
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, CharField, F, Lookup, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, StrIndex
from django.db.models.lookups import In
from django.utils.html import escape
from django.utils.safestring import mark_safe
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.database.postgres.weights import get_sql_weights

from .blocks import html_to_text, section_passages

MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 30
_WORD = re.compile(r"\w+", re.UNICODE)
# Stems shorter than this only match whole words when highlighting.
_MIN_STEM = 4
# French function words (folded as :func:`normalise` does): a snippet never
# highlights them when the query has other words ("garder le lien" marks
# "garder" and "lien", not every "le" and "les").
STOP_WORDS = frozenset(
    """a au aux avec c ce ces cet cette d dans de des du elle elles en est et
    eux il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne
    nos notre nous on ou par pas pour qu que qui s sa se ses son sont sur t ta
    te tes toi ton tu un une vos votre vous y""".split()
)
# Snowball stemmers keep state while they work: one per thread.
_stemmers = threading.local()


def clean_query(raw):
    """Make any user input safe to hand to a search backend.

    Cuts very long input, drops NUL bytes and lone surrogates, and keeps words
    only, so that FTS operators and quotes are searched as plain words.
    """
    text = str(raw or "")[:MAX_QUERY_LENGTH]
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return " ".join(_WORD.findall(text))


#: Runs of characters anyascii has to look up: the others are already ASCII.
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _transliterate(match):
    return anyascii(match.group())


def normalise(text):
    """Fold case and accents: “Numérique” and “numerique” compare equal.

    anyascii maps each character on its own: only the non-ASCII runs are handed
    to it (the same result, several times faster on French text).
    """
    return _NOT_ASCII.sub(_transliterate, str(text or "")).casefold()


def fold(text):
    """The words of ``text``, folded (:func:`normalise`) and single-spaced:
    “Édition 3 : Réflexions !” → ``edition 3 reflexions``."""
    return " ".join(_WORD.findall(normalise(text)))


@lru_cache(maxsize=65536)
def stem(word):
    """The French stem of one word, accents and case folded: “Réflexions”,
    “reflexion” → ``reflexion``; “personnes” → ``person``; “isolées” → ``isol``.

    Snowball's French algorithm, after folding (as PostgreSQL's
    ``french_unaccent`` does) and dropping the plural ``s``, which Snowball
    would otherwise read as a verb ending (“réflexions” as “nous réflexions”).
    """
    word = normalise(word)
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("ee"):
        word = word[:-1]
    stemmer = getattr(_stemmers, "french", None)
    if stemmer is None:
        stemmer = _stemmers.french = snowballstemmer.stemmer("french")
    return stemmer.stemWord(word)


def stem_text(text):
    """The stems of every word of ``text``, space-separated (see :func:`stem`)."""
    return " ".join(stem(word) for word in _WORD.findall(str(text or "")))


def query_terms(query):
    """The normalised words of a query, in order."""
    return [term for term in normalise(clean_query(query)).split() if term]


def search_words(text):
    """``text`` as stored for word-prefix matching: `` numerique des aines ``.

    Folded like queries (:func:`normalise`), one space around every word, so
    that ``contains(" " + term)`` is "a word starts with term".
    """
    return f" {fold(text)} "


#: SQLite: the FTS5 index of the folded words (``search_text``) of a table's
#: rows, by table (migration 0033): the section index's.
WORDS_TABLES = {"recaps_recapsection": "recaps_recapsection_fts"}
#: The only characters of folded words (:func:`fold`).
_FOLDED_WORD = re.compile(r"[a-z0-9_]+")


def words_table(model, connection):
    """The FTS5 index of the folded words of ``model``'s rows on
    ``connection`` (:data:`WORDS_TABLES`), or ``None``."""
    if connection.vendor != "sqlite":
        return None
    return WORDS_TABLES.get(model._meta.db_table)


def words_match(query):
    """The FTS5 expression finding the rows with a word starting with each
    word of ``query`` (:func:`filter_by_words`); ``None`` when no row can
    match (no word, or a word with a character no folded word has)."""
    terms = query_terms(query)
    if not terms or not all(_FOLDED_WORD.fullmatch(term) for term in terms):
        return None
    return " AND ".join(f'"{term}"*' for term in terms)


#: PostgreSQL: the table of the vectors of the folded words of a table's rows
#: (``to_tsvector('simple', search_text)`` under the row's id), by table
#: (migration 0037): the section index's.
VECTOR_TABLES = {"recaps_recapsection": "recaps_recapsection_fts"}
#: Terms that vector finds as prefixes of its lexemes (``_`` separates words
#: for PostgreSQL's parser: such a term is looked for in the text).
_VECTOR_TERM = re.compile(r"[a-z0-9]+")


def vector_table(model, connection):
    """The table of the vectors of the folded words of ``model``'s rows on
    ``connection`` (:data:`VECTOR_TABLES`), or ``None``."""
    if connection.vendor != "postgresql":
        return None
    return VECTOR_TABLES.get(model._meta.db_table)


def has_words(model, connection, query):
    """The condition "a word of the row starts with each word of ``query``"
    on ``model``'s vectors (:class:`HasWords`), or ``None``: no vectors on
    ``connection``, or a term the vectors cannot find (with ``_``)."""
    table = vector_table(model, connection)
    terms = query_terms(query)
    if table is None or not terms:
        return None
    if not all(_VECTOR_TERM.fullmatch(term) for term in terms):
        return None
    return HasWords(terms, table)


def filter_by_words(queryset, query, field="search_text"):
    """Rows whose ``field`` (see :func:`search_words`) has a word starting with
    each word of ``query``, accents and case ignored.

    The sections' words are read from their index instead of a scan of every
    row's text: on SQLite their FTS5 index (:data:`WORDS_TABLES`), whose words
    are exactly the folded words, each term a prefix query; on PostgreSQL
    their vectors (:data:`VECTOR_TABLES`, :class:`HasWords`). A term with
    another character (“1/2”, folded from “½”) is in no folded text.
    """
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    connection = connections[queryset.db]
    table = words_table(queryset.model, connection)
    if field == "search_text" and table:
        match = words_match(query)
        if match is None:
            return queryset.none()
        return queryset.filter(InFulltextIndex(F("pk"), match, table=table))
    if field == "search_text" and vector_table(queryset.model, connection):
        if not all(_FOLDED_WORD.fullmatch(term) for term in terms):
            return queryset.none()
        words = has_words(queryset.model, connection, query)
        if words is not None:
            words.counted = words.sample(connection, queryset.model)
            return queryset.filter(words)
    for term in terms:
        queryset = queryset.filter(**{f"{field}__contains": f" {term}"})
    return queryset


#: The ranked search (the reader search) orders by relevance the newest
#: ``RANK_CANDIDATES`` matches only: ranking reads the index entry of every
#: candidate, so an unbounded ranking would cost more with every edition of the
#: archive. Older matches still count and are reached by narrowing the search
#: (themes, kinds, dates) or in the API, newest first.
RANK_CANDIDATES = 300


class HashedIn(In):
    """``field IN keys`` (a subquery of keys, none of them 0), written so that
    the keys are read once, whatever their number, and the rest of the query
    keeps its own plan (the walk of an ordering's index stops at the page's
    last row).

    - PostgreSQL: a plain ``IN`` becomes a join that the planner orders by its
      guess of how many keys the subquery yields; when the guess is far too
      low (a word or a theme found in most editions), it probes the other side
      once per key. The impossible alternative ``OR field = 0`` (no page has
      id 0) keeps the subquery whole: one pass and a hash lookup per row.
    - SQLite: an ``OR`` is planned as a "multi-index OR" (every key looked up,
      then every match sorted: 16 ms for a theme of half the 10,000 editions,
      0.7 ms walked). In a query ordered and cut (a page), ``+field`` keeps the
      keys from driving the query: they are read once into a list and the
      ordering's index is walked, as :class:`InFulltextIndex` does; elsewhere
      (counts) the keys drive it.
    - Other databases: the plain ``IN`` it means.
    """

    lookup_name = "hashed_in"

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        if connection.vendor == "postgresql":
            lhs, lhs_params = self.process_lhs(compiler, connection)
            return f"({sql} OR {lhs} = 0)", [*params, *lhs_params]
        query = compiler.query
        walk = query.order_by and query.high_mark is not None
        if connection.vendor == "sqlite" and walk:
            return f"+{sql}", params
        return sql, params


def hashed_in(field, keys):
    """The condition ``field IN keys`` of :class:`HashedIn`, for ``filter()``."""
    return HashedIn(F(field), keys)


#: The table of the public editions' words, one row per edition of the public
#: index under the edition's id, holding what Wagtail's database backend
#: indexes for it. SQLite: an FTS5 table (migration 0032); PostgreSQL: the
#: vector that Wagtail's backend matches, with a GIN index (migration 0036).
FULLTEXT_TABLE = "recaps_recapentry_fts"
#: Wagtail's database backends whose words that table copies, by database.
FULLTEXT_BACKENDS = {
    "sqlite": "SQLiteSearchBackend",
    "postgresql": "PostgresSearchBackend",
}
#: PostgreSQL: a page of matches is found by walking the ordering's index and
#: probing each edition's words, when that walk is expected to read at most
#: this many editions (the page's end times the editions per match); otherwise
#: by reading every match once (few, then). Either way a page of the newest of
#: 99,983 matches reads 20 rows, and one of 50 matches reads 50.
WALK_MAX = 2000


def fulltext_index_serves(connection):
    """Whether searches of editions on ``connection`` read
    :data:`FULLTEXT_TABLE`: SQLite or PostgreSQL, with Wagtail's database
    backend writing the words it copies (with Elasticsearch, Wagtail's entries
    stay empty)."""
    backend = FULLTEXT_BACKENDS.get(connection.vendor)
    return backend is not None and type(get_search_backend()).__name__ == backend


def fulltext_match(query, connection):
    """The expression of ``query`` in :data:`FULLTEXT_TABLE` on
    ``connection``, each French stem required, as Wagtail's backend writes it:
    FTS5's ``"stem" AND "stem"``, or PostgreSQL's ``('stem2' & 'stem1')``
    (for ``to_tsquery``, quoted and nested as Wagtail's ``PlainText``:
    the same ``tsquery`` ranks the same); ``None`` without a word."""
    stems = stem_text(clean_query(query)).split()
    if not stems:
        return None
    if connection.vendor == "postgresql":
        # Wagtail's PlainText: the last word first, the others joined in order.
        quoted = [
            "'" + stem.replace("'", "''").replace("\\", "\\\\") + "'" for stem in stems
        ]
        expression = quoted.pop()
        for lexeme in quoted:
            expression = f"({expression} & {lexeme})"
        return expression
    return " AND ".join(f'"{stem}"' for stem in stems)


def fulltext_condition(connection, table=FULLTEXT_TABLE, match="%s"):
    """``(sql, params)``: the condition "the row of ``table`` matches
    ``match``" (the SQL of a match of :func:`fulltext_match`; by default the
    parameter that follows ``params``)."""
    if connection.vendor == "postgresql":
        config = get_search_backend().config
        return f"{table}.words @@ to_tsquery(%s::regconfig, {match})", [config]
    return f"{table} MATCH {match}", []


#: :func:`count_rows` counts at most this many matches: enough to know that
#: a page of up to 400 rows (the reader search's 300 candidates) walks at most
#: :data:`WALK_MAX` rows of 100,000 (more matches change no choice).
MATCHES_COUNTED = 20_000


def count_rows(connection, table, condition, params):
    """``(matches, rows)``: how many rows of ``table`` meet ``condition`` (at
    most :data:`MATCHES_COUNTED`), and how many rows it holds, as the
    planner's statistics estimate them (PostgreSQL; SQLite counts them)."""
    table = connection.ops.quote_name(table)
    if connection.vendor == "postgresql":
        rows, rows_params = (
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [table],
        )
    else:
        rows, rows_params = f"SELECT COUNT(*) FROM {table}", []  # noqa: S608
    matches = f"SELECT 1 FROM {table} WHERE {condition} LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), ({rows}) FROM ({matches}) AS found",  # noqa: S608
            [*rows_params, *params, MATCHES_COUNTED],
        )
        matches, total = cursor.fetchone()
    return matches, max(int(total), matches)


def count_fulltext(connection, match):
    """:func:`count_rows` of the rows of :data:`FULLTEXT_TABLE` matching
    ``match``."""
    table = connection.ops.quote_name(FULLTEXT_TABLE)
    condition, params = fulltext_condition(connection, table)
    return count_rows(connection, FULLTEXT_TABLE, condition, [*params, match])


def walk_is_short(counted, high_mark):
    """Whether a page ending at ``high_mark``, walked in its order, is expected
    to read at most :data:`WALK_MAX` rows, given ``counted`` (the matches, a
    lower bound, and the rows: :func:`count_rows`), matches being spread
    evenly."""
    if counted is None:
        return False
    matches, total = counted
    return bool(matches) and high_mark * total / matches <= WALK_MAX


#: How many of the newest rows (in reading order) :class:`HasWords` tests to
#: estimate how many rows match.
SAMPLED_ROWS = 500


class HasWords(Lookup):
    """PostgreSQL: the row has a word starting with each of ``terms`` (folded
    words of ``[a-z0-9]``), read from its vector in ``table`` (migration
    0037), or from its text when it has none (a text the vector would not
    hold exactly).

    With the matches estimated by :meth:`sample` (``counted``): a page of many
    matches (:meth:`dense`), or whose walk is short, walks the order and
    tests each row's text (the row is read anyway); otherwise the few matches,
    read from the vectors' GIN index, drive the query. Counts of a search
    alone read the vectors' table only
    (:meth:`~recaps.models.RecapSectionQuerySet.count_matching`).
    """

    lookup_name = "has_words"

    def __init__(self, terms, table):
        self.terms = list(terms)
        super().__init__(F("pk"), tuple(self.terms))
        self.table = table
        self.counted = None

    def in_vector(self, connection):
        """``(sql, params)``: the rows of the vectors' table with the words
        (GIN-indexed): ``FROM … WHERE …``."""
        table = connection.ops.quote_name(self.table)
        prefixes = " & ".join(f"{term}:*" for term in self.terms)
        return (
            f"{table} WHERE words @@ to_tsquery('simple'::regconfig, %s)",
            [prefixes],
        )

    def in_text(self, alias=""):
        """``(sql, params)``: the row's folded text has the words."""
        column = f"{alias}.search_text" if alias else "search_text"
        return (
            " AND ".join([f"{column} LIKE %s"] * len(self.terms)),
            [f"% {term}%" for term in self.terms],
        )

    def without_vector(self, connection, model):
        """``(sql, params)``: the rows without a vector (a text the vector
        would not hold exactly; usually none, found through a partial index of
        the vectors' table) having the words: ``FROM … WHERE …``."""
        table = connection.ops.quote_name(model._meta.db_table)
        vectors = connection.ops.quote_name(self.table)
        text, params = self.in_text()
        without = f"SELECT id FROM {vectors} WHERE words IS NULL"  # noqa: S608
        return f"{table} WHERE id IN ({without}) AND {text}", params

    def sample(self, connection, model):
        """``(matches, rows)``: the matches in the table, estimated from the
        newest :data:`SAMPLED_ROWS` rows in reading order (a bounded walk
        testing each row's text), and its number of rows as the planner's
        statistics estimate it."""
        text, params = self.in_text()
        # Our SQL: column names and parameters only.
        hit = RawSQL(text, params, output_field=BooleanField())  # noqa: S611
        newest = model._default_manager.annotate(hit=hit).in_reading_order()
        hits = list(newest.values_list("hit", flat=True)[:SAMPLED_ROWS])
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table]
            )
            rows = max(int(cursor.fetchone()[0]), len(hits))
        if len(hits) < SAMPLED_ROWS:
            return sum(hits), rows  # the whole table was read
        return round(sum(hits) * rows / len(hits)), rows

    def dense(self):
        """Whether the matches are many (:data:`MATCHES_COUNTED` or more, as
        sampled): a page of them is then a walk, never their whole list."""
        return self.counted is not None and self.counted[0] >= MATCHES_COUNTED

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        query = compiler.query
        page = query.order_by and query.high_mark is not None
        if page and (self.dense() or walk_is_short(self.counted, query.high_mark)):
            return self.in_text(lhs.rsplit(".", 1)[0])
        vector, vector_params = self.in_vector(connection)
        text, text_params = self.without_vector(connection, query.model)
        matches = f"SELECT id FROM {vector} UNION ALL SELECT id FROM {text}"  # noqa: S608
        return f"{lhs} IN ({matches})", [*lhs_params, *vector_params, *text_params]


class InFulltextIndex(Lookup):
    """``field`` (a row id: an edition's by default) is one that ``table``
    matches (the match of :func:`fulltext_match`).

    SQLite, in a query ordered and cut (a page, the newest candidates): the ids
    are read once and the order's index is walked until the page is full
    (``+field``: the ids never drive the join): for a word found in every
    edition, 20 rows read instead of every match sorted. Elsewhere (counts),
    the matching ids drive the query.

    PostgreSQL, with the number of matches among the editions (``counted``,
    :func:`count_fulltext`, a lower bound): in a page whose walk reads at most
    :data:`WALK_MAX` editions, each walked edition's words are probed by its
    key (a subquery per row, which the planner never turns into a join);
    otherwise every match is read once and hashed (as :class:`HashedIn`):
    few, or a page far down the list.
    """

    lookup_name = "in_fulltext_index"

    def __init__(self, lhs, match, table=FULLTEXT_TABLE, counted=None):
        super().__init__(lhs, match)
        self.table = table
        self.counted = counted

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        query = compiler.query
        page = query.order_by and query.high_mark is not None
        table = connection.ops.quote_name(self.table)
        condition, params = fulltext_condition(connection, table, rhs)
        params = [*params, *rhs_params]
        if connection.vendor == "postgresql":
            if page and walk_is_short(self.counted, query.high_mark):
                probe = f"SELECT {condition} FROM {table} WHERE edition_id = {lhs}"  # noqa: S608
                return f"({probe})", [*params, *lhs_params]
            matches = f"SELECT edition_id FROM {table} WHERE {condition}"  # noqa: S608
            return (
                f"({lhs} IN ({matches}) OR {lhs} = 0)",
                [*lhs_params, *params, *lhs_params],
            )
        walk = "+" if page else ""
        matches = f"SELECT rowid FROM {table} WHERE {condition}"  # noqa: S608
        return f"{walk}{lhs} IN ({matches})", [*lhs_params, *params]


def fulltext_ranking(queryset, match):
    """The keys of the editions of ``queryset`` that the FTS5 expression
    ``match`` finds, best first (FTS5's ``bm25``, then newest id), in one
    statement: the keys of ``queryset`` are read once, the matches walked
    once, and ``bm25`` computed for those keys only (read at each edition's
    row, it would read the word's whole list of editions for each one)."""
    connection = connections[queryset.db]
    table = connection.ops.quote_name(FULLTEXT_TABLE)
    try:
        keys, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = (
        f"SELECT rowid FROM {table} WHERE {table} MATCH %s "  # noqa: S608
        f"AND +rowid IN ({keys}) ORDER BY bm25({table}), rowid DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params])
        return [key for (key,) in cursor.fetchall()]


def matching_keys(model, query):
    """Primary keys of the ``model`` objects matching ``query`` (French stems,
    every word), unranked: a subquery on Wagtail's database backends, a list
    otherwise; ``None`` when the query has no word."""
    stems = stem_text(clean_query(query))
    if not stems:
        return None
    results = model._default_manager.search(
        stems, operator="and", order_by_relevance=False
    )
    get_queryset = getattr(results, "get_queryset", None)
    if get_queryset is not None:
        return get_queryset().order_by().values("pk")
    return [obj.pk for obj in results]


def filter_by_search(queryset, query):
    """Editions of ``queryset`` matching the full-text ``query``, in the
    queryset's own order: one plain subquery on the search index, so that any
    filter, ordering and pagination combine with it on every database.

    On SQLite the subquery reads the public editions' FTS5 table
    (:class:`InFulltextIndex`); elsewhere, Wagtail's search backend. The
    search index keeps no statistics (migration 0018), so the subquery is
    kept whole (:func:`hashed_in`): for a word found in every one of 10,000
    editions, a join planned on a guess cost 117 ms for the count and the
    page; run once and hashed, 26 ms.
    """
    connection = connections[queryset.db]
    if fulltext_index_serves(connection):
        match = fulltext_match(query, connection)
        if match is None:
            return queryset.none()
        counted = None
        if connection.vendor == "postgresql":
            counted = count_fulltext(connection, match)
        return queryset.filter(InFulltextIndex(F("pk"), match, counted=counted))
    keys = matching_keys(queryset.model, query)
    if keys is None:
        return queryset.none()
    return queryset.filter(hashed_in("pk", keys))


def rank_candidates(matching):
    """The keys of the matches that a ranked search orders, in one query: the
    first :data:`RANK_CANDIDATES` of ``matching`` (a queryset, newest first)."""
    return list(matching.values_list("pk", flat=True)[:RANK_CANDIDATES])


def search_editions(queryset, query):
    """The editions of ``queryset`` matching ``query``, ranked by relevance
    (give it :func:`rank_candidates`: ranking reads the index entry of every
    edition it orders).

    ``queryset`` may carry any filter (``published()``, themes, dates); its
    prefetches are kept. The query is searched as French stems
    (:func:`stem_text`), as editions are indexed. On SQLite, ranked by FTS5's
    ``bm25`` (:func:`fulltext_ranking`); on PostgreSQL as Wagtail's backend
    ranks (:func:`wagtail_ranking`); elsewhere by Wagtail's search backend.
    """
    connection = connections[queryset.db]
    if fulltext_index_serves(connection):
        match = fulltext_match(query, connection)
        if match is None:
            return queryset.none()
        if connection.vendor == "sqlite":
            keys = fulltext_ranking(queryset, match)
        else:
            keys = wagtail_ranking(queryset, match)
        # Each key's place in ",k1,k2,…,": one cheap expression per row.
        ranked = Value("".join(f",{key}" for key in keys) + ",")
        place = StrIndex(
            ranked, Concat(Value(","), Cast("pk", CharField()), Value(","))
        )
        return queryset.filter(pk__in=keys).order_by(place)
    stems = stem_text(clean_query(query))
    if not stems:
        return queryset.none()
    restricted = queryset.model._default_manager.filter(
        pk__in=queryset.values("pk")
    ).prefetch_related(*queryset._prefetch_related_lookups)
    return restricted.search(stems, operator="and")


def wagtail_ranking(queryset, match):
    """PostgreSQL: the keys of the editions of ``queryset`` that ``match``
    (:func:`fulltext_match`) finds, best first, ranked as Wagtail's backend
    ranks them (``ts_rank`` of the title, with its weights, times the title's
    norm, plus that of the body; then newest id), in one statement that
    reads the index entries of those editions only.

    Wagtail's own ranked query lets the planner read the expression's GIN
    index for every match first (it cannot know how many there are): 3.4 s
    for a word found in 99,983 of 100,000 editions, to rank 300 of them.
    Here the keys are read once, and the match is tested on their entries
    (written ``body || title``, which no index serves).
    """
    keys = [str(key) for key in queryset.order_by().values_list("pk", flat=True)]
    if not keys:
        return []
    content_type = ContentType.objects.get_for_model(queryset.model)
    config = get_search_backend().config
    weights = get_sql_weights()
    sql = (
        "SELECT i.object_id::integer FROM wagtailsearch_indexentry AS i "
        "WHERE i.content_type_id = %s AND i.object_id = ANY(%s) "
        "AND (i.body || i.title) @@ to_tsquery(%s::regconfig, %s) ORDER BY "
        "ts_rank(%s::float4[], i.title, to_tsquery(%s::regconfig, %s)) "
        "* i.title_norm "
        "+ ts_rank(%s::float4[], i.body, to_tsquery(%s::regconfig, %s)) DESC, "
        "i.object_id::integer DESC"
    )
    params = [
        content_type.pk,
        keys,
        config,
        match,
        weights,
        config,
        match,
        weights,
        config,
        match,
    ]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [key for (key,) in cursor.fetchall()]


def _word_matches(word, terms):
    """Whether a (normalised) word matches one of the (normalised) terms:
    it starts with the term, or has the term's French stem."""
    for term in terms:
        if word.startswith(term):
            return True
        term_stem = stem(term)
        word_stem = stem(word)
        if word_stem == term_stem or (
            len(term_stem) >= _MIN_STEM and word_stem.startswith(term_stem)
        ):
            return True
    return False


def matched_terms(text, terms):
    """The terms of ``terms`` found in ``text`` (accent- and case-insensitive)."""
    words = {normalise(word) for word in _WORD.findall(str(text or ""))}
    return {term for term in terms if any(_word_matches(w, [term]) for w in words)}


def highlight_terms(query):
    """The terms of ``query`` worth highlighting: its words less the French
    function words (:data:`STOP_WORDS`), unless it has nothing else."""
    terms = query_terms(query)
    return [term for term in terms if term not in STOP_WORDS] or terms


def highlight(text, query, max_words=SNIPPET_WORDS):
    """HTML-escaped excerpt of ``text`` around the first match, matches in <mark>.

    Words are compared accent- and case-insensitively, so “numerique” marks
    “Numérique”. Long texts are cut to ``max_words`` words with ellipses.
    """
    text = str(text or "")
    terms = highlight_terms(query)
    tokens = list(_WORD.finditer(text))
    marked = [
        token for token in tokens if terms and _word_matches(normalise(token[0]), terms)
    ]
    start, end = 0, len(text)
    if len(tokens) > max_words:
        first = tokens.index(marked[0]) if marked else 0
        begin = max(0, first - max_words // 3)
        last = min(len(tokens), begin + max_words) - 1
        start, end = tokens[begin].start(), tokens[last].end()
    parts = ["…" if start > 0 else ""]
    position = start
    for token in marked:
        if token.start() < start or token.end() > end:
            continue
        parts.append(escape(text[position : token.start()]))
        parts.append(f"<mark>{escape(token[0])}</mark>")
        position = token.end()
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 -- every piece is escaped


@dataclass
class Snippet:
    """Where a search matched inside an edition, ready to display."""

    html: str
    section_type: str = ""
    section_label: str = ""
    section_heading: str = ""


def _best_passage(sections, terms):
    best, best_score = None, 0
    for section in sections:
        for text in section_passages(section.type, section.data):
            score = len(matched_terms(text, terms))
            if score > best_score:
                best, best_score = (section, text), score
                if best_score == len(terms):
                    return best
    return best


def find_snippet(edition, sections, query, section_types=()):
    """The best matching passage of ``edition`` for ``query``.

    ``sections`` are the edition's indexed sections (:mod:`recaps.sections`).
    Looks at every heading, intro, item (each of its fields), sub-item and
    link (:func:`recaps.blocks.section_passages`; those of
    ``section_types`` first, when given) and keeps the text matching the most
    query words; falls back to the edition's intro.
    """
    terms = query_terms(query)
    best = None
    if section_types:
        chosen = [s for s in sections if s.type in section_types]
        best = _best_passage(chosen, terms)
    if best is None:
        best = _best_passage(sections, terms)
    if best is not None:
        section, text = best
        return Snippet(
            highlight(text, query),
            section.type,
            section.label,
            section.heading,
        )
    return Snippet(highlight(html_to_text(edition.intro), query))
