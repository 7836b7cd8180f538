"""The production nginx site file (``cms/deploy/nginx/ebullitions.conf``) in front of
gunicorn, run by ``cms.deploy.proxy.Nginx`` exactly as shipped.

Two kinds of upstream: a small fake origin whose answers the test chooses
(every rule of the site file, counted exactly), and the production
configuration under gunicorn (the site's own answers: editors, restricted
pages, a publication, the admin lockout). "Reached Django" is counted in
gunicorn's access log, independently of nginx's ``X-Cache-Status``: the
origin has one sync worker, so once a request sent after the others is
logged, every earlier one is too.

``nginx`` must be installed (``scripts/ensure-services.sh`` does it): without
it these tests are skipped, except in CI (``CI`` set), where they fail.
"""

import http.cookies
import http.server
import os
import re
import threading
import uuid

import pytest

from cms.deploy import proxy as deploy_proxy
from cms.deploy.proxy import REACHED_DJANGO, Nginx, nginx_binary
from tests.production.conftest import ADMIN_PASSWORD, SERIES
from tests.production.services import (
    Gunicorn,
    login_form,
    manage,
    session_cookie,
    wait_until,
)


@pytest.fixture(scope="session")
def nginx():
    """The nginx binary; skipped without it, except in CI."""
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx est obligatoire en CI (scripts/ensure-services.sh)")
        pytest.skip("needs nginx (scripts/ensure-services.sh installs it)")
    return binary


# --- The site file itself ---------------------------------------------------


def code(text):
    """``text`` without its comment lines."""
    return "".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    )


def test_the_template_rendered_with_its_defaults_passes_nginx_t(nginx, tmp_path):
    certificate, key = deploy_proxy.self_signed_certificate(tmp_path)
    site = deploy_proxy.render(
        # What only exists on a production machine: its certificate and cache.
        tls_certificate=certificate,
        tls_certificate_key=key,
        cache_path=tmp_path / "cache",
    )
    result = deploy_proxy.check(site, nginx)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # Every marker has a default, and none is left outside the comments.
    template = code(deploy_proxy.TEMPLATE.read_text())
    assert set(deploy_proxy.MARKER.findall(template)) == set(deploy_proxy.DEFAULTS)
    assert not deploy_proxy.MARKER.search(code(site))
    assert "proxy_cache_valid 200 301 302 404 1s;" in code(site)


def test_the_render_command_prints_the_site_file(capsys):
    deploy_proxy.main(["render", "--server-name", "ebu.example.net"])
    printed = capsys.readouterr().out
    assert "server_name ebu.example.net;" in printed
    assert "/etc/letsencrypt/live/ebu.example.net/fullchain.pem;" in printed
    assert "server 127.0.0.1:8000;" in printed


# --- Every rule, against an origin whose answers the test chooses ---------------


class FakeOrigin(http.server.ThreadingHTTPServer):
    """Answers ``GET /<case>/…`` with the headers of ``CASES[case]`` and a body
    naming the request's number; counts the requests per path."""

    CASES = {
        "public": {"Cache-Control": "public, max-age=60", "ETag": '"v1"'},
        "plain": {},
        "private": {"Cache-Control": "private"},
        "no-store": {"Cache-Control": "no-store"},
        "no-cache": {"Cache-Control": "max-age=0, no-cache"},
        "cookie": {"Set-Cookie": "csrftoken=abc; Path=/; Secure"},
        "quota": {"RateLimit": '"default";r=119;t=60'},
        "admin": {"Cache-Control": "public, max-age=60"},
        "healthz": {"Cache-Control": "public, max-age=60"},
        "static": {"Cache-Control": "max-age=315360000, public, immutable"},
    }

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.requests = []
        #: When set, every request is answered 503 (the database down).
        self.down = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def count(self, path):
        with self.lock:
            return sum(1 for method, seen, _ in self.requests if seen == path)

    def stop(self):
        self.shutdown()
        self.server_close()


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        with self.server.lock:
            self.server.requests.append(("GET", self.path, dict(self.headers)))
            number = len(self.server.requests)
        case = self.path.strip("/").split("/")[0]
        headers = FakeOrigin.CASES.get(case, {})
        if self.server.down:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "ETag" in headers and self.headers["If-None-Match"] == headers["ETag"]:
            self.send_response(304)
            self.send_header("ETag", headers["ETag"])
            self.end_headers()
            return
        body = f"answer {number}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_origin():
    origin = FakeOrigin()
    yield origin
    origin.stop()


