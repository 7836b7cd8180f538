"""``make run`` (cms.settings.dev) shows the project's French 404 and 500 pages,
not Django's English debug pages (cms/dev.py)."""

import importlib.util

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import path

from cms.settings import dev as dev_settings
from cms.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("__broken__/", broken),
    path("__forbidden__/", forbidden),
    *site_urls,
]
handler404 = "cms.views.page_not_found"
handler500 = "cms.views.server_error"


@pytest.fixture
def dev_server(settings, client, series):
    """The dev settings' DEBUG and middleware; views that fail."""
    settings.DEBUG = True
    settings.MIDDLEWARE = dev_settings.MIDDLEWARE
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


def test_dev_settings_use_the_project_error_pages():
    assert "cms.dev.ProjectErrorPagesMiddleware" in dev_settings.MIDDLEWARE


def test_dev_settings_can_show_django_debug_pages(monkeypatch):
    monkeypatch.setenv("DEBUG_ERROR_PAGES", "1")
    # A fresh copy of the module, read with this environment.
    spec = importlib.util.spec_from_file_location(
        "cms.settings.dev_probe", dev_settings.__file__
    )
    configured = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(configured)
    assert "cms.dev.ProjectErrorPagesMiddleware" not in configured.MIDDLEWARE


def test_missing_page_answers_the_french_404(dev_server):
    response = dev_server.get("/ebullitions/nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "Using the URLconf" not in html
    assert "Page not found" not in html


def test_error_answers_the_french_500(dev_server):
    response = dev_server.get("/__broken__/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Traceback" not in html
    assert "RuntimeError" not in html


def test_permission_denied_stays_a_403(dev_server):
    assert dev_server.get("/__forbidden__/").status_code == 403
