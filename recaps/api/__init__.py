"""Read-only JSON API (v1) of the recaps app, mounted by the site at ``/api/v1/``.

Sites include ``recaps.api.urls`` and install ``rest_framework``,
``drf_spectacular`` and ``drf_spectacular_sidecar``. Every setting is optional:

- ``RECAPS_API_CACHE_MAX_AGE`` (seconds, default 60) for ``Cache-Control``;
- ``RECAPS_API_THROTTLE_RATE`` (default ``"120/minute"``, ``None`` disables).
"""
