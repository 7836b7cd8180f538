"""Side-by-side benchmark at scale (``make bench-scale``); asserts nothing.

For each size in ``EDITIONS`` (default "1000 10000 100000") it prepares a PostgreSQL
database (``generate_recaps``, which leaves the tables vacuumed and analysed:
nothing is done to them between writing and measuring; reused when one was
already generated with the same seed and the same generator and schema), then
serves each database under gunicorn (one sync worker, ``cms.settings.bench``)
twice: once with the response cache off (``RECAPS_RESPONSE_CACHE=0``), once
with it on. This process then drives every server over loopback, round-robin
over every endpoint, variant and size, so that the machine's noise hits all of
them alike, and prints one table, the ratios of issue 10's targets with
PASS/FAIL, and writes them as JSON.

Throughput (req/s) is one over the 10%-trimmed mean latency of one client: on a
shared machine a few requests stalled by other processes would otherwise weigh
more than the hundreds of one-millisecond answers around them. The JSON keeps
the untrimmed figure as ``req_per_s_untrimmed``.

Environment (all optional):
    EDITIONS="1000 10000 100000"  sizes to compare (growth: the last size over
                            the one before, e.g. 10,000 -> 100,000)
    SEED=1                  seed of generate_recaps
    REQUESTS=200            at most this many requests per endpoint and size
    DURATION=360            stop measuring after this many seconds
    BENCH_DATABASE=postgres postgres or sqlite (throwaway files, for tiny runs)
    PG_URL=postgres://postgres@127.0.0.1:5432   server for the throwaway databases
    BENCH_PORT=0            first port of the servers (0: ports the system
                            chooses; bound here, handed to gunicorn)
    BENCH_OUTPUT=test-artifacts/bench-scale.json
    BENCH_REUSE=1           0 regenerates the databases
    BENCH_COLLECTSTATIC=1   0 serves static files from the app folders
    BENCH_DATABASE_URLS="5=sqlite:////tmp/x.sqlite3"  use these databases as
                            they are (size=URL, space-separated; no generation)
    CONCURRENCY_SECONDS=60  then the concurrency run on the largest database
                            (scripts/bench_concurrency.py: gunicorn as
                            gunicorn.conf.py sets it, CLIENTS=16 readers, an
                            editor publishing every PUBLISH_EVERY=3 s), directly
                            and behind the production nginx (PROXY=both,
                            direct or nginx; CACHE_VALID=1s); 0 skips
"""

import hashlib
import http.client
import importlib.util
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SERIES = "petites-ebullitions-du-vendredi"
HOST = "127.0.0.1"
#: Requests per endpoint per round, and time slice after which a round moves on.
BURST = 10
SLICE = 0.15
#: Files whose change makes a generated database stale.
FINGERPRINT_PATHS = [
    "requirements.txt",
    "recaps/migrations",
    "recaps/models",
    "recaps/generator",
    "recaps/bulk_pages.py",
    "recaps/db.py",
    "recaps/management/commands/generate_recaps.py",
    "recaps/blocks.py",
    "recaps/sections.py",
    "home/migrations",
]

TARGETS = {
    "throughput_vs_wagtail": 2.0,
    "growth_flat": 1.3,
    "growth_search": 3.0,
    "cache_vs_floor": 0.70,
    "not_modified_vs_floor": 0.80,
    "memory_after_mb": 200,
    "memory_peak_mb": 250,
}
#: Our endpoints: name, path template, p50 growth target key.
OURS = [
    ("list", "/api/v1/recaps/", "growth_flat"),
    ("api search", "/api/v1/recaps/?search={search}", "growth_search"),
    ("sections", "/api/v1/sections/?type=observations&tag={tag}", "growth_flat"),
    ("sections search", "/api/v1/sections/?search={search}", "growth_search"),
    ("detail", "/api/v1/recaps/{id}/", "growth_flat"),
    ("reader search", "/search/?query={search}", "growth_search"),
    ("tags", "/api/v1/tags/", None),
    ("edition page", "{edition_path}", "growth_flat"),
    ("theme page", "{series_path}themes/{tag}/", "growth_flat"),
]
V2_FIELDS = (
    "title,slug,edition_number,date,format,intro,tags,first_published_at,"
    "last_published_at"
)
V2 = [
    (
        "wagtail v2 list",
        f"/api/v2/pages/?type=recaps.RecapPage&fields={V2_FIELDS}&limit=20&order=-date",
    ),
    ("wagtail v2 detail", "/api/v2/pages/{id}/"),
]


