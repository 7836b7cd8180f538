"""recaps.db: rows written many at once, and the tables made ready afterwards."""

import logging

import pytest
from django.db import connection, transaction
from wagtail.search.backends import get_search_backend

from recaps import db
from recaps.db import COPY_FROM, bulk_write, insert_rows, make_ready, triggered_tables
from recaps.models import RecapPageTag, RecapSection, Theme
from tests.readiness import Upkeep, pending_gin_pages, upkeep_counts

pytestmark = pytest.mark.django_db


def test_the_tables_of_every_kind_of_write_are_noted(
    make_edition, django_capture_on_commit_callbacks
):
    edition = make_edition(edition_number=1, tags=["jardin"])
    rows = [
        RecapSection(
            edition=edition,
            position=position,
            type="nuggets",
            edition_date=edition.date,
            edition_number=edition.edition_number,
        )
        for position in range(100, 100 + COPY_FROM)
    ]
    with django_capture_on_commit_callbacks() as callbacks, bulk_write() as written:
        Theme.objects.update(description="Potager")
        RecapPageTag.objects.all().delete()
        # COPY on PostgreSQL, past the execute wrappers.
        insert_rows(rows)
    assert written.inserted == {"recaps_recapsection"}
    assert written.changed == {
        "recaps_theme",
        "recaps_recappagetag",
        "recaps_recapsection",
    }
    # Made ready: those, and on PostgreSQL the table its triggers wrote.
    triggered = (
        {"recaps_recapsection_fts"} if connection.vendor == "postgresql" else set()
    )
    assert triggered_tables(written.changed) == triggered
    assert [callback.args for callback in callbacks] == [
        (sorted(written.changed | triggered),)
    ]


def test_nothing_is_made_ready_when_the_writes_roll_back(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic(), bulk_write():
            Theme.objects.create(name="jardin")
            transaction.set_rollback(True)
        with pytest.raises(RuntimeError), transaction.atomic(), bulk_write():
            Theme.objects.create(name="potager")
            raise RuntimeError("disk full")
    assert callbacks == []
    assert not Theme.objects.exists()


def test_inside_a_transaction_the_tables_are_analysed_without_vacuum(
    make_edition, django_capture_on_commit_callbacks
):
    """Callbacks run inside the test's transaction, where ``VACUUM`` would fail:
    the GIN pending lists are still emptied and the statistics renewed."""
    upkeep = Upkeep()
    with django_capture_on_commit_callbacks(execute=True), bulk_write():
        edition = make_edition(edition_number=1)
        get_search_backend().add(edition)
    assert connection.in_atomic_block
    if connection.vendor == "postgresql":
        assert set(pending_gin_pages(["wagtailsearch_indexentry"]).values()) == {0}
        before, after = upkeep.before, upkeep_counts()
        for table in ("wagtailsearch_indexentry", "recaps_recappage"):
            assert after[table][1] > before.get(table, (0, 0))[1]
    else:
        upkeep.assert_ready(["wagtailsearch_indexentry", "recaps_recappage"])


def test_a_failure_is_logged_and_leaves_the_transaction_usable(monkeypatch, caplog):
    def failing(cursor, tables, vacuum):
        cursor.execute("ANALYZE no_such_table_at_all")

    monkeypatch.setattr(db, "_analyze", failing)
    with caplog.at_level(logging.WARNING, logger="recaps.db"):
        make_ready(["recaps_theme"])
    assert "not made ready" in caplog.text
    assert Theme.objects.count() == 0


def test_tables_that_no_longer_exist_are_skipped(monkeypatch):
    analysed = []
    monkeypatch.setattr(
        db, "_analyze", lambda cursor, tables, vacuum: analysed.append(tables)
    )
    make_ready(["recaps_theme", "dropped_since"])
    make_ready(["dropped_since"])
    assert analysed == [["recaps_theme"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_tables_are_ready_on_leaving_the_block():
    upkeep = Upkeep()
    with bulk_write():
        Theme.objects.create(name="jardin")
    upkeep.assert_ready(["recaps_theme"])


def fastupdate_of(index):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [index])
        return cursor.fetchone()[0]


def test_the_search_index_buffers_a_bulk_write_only(
    make_edition, django_capture_on_commit_callbacks
):
    """The search's GIN index inserts each entry directly (migration 0028),
    except during a bulk write: its entries wait in the pending list until
    the tables are made ready."""
    if connection.vendor != "postgresql":
        pytest.skip("GIN indexes and fastupdate are PostgreSQL's")
    index = "recaps_indexentry_title_body_gin"
    backend = get_search_backend()
    assert fastupdate_of(index) == ["fastupdate=off"]
    # An earlier test's bulk write, rolled back, may have left pages behind.
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    assert pending_gin_pages(["wagtailsearch_indexentry"])[index] == 0
    backend.add(make_edition(edition_number=1))
    assert pending_gin_pages(["wagtailsearch_indexentry"])[index] == 0
    with django_capture_on_commit_callbacks() as callbacks, bulk_write():
        backend.add(make_edition(edition_number=2))
    assert fastupdate_of(index) == ["fastupdate=off"]
    assert pending_gin_pages(["wagtailsearch_indexentry"])[index] > 0
    assert len(callbacks) == 1
