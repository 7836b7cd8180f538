"""Benchmark settings (``make bench-scale``): production-like, instrumented.

As in production: DEBUG off, manifest static files served by whitenoise,
persistent database connections. For the benchmark only: no throttle, Wagtail's
API v2 and a trivial JSON view mounted by ``cms.bench_urls``, and a middleware
that reports the number of SQL queries of each response in ``X-Queries``.
``RECAPS_RESPONSE_CACHE=0`` in the environment turns the response cache off.
"""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-only-insecure-key"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "cms.bench_urls"
INSTALLED_APPS = [*INSTALLED_APPS, "wagtail.api.v2"]
MIDDLEWARE = ["cms.bench.QueryCountMiddleware", *MIDDLEWARE]
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)
if os.environ.get("BENCH_COLLECTSTATIC", "1") == "0":
    # Tiny runs skip collectstatic: files come from the app folders.
    WHITENOISE_USE_FINDERS = True
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
RECAPS_API_THROTTLE_RATE = None
RECAPS_RESPONSE_CACHE = os.environ.get("RECAPS_RESPONSE_CACHE", "1") != "0"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