def out(text=""):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def env_int(name, default):
    return int(os.environ.get(name) or default)


@dataclass
class Server:
    """One gunicorn master with one sync worker, serving on ``listener``: a
    socket this process bound (never a port chosen first and bound later)."""

    size: int
    cached: bool
    listener: socket.socket
    database_url: str
    process: subprocess.Popen = None
    log: Path = None
    port: int = None

    def __post_init__(self):
        self.port = self.listener.getsockname()[1]

    @property
    def label(self):
        return "cached" if self.cached else "uncached"

    def start(self, env, log_dir):
        self.log = log_dir / f"gunicorn-{self.size}-{self.label}.log"
        env = {
            **env,
            "DATABASE_URL": self.database_url,
            "RECAPS_RESPONSE_CACHE": "1" if self.cached else "0",
        }
        fd = self.listener.fileno()
        self.process = subprocess.Popen(  # noqa: S603
            [
                GUNICORN,
                "cms.wsgi:application",
                f"--bind=fd://{fd}",
                "--workers=1",
                "--worker-class=sync",
                "--timeout=300",
                "--no-control-socket",
                f"--error-logfile={self.log}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[fd],
        )
        # gunicorn holds the only copy now: if it dies, requests are refused.
        self.listener.close()

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited, see {self.log}")
            try:
                if fetch(self.port, "/bench/floor/").status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"gunicorn on port {self.port} not ready, see {self.log}")

    def worker_pid(self):
        """The worker: the process whose parent is the gunicorn master."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                return int(stat.parent.name)
        return None

    def memory_mb(self):
        """Peak (VmHWM) and current (VmRSS) resident memory of the worker, MB."""
        pid = self.worker_pid()
        if pid is None:
            return None, None
        values = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(value.split()[0]) / 1024
        return values.get("VmHWM"), values.get("VmRSS")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float


def fetch(port, path, headers=None):
    """One GET over a new loopback connection (sync workers close each one)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        headers = {key.lower(): value for key, value in response.getheaders()}
    finally:
        connection.close()
    return Response(response.status, headers, body, time.perf_counter() - started)


