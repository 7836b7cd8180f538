"""Helpers for writing many rows at once, and for reading them soon after."""

import logging
import re
import time
from contextlib import contextmanager, nullcontext
from functools import partial

from django.db import DatabaseError, connection, models, transaction

from .search import FULLTEXT_TABLE, VECTOR_TABLES

logger = logging.getLogger(__name__)


@contextmanager
def inserted_with_values(objs, attname):
    """Make ``bulk_create()`` of ``objs`` insert with ``VALUES`` on PostgreSQL.

    Django 5.2 inserts batches as ``UNNEST`` of arrays, and psycopg quotes each
    element of an array in Python, one regular expression call per quote of a
    JSON body: ten times slower than quoting the same values as scalars. A
    value that is an expression makes Django fall back to ``VALUES``.
    """
    for obj in objs:
        field = obj._meta.get_field(attname)
        value = getattr(obj, attname)
        setattr(obj, attname, models.Value(value, output_field=field))
    try:
        yield objs
    finally:
        for obj in objs:
            setattr(obj, attname, getattr(obj, attname).value)


def update_rows(objs, names):
    """Write the fields ``names`` of saved ``objs`` (one model), one statement
    per table run for every object (``executemany``): ``bulk_update()`` and
    ``update()`` with ``Case``/``When`` build an expression per field and
    object, slower to compile than the writes themselves. The fields may be
    spread over a model and its parents (multi-table inheritance)."""
    objs = list(objs)
    if not objs:
        return
    meta = type(objs[0])._meta
    tables = {}
    for name in names:
        field = meta.get_field(name)
        tables.setdefault(field.model, []).append(field)
    quote = connection.ops.quote_name
    for model, fields in tables.items():
        key = model._meta.pk
        # Table and column names from the models, quoted; values as parameters.
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(model._meta.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in fields),
            quote(key.column),
        )
        rows = [
            [
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in fields
            ]
            + [obj.pk]
            for obj in objs
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


#: From this many rows, :func:`insert_rows` copies them into PostgreSQL.
COPY_FROM = 100


def insert_rows(objs, batch_size=500):
    """Insert the unsaved ``objs`` (one model with an automatic key), without
    reading their keys back.

    On PostgreSQL, many rows are sent with ``COPY``: each value is adapted by
    psycopg in C, where ``INSERT`` statements quote every value of every row
    into one long statement that the server parses again (the section index of
    10,000 editions is 100,000 rows). Elsewhere, and for a few rows (which then
    show up in query logs as usual), ``bulk_create()``.
    """
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    # Table and column names from the model, quoted; values sent by COPY.
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
    )
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, WrittenTables):
            # COPY goes to psycopg's cursor, past Django's execute wrappers.
            wrapper.note(sql)
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            # Keys of related objects assigned before they were saved.
            obj._prepare_related_fields_for_save(operation_name="insert_rows")
            copy.write_row(
                [
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    for field in fields
                ]
            )
    if connection.queries_logged:
        # As Django logs its own queries (DEBUG, tests counting queries).
        connection.queries_log.append(
            {
                "sql": f"{sql} -- {len(objs)} rows",
                "time": f"{time.monotonic() - started:.3f}",
            }
        )


_WRITE = re.compile(
    r'^\s*(?:(?P<insert>INSERT\s+INTO|COPY)|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)',
    re.IGNORECASE,
)


class WrittenTables:
    """An execute wrapper (``connection.execute_wrapper(written)``) noting the
    table of every statement that writes: ``inserted`` (``INSERT``, and the
    ``COPY`` of :func:`insert_rows`), ``changed`` (those, ``UPDATE`` and
    ``DELETE``)."""

    def __init__(self):
        self.inserted = set()
        self.changed = set()

    def __call__(self, execute, sql, params, many, context):
        self.note(sql)
        return execute(sql, params, many, context)

    def note(self, sql):
        match = _WRITE.match(sql) if isinstance(sql, str) else None
        if match:
            self.changed.add(match["table"])
            if match["insert"]:
                self.inserted.add(match["table"])


@contextmanager
def bulk_write():
    """Note the tables the block writes; once the transaction holding them
    commits, make them ready to be read (:func:`make_ready`). Yields the
    :class:`WrittenTables`. Meanwhile, GIN indexes buffer their new entries
    (:func:`_buffered_gin_inserts`).

    Open it inside the transaction of the writes (``with transaction.atomic(),
    bulk_write():``): when that rolls back (an error, a dry run), nothing is
    done; outside any transaction, the tables are made ready on leaving the
    block. Inside a test's transaction, which never commits, never.
    """
    written = WrittenTables()
    with _buffered_gin_inserts(), connection.execute_wrapper(written):
        yield written
    changed = written.changed | triggered_tables(written.changed)
    transaction.on_commit(partial(make_ready, sorted(changed)))


