"""gunicorn configuration (read from the project folder, or ``-c gunicorn.conf.py``).

Every value can be changed from the environment; the README's "Production"
section lists them.
"""

import multiprocessing
import os
import re

wsgi_app = "cms.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000").split(",")
# Synchronous workers: 2 per core plus one, at most 8 unless WEB_CONCURRENCY says.
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (bounds any slow memory growth).
max_requests = 1000
max_requests_jitter = 100
# Addresses of the proxies allowed to set X-Forwarded-* (gunicorn's own use of
# them); Django reads SECURE_PROXY_SSL_HEADER and API_NUM_PROXIES.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
raw_env = [
    "DJANGO_SETTINGS_MODULE="
    + os.environ.get("DJANGO_SETTINGS_MODULE", "cms.settings.production")
]


def default_control_socket(bind):
    """One control socket per address served (gunicorn's own default is one path
    per user, which two instances on one host would share): in
    ``$XDG_RUNTIME_DIR``, else ``~/.gunicorn``, named after ``bind``."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if not os.path.isdir(runtime):
        runtime = os.path.join(os.path.expanduser("~"), ".gunicorn")
    name = re.sub(r"[^A-Za-z0-9.]+", "-", ",".join(bind)).strip("-")
    return os.path.join(runtime, f"ebullitions-{name}.ctl")


# `gunicornc -s PATH` talks to the master through it (workers, reload…);
# GUNICORN_CONTROL_SOCKET=off turns it off.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or default_control_socket(
    bind
)
control_socket_disable = control_socket == "off"