@pytest.fixture
def fake_proxy(nginx, fake_origin):
    """The site file in front of the fake origin, kept answers valid 60 s (so
    that a second request within the test is always within the validity)."""
    server = Nginx(
        f"127.0.0.1:{fake_origin.server_address[1]}", nginx, cache_valid="60s"
    ).start()
    yield server
    server.stop()


def statuses(server, path, times=3, **kwargs):
    return [server.get(path, **kwargs).cache_status for _ in range(times)]


def test_an_anonymous_read_is_kept_for_the_validity_whatever_the_origin_says(
    fake_proxy, fake_origin
):
    # Django's max-age=60 would hide a publication for a minute: nginx keeps
    # answers for its own validity instead (a long one here, see the fixture).
    answers = [fake_proxy.get("/public/a") for _ in range(4)]
    assert [answer.cache_status for answer in answers] == ["MISS"] + ["HIT"] * 3
    assert {answer.text for answer in answers} == {answers[0].text}
    assert fake_origin.count("/public/a") == 1
    assert statuses(fake_proxy, "/plain/a") == ["MISS", "HIT", "HIT"]
    # HEAD is answered from the same entry.
    assert fake_proxy.request("HEAD", "/plain/a").cache_status == "HIT"
    assert fake_origin.count("/plain/a") == 1


def test_an_expired_answer_is_revalidated_with_its_validators(nginx, fake_origin):
    """With the shipped validity (1 s), an answer the origin says to keep 60 s
    expires after that second; nginx then asks with its ETag, and a 304
    renews it."""
    server = Nginx(f"127.0.0.1:{fake_origin.server_address[1]}", nginx).start()
    try:
        first = server.get("/public/g")
        assert first.cache_status == "MISS"
        wait_until(
            lambda: server.get("/public/g").cache_status == "REVALIDATED",
            timeout=30,
            interval=0.05,
        )
        again = server.get("/public/g")
    finally:
        server.stop()
    assert again.text == first.text
    asked = [seen for _, path, seen in fake_origin.requests if path == "/public/g"]
    assert [headers.get("If-None-Match") for headers in asked] == [None, '"v1"']


def test_nothing_kept_is_served_past_its_validity_while_the_origin_fails(
    nginx, fake_origin
):
    """No ``proxy_cache_use_stale``: once the shipped validity (1 s) has
    passed, a failing origin's 503 is what readers get, never the answer kept
    before (an edition withdrawn just before an outage would come back)."""
    server = Nginx(f"127.0.0.1:{fake_origin.server_address[1]}", nginx).start()
    try:
        assert server.get("/plain/d").cache_status == "MISS"
        fake_origin.down = True
        seen = []

        def failed():
            answer = server.get("/plain/d")
            seen.append((answer.status, answer.cache_status))
            return answer.status == 503

        wait_until(failed, timeout=30, interval=0.05)
    finally:
        server.stop()
    assert set(seen) <= {(200, "HIT"), (503, "EXPIRED")}, seen


@pytest.mark.parametrize("case", ["private", "no-store", "no-cache", "cookie", "quota"])
def test_answers_for_one_reader_are_never_kept(fake_proxy, fake_origin, case):
    path = f"/{case}/a"
    answers = [fake_proxy.get(path) for _ in range(3)]
    assert [answer.cache_status for answer in answers] == ["MISS"] * 3
    assert len({answer.text for answer in answers}) == 3
    assert fake_origin.count(path) == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "sessionid=abc"},
        {"Cookie": "csrftoken=abc"},
        {"Cookie": "anything=else"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
    ],
)
def test_requests_with_a_cookie_or_credentials_bypass_the_cache(
    fake_proxy, fake_origin, headers
):
    assert fake_proxy.get("/plain/b").cache_status == "MISS"  # kept for readers
    personal = [fake_proxy.get("/plain/b", headers=headers) for _ in range(2)]
    assert [answer.cache_status for answer in personal] == ["BYPASS"] * 2
    # What they got was not kept either: readers still get the first answer.
    reader = fake_proxy.get("/plain/b")
    assert reader.cache_status == "HIT"
    assert reader.text == "answer 1"
    assert fake_origin.count("/plain/b") == 3
    # A first request with a cookie keeps nothing for the readers after it.
    assert fake_proxy.get("/plain/c", headers=headers).cache_status == "BYPASS"
    assert fake_proxy.get("/plain/c").cache_status == "MISS"


