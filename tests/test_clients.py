"""The client's address behind N trusted proxies (recaps.clients)."""

import ipaddress
import random

import pytest
from django.test import RequestFactory

from recaps.clients import client_address

CASES = 500


def _address(rng):
    if rng.random() < 0.5:
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def _forged(rng):
    """What a client may write itself in X-Forwarded-For."""
    return rng.choice(
        [
            _address(rng),
            "unknown",
            "",
            " ",
            "127.0.0.1",
            "::1",
            "1.2.3.4:80",
            "x" * rng.randint(1, 300),
            ";DROP TABLE",
        ]
    )


def _request_through_proxies(rng, client, proxies):
    """A request from ``client`` relayed by ``proxies`` proxies, each appending
    the address it received the request from to X-Forwarded-For."""
    chain = [client] + [_address(rng) for _ in range(proxies)]
    entries = [_forged(rng) for _ in range(rng.randint(0, 4))]
    entries += chain[:-1]
    meta = {"REMOTE_ADDR": chain[-1]}
    separator = rng.choice([",", ", ", " , "])
    meta["HTTP_X_FORWARDED_FOR"] = separator.join(entries)
    return RequestFactory().get("/", **meta)


def test_behind_n_proxies_the_client_is_the_nth_address_from_the_right(settings):
    rng = random.Random(29)  # seeded: the same cases every run
    for _ in range(CASES):
        proxies = rng.randint(1, 3)
        settings.REST_FRAMEWORK = {"NUM_PROXIES": proxies}
        client = _address(rng)
        request = _request_through_proxies(rng, client, proxies)
        assert client_address(request) == client, request.META


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    rng = random.Random(29)
    for num_proxies in (0, None):
        settings.REST_FRAMEWORK = {"NUM_PROXIES": num_proxies}
        for _ in range(CASES // 10):
            client = _address(rng)
            forged = ", ".join(_forged(rng) for _ in range(rng.randint(1, 4)))
            request = RequestFactory().get(
                "/", REMOTE_ADDR=client, HTTP_X_FORWARDED_FOR=forged
            )
            assert client_address(request) == client


@pytest.mark.parametrize(
    "forwarded_for", ["unknown", "", "1.2.3.4:80", "203.0.113.999", "x" * 300]
)
def test_a_forwarded_value_that_is_no_address_gives_the_connections(
    settings, forwarded_for
):
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert client_address(request) == "127.0.0.1"


def test_addresses_are_normalised(settings):
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=" 2001:DB8:0::1 "
    )
    assert client_address(request) == "2001:db8::1"
