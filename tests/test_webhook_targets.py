"""Where webhooks may go (``recaps.webhook_targets``): hostile targets are
refused when a subscription is saved and again at every delivery."""

import ipaddress
import random
import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from recaps import webhook_targets
from recaps.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from recaps.webhooks import deliver_due

pytestmark = pytest.mark.django_db

#: Networks no webhook may reach, whatever the spelling of the address.
FORBIDDEN_V4 = [
    "127.0.0.0/8",  # loopback
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",  # link-local, cloud metadata
    "0.0.0.0/8",  # "this network", unspecified
    "100.64.0.0/10",  # shared (carrier-grade NAT)
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved
    "255.255.255.255/32",  # broadcast
]
FORBIDDEN_V6 = [
    "::1/128",
    "::/128",
    "fe80::/10",  # link-local
    "fc00::/7",  # unique local
    "fec0::/10",  # site-local (deprecated)
    "ff00::/8",  # multicast
    "2001:db8::/32",  # documentation
    "100::/64",  # discard
    "64:ff9b:1::/48",  # local-use NAT64
]
#: The well-known cases of the issue.
NAMED = [
    "http://127.0.0.1:5432/",
    "https://127.0.0.1:5432/",
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost/",
    "https://localhost./",
    "https://LOCALHOST:6379/",
    "https://[::1]/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://2130706433/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://127.0.1/",
    "https://017700000001/",
    "https://127.0.0.1./",
    "https://[fe80::1%25eth0]/",
    "https://[fe80::1%eth0]/",
    "https://example.org@127.0.0.1/",
    "https://example.org:443@127.0.0.1/",
    "https://user:pass@example.org/",
    "https://127.0.0.1#@example.org/",
    "https://127.0.0.1\\@example.org/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "ftp://example.org/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "http://example.org/",  # http, host not listed
    "https:///nothing",
]
#: Names a resolver may answer with private addresses (``dns`` fixture).
RESOLVED = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
}
PUBLIC = {
    "hooks.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
}


def _sample(network, rng):
    network = ipaddress.ip_network(network)
    return network[rng.randrange(network.num_addresses)]


def _v4_spellings(address, rng):
    """``address`` as a URL host, in the spellings resolvers accept."""
    n = int(address)
    a, b, c, d = address.packed
    return [
        str(address),
        f"{address}.",
        str(n),
        hex(n),
        f"0{n:o}",
        ".".join(f"0{byte:o}" for byte in address.packed),
        ".".join(hex(byte) for byte in address.packed),
        f"{a}.{b}.{(c << 8) | d}",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{hex(a)}.{(b << 16) | (c << 8) | d}",
        f"[::ffff:{address}]",
        f"[::ffff:{n >> 16:x}:{n & 0xFFFF:x}]",
        f"[2002:{n >> 16:x}:{n & 0xFFFF:x}::{rng.randrange(1, 0xFFFF):x}]",
        f"[64:ff9b::{address}]",
        f"[::{address}]",
        f"example.org@{address}",
        f"{address}#@example.org",
    ]


def _v6_spellings(address):
    return [
        f"[{address}]",
        f"[{address.exploded}]",
        f"[{str(address).upper()}]",
        f"[{address}%25eth0]",
    ]


def hostile_targets(seed=29, per_network=3):
    """The named cases, plus addresses drawn from every forbidden network in
    every spelling, with and without ports, and names resolving to them.

    Returns ``(urls, names)``: ``names`` is the fake DNS table they need.
    """
    rng = random.Random(seed)
    names = dict(RESOLVED)
    hosts = []
    for network in FORBIDDEN_V4:
        for _ in range(per_network):
            address = _sample(network, rng)
            hosts += _v4_spellings(address, rng)
            names[f"v4-{len(names)}.example.net"] = [str(address)]
            # One private answer among public ones is enough to refuse.
            names[f"mixed-{len(names)}.example.net"] = ["93.184.215.14", str(address)]
    for network in FORBIDDEN_V6:
        for _ in range(per_network):
            address = _sample(network, rng)
            hosts += _v6_spellings(address)
            names[f"v6-{len(names)}.example.net"] = [str(address)]
    hosts += list(names)
    hosts += [f"{name}." for name in names]
    urls = list(NAMED)
    for host in hosts:
        scheme = rng.choice(["https", "https", "http"])
        port = rng.choice(["", ":443", ":5432", ":6379", ":8080", ":22"])
        path = rng.choice(["/", "/hooks", "/hooks?x=1", ""])
        if host.endswith("@example.org"):
            urls.append(f"{scheme}://{host.replace('#', port + path + '#')}")
        else:
            urls.append(f"{scheme}://{host}{port}{path}")
    return urls, names