def test_posts_the_admin_and_the_health_check_always_reach_the_origin(
    fake_proxy, fake_origin
):
    for _ in range(2):
        assert fake_proxy.request("POST", "/plain/d", body=b"x").cache_status in (
            "",
            "MISS",
        )
    assert fake_origin.count("/plain/d") == 2
    for path in ("/admin/", "/admin/pages/3/edit/preview/", "/healthz"):
        answers = [fake_proxy.get(path) for _ in range(2)]
        assert [answer.cache_status for answer in answers] == ["", ""], path
        assert fake_origin.count(path) == 2, path


def test_static_files_are_kept_as_long_as_whitenoise_says_even_for_editors(
    fake_proxy, fake_origin
):
    path = "/static/css/site.0123abcd.css"
    assert statuses(fake_proxy, path, headers={"Cookie": "sessionid=abc"}) == [
        "MISS",
        "HIT",
        "HIT",
    ]
    assert fake_origin.count(path) == 1


def test_the_origin_is_told_the_scheme_the_host_and_the_client(fake_proxy, fake_origin):
    fake_proxy.get("/plain/e", headers={"X-Forwarded-For": "198.51.100.7"})
    fake_proxy.get("/plain/f", tls=False, source="127.0.0.3")
    (_, _, tls), (_, _, plain) = fake_origin.requests[-2:]
    assert tls["X-Forwarded-Proto"] == "https" and tls["Host"] == "127.0.0.1"
    # The client's own entries stay first; nginx appends the address it saw.
    assert tls["X-Forwarded-For"] == "198.51.100.7, 127.0.0.1"
    assert plain["X-Forwarded-Proto"] == "http"
    assert plain["X-Forwarded-For"] == "127.0.0.3"


def test_uploaded_images_are_served_from_media_root_but_documents_are_not(
    nginx, fake_origin, tmp_path
):
    media = tmp_path / "media"
    (media / "images").mkdir(parents=True)
    (media / "documents").mkdir()
    (media / "images" / "photo.jpg").write_bytes(b"image")
    (media / "documents" / "private.pdf").write_bytes(b"secret")
    server = Nginx(
        f"127.0.0.1:{fake_origin.server_address[1]}", nginx, media_root=media
    ).start()
    try:
        image = server.get("/media/images/photo.jpg")
        assert image.status == 200 and image.body == b"image"
        document = server.get("/media/documents/private.pdf")
        assert document.status == 404 and b"secret" not in document.body
    finally:
        server.stop()
    assert not [path for _, path, _ in fake_origin.requests if "media" in path]


# --- The site under gunicorn ----------------------------------------------------


@pytest.fixture(scope="module")
def origin(production_env):
    """gunicorn with one sync worker behind one proxy (``API_NUM_PROXIES=1``):
    its access log is in the order requests were answered."""
    env = {
        **production_env,
        "API_NUM_PROXIES": "1",
        "AXES_FAILURE_LIMIT": "3",
        "CACHE_KEY_PREFIX": "nginx",
    }
    manage(env, "axes_reset")
    server = Gunicorn(env, workers=1).start()
    yield server
    server.stop()
    manage(env, "axes_reset")


def proxy_for(nginx, origin, **values):
    return Nginx(f"127.0.0.1:{origin.port}", nginx, **values).start()


@pytest.fixture
def kept(nginx, origin):
    """The site file with answers valid 60 s: a second read within the test is
    a hit whatever the machine's load."""
    server = proxy_for(nginx, origin, cache_valid="60s")
    yield server
    server.stop()


@pytest.fixture
def micro(nginx, origin):
    """The site file as shipped (answers valid 1 s)."""
    server = proxy_for(nginx, origin)
    yield server
    server.stop()


