"""Logging helpers for faults the site survives (a cache that went away)."""

import logging
import threading
import time


class OncePerInterval(logging.Filter):
    """Let one record through per ``interval`` seconds, as a short warning.

    django-redis logs every request that finds Redis unreachable (with
    ``IGNORE_EXCEPTIONS``, the site goes on without cache); an outage would
    then log once per request. This keeps the first record of each interval,
    turned into a one-line warning naming the error, and drops the others.
    """

    message = "Cache unreachable, serving without cache (logged once per %d s): %s"

    def __init__(self, interval=300):
        super().__init__()
        self.interval = float(interval)
        self._last = None
        self._lock = threading.Lock()

    def filter(self, record):
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                return False
            self._last = now
        error = record.exc_info[1] if record.exc_info else record.getMessage()
        if getattr(error, "__cause__", None) is not None:
            error = error.__cause__
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = self.message, (self.interval, error)
        record.exc_info = record.exc_text = None
        return True
