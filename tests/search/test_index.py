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
