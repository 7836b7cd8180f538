"""Throwaway PostgreSQL clusters, Redis servers and gunicorn instances.

Tests that stop or restart a service start their own: ``initdb`` (as the
``postgres`` user when run as root) into a temporary folder with ``pg_ctl`` on
a free port in 5451-5459, ``redis-server`` on a free port in 6381-6389. The
machine's own PostgreSQL and Redis are never touched.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port(candidates):
    """The first port of ``candidates`` nothing listens on (nor is bound)."""
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {candidates}")


def wait_until(check, timeout=60, interval=0.1):
    """Call ``check`` until it returns a true value; return it (or raise)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{check} still false after {timeout} s")
        time.sleep(interval)


def _as_postgres(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """A PostgreSQL cluster of its own, in a temporary folder."""

    def __init__(self):
        self.port = free_port(range(5451, 5460))
        self.folder = Path(tempfile.mkdtemp(prefix="ebullitions-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def init(self):
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-k {self.folder} -c fsync=off"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.running = True
        return self

    def stop(self):
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]
            ),
            check=False,
            capture_output=True,
        )
        self.running = False

    def destroy(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A Redis server of its own, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port(range(6381, 6390))
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _accepts(self.port), timeout=20)
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


def _accepts(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Response:
    """What a probe got back: status, headers and decoded body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")


def fetch(url, data=None, headers=None, timeout=60):
    """One HTTP request; any status is returned, never raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def production_environment(database_url, redis_url, static_root, **extra):
    """Environment of ``cms.settings.production`` behind a TLS proxy on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="k" * 20 + "-production-test-" + "7Qz!x9@Lm#2" * 4,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(static_root),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        CONN_MAX_AGE="600",
        CACHE_ERROR_LOG_INTERVAL="3600",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env, *args):
    """Run ``manage.py`` with ``env``; raise with its output on failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)}:\n{result.stderr}")
    return result.stdout


class Gunicorn:
    """gunicorn with the project's config file, on a free loopback port."""

    def __init__(self, env, workers=2):
        self.port = free_port(range(8451, 8500))
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}"}
        self.env["WEB_CONCURRENCY"] = str(workers)
        self.log = tempfile.NamedTemporaryFile(
            prefix="ebullitions-gunicorn-", suffix=".log", delete=False
        )
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: self._ready(), timeout=90, interval=0.3)
        # Workers load the application on their first request: warm them up.
        for _ in range(int(self.env["WEB_CONCURRENCY"]) * 2):
            self.get("/healthz", timeout=120)
        return self

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.output()}")
        return _accepts(self.port)

    def get(self, path, **kwargs):
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        return fetch(self.base + path, headers=headers, **kwargs)

    def output(self):
        return Path(self.log.name).read_text(errors="replace")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        Path(self.log.name).unlink(missing_ok=True)