def triggered_tables(tables):
    """The tables that the database's own triggers write when ``tables`` are
    written (PostgreSQL: the public editions' words, migration 0036, and the
    sections', 0037): no statement of ours names them."""
    if connection.vendor != "postgresql":
        return set()
    written = set(tables)
    found = set()
    if written & {"recaps_recapentry", "wagtailsearch_indexentry"}:
        found.add(FULLTEXT_TABLE)
    for source, vectors in VECTOR_TABLES.items():
        if source in written:
            found.add(vectors)
    return found


#: GIN indexes that insert every entry into the index itself (the search's,
#: migration 0028), as ``ALTER INDEX … SET (fastupdate = off)`` records it.
_UNBUFFERED_GIN = (
    "SELECT c.oid::regclass::text FROM pg_class c "
    "JOIN pg_am am ON am.oid = c.relam "
    "WHERE am.amname = 'gin' AND pg_table_is_visible(c.oid) "
    "AND 'fastupdate=off' = ANY(c.reloptions)"
)


def _set_fastupdate(indexes, on):
    with connection.cursor() as cursor:
        for index in indexes:
            # Index names from the catalogue, quoted by regclass.
            cursor.execute(
                f"ALTER INDEX {index} SET (fastupdate = {'on' if on else 'off'})"
            )


@contextmanager
def _buffered_gin_inserts():
    """In a transaction on PostgreSQL, GIN indexes with ``fastupdate = off``
    keep the block's entries in their pending list, as by default: a bulk
    write of the search index is then three to four times faster, and
    :func:`make_ready` merges the list once committed. The setting is back
    before the transaction ends: no other session sees it change. On an error
    in the block, or a rollback asked for, the rollback restores it."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(_UNBUFFERED_GIN)
        indexes = [index for (index,) in cursor.fetchall()]
    try:
        with transaction.atomic():
            _set_fastupdate(indexes, on=True)
    except DatabaseError as error:
        # E.g. the database user does not own them: slower, still correct.
        logger.warning("GIN indexes %s left unbuffered: %s", indexes, error)
        indexes = []
    yield
    if not connection.needs_rollback:  # else the rollback restores it (dry run)
        _set_fastupdate(indexes, on=False)


def make_ready(tables):
    """What autovacuum would do to freshly written ``tables``, now.

    On PostgreSQL, the pending lists of their GIN indexes are merged into the
    indexes (``gin_clean_pending_list()``): with ``fastupdate`` (the default,
    and the search index's during a bulk write) new entries wait in an
    unsorted list that every search reads whole, and which the planner counts
    in the index's cost (at 10,000 generated editions, an API search took
    491 ms instead of 32). Then ``VACUUM (ANALYZE)``: the visibility map
    (index-only scans), the old versions of updated rows gone, the planner's
    statistics. ``VACUUM`` cannot run in a transaction: inside one (a test
    running on-commit callbacks in its own), ``ANALYZE`` only, which leaves the
    pending lists to the first step. On SQLite, ``ANALYZE`` (``sqlite_stat1``).

    Tables that no longer exist are skipped. The writes are committed already:
    a failure (e.g. the database user does not own an index) is logged, not
    raised.
    """
    existing = set(connection.introspection.table_names())
    tables = [table for table in tables if table in existing]
    if not tables:
        return
    started = time.monotonic()
    in_transaction = connection.in_atomic_block
    try:
        # Inside a transaction, a failure must not abort it: a savepoint.
        with transaction.atomic() if in_transaction else nullcontext():
            with connection.cursor() as cursor:
                _analyze(cursor, tables, vacuum=not in_transaction)
    except DatabaseError as error:
        logger.warning("Tables written but not made ready (%s): %s", tables, error)
        return
    logger.info(
        "%s tables made ready in %.1f s", len(tables), time.monotonic() - started
    )


def _analyze(cursor, tables, vacuum):
    quote = connection.ops.quote_name
    names = ", ".join(quote(table) for table in tables)
    if connection.vendor != "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
        return
    cursor.execute(
        "SELECT i.indexrelid FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam "
        "WHERE am.amname = 'gin' AND i.indrelid = ANY(%s::regclass[])",
        [[quote(table) for table in tables]],
    )
    for (index,) in cursor.fetchall():
        cursor.execute("SELECT gin_clean_pending_list(%s)", [index])
    # Table names from the database's own list, quoted.
    cursor.execute(f"VACUUM (ANALYZE) {names}" if vacuum else f"ANALYZE {names}")


def postgresql_statements(statements, ready=()):
    """A migration's function (``RunPython``): on PostgreSQL, ``statements``
    in one transaction, then the tables ``ready`` made ready to be read
    (:func:`make_ready`: ``VACUUM`` needs a migration with ``atomic =
    False``). Other databases: nothing."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with transaction.atomic(using=schema_editor.connection.alias):
            for statement in statements:
                schema_editor.execute(statement)
        if ready:
            make_ready(list(ready))

    return run
