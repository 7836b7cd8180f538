"""recaps.search_entries writes the search index rows Wagtail's backend writes.

Over generated archives (``generate_recaps``, several seeds) and editions with
empty or blank fields, the rows of :func:`add_entries` equal those of
``add_bulk`` column by column, vectors compared as PostgreSQL prints them.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from recaps import search_entries
from recaps.models import RecapPage
from tests.factories import section

pytestmark = pytest.mark.django_db

SEEDS = ["1", "7", "ébullition"]


def entries():
    if connection.vendor != "postgresql":
        # add_entries is add_bulk there: the rows are the same by construction.
        return sorted(
            IndexEntry.objects.values_list(
                "object_id", "title", "body", "autocomplete", "title_norm"
            )
        )
    columns = ["object_id", "title_text", "body_text", "title_norm"]
    return sorted(
        IndexEntry.objects.annotate(
            **{
                f"{column}_vector": Cast(column, TextField())
                for column in ("title", "body", "autocomplete")
            }
        ).values_list(*columns, "title_vector", "body_vector", "autocomplete_vector")
    )


def both_ways(pages):
    """The rows of ``add_bulk``, then those of ``add_entries``."""
    backend = get_search_backend()
    IndexEntry.objects.all().delete()
    backend.add_bulk(RecapPage, pages)
    expected = entries()
    IndexEntry.objects.all().delete()
    search_entries.add_entries(backend, RecapPage, pages)
    return expected, entries()


@pytest.mark.parametrize("seed", SEEDS)
def test_rows_equal_those_of_add_bulk_over_generated_archives(
    seed, root_page, monkeypatch
):
    # Several statements per batch, the last one short.
    monkeypatch.setattr(search_entries, "BATCH", 7)
    call_command(
        "generate_recaps", "--editions", "24", "--seed", seed, stdout=io.StringIO()
    )
    pages = list(RecapPage.objects.all())
    assert len(pages) == 24
    expected, written = both_ways(pages)
    assert len(expected) == 24
    assert written == expected


def test_empty_and_blank_fields_give_the_rows_of_add_bulk(make_edition):
    pages = [
        make_edition(edition_number=1, intro="", body=[], tags=[]),
        make_edition(
            edition_number=2,
            intro="   ",
            summary_easy=" \n ",
            body=[section("text", "", intro="<p> </p>")],
        ),
        make_edition(
            edition_number=3,
            title="  L’égalité, c’est “nous” ",
            intro="<p>Deux\u00a0mots &amp; des <b>accents</b> : été, çà.</p>",
            tags=["numérique", "Parentalité"],
            body=[section("nuggets", "Pépites", ["Un point", ("Deux", ["trois"])])],
        ),
    ]
    expected, written = both_ways(pages)
    assert len(expected) == 3
    assert written == expected


def test_nothing_to_index_writes_nothing(db):
    search_entries.add_entries(get_search_backend(), RecapPage, [])
    assert IndexEntry.objects.count() == 0
