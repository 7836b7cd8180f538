"""The Redis cache's circuit breaker: a hung Redis costs one timeout per interval.

The fake Redis accepts connections and never answers; each cache call that
reaches it waits for the socket timeout, then django-redis gives up. Counted
here: the connections the server saw (one per call that reached it).
"""

import datetime
import threading

import pytest
import time_machine
from django.core.cache import cache, caches

from cms.cache import CircuitBreaker

INTERVAL = 30
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)


def later(seconds):
    return time_machine.travel(NOW + datetime.timedelta(seconds=seconds), tick=False)


def use_cache(calls=10):
    """What a request does: reads, writes, counters (as the API throttle)."""
    for number in range(calls):
        assert cache.get(f"key-{number}") is None
        cache.set(f"key-{number}", "value", 60)


def test_the_site_settings_retry_after_the_configured_interval(hung_redis):
    assert cache.breaker.interval == INTERVAL


def test_a_hung_redis_costs_one_timeout_per_interval(hung_redis):
    with later(0):
        use_cache()
    with later(INTERVAL - 1):
        use_cache()
    assert hung_redis.connections() == 1


def test_every_thread_of_a_process_shares_the_open_circuit(hung_redis):
    with later(0):
        use_cache(1)
        # Django gives each thread its own cache object.
        thread = threading.Thread(target=use_cache)
        thread.start()
        thread.join()
    assert hung_redis.connections() == 1


def test_after_the_interval_one_call_tries_again(hung_redis):
    with later(0):
        use_cache()
    with later(INTERVAL + 1):
        use_cache()
    # Still hung: the trial failed and the circuit opened again.
    with later(INTERVAL + 2):
        use_cache()
    assert hung_redis.connections() == 2


def test_the_cache_recovers_when_redis_answers_again(hung_redis):
    with later(0):
        use_cache()
        hung_redis.answer()
        cache.set("kept", "value", 60)  # skipped: the circuit is open
        assert cache.get("kept") is None
    assert hung_redis.connections() == 1
    with later(INTERVAL + 1):
        cache.set("kept", "value", 60)
        assert cache.get("kept") == "value"
        assert cache.delete("kept")
        assert cache.get("kept") is None
    assert hung_redis.connections() == 2  # one connection, reused


def test_a_refused_connection_opens_the_circuit_too(settings, hung_redis):
    url = hung_redis.url
    hung_redis.close()  # nothing listens on the port any more
    with later(0):
        use_cache()
    breaker = caches["default"].breaker
    assert breaker.opened_at is not None, url


def test_an_error_from_a_live_redis_does_not_open_the_circuit(hung_redis):
    hung_redis.answer()
    with later(0):
        # EXISTS is unknown to the fake: an error answer, not an outage.
        assert cache.has_key("key") is None
        assert caches["default"].breaker.opened_at is None
        cache.set("key", "value", 60)
        assert cache.get("key") == "value"


@pytest.mark.parametrize("outcome", [True, False, None])
def test_a_trial_ends_with_its_call(outcome):
    breaker = CircuitBreaker(INTERVAL)
    with later(0):
        breaker.settle(False)
        assert not breaker.allow()
    with later(INTERVAL):
        assert breaker.allow()  # the trial
        assert not breaker.allow()  # one at a time
        breaker.settle(outcome)
        assert breaker.allow() is (outcome is not False)


def test_a_clock_set_back_ends_the_wait():
    breaker = CircuitBreaker(INTERVAL)
    with later(0):
        breaker.settle(False)
    with later(-3600):
        assert breaker.allow()
