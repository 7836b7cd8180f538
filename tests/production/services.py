"""Throwaway PostgreSQL clusters, Redis servers and gunicorn instances.

Tests that stop or restart a service start their own: ``initdb`` (as the
``postgres`` user when run as root) into a temporary folder with ``pg_ctl``,
``redis-server``, each on a loopback port of 5451-5459 and 6381-6389. The
machine's own PostgreSQL and Redis are never touched.

No port is chosen before it is bound. PostgreSQL and Redis try the ports of
this pytest-xdist worker's share of the range (``worker_ports``: disjoint
between workers), and the next one when the server reports that a port is
taken; the port a server got is kept for its restarts. gunicorn is handed a
socket already bound by the test (``BIND=fd://N``, port chosen by the OS) and
a control socket of its own.
"""

import http.cookies
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from gunicorn.ctl.client import ControlClient, ControlClientError

PROJECT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


PG_PORTS = range(5451, 5460)
REDIS_PORTS = range(6381, 6390)
IN_USE = "Address already in use"


def worker_ports(ports, worker=None, count=None):
    """This pytest-xdist worker's share of ``ports``: every ``n``-th port from
    its own index, so that two workers never try the same port (and a port a
    server got stays its own across restarts). Outside xdist: all of them.
    With more workers than ports, some workers share a port list: the retry on
    a taken port still keeps their first starts apart."""
    if worker is None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if count is None:
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    ports = list(ports)
    shares = max(1, min(count, len(ports)))
    index = int(worker.removeprefix("gw") or 0) % shares
    return ports[index::shares]


class PortInUse(Exception):
    """The server could not bind its port: another process holds it."""


def start_on_a_free_port(start, ports):
    """``start(port)`` on the first port of ``ports`` it can bind; the port.

    ``start`` raises ``PortInUse`` when the server reports the port taken (the
    server itself binds it: nothing is checked beforehand)."""
    taken = []
    for port in ports:
        try:
            start(port)
        except PortInUse:
            taken.append(port)
            continue
        return port
    raise RuntimeError(f"Every port of {list(ports)} is in use: {taken}")


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

    def __init__(self, ports=None):
        self.ports = worker_ports(PG_PORTS) if ports is None else list(ports)
        self.port = None  # the port it got at its first start, kept after
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
        """Start the server: on its port if it has one, else on the first port
        of ``ports`` it can bind."""
        self.port = start_on_a_free_port(
            self._start_on, [self.port] if self.port else self.ports
        )
        self.running = True
        return self

    def _start_on(self, port):
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        )
        logged = self.log.stat().st_size if self.log.exists() else 0
        result = subprocess.run(
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
            capture_output=True,
            text=True,
        )
        if result.returncode:
            with self.log.open(errors="replace") as log:
                log.seek(logged)
                output = log.read()
            if IN_USE in output:
                raise PortInUse(port)
            raise RuntimeError(
                f"pg_ctl start on port {port} failed:\n{result.stderr}\n{output}"
            )

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

    def __init__(self, ports=None):
        self.ports = worker_ports(REDIS_PORTS) if ports is None else list(ports)
        self.port = None  # the port it got at its first start, kept after
        self.process = None
        self.log = Path(tempfile.mkdtemp(prefix="ebullitions-redis-")) / "redis.log"

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        """Start the server: on its port if it has one, else on the first port
        of ``ports`` it can bind."""
        self.port = start_on_a_free_port(
            self._start_on, [self.port] if self.port else self.ports
        )
        return self

    def _start_on(self, port):
        with self.log.open("w") as log:
            process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def ready():
            # Ours, not another server that holds the port: it says its pid.
            if process.poll() is not None:
                return "exited"
            return _redis_pid(port) == process.pid and "ready"

        if wait_until(ready, timeout=20) == "exited":
            output = self.log.read_text(errors="replace")
            if IN_USE in output:
                raise PortInUse(port)
            raise RuntimeError(f"redis-server on port {port} exited:\n{output}")
        self.process = process

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.log.parent, ignore_errors=True)


def _redis_pid(port):
    """The process id the Redis server on ``port`` gives (None: no Redis there)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"INFO server\r\n")
            answer = b""
            while b"process_id:" not in answer or not answer.endswith(b"\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None
    match = re.search(rb"process_id:(\d+)", answer)
    return int(match.group(1)) if match else None


def login_form(form, password):
    """``(body, headers)`` of the admin login POST answering ``form`` (the
    login page's answer: its CSRF cookie and token), for the user ``admin``."""
    cookies = http.cookies.SimpleCookie()
    cookies.load(form.headers["Set-Cookie"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "admin",
            "password": password,
            "next": "/admin/",
        }
    )
    headers = {
        "Cookie": f"csrftoken={cookies['csrftoken'].value}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body, headers


def session_cookie(answer):
    """The ``Cookie`` header of the session ``answer`` opened, or ``""``."""
    session = http.cookies.SimpleCookie()
    for header in answer.headers.get_all("Set-Cookie") or []:
        session.load(header)
    return f"sessionid={session['sessionid'].value}" if "sessionid" in session else ""


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
        # Workers try Redis again a second after a failure (circuit breaker).
        CACHE_RETRY_INTERVAL="1",
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
    """gunicorn with the project's config file, on a loopback port of its own.

    The test binds the socket (port chosen by the OS) and hands it over
    (``BIND=fd://N``): no other process can take the port in between. Each
    instance has its own control socket (``GUNICORN_CONTROL_SOCKET``)."""

    def __init__(self, env, workers=2):
        self.folder = Path(tempfile.mkdtemp(prefix="ebullitions-gunicorn-"))
        self.control_socket = self.folder / "gunicorn.ctl"
        self.env = {
            **env,
            "GUNICORN_CONTROL_SOCKET": str(self.control_socket),
            "WEB_CONCURRENCY": str(workers),
        }
        self.log = self.folder / "gunicorn.log"
        self.port = None
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        with (
            socket.create_server(("127.0.0.1", 0)) as listener,
            self.log.open("ab") as log,
        ):
            self.port = listener.getsockname()[1]
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
                cwd=PROJECT,
                env={**self.env, "BIND": f"fd://{listener.fileno()}"},
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
                start_new_session=True,
            )
        # gunicorn holds the only copy of the socket now: if it dies, requests
        # are refused rather than left waiting.
        wait_until(self._ready, timeout=90, interval=0.3)
        # Workers load the application on their first request: warm them up.
        for _ in range(int(self.env["WEB_CONCURRENCY"]) * 2):
            self.get("/healthz", timeout=120)
        return self

    def control(self, command):
        """Send ``command`` (e.g. "show stats") to this instance's control socket."""
        with ControlClient(str(self.control_socket), timeout=10) as client:
            return client.send_command(command)

    def _ready(self):
        """Every worker booted, as the master says on its control socket."""
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.output()}")
        try:
            stats = self.control("show stats")
        except (OSError, ControlClientError):
            return False
        return stats["workers_current"] >= int(self.env["WEB_CONCURRENCY"])

    def get(self, path, **kwargs):
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        return fetch(self.base + path, headers=headers, **kwargs)

    def output(self):
        return self.log.read_text(errors="replace")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
