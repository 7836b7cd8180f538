"""Development server only (``cms.settings.dev``, ``make run``): the project's
French error pages instead of Django's English debug pages.

With ``DEBUG = True`` Django answers a missing page with its technical 404 and
an error with its traceback page, in English, to whoever visits the demo. This
middleware answers both as production does (``cms.views.page_not_found`` and
``server_error``); the traceback of an error still goes to the console.
``DEBUG_ERROR_PAGES=1`` in the environment brings Django's pages back.

A path no URL pattern matches (``/nope.txt``, a missing ``/static/`` file) never
reaches a view, so no ``process_exception``: the middleware resolves the path
first and answers the 404 itself. The middleware listed before it still see
that 404 (Wagtail's redirects, the slash appended by ``CommonMiddleware``).
"""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve

from . import views

logger = logging.getLogger("django.request")

#: Exceptions that Django answers with a 4xx whatever DEBUG says.
CLIENT_ERRORS = (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
    MultiPartParserError,
)


class ProjectErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as exception:
            return views.page_not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return views.page_not_found(request, exception)
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django's own 400 or 403, as in production.
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return views.server_error(request)
