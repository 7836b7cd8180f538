"""The content version changes with every change of what readers may see."""

import datetime

import psycopg
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import PageViewRestriction, Site

from recaps.models import ContentVersion, RecapPage, RecapSection, Theme
from recaps.themes import merge_themes
from tests.factories import RecapSeriesPageFactory, section

pytestmark = pytest.mark.django_db


def number():
    return ContentVersion.current().number


@pytest.fixture
def edition(make_edition):
    return make_edition(edition_number=1, tags=["numérique", "isolement"])


def rename(theme):
    theme.name = "inclusion numérique"
    theme.save()


CHANGES = {
    "publish": lambda e, mk, root: mk(edition_number=2, title="Autre"),
    "republish": lambda e, mk, root: (
        RecapPage.objects.get(pk=e.pk).save_revision().publish()
    ),
    "unpublish": lambda e, mk, root: RecapPage.objects.get(pk=e.pk).unpublish(),
    "delete": lambda e, mk, root: RecapPage.objects.get(pk=e.pk).delete(),
    "move": lambda e, mk, root: RecapPage.objects.get(pk=e.pk).move(
        RecapSeriesPageFactory(parent=root, title="Autre série", slug="autre"),
        pos="last-child",
    ),
    "restrict": lambda e, mk, root: PageViewRestriction.objects.create(
        page=e, restriction_type=PageViewRestriction.LOGIN
    ),
    "rename theme": lambda e, mk, root: rename(Theme.objects.get(slug="numerique")),
    "merge themes": lambda e, mk, root: merge_themes(
        Theme.objects.get(slug="isolement"), Theme.objects.get(slug="numerique")
    ),
    "site": lambda e, mk, root: Site.objects.get(is_default_site=True).save(),
    "document": lambda e, mk, root: Document.objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4", name="guide.pdf")
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_public_change_bumps_the_version(
    edition, make_edition, root_page, change
):
    before = number()
    CHANGES[change](edition, make_edition, root_page)
    assert number() > before


def test_a_draft_changes_nothing_public(edition):
    before = ContentVersion.current()
    page = RecapPage.objects.get(pk=edition.pk)
    page.title = "Brouillon"
    page.body = [section("questions", "Q", ["Comment ?"])]
    page.save_revision()
    after = ContentVersion.current()
    assert after.number == before.number
    assert [row.type for row in RecapSection.objects.filter(edition=edition)] == [
        "highlights"
    ]


def test_republishing_the_same_edition_keeps_the_shared_date(edition):
    before = ContentVersion.current()
    RecapPage.objects.get(pk=edition.pk).save_revision().publish()
    after = ContentVersion.current()
    assert after.number > before.number
    assert after.shared_changed_at == before.shared_changed_at
    renamed = RecapPage.objects.get(pk=edition.pk)
    renamed.title = "Nouveau titre"  # neighbours show titles: shared
    renamed.save_revision().publish()
    assert ContentVersion.current().shared_changed_at > after.shared_changed_at


def test_go_live_and_expiry_instants_bump_the_version_at_their_time(edition):
    moment = timezone.now() + datetime.timedelta(hours=2)
    page = RecapPage.objects.get(pk=edition.pk)
    page.expire_at = moment
    page.save()
    before = ContentVersion.current()
    assert before.next_boundary_at == moment
    with time_machine.travel(moment - datetime.timedelta(seconds=1), tick=False):
        assert ContentVersion.current().number == before.number
    with time_machine.travel(moment + datetime.timedelta(seconds=1), tick=False):
        after = ContentVersion.current()
    assert after.number == before.number + 1
    assert after.changed_at == moment  # what is public changed then
    assert after.next_boundary_at is None


def test_migrate_fills_an_empty_index(edition):
    RecapSection.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert RecapSection.objects.filter(edition=edition).count() == 1


def test_the_plain_sql_read_gives_what_the_orm_gives(edition):
    """``current()`` reads the row without the ORM: same values, aware times."""
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        later = timezone.now()
        ContentVersion.bump(at=later)
        read = ContentVersion.current()
    row = ContentVersion.objects.get()
    assert read.pk == row.pk
    for field in ("number", "changed_at", "shared_changed_at", "next_boundary_at"):
        assert getattr(read, field) == getattr(row, field), field
    assert read.changed_at == later and timezone.is_aware(read.changed_at)


def test_current_creates_the_row_of_an_empty_database(edition):
    ContentVersion.objects.all().delete()
    assert ContentVersion.current().number == 1
    assert ContentVersion.objects.count() == 1


def _request_starts(monkeypatch):
    """The connection as Django leaves it when a request starts with health
    checks on (``close_if_unusable_or_obsolete``); the checks are counted."""
    db = connections[DEFAULT_DB_ALIAS]
    monkeypatch.setattr(db, "health_check_enabled", True)
    db.health_check_done = False
    checks = []
    usable = db.is_usable
    monkeypatch.setattr(db, "is_usable", lambda: checks.append(1) or usable())
    return checks


#: Persistent PostgreSQL connections; decided before any database is set up.
postgresql_only = pytest.mark.skipif(
    connections[DEFAULT_DB_ALIAS].vendor != "postgresql",
    reason="persistent PostgreSQL connections",
)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_read_stands_in_for_the_health_check(monkeypatch):
    """Every public response reads the version first: no ``SELECT 1`` before."""
    db = connections[DEFAULT_DB_ALIAS]
    ContentVersion.current()
    checks = _request_starts(monkeypatch)
    assert ContentVersion.current().number >= 1
    assert checks == []
    assert db.health_check_done


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dead_connection_is_replaced_by_the_version_read(monkeypatch):
    """A database restart closes the persistent connection: the version read
    fails once, reconnects and answers, as the health check would have."""
    db = connections[DEFAULT_DB_ALIAS]
    number = ContentVersion.current().number
    backend = db.connection.info.backend_pid
    params = db.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend])
    _request_starts(monkeypatch)
    assert ContentVersion.current().number == number
    assert db.connection.info.backend_pid != backend
