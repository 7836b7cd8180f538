"""Logging helpers for faults the site survives (a cache that went away, a
database that does not answer): short lines, not a traceback per request."""

import logging
import threading
import time

from cms.faults import unreachable_database_error


class IntervalFilter(logging.Filter):
    """A filter that lets one record in full per ``interval`` seconds."""

    #: The clock measuring intervals.
    clock = staticmethod(time.monotonic)

    def __init__(self, interval=300):
        super().__init__()
        self.interval = float(interval)
        self._last = None
        self._lock = threading.Lock()

    def first_in_interval(self):
        """Whether this is the first record of an interval (a clock set back
        ends the interval)."""
        now = self.clock()
        with self._lock:
            if self._last is None or not 0 <= now - self._last < self.interval:
                self._last = now
                return True
        return False


class OncePerInterval(IntervalFilter):
    """Let one record through per ``interval`` seconds, as a short warning.

    django-redis logs every request that finds Redis unreachable (with
    ``IGNORE_EXCEPTIONS``, the site goes on without cache); an outage would
    then log once per request. This keeps the first record of each interval,
    turned into a one-line warning naming the error, and drops the others.
    """

    message = "Cache unreachable, serving without cache (logged once per %d s): %s"

    def filter(self, record):
        if not self.first_in_interval():
            return False
        error = record.exc_info[1] if record.exc_info else record.getMessage()
        if getattr(error, "__cause__", None) is not None:
            error = error.__cause__
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = self.message, (self.interval, error)
        record.exc_info = record.exc_text = None
        return True


class DatabaseOutage(IntervalFilter):
    """One line per request that failed for an unreachable database.

    While the database is down, every request is answered a French 503 and
    Django logs it with the whole chain of tracebacks (about 150 lines). This
    keeps the full record once per ``interval`` seconds and turns the others
    into one line naming the request and the error. Other records pass as
    they are.
    """

    message = "%s: database unreachable: %s (full traceback once per %d s)"
    # Wall-clock time (tests move it).
    clock = staticmethod(time.time)

    def filter(self, record):
        error = unreachable_database_error(record.exc_info and record.exc_info[1])
        if error is None:
            return True
        if self.first_in_interval():
            return True
        summary = " ".join(str(error).split())
        record.args = (record.getMessage(), summary, self.interval)
        record.msg = self.message
        record.exc_info = record.exc_text = None
        return True
