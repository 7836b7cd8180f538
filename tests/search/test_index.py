"""What the search index holds for an edition, on both databases."""

import pytest
from django.db import connection

from tests.factories import section

pytestmark = pytest.mark.django_db


def _index_body(page):
    """The indexed body of ``page`` as text (a tsvector on PostgreSQL)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.search.models import IndexEntry

    entry = IndexEntry.objects.get(
        content_type=ContentType.objects.get_for_model(page), object_id=str(page.pk)
    )
    return str(entry.body)


def test_items_sub_items_intro_and_themes_are_indexed(make_edition):
    page = make_edition(
        edition_number=1,
        tags=["aller-vers"],
        intro="<p>Matinée conviviale</p>",
        body=[
            section(
                "observations",
                "Constats partagés",
                [("Fracture numérique", ["Ordinateurs manquants"])],
            )
        ],
    )
    body = _index_body(page)
    if connection.vendor == "postgresql":
        # french_unaccent: accents removed, then French stems.
        for lexeme in ("'numer'", "'ordin'", "'convivial'", "'constat'", "'aller'"):
            assert lexeme in body
        assert "é" not in body
    else:
        for word in ("numérique", "Ordinateurs", "conviviale", "Constats", "aller"):
            assert word in body


def test_postgresql_uses_the_french_unaccent_configuration():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from django.conf import settings

    assert settings.WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] == (
        "french_unaccent"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('french_unaccent', 'Bénévoles isolés')")
        assert cursor.fetchone()[0] == "'benevol':1 'isol':2"


def test_themes_are_indexed_from_the_first_publication(client, make_edition):
    page = make_edition(edition_number=1, tags=["jardinage"], intro="<p>Rien</p>")
    assert "jardinage" in _index_body(page) or "'jardinag'" in _index_body(page)
    response = client.get("/search/", {"query": "jardinage"})
    assert page.title in response.content.decode()
    page.tags.set(["potager"])
    page.save_revision().publish()
    assert (
        client.get("/search/", {"query": "potager"})
        .content.decode()
        .count(f">{page.title}</a></h2>")
        == 1
    )
    assert f">{page.title}</a></h2>" not in (
        client.get("/search/", {"query": "jardinage"}).content.decode()
    )


def _fulltext_rows():
    """``{edition id: words}`` of the index of public editions: its title and
    body on SQLite (FTS5), its vector as text on PostgreSQL."""
    from recaps.search import FULLTEXT_TABLE

    columns = "rowid, title || ' ' || body"
    if connection.vendor == "postgresql":
        columns = "edition_id, words::text"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {FULLTEXT_TABLE}")  # noqa: S608
        return dict(cursor.fetchall())


def _wagtail_text(page):
    """What Wagtail's database backend indexes for ``page``, as
    :func:`_fulltext_rows` shows it (PostgreSQL: the vector it matches)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.search.models import IndexEntry

    entry = IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(page), object_id=str(page.pk)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql, params = entry.values("pk").query.sql_with_params()
            cursor.execute(
                "SELECT (title || body)::text FROM wagtailsearch_indexentry "
                f"WHERE id IN ({sql})",  # noqa: S608
                params,
            )
            return cursor.fetchone()[0]
    entry = entry.get()
    return f"{entry.title} {entry.body}"


def _holds(words, word):
    """Whether ``words`` (a row of :func:`_fulltext_rows`) hold ``word``: the
    word itself, or on PostgreSQL its lexeme (accents removed, stemmed)."""
    if connection.vendor != "postgresql":
        return word in words
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('french_unaccent', %s)::text", [word])
        lexeme = cursor.fetchone()[0].split(":")[0]
    return lexeme in words


