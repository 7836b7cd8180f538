"""Content-Security-Policy of the site (django-csp), one exception for the admin."""

import dataclasses

from csp.middleware import CSPMiddleware

#: Wagtail 8's admin still writes a few inline scripts (date and date-time
#: widgets, inline panels); only its pages, behind login, may run them.
ADMIN_PREFIX = "/admin/"
ADMIN_UPDATE = {"script-src": ["'unsafe-inline'"]}


class SiteCSPMiddleware(CSPMiddleware):
    """``CONTENT_SECURITY_POLICY`` everywhere; inline scripts in the admin only.

    Public pages, the API and its documentation keep ``script-src 'self'``.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(ADMIN_PREFIX) and parts.update is None:
            parts = dataclasses.replace(parts, update=ADMIN_UPDATE)
        return parts
