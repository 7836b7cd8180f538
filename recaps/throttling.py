"""Rate limits per client, on DRF's throttles: the API's and the PDFs'.

A client is told apart by its address as DRF's ``NUM_PROXIES`` setting reads
it (the last ``X-Forwarded-For`` hop added by a trusted reverse proxy); left
unset, ``X-Forwarded-For`` — which anyone can forge — is ignored rather than
trusted whole. Counters live in the default cache (Redis when the site has
one, shared by every worker).
"""

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

DEFAULT_PDF_THROTTLE_RATE = "10/minute"


class ClientThrottle(AnonRateThrottle):
    """DRF's anonymous throttle with the client address read as above."""

    def get_ident(self, request):
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)


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