HOSTILE, HOSTILE_NAMES = hostile_targets()


@pytest.fixture
def resolver(dns):
    dns.names.update(HOSTILE_NAMES)
    dns.names.update(PUBLIC)
    return dns


@pytest.fixture
def strict(settings):
    """The defaults: no http host, no private host allowed."""
    settings.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = []
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = []
    return settings


def test_the_generated_targets_cover_every_forbidden_network():
    assert len(HOSTILE) > 500
    assert len(set(HOSTILE)) == len(HOSTILE)


def test_every_hostile_target_is_refused_at_registration(resolver, strict):
    accepted = []
    for url in HOSTILE:
        try:
            webhook_targets.check(url)
        except webhook_targets.TargetRefused:
            pass
        else:
            accepted.append(("check", url))
        try:
            WebhookSubscription(url=url, secret="s").full_clean()
        except ValidationError as error:
            assert "url" in error.message_dict, url
        else:
            accepted.append(("model", url))
    assert accepted == []


def test_public_https_targets_are_accepted(resolver, strict):
    for url in [
        "https://hooks.example.org/recaps",
        "https://HOOKS.example.org.:8443/recaps?x=1",
        "https://93.184.215.14/hooks",
        "https://[2606:4700::1111]/hooks",
    ]:
        WebhookSubscription(url=url, secret="s").full_clean()
    target = webhook_targets.check("https://hooks.example.org/recaps?x=1")
    assert (target.host, target.port, target.path) == (
        "hooks.example.org",
        443,
        "/recaps?x=1",
    )
    assert {sockaddr[0] for _family, sockaddr in target.addresses} == set(
        PUBLIC["hooks.example.org"]
    )


def test_registration_messages_are_french(resolver, strict):
    cases = {
        "http://hooks.example.org/": "Utilisez une adresse https://",
        "https://127.0.0.1:5432/": "réseau privé, local ou réservé",
        "https://localhost/": "réseau privé, local ou réservé",
        "https://example.org@hooks.example.org/": "ni nom d’utilisateur",
        "https://[fe80::1%25eth0]/": "zone IPv6",
        "https://0x7f.1/": "hexadécimales",
        "https://inconnu.example.net/": "introuvable",
    }
    for url, message in cases.items():
        with pytest.raises(webhook_targets.TargetRefused) as refused:
            webhook_targets.check(url)
        assert message in str(refused.value.message), url


def test_listed_hosts_may_use_http_and_private_addresses(resolver, strict):
    strict.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = ["hooks.example.org", "[::1]"]
    strict.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["localhost", "::1"]
    webhook_targets.check("http://hooks.example.org/")
    webhook_targets.check("https://localhost:8000/")
    webhook_targets.check("http://[::1]:8000/")
    for url in ("http://localhost:8000/", "https://127.0.0.1/", "http://10.0.0.1/"):
        with pytest.raises(webhook_targets.TargetRefused):
            webhook_targets.check(url)


@pytest.fixture
def canary():
    """A socket listening on 127.0.0.1 (and ::1 where there is one): a hostile
    target that got through would connect to it."""
    listeners = [socket.create_server(("127.0.0.1", 0))]
    port = listeners[0].getsockname()[1]
    try:
        listeners.append(socket.create_server(("::1", port), family=socket.AF_INET6))
    except OSError:
        pass  # no IPv6 loopback, or the port is taken there: IPv4 only
    for listener in listeners:
        listener.setblocking(False)

    def connections():
        count = 0
        for listener in listeners:
            while True:
                try:
                    connection, _address = listener.accept()
                except BlockingIOError:
                    break
                connection.close()
                count += 1
        return count

    yield port, connections
    for listener in listeners:
        listener.close()


def test_every_hostile_target_is_refused_at_delivery(resolver, strict, canary):
    """Rows written before the rules (or whose names resolve elsewhere now):
    refused before any connection, logged without details."""
    port, connections = canary
    urls = [
        url.replace(":5432", f":{port}").replace(":6379", f":{port}") for url in HOSTILE
    ]
    subscriptions = WebhookSubscription.objects.bulk_create(
        WebhookSubscription(url=url, secret="s") for url in urls
    )
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            event="recap.published",
            body="{}",
            next_attempt_at=now,
        )
        for subscription in subscriptions
    )
    done = deliver_due(limit=len(urls) + 1)
    assert len(done) == len(urls)
    assert connections() == 0
    assert not WebhookDelivery.objects.filter(delivered_at__isnull=False).exists()
    assert set(WebhookAttempt.objects.values_list("error", flat=True)) == {
        "adresse interdite"
    }
    assert not WebhookAttempt.objects.filter(status_code__isnull=False).exists()
