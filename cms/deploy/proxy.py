"""nginx in front of gunicorn: the production template, filled in and run.

``cms/deploy/nginx/ebullitions.conf`` is the site file of the production recipe
(README, "Production"): each ``@NAME@`` in it is a value :func:`render` fills
in, from :data:`DEFAULTS` unless given. :class:`Nginx` runs that very file as
a process of its own (not the system's nginx; on loopback sockets bound
before it starts, TLS with a throwaway certificate), for the production tests
and ``make bench-concurrency``.

Print the site file for ``/etc/nginx/sites-available/``::

    python -m cms.deploy.proxy render --server-name ebullitions.example.org
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx") / "ebullitions.conf"
HOST = "127.0.0.1"
MARKER = re.compile(r"@([A-Z_]+)@")

#: The values of the template's markers, as production starts from them.
DEFAULTS = {
    "SERVER_NAME": "ebullitions.example.org",
    "HTTPS_LISTEN": "443",
    "HTTP_LISTEN": "80",
    "TLS_CERTIFICATE": "/etc/letsencrypt/live/@SERVER_NAME@/fullchain.pem",
    "TLS_CERTIFICATE_KEY": "/etc/letsencrypt/live/@SERVER_NAME@/privkey.pem",
    "UPSTREAM": "127.0.0.1:8000",
    "MEDIA_ROOT": "/srv/ebullitions/media",
    "CACHE_PATH": "/var/cache/nginx/ebullitions",
    "CACHE_MAX_SIZE": "1g",
    "CACHE_VALID": "1s",
}

#: What ``$upstream_cache_status`` (the ``X-Cache-Status`` header) says when
#: nginx asked Django, and when it answered alone.
REACHED_DJANGO = ("MISS", "EXPIRED", "REVALIDATED", "BYPASS")
ANSWERED_BY_NGINX = ("HIT", "STALE", "UPDATING")


def render(**values):
    """The template with its markers filled in: ``values`` by lower-case name
    (``server_name="…"``; ``None`` keeps the default), the rest from
    :data:`DEFAULTS`. Comment lines keep their markers (they document them)."""
    names = {name.upper(): value for name, value in values.items()}
    unknown = set(names) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown template values: {sorted(unknown)}")
    chosen = {**DEFAULTS, **{k: str(v) for k, v in names.items() if v is not None}}
    filled = {name: _fill(value, chosen) for name, value in chosen.items()}
    return "".join(
        line if line.lstrip().startswith("#") else _fill(line, filled)
        for line in TEMPLATE.read_text().splitlines(keepends=True)
    )


def _fill(text, values):
    return MARKER.sub(lambda match: values[match.group(1)], text)


def nginx_binary():
    """Path of the nginx binary (``/usr/sbin`` is not in every user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


#: nginx's main file around the site file, as Debian's /etc/nginx/nginx.conf.
MAIN = """\
{user}
worker_processes {workers};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    {mime_types}
    default_type application/octet-stream;
    log_format cache '$remote_addr "$request" $status $upstream_cache_status '
                     '$upstream_addr $request_time';
    access_log {folder}/access.log cache;
    client_body_temp_path {folder}/temp/body;
    proxy_temp_path {folder}/temp/proxy;
    fastcgi_temp_path {folder}/temp/fastcgi;
    uwsgi_temp_path {folder}/temp/uwsgi;
    scgi_temp_path {folder}/temp/scgi;
    include {site};
}}
"""


def main_file(folder, site, workers=1):
    """nginx's main configuration in ``folder``, including ``site``."""
    mime_types = Path("/etc/nginx/mime.types")
    return MAIN.format(
        # As root, workers would run as "nobody", who cannot enter the folder.
        user="user root;" if os.geteuid() == 0 else "",
        workers=workers,
        folder=folder,
        site=site,
        mime_types=f"include {mime_types};" if mime_types.exists() else "",
    )


def check(site_text, binary=None):
    """``nginx -t`` on ``site_text`` (a rendered site file); the finished process."""
    binary = binary or nginx_binary()
    folder = Path(tempfile.mkdtemp(prefix="ebullitions-nginx-check-"))
    try:
        (folder / "temp").mkdir()
        site = folder / "ebullitions.conf"
        site.write_text(site_text)
        main = folder / "nginx.conf"
        main.write_text(main_file(folder, site))
        return subprocess.run(  # noqa: S603 (our own binary and files)
            [binary, "-t", "-p", str(folder), "-c", str(main), "-e", "stderr"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def self_signed_certificate(folder, name="localhost"):
    """A throwaway certificate for ``name`` and ``127.0.0.1`` (``openssl``);
    (certificate, key)."""
    certificate, key = folder / "certificate.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603
        [
            shutil.which("openssl") or "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name},IP:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


class Answer:
    """What nginx answered: status, headers (``http.client.HTTPMessage``), body."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def cache_status(self):
        """nginx's ``X-Cache-Status`` (``""`` outside the cache)."""
        return self.headers.get("X-Cache-Status", "")


class Nginx:
    """nginx running the rendered template in front of ``upstream``.

    In a temporary folder of its own: the site file, the main file, the
    cache, its temporary files and logs, and a throwaway certificate for
    ``localhost`` and ``127.0.0.1``. It serves HTTPS on ``port`` and plain
    HTTP on ``http_port``, loopback sockets bound here (port chosen by the
    system) and handed over as nginx inherits its sockets on an upgrade
    (the ``NGINX`` environment variable): no port is chosen before it is
    bound, and clients keep their own addresses (``127.0.0.2``…), as
    readers do. ``values`` are more template values (``cache_valid="60s"``…).
    """

    def __init__(self, upstream, binary=None, workers=1, **values):
        self.binary = binary or nginx_binary()
        if not self.binary:
            raise FileNotFoundError("nginx is not installed")
        self.upstream = upstream
        self.workers = workers
        self.values = values
        self.folder = None
        self.process = None
        self.port = self.http_port = None

    @property
    def access_log(self):
        return self.folder / "access.log"

    @property
    def error_log(self):
        return self.folder / "error.log"

    def site_text(self):
        return (self.folder / "ebullitions.conf").read_text()

    def start(self, timeout=60):
        self.folder = Path(tempfile.mkdtemp(prefix="ebullitions-nginx-"))
        (self.folder / "temp").mkdir()
        self.certificate, key = self_signed_certificate(self.folder)
        site = self.folder / "ebullitions.conf"
        main = self.folder / "nginx.conf"
        with (
            socket.create_server((HOST, 0)) as https,
            socket.create_server((HOST, 0)) as plain,
            (self.folder / "nginx.out").open("ab") as output,
        ):
            self.port = https.getsockname()[1]
            self.http_port = plain.getsockname()[1]
            values = {
                "server_name": "localhost",
                "https_listen": f"{HOST}:{self.port}",
                "http_listen": f"{HOST}:{self.http_port}",
                "tls_certificate": self.certificate,
                "tls_certificate_key": key,
                "upstream": self.upstream,
                "media_root": self.folder / "media",
                "cache_path": self.folder / "cache",
                **self.values,
            }
            site.write_text(render(**values))
            main.write_text(main_file(self.folder, site, self.workers))
            inherited = [https.fileno(), plain.fileno()]
            self.process = subprocess.Popen(  # noqa: S603
                [
                    self.binary,
                    "-p",
                    str(self.folder),
                    "-c",
                    str(main),
                    "-e",
                    str(self.error_log),
                ],
                env={**os.environ, "NGINX": "".join(f"{fd};" for fd in inherited)},
                pass_fds=inherited,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # nginx holds the only copies of the sockets now: if it dies,
        # connections are refused rather than left waiting.
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"nginx did not answer within {timeout} s")
            time.sleep(0.05)
        return self

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{self.output()}")
        try:
            self.request("HEAD", "/healthz", timeout=5)
        except OSError:
            return False
        return True

    def connection(self, tls=True, source=HOST, timeout=60):
        """A new connection to nginx (HTTPS unless ``tls`` is false), from the
        loopback address ``source``."""
        if tls:
            return http.client.HTTPSConnection(
                HOST,
                self.port,
                timeout=timeout,
                source_address=(source, 0),
                context=ssl.create_default_context(cafile=self.certificate),
            )
        return http.client.HTTPConnection(
            HOST, self.http_port, timeout=timeout, source_address=(source, 0)
        )

    def request(self, method, path, headers=None, body=None, timeout=60, **options):
        """One request on a connection of its own; any status is returned.
        ``options``: those of :meth:`connection`."""
        connection = self.connection(timeout=timeout, **options)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def output(self):
        logs = [self.folder / "nginx.out", self.error_log]
        return "\n".join(
            log.read_text(errors="replace") for log in logs if log.exists()
        )

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cms.deploy.proxy",
        description="Print the nginx site file of the production recipe.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    printing = commands.add_parser("render", help="fill the template in and print it")
    for name, default in DEFAULTS.items():
        printing.add_argument(
            "--" + name.lower().replace("_", "-"),
            dest=name.lower(),
            help=f"@{name}@ (default: {default})",
        )
    args = parser.parse_args(argv)
    values = {name: value for name, value in vars(args).items() if name != "command"}
    sys.stdout.write(render(**values))


if __name__ == "__main__":
    main()
