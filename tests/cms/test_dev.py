"""``make run`` (cms.settings.dev) shows the project's French 404 and 500 pages,
not Django's English debug pages (cms/dev.py)."""

import importlib.util
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import path
from wagtail.contrib.redirects.models import Redirect

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


# ``make run`` serves the site through ``serve_demo`` (runserver); the paths no
# URL pattern matches reach neither a view nor ``process_exception``.


@pytest.fixture
def demo_server(settings, series):
    """The WSGI application ``serve_demo`` serves, as ``make run`` starts it
    (runserver's options: its static handler asked for)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from home.management.commands.serve_demo import Command

    settings.DEBUG = True
    settings.MIDDLEWARE = dev_settings.MIDDLEWARE
    # As Django's test client does: the request must not close the test's
    # database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield Command().get_handler(use_static_handler=True, insecure_serving=False)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served(application, path):
    """``(status code, headers, body)`` of a GET of ``path``."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body.decode()


@pytest.mark.parametrize(
    "path",
    ["/nope.txt", "/static/nope.css", "/admin-nope/", "/ebullitions/nulle-part/"],
)
def test_make_run_answers_paths_nothing_serves_with_the_french_404(demo_server, path):
    status, _headers, html = served(demo_server, path)
    assert status == 404
    assert "Page introuvable" in html
    assert "Using the URLconf" not in html
    assert "Page not found" not in html


def test_a_missing_path_still_gets_the_slash_and_wagtail_redirects(demo_server):
    Redirect.add_redirect("/ancien-compte-rendu.txt", redirect_to="/ebullitions/")
    status, headers, _html = served(demo_server, "/ancien-compte-rendu.txt")
    assert status in (301, 302)
    assert headers["Location"].endswith("/ebullitions/")
    status, headers, _html = served(demo_server, "/admin-nope")
    assert status == 301
    assert headers["Location"] == "/admin-nope/"


def test_make_run_still_serves_static_files(demo_server):
    status, _headers, css = served(demo_server, "/static/recaps/admin/editor.css")
    assert status == 200
    assert ".w-minimap__list" in css
