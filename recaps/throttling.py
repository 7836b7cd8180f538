"""Rate limits per client, on DRF's throttles: the API's and the PDFs'.

A client is told apart by :func:`recaps.clients.client_address` (DRF's
``NUM_PROXIES``: the address a trusted reverse proxy saw; left unset,
``X-Forwarded-For`` — which anyone can forge — is ignored). Counters live in
the default cache (Redis when the site has one, shared by every worker).

Each answer that counted (or was refused) says where its client stands, in the
headers of the IETF draft “RateLimit header fields for HTTP”
(draft-ietf-httpapi-ratelimit-headers): ``RateLimit-Policy: "default";q=120;w=60``
(quota ``q`` requests per window of ``w`` seconds) and
``RateLimit: "default";r=<remaining>;t=<seconds>``. The window slides (DRF keeps
the instants of the requests counted): ``t`` is the time until the oldest of
them leaves it, so until one more request is allowed when ``r`` is 0: the
``Retry-After`` of a ``429``. Answers from the response cache, which never reach
the throttle and do not count, carry neither header (and a kept answer never
carries another client's: :data:`RATELIMIT_HEADERS` are left out of it).
"""

import math

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from .clients import client_address

DEFAULT_PDF_THROTTLE_RATE = "10/minute"
#: The per-client headers of the rate limit (never kept in a shared cache).
RATELIMIT_HEADERS = ("RateLimit-Policy", "RateLimit")
#: The name of the one quota policy, as the headers give it.
POLICY_NAME = "default"


class ClientThrottle(AnonRateThrottle):
    """DRF's anonymous throttle with the client address read as above."""

    def get_ident(self, request):
        return client_address(request) or ""

    def seconds_to_reset(self):
        """Whole seconds (rounded up, at least 1) until the oldest request
        counted leaves the window: DRF's ``wait()`` when the quota is spent,
        which ``Retry-After`` gives (rounded up by DRF's ``Throttled``)."""
        oldest = self.history[-1] if self.history else self.now
        return max(math.ceil(self.duration - (self.now - oldest)), 1)

    def ratelimit_headers(self):
        """The :data:`RATELIMIT_HEADERS` after ``allow_request`` checked a
        request, or nothing when no limit applies (rate off, no client)."""
        if self.rate is None or getattr(self, "history", None) is None:
            return {}
        remaining = max(self.num_requests - len(self.history), 0)
        policy = f'"{POLICY_NAME}"'
        return {
            "RateLimit-Policy": f"{policy};q={self.num_requests};w={self.duration}",
            "RateLimit": f"{policy};r={remaining};t={self.seconds_to_reset()}",
        }


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
