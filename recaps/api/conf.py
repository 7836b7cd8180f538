"""Settings of the API, each with a default so that sites may set nothing."""

from django.conf import settings

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
DEFAULT_CACHE_MAX_AGE = 60
DEFAULT_THROTTLE_RATE = "120/minute"


def cache_max_age():
    """Seconds that shared caches and clients may keep a response."""
    value = getattr(settings, "RECAPS_API_CACHE_MAX_AGE", DEFAULT_CACHE_MAX_AGE)
    return max(int(value), 0)


def throttle_rate():
    """Anonymous request rate such as ``"120/minute"``; ``None`` disables it."""
    return getattr(settings, "RECAPS_API_THROTTLE_RATE", DEFAULT_THROTTLE_RATE) or None
