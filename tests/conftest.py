"""Shared fixtures: a site whose root holds a series, and helpers to add editions."""

import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from tests.factories import RecapPageFactory, RecapSeriesPageFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (responses, throttle counters)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def uncached(settings):
    """Every request runs its view: for query counts of the uncached path."""
    settings.RECAPS_RESPONSE_CACHE = False
    return settings


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
def make_edition(series):
    """Create an edition of the series; keyword arguments go to the factory."""

    def make(**kwargs):
        kwargs.setdefault("parent", series)
        return RecapPageFactory(**kwargs)

    return make
