"""The search index entries of many pages in one statement, on PostgreSQL.

Wagtail's database search backend (modelsearch) writes a batch of objects by
building, for each object, a Django expression per indexed text (a weighted
``SearchVector``), combining them and compiling the result: on an import of a
thousand editions that is a fifth of the importer's time, spent producing the
same SQL a thousand times.

:func:`add_entries` writes the very rows modelsearch's ``add_items`` writes: the
texts and weights come from modelsearch's own ``ObjectIndexer`` (one walk of the
search fields instead of five), and the SQL of a vector of ``n`` texts is
compiled once by Django from the expressions modelsearch builds, then reused
with each row's texts as parameters. On any other backend it is ``add_bulk``.
``tests/test_search_entries.py`` checks that the rows equal ``add_bulk``'s.
"""

from functools import cache

from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.db.models import TextField, Value
from django.db.models.sql import InsertQuery
from modelsearch.backends.database.postgres.postgres import (
    EMPTY_VECTOR,
    IndexEntry,
    ObjectIndexer,
    PostgresSearchBackend,
)
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.utils import ADD, get_content_type_pk

#: Rows per statement (PostgreSQL takes at most 65,535 parameters).
BATCH = 200


def add_entries(backend, model, objs):
    """Index ``objs`` (instances of ``model``) as ``backend.add_bulk`` does."""
    if not isinstance(backend, PostgresSearchBackend) or not model.get_search_fields():
        backend.add_bulk(model, objs)
        return
    index = backend.get_index_for_model(model)
    objs = list(objs)
    for start in range(0, len(objs), BATCH):
        _insert(index, model, objs[start : start + BATCH])
    if objs:
        index._refresh_title_norms()


def _texts(indexer):
    """``(title, body, autocomplete)`` texts of an object as ``(text, weight)``,
    in the order modelsearch's ``ObjectIndexer`` reads them."""
    title, body, autocomplete = [], [], []
    for field in indexer.search_fields:
        for current, weight, value in indexer.prepare_field(indexer.obj, field):
            if isinstance(current, SearchField):
                target = title if current.field_name == "title" else body
                target.append((value, weight))
            elif isinstance(current, AutocompleteField):
                autocomplete.append((value, weight))
    return title, body, autocomplete


def _stripped(texts):
    stripped = ((text.strip(), weight) for text, weight in texts)
    return [(text, weight) for text, weight in stripped if text]


@cache
def _vector_sql(connection_alias, column, count, config):
    """``(sql, layout)`` of a vector of ``count`` texts as modelsearch builds
    it (``ObjectIndexer.as_vector``) for ``column``: Django compiles it once,
    with markers where each text and weight go; ``layout`` says, parameter by
    parameter, ``("text", i)``, ``("weight", i)`` or ``("value", constant)``."""
    connection = connections[connection_alias]
    if count:
        texts = [f"\x00text{i}\x00" for i in range(count)]
        weights = [f"\x00weight{i}\x00" for i in range(count)]
        expression = ADD(
            [
                SearchVector(
                    Value(text, output_field=TextField()), weight=weight, config=config
                )
                for text, weight in zip(texts, weights, strict=True)
            ]
        )
    else:
        texts, weights, expression = [], [], EMPTY_VECTOR
    compiler = InsertQuery(IndexEntry).get_compiler(connection=connection)
    value = compiler.prepare_value(IndexEntry._meta.get_field(column), expression)
    sql, params = value.as_sql(compiler, connection)
    markers = {text: ("text", i) for i, text in enumerate(texts)}
    markers.update({weight: ("weight", i) for i, weight in enumerate(weights)})
    return sql, tuple(markers.get(param, ("value", param)) for param in params)


def _vector(index, column, texts, config):
    sql, layout = _vector_sql(index.write_connection.alias, column, len(texts), config)
    params = []
    for kind, value in layout:
        if kind == "text":
            params.append(texts[value][0])
        elif kind == "weight":
            params.append(texts[value][1])
        else:
            params.append(value)
    return sql, params


def _insert(index, model, objs):
    content_type_pk = get_content_type_pk(model)
    rows, params = [], []
    for obj in objs:
        indexer = ObjectIndexer(obj, index.backend)
        title, body, autocomplete = (_stripped(texts) for texts in _texts(indexer))
        params += [content_type_pk, indexer.id]
        vectors = []
        for column, texts, config in (
            ("title", title, indexer.config),
            ("autocomplete", autocomplete, indexer.autocomplete_config),
            ("body", body, indexer.config),
        ):
            sql, vector_params = _vector(index, column, texts, config)
            vectors.append(sql)
            params += vector_params
        params.append(" ".join(text for text, _weight in title))
        params.append(" ".join(text for text, _weight in body))
        rows.append(f"(%s, %s, {vectors[0]}, {vectors[1]}, {vectors[2]}, 1.0, %s, %s)")
    # The statement of modelsearch's PostgresIndex.add_items.
    with index.write_connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {IndexEntry._meta.db_table} (content_type_id, object_id,
                title, autocomplete, body, title_norm, title_text, body_text)
            (VALUES {", ".join(rows)})
            ON CONFLICT (content_type_id, object_id)
            DO UPDATE SET title = EXCLUDED.title,
                          title_norm = 1.0,
                          autocomplete = EXCLUDED.autocomplete,
                          body = EXCLUDED.body,
                          title_text = EXCLUDED.title_text,
                          body_text = EXCLUDED.body_text
            """,
            params,
        )
