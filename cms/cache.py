"""The Redis cache backend, with a circuit breaker.

django-redis with ``IGNORE_EXCEPTIONS`` lets the site run on without cache
while Redis is unreachable, but every cache call still waits for its socket
timeout: a Redis that hangs (accepting connections, never answering) costs a
timeout per call, several per request. :class:`RedisCache` stops calling a
server that just failed: after a connection error or a timeout, every call
of this process is answered "unreachable" at once for ``RETRY_INTERVAL``
seconds (the circuit is open); then one call tries the server again (half
open), and the first answer closes the circuit. A hung Redis thus costs each
process at most one timeout per interval. The response cache, the API
throttle and the health check all go through it (the ``default`` cache).
"""

import threading
import time

from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

#: Seconds a process skips Redis after a failure, unless OPTIONS say otherwise.
DEFAULT_RETRY_INTERVAL = 30
#: Client methods that never talk to the server (Django calls ``close`` after
#: every request): they pass through even while the circuit is open.
LOCAL_METHODS = frozenset({"close", "make_key", "make_pattern", "encode", "decode"})


class CircuitOpen(RedisConnectionError):
    """Redis was not called: it failed less than an interval ago."""


def is_outage(error):
    """Whether ``error`` says the server is unreachable (not a bad command)."""
    return isinstance(error, RedisConnectionError | RedisTimeoutError | OSError)


class CircuitBreaker:
    """State of one server for this process: closed (calls go through), open
    until ``interval`` seconds after a failure, then one trial call at a time.

    Wall-clock time (``time.time``), so tests can move it; a clock set back
    ends the wait rather than prolong it.
    """

    def __init__(self, interval):
        self.interval = float(interval)
        self.opened_at = None
        self.trial = False
        self._lock = threading.Lock()

    def allow(self):
        """Whether a call may go to the server now (and, if open, start a trial)."""
        if self.opened_at is None:
            return True
        with self._lock:
            if self.opened_at is None:
                return True
            waited = time.time() - self.opened_at
            if self.trial or 0 <= waited < self.interval:
                return False
            self.trial = True
            return True

    def settle(self, healthy):
        """After a call: ``True`` closes the circuit, ``False`` opens it again,
        ``None`` (no verdict: the call failed before reaching the server) only
        ends a trial."""
        if healthy and self.opened_at is None:
            return
        with self._lock:
            self.trial = False
            if healthy:
                self.opened_at = None
            elif healthy is False:
                self.opened_at = time.time()


#: One breaker per server per process (Django makes a cache object per thread).
_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(server, interval):
    """The process-wide :class:`CircuitBreaker` of ``server`` (a LOCATION)."""
    key = repr(server)
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker(interval)
        breaker.interval = float(interval)
        return breaker


def forget_failures():
    """Close every circuit of this process (cache objects made from now on
    start afresh): for tests that reuse a server address."""
    with _breakers_lock:
        _breakers.clear()


class GuardedClient:
    """A django-redis client whose server calls go through a :class:`CircuitBreaker`.

    A call skipped or failed raises ``ConnectionInterrupted``, as django-redis
    does for an unreachable server, so ``IGNORE_EXCEPTIONS`` applies alike.
    """

    def __init__(self, client, breaker):
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if name in LOCAL_METHODS or name.startswith("_") or not callable(attribute):
            return attribute
        breaker = self._breaker

        def guarded(*args, **kwargs):
            if not breaker.allow():
                raise ConnectionInterrupted(connection=None) from CircuitOpen(
                    f"Redis skipped: it failed less than {breaker.interval:g} s ago"
                )
            healthy = None
            try:
                result = attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                healthy = not is_outage(error.__cause__)
                raise
            else:
                healthy = True
            finally:
                breaker.settle(healthy)
            return result

        return guarded


class RedisCache(DjangoRedisCache):
    """django-redis' ``RedisCache`` behind a per-process circuit breaker.

    ``OPTIONS["RETRY_INTERVAL"]``: seconds to skip the server after a failure
    (``CACHE_RETRY_INTERVAL`` in the environment, 30 by default).
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        interval = params.get("OPTIONS", {}).get(
            "RETRY_INTERVAL", DEFAULT_RETRY_INTERVAL
        )
        self.breaker = breaker_for(server, interval)
        self._guarded = None

    @property
    def client(self):
        if self._guarded is None:
            self._guarded = GuardedClient(super().client, self.breaker)
        return self._guarded
