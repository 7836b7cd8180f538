"""Concurrent readers while an editor publishes, on the production configuration
(``make bench-concurrency``, and the last part of ``make bench-scale``); figures
only, no asserts.

The site is served by gunicorn as ``gunicorn.conf.py`` sets it up (its number of
sync workers: ``WEB_CONCURRENCY``, else two per core plus one, at most 8), with
``cms.settings.bench`` (production settings, response cache on) and a Redis of
its own (``redis-server`` on a Unix socket in a temporary folder, shared by the
workers as in production). ``CLIENTS`` threads (16) read for ``SECONDS`` (60) a
mixed load (the API's list, details, search, sections and themes, the edition
and theme pages, the reader search, the RSS feed, each client in its own order),
while an editor publishes a new title of one edition every ``PUBLISH_EVERY``
seconds (3) through Wagtail (``save_revision().publish()``, in its own process).

The load runs twice (``PROXY=both``, the default), for ``SECONDS`` each,
against the same gunicorn: *direct* (each request on a new connection to
gunicorn), then *behind nginx*: the production site file
(``cms/deploy/nginx/ebullitions.conf``, answers kept 1 s) run by
``cms.deploy.proxy.Nginx`` in front of it, each client on a keep-alive HTTPS
connection as a browser. ``PROXY=direct`` or ``PROXY=nginx`` runs one.

It prints, per run, p50/p99 per kind of request and overall, the errors (any
status other than 200), and the stale answers, which must be 0:

- *after a commit*: a read of the edited edition (its API detail, or its page)
  that started after the editor's ``publish()`` returned shows that title or a
  later one; behind nginx, a read that started more than the validity plus
  one second after it (nginx counts validity in whole seconds);
- *going back*: directly, a client never sees the edited edition's
  ``version`` smaller than one it saw before (behind nginx an older kept
  answer may follow a newer one within the validity: counted, not stale).

Behind nginx it also prints what answered: the count of each
``X-Cache-Status``, the share of requests that reached Django (MISS, EXPIRED,
REVALIDATED, BYPASS), checked against gunicorn's access log, and the share of
*repeated reads* (a path already read through nginx in this run) that never
reached it.

Usage: ``.venv/bin/python scripts/bench_concurrency.py [--database-url URL]``;
without a URL a throwaway SQLite database of ``EDITIONS`` (300) generated
editions. Environment: ``CLIENTS``, ``SECONDS``, ``PUBLISH_EVERY``, ``EDITIONS``,
``WEB_CONCURRENCY``, ``PROXY``, ``CACHE_VALID`` (nginx's validity, ``1s``).
"""

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cms.deploy import proxy as deploy_proxy  # noqa: E402

MANAGE = [sys.executable, str(ROOT / "manage.py")]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
#: Marks the edited edition's title with the number of its publication.
MARK = " publication-"

EDITOR = """
import os, sys, time
from recaps.models import RecapPage
page = RecapPage.objects.get(pk=int(os.environ["EDITED_ID"]))
base = page.title.split({mark!r})[0]
print("ready", flush=True)
for number, _ in enumerate(sys.stdin, start=1):
    page = RecapPage.objects.get(pk=page.pk)
    page.title = f"{{base}}{mark}{{number}}"
    page.save_revision().publish()
    print(number, time.monotonic(), flush=True)
"""


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fetch(port, path):
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return started, response.status, body, time.monotonic() - started


def published_number(text):
    """The publication number in a title or a page, 0 before the first."""
    if MARK not in text:
        return 0
    return max(
        int(part[: len(part) - len(part.lstrip("0123456789"))] or 0)
        for part in text.split(MARK)[1:]
    )