def reached_django(origin, marker):
    """How many requests whose User-Agent holds ``marker`` gunicorn answered."""
    sentinel = f"sentinel-{uuid.uuid4()}"
    origin.get("/healthz", headers={"User-Agent": sentinel})
    wait_until(lambda: sentinel in origin.output(), timeout=30)
    return sum(marker in line for line in origin.output().splitlines())


class Reader:
    """Anonymous requests through ``server``, marked for gunicorn's log."""

    def __init__(self, server, headers=None):
        self.server = server
        self.marker = f"reader-{uuid.uuid4()}"
        self.headers = {"User-Agent": self.marker, **(headers or {})}
        self.answers = []

    def get(self, path, headers=None):
        answer = self.server.get(path, headers={**self.headers, **(headers or {})})
        self.answers.append(answer)
        return answer


def editions(env):
    """``[(id, path)]`` of the live editions, in id order."""
    printed = manage(
        env,
        "shell",
        "-c",
        "from recaps.models import RecapPage\n"
        "for page in RecapPage.objects.live().order_by('pk'):\n"
        "    print('edition', page.pk, page.get_url_parts()[2])",
    )
    found = re.findall(r"^edition (\d+) (\S+)$", printed, re.MULTILINE)
    return [(int(pk), path) for pk, path in found]


def test_repeated_anonymous_reads_are_answered_by_nginx(kept, origin, production_env):
    (_, edition), *_ = editions(production_env)
    paths = [
        "/",
        SERIES,
        edition,
        SERIES + "themes/",
        SERIES + "feed/rss/",
        "/search/?query=isolement",
        "/sitemap.xml",
        "/api/v1/recaps/",
        "/api/v1/tags/",
    ]
    reader = Reader(kept)
    for path in paths:
        answers = [reader.get(path) for _ in range(5)]
        assert [answer.status for answer in answers] == [200] * 5, path
        seen = [answer.cache_status for answer in answers]
        # A page reaches Django once. The API may twice: an answer the view
        # made carries the client's quota (RateLimit) and is not kept; the
        # next one comes from Django's own cache without it.
        misses = 2 if path.startswith("/api/") and seen[1] == "MISS" else 1
        assert seen == ["MISS"] * misses + ["HIT"] * (5 - misses), (path, seen)
    reached = sum(a.cache_status in REACHED_DJANGO for a in reader.answers)
    assert reached <= len(paths) + 2
    # gunicorn's log agrees: the hits never reached it.
    assert reached_django(origin, reader.marker) == reached


def publish_title(env, pk, title):
    manage(
        env,
        "shell",
        "-c",
        "from recaps.models import RecapPage\n"
        f"page = RecapPage.objects.get(pk={pk})\n"
        f"page.title = {title!r}\n"
        "page.save_revision().publish()",
    )


def test_a_publication_shows_once_the_validity_has_passed(
    micro, kept, origin, production_env
):
    """The bound is the validity: an answer kept before the publication is
    served until it expires (nginx counts whole seconds: between 1 and 2 s
    for "1s"), never after. An expired answer is not served while it is
    revalidated (no "updating", no background update), so the first answer
    that reaches Django after the publication is the new one."""
    (pk, path), *_ = editions(production_env)
    title = f"Publication {uuid.uuid4().hex[:8]}"
    quick, slow = Reader(micro), Reader(kept)
    for reader in (quick, slow):
        reader.get(path)
        assert reader.get(path).cache_status == "HIT"
        assert title not in reader.answers[-1].text
    publish_title(production_env, pk, title)
    quick.answers.clear()
    wait_until(lambda: title in quick.get(path).text, timeout=60, interval=0.05)
    *old, fresh = quick.answers
    # Until then: only answers kept from before the publication.
    assert {answer.cache_status for answer in old} <= {"HIT"}, [
        answer.cache_status for answer in old
    ]
    # The first answer from Django after it is the new version (a 200, not a
    # 304: its ETag changed with the content version).
    assert fresh.cache_status in ("EXPIRED", "MISS"), fresh.cache_status
    assert fresh.status == 200
    then = quick.get(path)
    assert then.cache_status == "HIT" and title in then.text
    # Kept for 60 s instead: the old version is still served, from the cache.
    late = slow.get(path)
    assert late.cache_status == "HIT" and title not in late.text


