"""Who is asking: the client's address behind the site's reverse proxies.

One rule for every per-client limit (the API throttle, the admin login
throttle): DRF's ``NUM_PROXIES``. Each trusted proxy appends the address it
received the request from to ``X-Forwarded-For``, so with N proxies the client
is the Nth address from the right; anything left of it was written by the
client and is ignored. Without proxies (``0``, or unset) the header, which
anyone can forge, is ignored and the connection's address counts.
"""

import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle


def client_address(request):
    """The client's IP address, normalised, e.g. ``"203.0.113.5"``.

    Takes a Django or DRF request. A forwarded value that is not an IP
    address (a proxy that sets no header, a request that bypassed the proxy)
    gives the connection's address (``REMOTE_ADDR``) instead: a throttle then
    limits the proxy as a whole rather than trusting an invented key, and an
    address column (django-axes on PostgreSQL) never receives garbage.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or None
    if not api_settings.NUM_PROXIES:
        return remote_addr
    forwarded = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote_addr
