"""Helpers for writing many rows at once."""

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