class Editor:
    """The process that publishes; ``commits`` holds ``(number, monotonic time
    after publish() returned)``."""

    def __init__(self, env, edition_id):
        script = EDITOR.format(mark=MARK)
        self.process = subprocess.Popen(  # noqa: S603
            [*MANAGE, "shell", "-v", "0", "-c", script],
            cwd=ROOT,
            env={**env, "EDITED_ID": str(edition_id)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.commits = []
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the editor did not start (its error is above)")

    def publish(self):
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        number, at = self.process.stdout.readline().split()
        self.commits.append((int(number), float(at)))

    def committed_before(self, instant):
        """The last publication whose commit was seen before ``instant``."""
        done = [number for number, at in self.commits if at < instant]
        return max(done, default=0)

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


#: The User-Agent of the readers behind nginx, as gunicorn's access log shows it.
NGINX_AGENT = "bench-concurrency-nginx"
AGENT = {"User-Agent": NGINX_AGENT}


class Direct:
    """Requests straight to gunicorn, each on a new connection (its sync
    workers close them)."""

    name = "direct"

    def __init__(self, port):
        self.port = port

    def opener(self):
        return self

    def get(self, path):
        return (*fetch(self.port, path), "")


class BehindNginx:
    """Requests through nginx, on one keep-alive HTTPS connection per client."""

    name = "nginx"

    def __init__(self, nginx):
        self.nginx = nginx

    def opener(self):
        return KeepAlive(self.nginx)


class KeepAlive:
    def __init__(self, nginx):
        self.nginx = nginx
        self.connection = None

    def get(self, path):
        """``(started, status, body, seconds, X-Cache-Status)``; a connection
        nginx closed while idle is opened again once."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = self.nginx.connection()
            started = time.monotonic()
            try:
                self.connection.request(
                    "GET", path, headers={"User-Agent": NGINX_AGENT}
                )
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            seconds = time.monotonic() - started
            status = response.headers.get("X-Cache-Status", "")
            return started, response.status, body, seconds, status
        raise AssertionError("unreachable")


class Seen:
    """The paths read so far (through nginx): a read of one of them again is
    a *repeated read*."""

    def __init__(self):
        self.paths = set()
        self.lock = threading.Lock()

    def again(self, path):
        with self.lock:
            if path in self.paths:
                return True
            self.paths.add(path)
            return False


class Client(threading.Thread):
    """One reader. ``allowance``: how long after a commit an older answer is
    still allowed (nginx's validity, plus its rounding to whole seconds)."""

    def __init__(
        self, number, target, paths, edited, editor, stop_at, allowance=0.0, seen=None
    ):
        super().__init__(daemon=True)
        self.random = random.Random(number)  # noqa: S311 (an order, not a secret)
        self.target, self.paths, self.edited = target, paths, edited
        self.editor, self.stop_at = editor, stop_at
        self.allowance, self.seen = allowance, seen
        self.timings = {}
        self.errors = []
        self.stale = []
        self.late = []  # older than a commit, within the allowance
        self.back = []  # an older version after a newer one, within it
        self.answered = []  # (X-Cache-Status, repeated read)
        self.last_version = None

    def run(self):
        kinds = list(self.paths)
        opener = self.target.opener()
        while time.monotonic() < self.stop_at:
            kind = self.random.choice(kinds)
            path = self.paths[kind]
            repeated = self.seen.again(path) if self.seen else True
            try:
                started, status, body, seconds, cache = opener.get(path)
            except OSError as error:
                self.errors.append((kind, repr(error)))
                continue
            self.timings.setdefault(kind, []).append(seconds)
            self.answered.append((cache, repeated))
            if status != 200:
                self.errors.append((kind, status))
                continue
            if kind in self.edited:
                self.check(kind, started, body)

    def check(self, kind, started, body):
        # Read before the answer's own commit number: a publish that returned
        # before this request started (by more than the allowance) must be
        # visible.
        expected = self.editor.committed_before(started - self.allowance)
        text = body.decode("utf-8", "replace")
        seen = published_number(text)
        if seen < expected:
            self.stale.append((kind, "after a commit", seen, expected))
        elif seen < self.editor.committed_before(started):
            self.late.append((kind, seen))
        if kind == "edited detail":
            version = json.loads(body)["version"]
            if self.last_version is not None and version < self.last_version:
                entry = (kind, "going back", version, self.last_version)
                (self.back if self.allowance else self.stale).append(entry)
            self.last_version = max(version, self.last_version or version)


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def start_redis(workdir):
    path = workdir / "redis.sock"
    process = subprocess.Popen(  # noqa: S603
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(path),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("redis-server did not start")
        time.sleep(0.05)
    return process, f"unix://{path}?db=0"


def serve(env, workdir):
    """gunicorn with the project's configuration on a socket bound here."""
    listener = socket.create_server((HOST, 0))
    fd = listener.fileno()
    process = subprocess.Popen(  # noqa: S603
        [
            GUNICORN,
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            f"--bind=fd://{fd}",
            "--no-control-socket",
            f"--error-logfile={workdir / 'gunicorn.log'}",
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_ACCESS_LOG": str(workdir / "access.log")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=[fd],
    )
    port = listener.getsockname()[1]
    listener.close()
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited, see {workdir / 'gunicorn.log'}")
        try:
            if fetch(port, "/bench/floor/")[1] == 200:
                return process, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("gunicorn not ready")
        time.sleep(0.2)


def discover(port):
    """The edited edition (one in the middle) and the paths of the load."""
    listing = json.loads(fetch(port, "/api/v1/recaps/?page_size=50")[2])["results"]
    edition = listing[len(listing) // 2]
    ids = [item["id"] for item in listing]
    page = urllib.parse.urlsplit(edition["url"]).path
    series = page.rstrip("/").rsplit("/", 1)[0] + "/"
    tags = json.loads(fetch(port, "/api/v1/tags/?page_size=100")[2])["results"]
    tag = tags[0]["slug"]
    paths = {
        "list": "/api/v1/recaps/",
        "detail": f"/api/v1/recaps/{ids[0]}/",
        "other detail": f"/api/v1/recaps/{ids[-1]}/",
        "edited detail": f"/api/v1/recaps/{edition['id']}/",
        "api search": f"/api/v1/recaps/?search={tag}",
        "sections": f"/api/v1/sections/?type=observations&tag={tag}",
        "tags": "/api/v1/tags/",
        "edited page": page,
        "theme page": f"{series}themes/{tag}/",
        "reader search": f"/search/?query={tag}",
        "feed": f"{series}feed/rss/",
    }
    return edition["id"], paths


def generate(workdir, env, editions):
    url = f"sqlite:///{workdir / 'concurrency.sqlite3'}"
    env = {**env, "DATABASE_URL": url}
    subprocess.run(  # noqa: S603
        [*MANAGE, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(  # noqa: S603
        [*MANAGE, "generate_recaps", "--editions", str(editions), "--seed", "7"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def seconds_of(validity):
    """Seconds of an nginx time such as ``1s``, ``500ms`` or ``2m``."""
    units = {"ms": 0.001, "s": 1, "m": 60}
    for unit in sorted(units, key=len, reverse=True):
        if validity.endswith(unit):
            return float(validity[: -len(unit)]) * units[unit]
    return float(validity)


def load(target, paths, editor, clients, seconds, publish_every, allowance=0.0):
    """``clients`` readers through ``target`` for ``seconds`` while the editor
    publishes; the finished threads."""
    stop_at = time.monotonic() + seconds
    edited = {"edited detail", "edited page"}
    seen = Seen() if allowance else None
    threads = [
        Client(number, target, paths, edited, editor, stop_at, allowance, seen)
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    while time.monotonic() < stop_at:
        editor.publish()
        time.sleep(max(0.0, min(publish_every, stop_at - time.monotonic())))
    for thread in threads:
        thread.join()
    return threads


def run(
    database_url=None,
    clients=16,
    seconds=60,
    publish_every=3.0,
    editions=300,
    proxy="both",
    cache_valid=deploy_proxy.DEFAULTS["CACHE_VALID"],
):
    """Run the concurrent load (``proxy``: ``direct``, ``nginx`` or ``both``);
    returns the report (also printed)."""
    modes = {"both": ["direct", "nginx"], "direct": ["direct"], "nginx": ["nginx"]}
    modes = modes[proxy]
    if "nginx" in modes and deploy_proxy.nginx_binary() is None:
        if proxy == "nginx":
            raise SystemExit("nginx is not installed (scripts/ensure-services.sh)")
        out("nginx is not installed: direct run only")
        modes = ["direct"]
    allowance = seconds_of(cache_valid) + 1
    workdir = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.bench",
        "BENCH_COLLECTSTATIC": "0",
        "PYTHONPATH": str(ROOT),
    }
    redis = server = editor = nginx = None
    phases = {}
    try:
        redis, env["REDIS_URL"] = start_redis(workdir)
        env["DATABASE_URL"] = database_url or generate(workdir, env, editions)
        server, port = serve(env, workdir)
        edition_id, paths = discover(port)
        editor = Editor(env, edition_id)
        for path in paths.values():  # warm the caches, as a running site has them
            fetch(port, path)
        for mode in modes:
            if mode == "direct":
                target, slack = Direct(port), 0.0
            else:
                nginx = deploy_proxy.Nginx(
                    f"{HOST}:{port}", cache_valid=cache_valid
                ).start()
                target, slack = BehindNginx(nginx), allowance
            started = time.monotonic()
            threads = load(
                target, paths, editor, clients, seconds, publish_every, slack
            )
            phases[mode] = (threads, started, time.monotonic())
        workers = sum(
            1
            for stat in Path("/proc").glob("[0-9]*/stat")
            if _parent(stat) == server.pid
        )
    finally:
        if editor:
            editor.stop()
        if nginx:
            nginx.stop()
        for process in (server, redis):
            if process and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)
    # gunicorn has stopped: its access log is complete.
    access = (workdir / "access.log").read_text(errors="replace").splitlines()
    reached = sum(NGINX_AGENT in line for line in access)
    result = report(phases, editor, clients, seconds, workers, reached, cache_valid)
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def _parent(stat):
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def summary(threads):
    """Timings per kind and overall, errors and stale answers of one run."""
    timings = {}
    for thread in threads:
        for kind, values in thread.timings.items():
            timings.setdefault(kind, []).extend(values)
    every = [value for values in timings.values() for value in values]
    out(f"{'request':16} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in sorted(timings):
        values = timings[kind]
        out(
            f"{kind:16} {len(values):7} {statistics.median(values) * 1000:8.1f} "
            f"{percentile(values, 0.99) * 1000:8.1f}"
        )
    out(
        f"{'all':16} {len(every):7} {statistics.median(every) * 1000:8.1f} "
        f"{percentile(every, 0.99) * 1000:8.1f}"
    )
    errors = [error for thread in threads for error in thread.errors]
    stale = [entry for thread in threads for entry in thread.stale]
    out(f"errors: {len(errors)} {errors[:5]}")
    return {
        "requests": len(every),
        "p50_ms": statistics.median(every) * 1000,
        "p99_ms": percentile(every, 0.99) * 1000,
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": statistics.median(values) * 1000,
                "p99_ms": percentile(values, 0.99) * 1000,
            }
            for kind, values in timings.items()
        },
        "errors": len(errors),
        "stale": len(stale),
        "stale_examples": stale[:5],
    }


def publications(editor, started, ended):
    return sum(1 for _, at in editor.commits if started <= at < ended)


def report(phases, editor, clients, seconds, workers, reached_log, cache_valid):
    result = {
        "clients": clients,
        "seconds": seconds,
        "workers": workers,
        "publications": len(editor.commits),
        "phases": {},
    }
    for mode, (threads, started, ended) in phases.items():
        out()
        if mode == "direct":
            out(
                f"{clients} clients for {seconds} s against gunicorn ({workers} "
                f"workers, gunicorn.conf.py) with its own Redis; "
                f"{publications(editor, started, ended)} publications"
            )
            phase = summary(threads)
            out(f"stale answers: {phase['stale']} {phase['stale_examples']}")
        else:
            out(
                f"{clients} clients for {seconds} s through nginx "
                f"(cms/deploy/nginx/ebullitions.conf, answers kept {cache_valid}; one "
                f"keep-alive HTTPS connection each) in front of the same gunicorn; "
                f"{publications(editor, started, ended)} publications"
            )
            phase = summary(threads)
            phase.update(cache_figures(threads, reached_log, cache_valid))
        result["phases"][mode] = phase
    first = next(iter(result["phases"].values()), {})
    # The first run's figures at the top (the direct one, when both ran).
    result.update({key: first[key] for key in ("requests", "errors", "by_kind")})
    result["stale"] = sum(phase["stale"] for phase in result["phases"].values())
    return result


def cache_figures(threads, reached_log, cache_valid):
    """What answered behind nginx, printed; the figures."""
    answered = [entry for thread in threads for entry in thread.answered]
    statuses = collections.Counter(status or "-" for status, _ in answered)
    reached = sum(statuses[status] for status in deploy_proxy.REACHED_DJANGO)
    repeated = [status for status, again in answered if again]
    spared = sum(status in deploy_proxy.ANSWERED_BY_NGINX for status in repeated)
    late = sum(len(thread.late) for thread in threads)
    back = sum(len(thread.back) for thread in threads)
    stale = [entry for thread in threads for entry in thread.stale]
    out(
        f"stale answers (read more than {cache_valid} + 1 s after a commit): "
        f"{len(stale)} {stale[:5]}; older than the last commit within that "
        f"bound: {late}; going back within it: {back}"
    )
    out(
        "X-Cache-Status: "
        + ", ".join(f"{name} {count}" for name, count in statuses.most_common())
    )
    total = len(answered)
    out(
        f"reached Django: {reached} of {total} requests "
        f"({100 * reached / max(total, 1):.2f} %) by X-Cache-Status; "
        f"{reached_log} by gunicorn's access log"
    )
    out(
        f"repeated reads: {len(repeated)}, never reached Django: {spared} "
        f"({100 * spared / max(len(repeated), 1):.2f} %)"
    )
    return {
        "cache_status": dict(statuses),
        "reached_django": reached,
        "reached_django_log": reached_log,
        "reached_share": reached / max(total, 1),
        "repeated_reads": len(repeated),
        "repeated_spared": spared,
        "repeated_spared_share": spared / max(len(repeated), 1),
        "late": late,
        "going_back": back,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    run(
        args.database_url,
        clients=int(os.environ.get("CLIENTS", 16)),
        seconds=int(os.environ.get("SECONDS", 60)),
        publish_every=float(os.environ.get("PUBLISH_EVERY", 3)),
        editions=int(os.environ.get("EDITIONS", 300)),
        proxy=os.environ.get("PROXY") or "both",
        cache_valid=os.environ.get("CACHE_VALID")
        or deploy_proxy.DEFAULTS["CACHE_VALID"],
    )


if __name__ == "__main__":
    main()