def test_fulltext_index_holds_every_public_edition_and_nothing_else(
    make_edition, hidden_editions
):
    """One row per edition of the public index (``RecapEntry``), with the text
    Wagtail indexes for it: no draft, no restricted edition, ever. Editions
    still flagged live outside their schedule (expired, or given a later
    go-live) keep their entry and row: the schedule is applied when reading,
    as everywhere."""
    from recaps.models import RecapEntry

    public = make_edition(edition_number=1, tags=["jardinage"])
    rows = _fulltext_rows()
    assert set(rows) == set(RecapEntry.objects.values_list("pk", flat=True))
    hidden = {hidden_editions[name].pk for name in ("expired", "scheduled")}
    assert set(rows) == {public.pk, *hidden}
    assert rows[public.pk] == _wagtail_text(public)
    assert _holds(rows[public.pk], "jardinage")


def test_fulltext_index_follows_publication_restriction_and_deletion(
    make_edition, series
):
    from wagtail.models import PageViewRestriction

    from recaps.models import Theme
    from recaps.themes import reindex_theme_editions

    page = make_edition(
        edition_number=1,
        tags=["jardinage"],
        body=[section("highlights", "Partages", ["Le potager du quartier"])],
    )
    other = make_edition(edition_number=2)
    assert _holds(_fulltext_rows()[page.pk], "potager")

    # A new version replaces the words, once.
    page.body = [section("highlights", "Partages", ["La ludothèque ouvre"])]
    page.save_revision().publish()
    rows = _fulltext_rows()
    assert _holds(rows[page.pk], "ludothèque")
    assert not _holds(rows[page.pk], "potager")
    assert rows[page.pk] == _wagtail_text(page)
    # A draft changes nothing.
    page.title = "Brouillon secret"
    page.save_revision()
    assert not _holds(_fulltext_rows()[page.pk], "secret")

    # A renamed theme is searched under its new name.
    theme = Theme.objects.get(slug="jardinage")
    theme.name = "Jardins suspendus"
    theme.save()
    reindex_theme_editions(theme)
    assert _holds(_fulltext_rows()[page.pk], "suspendus")

    page.unpublish()
    assert set(_fulltext_rows()) == {other.pk}
    page.refresh_from_db()
    page.save_revision().publish()
    assert set(_fulltext_rows()) == {page.pk, other.pk}

    # A restriction on the series hides every edition under it.
    restriction = PageViewRestriction.objects.create(
        page=series, restriction_type=PageViewRestriction.LOGIN
    )
    assert _fulltext_rows() == {}
    restriction.delete()
    assert set(_fulltext_rows()) == {page.pk, other.pk}

    other.delete()
    assert set(_fulltext_rows()) == {page.pk}


def test_fulltext_index_survives_a_rebuild_of_either_index(make_edition):
    """``update_index`` (Wagtail's entries rewritten) and ``rebuild_sections``
    (the public index rewritten) leave the same rows."""
    from django.core.management import call_command

    first = make_edition(edition_number=1, tags=["jardinage"])
    second = make_edition(edition_number=2)
    before = _fulltext_rows()
    assert set(before) == {first.pk, second.pk}
    call_command("update_index", verbosity=0)
    assert _fulltext_rows() == before
    call_command("rebuild_sections", verbosity=0)
    assert _fulltext_rows() == before


def test_migration_0036_fills_the_words_the_triggers_keep(
    make_edition, hidden_editions
):
    """PostgreSQL: dropped and created again (as a database migrated before
    it), the table of the public editions' words holds what the triggers
    wrote, and its triggers keep it from then on. SQLite: no-op."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    migration = import_module("recaps.migrations.0036_public_words_postgresql")
    first = make_edition(edition_number=1, tags=["jardinage"])
    make_edition(edition_number=2, publish=False)
    expected = _fulltext_rows()
    assert first.pk in expected and len(expected) == 3  # with expired, scheduled
    editor = SimpleNamespace(
        connection=connection,
        execute=lambda sql, params=(): connection.cursor().execute(sql, params),
    )
    migration.drop(apps, editor)
    if connection.vendor == "postgresql":
        assert "recaps_recapentry_fts" not in connection.introspection.table_names()
    migration.create(apps, editor)
    assert _fulltext_rows() == expected
    third = make_edition(edition_number=3, title="Le verger")
    assert _holds(_fulltext_rows()[third.pk], "verger")
