"""Health check and error pages while the database or the cache is down."""

import logging
from unittest import mock

import pytest

from cms.logging import OncePerInterval

pytestmark = pytest.mark.django_db

#: A Redis URL nothing listens on: every cache call fails at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "cms.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
    }
}


@pytest.fixture
def cache_down(settings):
    settings.CACHES = DEAD_REDIS
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOGGER = "cms.cache"
    for log_filter in logging.getLogger("cms.cache").filters:
        if isinstance(log_filter, OncePerInterval):
            log_filter._last = None


def test_healthz_answers_200_when_everything_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_200_degraded_when_only_redis_is_down(client, cache_down):
    """Pages are served without cache: a load balancer must keep the server."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        "detail": "Indisponible : cache.",
    }


def test_healthz_answers_200_degraded_when_redis_hangs(client, hung_redis):
    responses = [client.get("/healthz") for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert {(r.json()["status"], r.json()["cache"]) for r in responses} == {
        ("degraded", "down")
    }
    # The circuit breaker: one timeout, not one per check.
    assert hung_redis.connections() == 1


def test_healthz_names_the_database_when_it_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == (
        "unavailable",
        "down",
        "ok",
    )
    assert body["detail"] == "Indisponible : base de données."


def test_healthz_names_both_when_both_are_down(client, database_down, cache_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "down",
        "cache": "down",
        "detail": "Indisponible : base de données, cache.",
    }


def test_pages_answer_a_french_503_while_the_database_is_down(
    client, series, make_edition, database_down
):
    client.raise_request_exception = False
    for url in ("/", "/ebullitions/", "/search/?query=moment"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] == "30"
        text = response.content.decode()
        assert "Site momentanément indisponible" in text, url
        assert "Traceback" not in text and "OperationalError" not in text


def test_api_answers_french_json_503_while_the_database_is_down(
    client, make_edition, database_down
):
    client.raise_request_exception = False
    for url in ("/api/v1/recaps/", "/api/v1/tags/"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": "Service momentanément indisponible, réessayez dans un instant."
        }


def test_other_errors_stay_500(client, series):
    client.raise_request_exception = False
    with mock.patch(
        "recaps.models.RecapSeriesPage.get_context", side_effect=RuntimeError
    ):
        response = client.get(series.url)
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()


def test_site_and_api_serve_without_cache_and_log_one_warning(
    client, series, make_edition, cache_down, settings, caplog
):
    settings.RECAPS_API_THROTTLE_RATE = "2/minute"
    edition = make_edition(edition_number=1, tags=["numérique"])
    caplog.set_level(logging.WARNING, logger="cms.cache")
    urls = ["/", series.url, edition.url, "/search/?query=moment"]
    urls += ["/api/v1/recaps/", "/api/v1/tags/", f"/api/v1/recaps/{edition.pk}/"]
    for url in urls * 3:
        # Throttle counters cannot be stored: no request is throttled.
        assert client.get(url).status_code == 200, url
    cache_records = [r for r in caplog.records if r.name == "cms.cache"]
    assert len(cache_records) == 1
    assert cache_records[0].levelname == "WARNING"
    assert "Cache unreachable" in cache_records[0].getMessage()
    assert cache_records[0].exc_info is None


# --- the 404 page --------------------------------------------------------------


def _not_found(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    return response.content.decode()


def test_404_offers_latest_editions_themes_and_search(client, series, make_edition):
    import datetime

    for number in range(1, 8):
        make_edition(
            edition_number=number,
            title=f"Rencontre {number}",
            date=datetime.date(2021, 1, 1) + datetime.timedelta(weeks=number),
            tags=["numérique"] if number % 2 else ["isolement", "numérique"],
        )
    html = _not_found(client)
    assert '<html lang="fr">' in html
    shown = [f"Rencontre {n}" for n in range(7, 2, -1)]
    positions = [html.index(f">{title}</a>") for title in shown]
    assert positions == sorted(positions)
    assert ">Rencontre 2</a>" not in html
    assert 'href="/ebullitions/rencontre-7/"' in html
    assert 'href="/ebullitions/"' in html
    assert 'href="/ebullitions/themes/numerique/"' in html
    assert 'href="/ebullitions/themes/isolement/"' in html
    assert 'href="/ebullitions/themes/"' in html
    assert html.count('action="/search/"') == 2
    assert ">Rechercher</button>" in html


def test_404_queries_do_not_grow_with_editions_or_themes(
    client, series, make_edition, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_edition(edition_number=1, tags=["a"])
    with CaptureQueriesContext(connection) as few:
        _not_found(client)
    for number in range(2, 12):
        make_edition(edition_number=number, tags=[f"theme-{number}", "a"])
    with django_assert_max_num_queries(len(few)):
        html = _not_found(client)
    assert "theme-11" in html


def test_404_without_any_series_still_offers_the_search(client, root_page):
    html = _not_found(client)
    assert "Dernières éditions" not in html
    assert 'action="/search/"' in html


def test_404_page_survives_a_database_that_does_not_answer(rf, database_down):
    from cms.views import page_not_found

    response = page_not_found(rf.get("/nulle-part/"), None)
    assert response.status_code == 404
    assert 'action="/search/"' in response.content.decode()