@dataclass
class Endpoint:
    size: int
    name: str
    variant: str  # uncached, cached, 304, wagtail, floor
    server: Server
    path: str
    headers: dict = field(default_factory=dict)
    timings: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)

    def request(self):
        response = fetch(self.server.port, self.path, self.headers)
        self.timings.append(response.seconds)
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        if "x-queries" in response.headers:
            self.queries.append(int(response.headers["x-queries"]))
        return response

    def summary(self):
        timings = sorted(self.timings)
        count = len(timings)
        if not count:
            return {"requests": 0}
        return {
            "requests": count,
            "req_per_s": 1 / statistics.fmean(trimmed(timings)),
            "req_per_s_untrimmed": count / sum(timings),
            "p50_ms": statistics.median(timings) * 1000,
            "p95_ms": timings[max(math.ceil(count * 0.95) - 1, 0)] * 1000,
            "queries": statistics.median(self.queries) if self.queries else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def trimmed(timings, share=0.1):
    """``timings`` (sorted) without the fastest and slowest ``share`` of them."""
    cut = int(len(timings) * share)
    return timings[cut : len(timings) - cut] or timings


def listeners(count, first):
    """``count`` listening loopback sockets: on ports ``first``, ``first + 1``…,
    or (``first`` 0) on ports the system chooses. Bound here and handed to
    gunicorn (``--bind fd://N``), so no other process can take them meanwhile."""
    sockets = []
    try:
        for n in range(count):
            sockets.append(socket.create_server((HOST, first + n if first else 0)))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def fingerprint(seed):
    digest = hashlib.sha1(str(seed).encode())  # noqa: S324 (not security)
    for name in FINGERPRINT_PATHS:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.exists() and "__pycache__" not in file.parts:
                digest.update(file.relative_to(ROOT).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:10]


def run_manage(args, env, **kwargs):
    return subprocess.run(  # noqa: S603
        [*MANAGE, *args], cwd=ROOT, env=env, check=True, **kwargs
    )


class Databases:
    """Throwaway databases, one per size: PostgreSQL (reused) or SQLite files."""

    def __init__(self, kind, seed, reuse, workdir):
        self.kind, self.seed, self.reuse, self.workdir = kind, seed, reuse, workdir
        self.pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
        self.generation_seconds = {}
        self.generation_peak_mb = {}

    def _admin(self, sql, *params):
        import psycopg

        with psycopg.connect(f"{self.pg_url}/postgres", autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else None

    def _pg_names(self, prefix):
        rows = self._admin(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", f"{prefix}%"
        )
        return {row[0] for row in rows}

    def prepare(self, size, env):
        """URL of a database holding ``size`` generated editions."""
        given = dict(
            item.split("=", 1)
            for item in os.environ.get("BENCH_DATABASE_URLS", "").split()
        )
        if str(size) in given:
            self.generation_seconds[size] = None
            return given[str(size)]
        if self.kind == "sqlite":
            url = f"sqlite:///{self.workdir / f'bench_{size}.sqlite3'}"
            self._generate(size, url, env)
            return url
        prefix = f"bench_scale_{size}_"
        name = f"{prefix}{fingerprint(self.seed)}"
        existing = self._pg_names(prefix)
        if self.reuse and name in existing:
            out(f"{size} editions: reusing database {name}")
            self.generation_seconds[size] = None
            return f"{self.pg_url}/{name}"
        for stale in existing:
            self._admin(f'DROP DATABASE "{stale}" WITH (FORCE)')
        building = f"{name}_tmp"
        self._admin(f'CREATE DATABASE "{building}"')
        self._generate(size, f"{self.pg_url}/{building}", env)
        self._admin(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        return f"{self.pg_url}/{name}"

    def _generate(self, size, url, env):
        env = {**env, "DATABASE_URL": url}
        run_manage(["migrate", "--noinput", "-v0"], env)
        started = time.monotonic()
        command = [
            *MANAGE,
            "generate_recaps",
            "--editions",
            str(size),
            "--seed",
            str(self.seed),
        ]
        # Peak memory (maximum resident set size) of the command, or of the
        # largest of its worker processes, as /usr/bin/time reads it.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
        seconds = time.monotonic() - started
        self.generation_seconds[size] = seconds
        self.generation_peak_mb[size] = usage.ru_maxrss / 1024
        out(
            f"{size} editions generated in {seconds:.1f} s "
            f"(peak memory of the command {usage.ru_maxrss / 1024:.0f} MB)"
        )


def discover(server, size, edition_number):
    """Ids and paths the endpoints need, asked from the site itself."""
    slug = f"petite-ebullition-{edition_number}"
    found = json.loads(
        fetch(server.port, f"/api/v2/pages/?type=recaps.RecapPage&slug={slug}").body
    )["items"][0]
    edition_path = urllib.parse.urlsplit(found["meta"]["html_url"]).path
    tags = json.loads(fetch(server.port, "/api/v1/tags/?page_size=100").body)
    slugs = [tag["slug"] for tag in tags["results"]]
    tag = "numerique" if "numerique" in slugs else slugs[0]
    return {
        "id": found["id"],
        "edition_path": edition_path,
        "series_path": edition_path.rsplit("/", 2)[0] + "/",
        "tag": tag,
        "search": tag,
    }


def build_endpoints(size, uncached, cached, values):
    endpoints = []
    for name, template, _ in OURS:
        path = template.format(**values)
        endpoints.append(Endpoint(size, name, "uncached", uncached, path))
        endpoints.append(Endpoint(size, name, "cached", cached, path))
        endpoints.append(Endpoint(size, name, "304", cached, path))
    for name, template in V2:
        path = template.format(**values)
        endpoints.append(Endpoint(size, name, "wagtail", uncached, path))
    endpoints.append(Endpoint(size, "floor", "floor", uncached, "/bench/floor/"))
    endpoints.append(Endpoint(size, "floor", "floor (cached)", cached, "/bench/floor/"))
    return endpoints


def warm_up(endpoints):
    """A first request per endpoint: fills the caches, learns the validators."""
    for endpoint in endpoints:
        response = fetch(endpoint.server.port, endpoint.path)
        if response.status != 200:
            raise SystemExit(
                f"{endpoint.path} answered {response.status} ({endpoint.size})"
            )
        if endpoint.variant == "304" and "etag" in response.headers:
            endpoint.headers = {"If-None-Match": response.headers["etag"]}


def measure(endpoints, requests, duration):
    """Round-robin until every endpoint has ``requests`` or time is up."""
    started = time.monotonic()
    rounds = 0
    while time.monotonic() - started < duration:
        pending = [e for e in endpoints if len(e.timings) < requests]
        if not pending:
            break
        rounds += 1
        for endpoint in pending:
            slice_start = time.perf_counter()
            for _ in range(min(BURST, requests - len(endpoint.timings))):
                endpoint.request()
                if time.perf_counter() - slice_start > SLICE:
                    break
    return rounds, time.monotonic() - started


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "FAIL"


def ratios(results, sizes, memory):
    """The targets of issue 10, each with its measured value and verdict."""
    checks = []
    big, small = sizes[-1], sizes[-2] if len(sizes) > 1 else sizes[0]

    def get(size, name, variant):
        return results[str(size)].get(f"{name} [{variant}]", {})

    for ours, theirs in (("list", "wagtail v2 list"), ("detail", "wagtail v2 detail")):
        mine = get(big, ours, "uncached").get("req_per_s")
        wagtail = get(big, theirs, "wagtail").get("req_per_s")
        value = mine / wagtail if mine and wagtail else None
        target = TARGETS["throughput_vs_wagtail"]
        checks.append(
            (
                f"{ours} uncached vs {theirs} (req/s, {big})",
                value,
                f">= {target}",
                verdict(value, target),
            )
        )
    if big != small:
        for name, _, key in OURS:
            before = get(small, name, "uncached").get("p50_ms")
            after = get(big, name, "uncached").get("p50_ms")
            value = after / before if before and after else None
            target = TARGETS.get(key)
            checks.append(
                (
                    f"{name} p50 growth {small} -> {big}",
                    value,
                    f"<= {target}" if target else "-",
                    verdict(value, target, higher_is_better=False) if target else "-",
                )
            )
    for variant, key in (
        ("cached", "cache_vs_floor"),
        ("304", "not_modified_vs_floor"),
    ):
        floor = get(big, "floor", "floor (cached)").get("req_per_s")
        for name, _, _ in OURS:
            mine = get(big, name, variant).get("req_per_s")
            value = mine / floor if mine and floor else None
            checks.append(
                (
                    f"{name} {variant} vs floor (req/s, {big})",
                    value,
                    f">= {TARGETS[key]}",
                    verdict(value, TARGETS[key]),
                )
            )
    peak = max((m["peak_mb"] for m in memory if m["peak_mb"]), default=None)
    after = max((m["after_mb"] for m in memory if m["after_mb"]), default=None)
    checks.append(
        (
            "worker memory peak (MB, max of workers)",
            peak,
            f"< {TARGETS['memory_peak_mb']}",
            verdict(peak, TARGETS["memory_peak_mb"], higher_is_better=False),
        )
    )
    checks.append(
        (
            "worker memory after the run (MB, max)",
            after,
            f"< {TARGETS['memory_after_mb']}",
            verdict(after, TARGETS["memory_after_mb"], higher_is_better=False),
        )
    )
    return checks


def print_table(results, sizes):
    head = f"{'endpoint [variant]':38}"
    for size in sizes:
        head += f" | {size:>6} eds: {'req/s':>7} {'p50':>8} {'p95':>8} {'q':>4}"
    out(head)
    out("-" * len(head))
    for key in results[str(sizes[0])]:
        line = f"{key:38}"
        for size in sizes:
            row = results[str(size)].get(key, {})
            if not row.get("requests"):
                line += f" | {'':11} {'-':>7} {'-':>8} {'-':>8} {'-':>4}"
                continue
            queries = "-" if row["queries"] is None else f"{row['queries']:g}"
            statuses = ",".join(row["statuses"])
            line += (
                f" | {statuses:>11} {row['req_per_s']:7.1f} {row['p50_ms']:6.1f}ms"
                f" {row['p95_ms']:6.1f}ms {queries:>4}"
            )
        out(line)


def concurrency(database_url):
    """The concurrency run (``scripts/bench_concurrency.py``) on ``database_url``."""
    spec = importlib.util.spec_from_file_location(
        "bench_concurrency", Path(__file__).with_name("bench_concurrency.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out()
    return module.run(
        database_url,
        clients=env_int("CLIENTS", 16),
        seconds=env_int("CONCURRENCY_SECONDS", 60),
        publish_every=float(os.environ.get("PUBLISH_EVERY") or 3),
        proxy=os.environ.get("PROXY") or "both",
        cache_valid=os.environ.get("CACHE_VALID") or "1s",
    )


def main():
    sizes = [
        int(size) for size in os.environ.get("EDITIONS", "1000 10000 100000").split()
    ]
    seed = os.environ.get("SEED", "1")
    requests = env_int("REQUESTS", 200)
    duration = env_int("DURATION", 360)
    kind = os.environ.get("BENCH_DATABASE", "postgres")
    output = Path(
        os.environ.get("BENCH_OUTPUT") or ROOT / "test-artifacts/bench-scale.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.bench",
        "BENCH_STATIC_ROOT": str(ROOT / "test-artifacts/bench-static"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    servers = []
    try:
        databases = Databases(
            kind, seed, os.environ.get("BENCH_REUSE", "1") != "0", workdir
        )
        urls = {size: databases.prepare(size, env) for size in sizes}
        if env.get("BENCH_COLLECTSTATIC", "1") != "0":
            run_manage(
                ["collectstatic", "--noinput", "-v0"],
                {**env, "DATABASE_URL": urls[sizes[0]]},
            )
        sockets = iter(listeners(2 * len(sizes), env_int("BENCH_PORT", 0)))
        pairs = {}
        for size in sizes:
            pairs[size] = [
                Server(size, cached, next(sockets), urls[size])
                for cached in (False, True)
            ]
            servers += pairs[size]
        for server in servers:
            server.start(env, workdir)
        for server in servers:
            server.wait_ready()
        edition_number = max(1, sizes[0] // 2)
        endpoints = []
        for size in sizes:
            uncached, cached = pairs[size]
            values = discover(uncached, size, edition_number)
            endpoints += build_endpoints(size, uncached, cached, values)
        warm_up(endpoints)
        rounds, elapsed = measure(endpoints, requests, duration)
        memory = []
        for server in servers:
            peak, after = server.memory_mb()
            memory.append(
                {
                    "size": server.size,
                    "server": server.label,
                    "peak_mb": peak,
                    "after_mb": after,
                }
            )
    finally:
        for server in servers:
            server.stop()

    results = {str(size): {} for size in sizes}
    for endpoint in endpoints:
        results[str(endpoint.size)][f"{endpoint.name} [{endpoint.variant}]"] = {
            "path": endpoint.path,
            **endpoint.summary(),
        }
    out()
    out(
        f"{rounds} rounds in {elapsed:.0f} s, sizes {sizes}, database {kind}, "
        f"seed {seed}; one sync gunicorn worker per server; statuses per column."
    )
    print_table(results, sizes)
    out()
    for item in memory:
        peak, after = item["peak_mb"] or 0, item["after_mb"] or 0
        out(
            f"worker {item['size']} {item['server']:8}: peak {peak:.0f} MB, "
            f"after the run {after:.0f} MB"
        )
    out()
    checks = ratios(results, sizes, memory)
    out(f"{'target':52} {'value':>8} {'goal':>8}  verdict")
    for label, value, goal, result in checks:
        shown = "-" if value is None else f"{value:.2f}"
        out(f"{label:52} {shown:>8} {goal:>8}  {result}")
    report = {
        "sizes": sizes,
        "seed": seed,
        "database": kind,
        "rounds": rounds,
        "seconds": elapsed,
        "generation_seconds": {
            str(k): v for k, v in databases.generation_seconds.items()
        },
        "generation_peak_mb": {
            str(k): v for k, v in databases.generation_peak_mb.items()
        },
        "results": results,
        "memory": memory,
        "targets": [
            {"target": label, "value": value, "goal": goal, "verdict": result}
            for label, value, goal, result in checks
        ],
    }
    if env_int("CONCURRENCY_SECONDS", 60):
        report["concurrency"] = concurrency(urls[sizes[-1]])
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    out(f"\nwritten to {output}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
