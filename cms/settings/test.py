"""Test settings: fast hashing, immediate tasks, plain static storage."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT") or "/tmp/ebullitions-test-media"  # noqa: S108

# pytest-xdist runs the suite in several processes ("gw0", "gw1"…): each has
# its own test database (pytest-django), media folder and Redis database, so
# that one worker clearing its cache never empties another's.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    MEDIA_ROOT = f"{MEDIA_ROOT}-{XDIST_WORKER}"
    if REDIS_URL:  # noqa: F405
        redis_url = urlsplit(REDIS_URL)  # noqa: F405
        number = redis_url.path.strip("/")
        number = int(number) if number.isdigit() else 0
        worker = int(XDIST_WORKER.removeprefix("gw"))
        # Redis has databases 0 to 15: the workers count down from the given one.
        path = f"/{(number - worker) % 16}"
        CACHES["default"]["LOCATION"] = urlunsplit(redis_url._replace(path=path))  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ALLOWED_HOSTS = ["*"]
