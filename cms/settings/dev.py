"""Local development: debug on, a throw-away secret key."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-production"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# The project's French 404 and 500 pages, not Django's English debug pages, for
# whoever visits `make run` (cms.dev); DEBUG_ERROR_PAGES=1 shows Django's.
if not os.environ.get("DEBUG_ERROR_PAGES"):
    MIDDLEWARE = [*MIDDLEWARE, "cms.dev.ProjectErrorPagesMiddleware"]  # noqa: F405
