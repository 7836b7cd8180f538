"""Shared fixtures: a site whose root holds a series, helpers to add editions,
editions in every hidden state and a small WordPress export."""

import datetime
import os
import runpy
import socket
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Page, PageViewRestriction, Site

from cms.cache import forget_failures
from cms.settings import base as base_settings
from recaps.models import RecapSeriesPage, Theme
from tests.factories import RecapPageFactory, RecapSeriesPageFactory, section
from tests.fakes import FakeRedis
from tests.importers.helpers import build_wxr, recap_html, wxr_item

#: Fixtures through which a test reaches the database (pytest-django's).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def uses_the_database(item):
    """Whether a collected test reaches the database: a ``django_db`` mark or a
    database fixture anywhere in its fixture closure."""
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (``make test-postgres``), run only what the database can
    change: tests that reach it and the ``services`` tests. The others (parsers,
    settings, scripts) run the same code whatever the database, and ``make
    test`` has just run them in the SQLite leg."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    if os.environ.get("RUN_DATABASE_FREE_TESTS") == "1":
        return
    kept, skipped = [], []
    for item in items:
        if uses_the_database(item) or item.get_closest_marker("services"):
            kept.append(item)
        else:
            skipped.append(item)
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = kept


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (responses, throttle counters)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def database_down():
    """Every SQL statement fails as when the server is unreachable."""
    error = OperationalError("connection to server failed: Connection refused")
    with mock.patch.object(CursorWrapper, "execute", side_effect=error):
        yield


@pytest.fixture
def hung_redis(settings, monkeypatch):
    """The site's own cache settings (``REDIS_URL``) aimed at a Redis that
    accepts connections and never answers; a :class:`~tests.fakes.FakeRedis`."""
    server = FakeRedis()
    # The OS may give a port a closed fake had: its circuit is not this one's.
    forget_failures()
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.setenv("REDIS_TIMEOUT", "0.2")
    configured = runpy.run_path(base_settings.__file__)
    settings.CACHES = configured["CACHES"]
    for name in ("DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS", "DJANGO_REDIS_LOGGER"):
        setattr(settings, name, configured[name])
    yield server
    server.close()
    forget_failures()


@pytest.fixture
def uncached(settings):
    """Every request runs its view: for query counts of the uncached path."""
    settings.RECAPS_RESPONSE_CACHE = False
    return settings


