"""The production configuration under gunicorn, probed over loopback.

PostgreSQL and Redis are the test's own (see ``services.py``): Redis is stopped
mid-run and PostgreSQL restarted mid-run; the site keeps answering, never with
a traceback. The figures (requests answered during the Redis outage, time to
recover after the database restart) are printed.
"""

import re
import time

import pytest

from tests.production.conftest import ADMIN_PASSWORD, SERIES
from tests.production.services import (
    Gunicorn,
    login_form,
    session_cookie,
    wait_until,
)
from tests.reporting import report

READER_URLS = [
    "/",
    SERIES,
    SERIES + "themes/",
    SERIES + "feed/rss/",
    "/search/?query=isolement",
    "/sitemap.xml",
    "/api/v1/recaps/",
    "/api/v1/tags/",
    "/api/v1/sections/?type=nuggets",
]


def assert_no_traceback(response, url):
    assert "Traceback" not in response.text, url
    assert "OperationalError" not in response.text, url
    assert "psycopg" not in response.text, url


def test_production_site_answers_over_loopback(site):
    health = site.get("/healthz")
    assert health.status == 200
    assert '"database": "ok"' in health.text and '"cache": "ok"' in health.text
    for url in READER_URLS:
        response = site.get(url)
        assert response.status == 200, (url, response.text[:500])
    page = site.get(SERIES)
    assert "Les petites ébullitions" in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    # Plain HTTP is redirected to HTTPS; only the health check answers in HTTP.
    plain = site.get(SERIES, headers={"X-Forwarded-Proto": "http"})
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{site.port}{SERIES}"
    assert site.get("/healthz", headers={"X-Forwarded-Proto": "http"}).status == 200
    # Static files are served (collected, hashed names).
    css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', page.text)
    assert css and site.get(css.group(1)).status == 200
    assert site.get("/django-admin/").status == 404
    assert site.get("/admin/login/").status == 200


def _log_in(server, password):
    """POST the admin login form; return (response, session cookie header)."""
    body, headers = login_form(server.get("/admin/login/"), password)
    response = server.get(
        "/admin/login/",
        data=body.encode(),
        headers={
            **headers,
            "Referer": f"https://127.0.0.1:{server.port}/admin/login/",
        },
    )
    return response, session_cookie(response)


def test_two_instances_behave_as_one(production_env, site):
    """Sessions, login throttle and API throttle are shared through PostgreSQL
    and Redis: a second gunicorn instance sees what the first one did."""
    env = {
        **production_env,
        "API_THROTTLE_RATE": "6/minute",
        "AXES_FAILURE_LIMIT": "3",
        # Counters of their own, apart from the other tests' requests.
        "CACHE_KEY_PREFIX": "two-instances",
    }
    first = Gunicorn(env, workers=1).start()
    second = Gunicorn(env, workers=1).start()
    try:
        # Each master answers on a control socket of its own.
        assert first.control_socket != second.control_socket
        assert first.control("show stats")["pid"] == first.process.pid
        assert second.control("show stats")["pid"] == second.process.pid

        response, cookie = _log_in(first, ADMIN_PASSWORD)
        assert response.status == 302 and cookie
        dashboard = second.get("/admin/", headers={"Cookie": cookie})
        assert dashboard.status == 200
        assert "Tableau de bord" in dashboard.text

        # API throttle: 6 requests a minute in all, whichever instance answers.
        # Distinct URLs: answers from the shared response cache are not counted.
        statuses = [
            (first if n % 2 else second).get(f"/api/v1/tags/?page_size={n + 1}").status
            for n in range(7)
        ]
        assert statuses == [200] * 6 + [429]

        # Login throttle: wrong passwords on one instance count on the other;
        # the third one locks the account out, even with the right password.
        for _ in range(2):
            assert _log_in(first, "mauvais")[0].status == 200
        assert _log_in(second, "mauvais")[0].status == 429
        locked, _ = _log_in(first, ADMIN_PASSWORD)
        assert locked.status == 429
        assert "Trop de tentatives de connexion" in locked.text
    finally:
        first.stop()
        second.stop()


def test_redis_outage_keeps_the_site_serving(site, redis_server, capsys):
    redis_server.stop()
    try:
        answered = []
        for _ in range(10):
            for url in READER_URLS:
                response = site.get(url)
                assert_no_traceback(response, url)
                answered.append(response.status)
        # Degraded, not dead: a load balancer keeps every server in.
        health = site.get("/healthz")
        assert health.status == 200
        assert '"status": "degraded"' in health.text
        assert '"cache": "down"' in health.text and '"database": "ok"' in health.text
    finally:
        redis_server.start()
    ok = answered.count(200)
    report(capsys, f"Redis outage: {ok} of {len(answered)} requests answered 200")
    assert ok == len(answered)
    warnings = site.output().count("Cache unreachable")
    # One warning per worker process (two workers), not one per request.
    assert 1 <= warnings <= 2, site.output()[-3000:]
    wait_until(lambda: '"cache": "ok"' in site.get("/healthz").text, timeout=30)


def test_database_restart_answers_503_then_recovers(site, postgres, capsys):
    for url in READER_URLS:
        assert site.get(url).status == 200, url
    postgres.stop()
    try:
        for url in [*READER_URLS, "/admin/login/"]:
            response = site.get(url)
            assert response.status == 503, (url, response.status)
            assert_no_traceback(response, url)
            if url.startswith("/api/"):
                assert "Service momentanément indisponible" in response.text
            else:
                assert "Site momentanément indisponible" in response.text, url
        health = site.get("/healthz")
        assert health.status == 503 and '"database": "down"' in health.text
    finally:
        postgres.start()
    restarted = time.monotonic()
    statuses = []

    def answered():
        response = site.get(SERIES)
        assert_no_traceback(response, SERIES)
        statuses.append(response.status)
        return response.status == 200

    wait_until(answered, timeout=60, interval=0.05)
    recovery = time.monotonic() - restarted
    # Every worker reconnects: no request fails once the database is back.
    after = [site.get(url).status for url in READER_URLS * 4]
    report(
        capsys,
        f"PostgreSQL restart: first 200 {recovery:.2f} s after the server was up "
        f"again; {len(statuses)} probe(s) until then, statuses {sorted(set(statuses))}"
        f"; then {after.count(200)} of {len(after)} requests answered 200",
    )
    assert set(statuses) <= {200, 503}
    assert after == [200] * len(after)


@pytest.fixture(autouse=True)
def _restore_services(redis_server, postgres):
    """A failed test must not leave a service down for the next one."""
    yield
    if redis_server.process is None:
        redis_server.start()
    if not postgres.running:
        postgres.start()