def log_in(server, password, source="127.0.0.1", headers=None):
    """POST the admin login form through ``server`` from ``source``; return
    (answer, session cookie header)."""
    headers = headers or {}
    form = server.get("/admin/login/", source=source, headers=headers)
    body, form_headers = login_form(form, password)
    answer = server.request(
        "POST",
        "/admin/login/",
        body=body,
        source=source,
        headers={
            **headers,
            **form_headers,
            "Referer": "https://127.0.0.1/admin/login/",
        },
    )
    return answer, session_cookie(answer)


def test_editors_are_never_answered_from_the_cache_nor_kept(kept, production_env):
    (_, edition), *_ = editions(production_env)
    answer, session = log_in(kept, ADMIN_PASSWORD)
    assert answer.status == 302 and session
    # The login page sets the CSRF cookie: never through the cache.
    assert kept.get("/admin/login/").cache_status == ""
    editor = Reader(kept, {"Cookie": session})
    for path in (edition, SERIES, "/api/v1/recaps/"):
        answers = [editor.get(path) for _ in range(2)]
        assert [a.cache_status for a in answers] == ["BYPASS", "BYPASS"], path
    # The editor's pages carry Wagtail's userbar (edit links); readers get
    # theirs from Django, not the editor's copy.
    assert "wagtail-userbar" in editor.answers[0].text
    reader = Reader(kept)
    first = reader.get(edition)
    assert first.cache_status == "MISS" and "wagtail-userbar" not in first.text
    assert reader.get(edition).cache_status == "HIT"
    dashboard = editor.get("/admin/")
    assert dashboard.status == 200 and dashboard.cache_status == ""
    assert "Tableau de bord" in dashboard.text
    assert reader.get("/admin/").status == 302


@pytest.fixture
def restricted(production_env):
    """The last edition behind a password, then public again."""
    *_, (pk, path) = editions(production_env)

    def restrict(kind):
        manage(
            production_env,
            "shell",
            "-c",
            "from wagtail.models import PageViewRestriction\n"
            f"PageViewRestriction.objects.filter(page_id={pk}).delete()\n"
            f"if {kind!r}:\n"
            f"    PageViewRestriction.objects.create(page_id={pk}, "
            f"restriction_type={kind!r}, password='secret-du-test')",
        )

    restrict("password")
    yield path
    restrict("")


def test_a_restricted_page_is_never_kept_nor_served_to_readers(
    kept, origin, restricted
):
    reader = Reader(kept)
    forms = [reader.get(restricted) for _ in range(2)]
    for form in forms:
        # The password form sets the CSRF cookie: never kept.
        assert form.status == 200 and form.cache_status == "MISS"
        assert "csrftoken=" in form.headers["Set-Cookie"]
        assert 'type="password"' in form.text
    assert reached_django(origin, reader.marker) == 2
    # An editor (session) sees the page through nothing but Django, and the
    # readers after still get the form.
    _, session = log_in(kept, ADMIN_PASSWORD)
    editor = kept.get(restricted, headers={"Cookie": session})
    assert editor.cache_status == "BYPASS"
    after = reader.get(restricted)
    assert after.cache_status == "MISS" and 'type="password"' in after.text


def test_the_admin_lockout_counts_each_reader_behind_nginx(micro, origin):
    """AXES_FAILURE_LIMIT=3 wrong passwords lock the account out for the
    client that typed them (its address, appended by nginx to
    X-Forwarded-For), not for everyone behind the proxy."""
    intruder, admin = "127.0.0.2", "127.0.0.3"
    # Entries the intruder writes itself are ignored: nginx appends the
    # address it sees, and Django reads the last one.
    forged = {"X-Forwarded-For": admin}
    try:
        for _ in range(2):
            assert log_in(micro, "mauvais", intruder, forged)[0].status == 200
        assert log_in(micro, "mauvais", intruder, forged)[0].status == 429
        locked, _ = log_in(micro, ADMIN_PASSWORD, intruder)
        assert locked.status == 429
        assert "Trop de tentatives de connexion" in locked.text
        answer, session = log_in(micro, ADMIN_PASSWORD, admin)
        assert answer.status == 302 and session
    finally:
        manage(origin.env, "axes_reset")
