"""Fixtures for the reader pages: editions in every publication state."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from tests.factories import section

HIDDEN_TITLES = (
    "Brouillon",
    "Programmée",
    "Expirée",
    "Protégée",
    "Réservée",
    "Planifiée",
)


@pytest.fixture
def count_queries(client, uncached):
    """GET a URL, assert a 200 and return the number of queries its view ran."""

    def get(url, **params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200, response.status_code
        return len(queries)

    return get


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