class FakeDNS:
    """Names resolve to ``names[name]`` (a list of addresses), IP literals to
    themselves, anything else fails: tests never ask real DNS. ``looked_up``
    lists every host asked."""

    def __init__(self, getaddrinfo):
        self.real = getaddrinfo
        self.names = {}
        self.looked_up = []

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        self.looked_up.append(host)
        name = host.rstrip(".").lower() if isinstance(host, str) else host
        if name not in self.names:
            flags |= socket.AI_NUMERICHOST
            return self.real(host, port, family, type, proto, flags)
        tcp = (socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
        return [
            (socket.AF_INET6, *tcp, (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, *tcp, (a, port))
            for a in self.names[name]
        ]


@pytest.fixture
def dns(monkeypatch):
    """A :class:`FakeDNS` in place of ``socket.getaddrinfo``."""
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture
def root_page(db):
    """The site's root page: a HomePage when the site app is installed."""
    from django.apps import apps

    root = Page.get_first_root_node()
    if apps.is_installed("home"):
        from home.models import HomePage

        home = HomePage(title="Accueil", slug="accueil")
        root.add_child(instance=home)
        home.save_revision().publish()
    else:
        home = root.add_child(instance=Page(title="Accueil", slug="accueil"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.hostname = "testserver"
    site.port = 80
    site.save()
    return home


@pytest.fixture
def series(root_page):
    return RecapSeriesPageFactory(
        parent=root_page,
        title="Les petites ébullitions du Vendredi",
        slug="ebullitions",
    )


@pytest.fixture
def empty_site():
    """A function removing every series (their editions too), theme and
    document (with its file) and the groups of view restrictions: a site to
    restore an archive into."""

    def empty():
        groups = list(
            Group.objects.filter(
                pk__in=PageViewRestriction.groups.through.objects.values("group_id")
            )
        )
        for series in RecapSeriesPage.objects.all():
            series.delete()
        Theme.objects.all().delete()
        for document in get_document_model().objects.all():
            document.file.delete(save=False)
            document.delete()
        for group in groups:
            group.delete()

    return empty


@pytest.fixture
def make_edition(series):
    """Create an edition of the series; keyword arguments go to the factory."""

    def make(**kwargs):
        kwargs.setdefault("parent", series)
        return RecapPageFactory(**kwargs)

    return make


@pytest.fixture
def hidden_editions(make_edition):
    """Editions nobody may see, each tagged ``secret`` and ``numérique``.

    A draft, a scheduled one (future go-live), an expired one still flagged live,
    one behind a password, one restricted to logged-in users and one scheduled
    through a revision approved for later.
    """
    now = timezone.now()
    tags = ["secret", "numérique"]
    body = [section("observations", "Constats", ["Contenu caché numérique"])]
    pages = {
        "draft": make_edition(
            edition_number=101, title="Brouillon", publish=False, tags=tags, body=body
        ),
        "scheduled": make_edition(
            edition_number=102, title="Programmée", tags=tags, body=body
        ),
        "expired": make_edition(
            edition_number=103, title="Expirée", tags=tags, body=body
        ),
        "password": make_edition(
            edition_number=104, title="Protégée", tags=tags, body=body
        ),
        "login": make_edition(
            edition_number=105, title="Réservée", tags=tags, body=body
        ),
    }
    type(pages["scheduled"]).objects.filter(pk=pages["scheduled"].pk).update(
        go_live_at=now + datetime.timedelta(days=3)
    )
    type(pages["expired"]).objects.filter(pk=pages["expired"].pk).update(
        expire_at=now - datetime.timedelta(days=1)
    )
    PageViewRestriction.objects.create(
        page=pages["password"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",  # noqa: S106
    )
    PageViewRestriction.objects.create(
        page=pages["login"], restriction_type=PageViewRestriction.LOGIN
    )
    # Scheduled the way the admin does it: a revision approved for later.
    pages["scheduled_revision"] = make_edition(
        edition_number=106, title="Planifiée", publish=False, tags=tags, body=body
    )
    pages["scheduled_revision"].go_live_at = now + datetime.timedelta(days=3)
    pages["scheduled_revision"].save_revision().publish()
    for page in pages.values():
        page.refresh_from_db()
    assert not pages["scheduled_revision"].live
    return pages


@pytest.fixture
def garden_editions(make_edition):
    """Three public editions about the garden and one that is not; hidden
    editions about it too: a draft, one restricted, and two still flagged
    live outside their schedule (in the public index, hidden when read)."""
    now = timezone.now()
    garden = [section("highlights", "Partages", ["Les jardins partagés"])]
    for number in range(1, 4):
        make_edition(edition_number=number, body=garden)
    make_edition(edition_number=4)
    make_edition(edition_number=5, body=garden, publish=False)
    restricted = make_edition(edition_number=6, body=garden)
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.LOGIN
    )
    for number, field, days in ((7, "expire_at", -1), (8, "go_live_at", 3)):
        page = make_edition(edition_number=number, body=garden)
        type(page).objects.filter(pk=page.pk).update(
            **{field: now + datetime.timedelta(days=days)}
        )


DANGEROUS = (
    '<script>alert("x")</script><p onclick="steal()">Fin.</p>'
    '<h3>Les ressources partagées</h3><ul><li><a href="javascript:alert(1)">'
    "piège</a> à éviter</li>"
    '<li><a href="https://www.conseiller-numerique.gouv.fr/">Conseillers</a></li></ul>'
    '<iframe src="https://evil.example/"></iframe>'
)


@pytest.fixture
def wxr_text():
    """An export with three posts, a draft, a trashed post and a page."""
    return build_wxr(
        [
            wxr_item(
                "Seconde petite ébullition",
                recap_html(2),
                "https://site.example/?p=2",
                date=datetime.date(2020, 11, 20),
                tags=["Numérique", "Isolement"],
                categories=[
                    ("petites-ebullitions", "Les petites ébullitions du Vendredi"),
                    ("reseau", "Réseau"),
                ],
                slug="seconde-petite-%c3%a9bullition",
            ),
            wxr_item(
                "Retour du vendredi",
                recap_html(3, DANGEROUS),
                "https://site.example/?p=3",
                date=datetime.date(2020, 12, 11),
                status="draft",
                tags=["numérique"],
            ),
            wxr_item(
                "Première petite ébullition",
                recap_html(1),
                "https://site.example/?p=1",
                date=datetime.date(2020, 11, 13),
                categories=[("uncategorized", "Non classé")],
            ),
            wxr_item(
                "Brouillon supprimé",
                recap_html(9),
                "https://site.example/?p=9",
                status="trash",
            ),
            wxr_item(
                "Mentions légales",
                "<p>Texte</p>",
                "https://site.example/?page_id=5",
                post_type="page",
            ),
        ]
    )


@pytest.fixture
def wxr_file(tmp_path, wxr_text):
    """``wxr_text`` written to a file."""
    path = tmp_path / "export.xml"
    path.write_text(wxr_text, encoding="utf-8")
    return path
