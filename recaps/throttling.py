"""Rate limits per client, on DRF's throttles: the API's and the PDFs'.

A client is told apart by :func:`recaps.clients.client_address` (DRF's
``NUM_PROXIES``: the address a trusted reverse proxy saw; left unset,
``X-Forwarded-For`` — which anyone can forge — is ignored). Counters live in
the default cache (Redis when the site has one, shared by every worker).
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from .clients import client_address

DEFAULT_PDF_THROTTLE_RATE = "10/minute"


class ClientThrottle(AnonRateThrottle):
    """DRF's anonymous throttle with the client address read as above."""

    def get_ident(self, request):
        return client_address(request) or ""


class PdfThrottle(ClientThrottle):
    """PDFs made per client: ``RECAPS_PDF_THROTTLE_RATE`` (``"10/minute"``,
    ``None`` disables it); every client counts, signed-in editors included.

    Only requests that reach the PDF views count: the response cache answers
    a PDF it holds before them.
    """

    scope = "pdf"

    def get_rate(self):
        return (
            getattr(settings, "RECAPS_PDF_THROTTLE_RATE", DEFAULT_PDF_THROTTLE_RATE)
            or None
        )

    def get_cache_key(self, request, view):
        ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
