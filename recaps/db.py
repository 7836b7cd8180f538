"""Helpers for writing many rows at once."""

import time
from contextlib import contextmanager

from django.db import connection, models


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
