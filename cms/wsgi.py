"""WSGI entry point (gunicorn: ``cms.wsgi:application``)."""

import logging
import os

from django.core.checks import run_checks
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

application = get_wsgi_application()

# Say at start-up, in the server's log, what would otherwise be a silent 500 on
# every page (static files not collected).
for message in run_checks(tags=["static_manifest"]):
    logging.getLogger("cms.deploy").warning("%s %s", message.msg, message.hint)
