"""Signed webhooks (``recaps.webhooks``), checked by a real HTTP receiver."""

import datetime
import hashlib
import hmac
import io
import json
import re
import shutil
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cms.deploy.proxy import self_signed_certificate
from recaps import webhook_targets
from recaps.models import (
    RecapPage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from recaps.webhooks import _claim, deliver_due
from tests.factories import section

pytestmark = pytest.mark.django_db

SECRET = "s3cret-partagé"
#: The one message of every connection-level failure (refused, reset, timeout).
UNREACHABLE = "connexion impossible ou délai dépassé"


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """The receivers of these tests listen on 127.0.0.1 over plain http."""
    settings.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


class Receiver:
    """A local HTTP server that checks each request's signature on its own."""

    def __init__(self, status=200, delay=0.0, headers=None, tls=None):
        self.status, self.delay = status, delay
        self.received = []
        self.server_names = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fields = dict(
                    part.split("=", 1)
                    for part in self.headers["X-Recaps-Signature"].split(",")
                )
                expected = hmac.new(
                    SECRET.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
                ).hexdigest()
                receiver.received.append(
                    {
                        "valid": hmac.compare_digest(expected, fields["v1"]),
                        "age": abs(time.time() - int(fields["t"])),
                        "event": self.headers["X-Recaps-Event"],
                        "json": json.loads(body),
                        "method": self.command,
                        "path": self.path,
                        "host": self.headers["Host"],
                        "status": receiver.status,
                    }
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def do_GET(self):  # noqa: N802 (a followed redirection)
                receiver.received.append({"method": "GET", "path": self.path})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def subscribe(url, **events):
    return WebhookSubscription.objects.create(url=url, secret=SECRET, **events)


def deliver():
    call_command("deliver_webhooks", stdout=io.StringIO())


def edition(make_edition, number=1, **kwargs):
    return make_edition(
        edition_number=number,
        title=f"Édition {number}",
        date=datetime.date(2020, 11, 6) + datetime.timedelta(weeks=number),
        body=[section("nuggets", "Pépites", [f"Point {number}"])],
        **kwargs,
    )


def test_every_event_is_delivered_signed_after_the_change(
    client, settings, receiver, series, make_edition
):
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    subscribe(receiver.url)
    page = edition(make_edition)
    # Written in the publication's transaction; nothing sent yet.
    assert WebhookDelivery.objects.count() == 1
    assert receiver.received == []
    deliver()
    [got] = receiver.received
    assert got["valid"] and got["age"] < 60 and got["event"] == "recap.published"
    entry = client.get("/api/v1/changes/").json()["results"][0]
    assert got["json"] == {
        **entry,
        "at": got["json"]["at"],
        "event": "recap.published",
        "api_url": f"http://testserver/api/v1/recaps/{page.pk}/",
    }
    assert client.get(got["json"]["api_url"]).status_code == 200
    assert client.get(got["json"]["url"]).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at and delivery.attempts == 1
    assert WebhookAttempt.objects.get().status_code == 200

    page = RecapPage.objects.get(pk=page.pk)
    page.save_revision().publish()  # unchanged: no event
    page.intro = "<p>Nouveau.</p>"
    page.save_revision().publish()
    deliver()  # (each one sent before the next: a pending one is superseded)
    page.unpublish()
    deliver()
    other = edition(make_edition, 2)
    deliver()
    other.delete()
    deliver()
    events = [(got["event"], got["json"]["id"]) for got in receiver.received[1:]]
    assert events == [
        ("recap.updated", page.pk),
        ("recap.removed", page.pk),
        ("recap.published", other.pk),
        ("recap.removed", other.pk),
    ]
    assert all(got["valid"] for got in receiver.received)
    removed = receiver.received[-1]["json"]
    assert removed["url"] is None and set(removed) == {
        "event",
        "id",
        "uuid",
        "action",
        "at",
        "version",
        "url",
        "api_url",
    }
    assert "Édition 2" not in json.dumps(removed, ensure_ascii=False)


def test_scheduled_go_live_and_expiry_by_publish_scheduled(
    receiver, series, make_edition
):
    start = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        subscribe(receiver.url, on_updated=False)
        page = edition(make_edition, publish=False)
        page = RecapPage.objects.get(pk=page.pk)
        page.go_live_at = start + datetime.timedelta(hours=1)
        page.expire_at = start + datetime.timedelta(hours=2)
        page.save_revision().publish()
        assert not WebhookDelivery.objects.exists()  # scheduled, not public
        clock.shift(datetime.timedelta(hours=1, minutes=1))
        call_command("publish_scheduled", stdout=io.StringIO())
        deliver()  # (else superseded by the expiry's event)
        clock.shift(datetime.timedelta(hours=1))
        call_command("publish_scheduled", stdout=io.StringIO())
        deliver()
    assert [got["event"] for got in receiver.received] == [
        "recap.published",
        "recap.removed",
    ]


def test_only_the_events_subscribed_and_active_subscriptions(
    receiver, series, make_edition
):
    subscribe(receiver.url, on_published=False, on_updated=False)
    subscribe(receiver.url, active=False)
    page = edition(make_edition)
    page.unpublish()
    deliver()
    assert [got["event"] for got in receiver.received] == ["recap.removed"]


def test_rolled_back_change_sends_nothing(receiver, series, make_edition):
    subscribe(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        edition(make_edition)
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_backoff_for_a_day(series, make_edition):
    failing = Receiver(status=500)
    try:
        start = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False) as clock:
            subscribe(failing.url)
            edition(make_edition)
            delays = []
            while True:
                deliver()
                delivery = WebhookDelivery.objects.get()
                if delivery.given_up_at:
                    break
                delays.append(
                    (delivery.next_attempt_at - timezone.now()).total_seconds()
                )
                deliver()  # not due yet: no attempt
                assert WebhookDelivery.objects.get().attempts == delivery.attempts
                clock.move_to(delivery.next_attempt_at)
        assert delays[:4] == [30, 60, 120, 240]
        assert all(b == 2 * a for a, b in zip(delays, delays[1:], strict=False))
        assert delivery.given_up_at - delivery.created_at <= datetime.timedelta(days=1)
        assert delivery.attempts == len(failing.received) == len(delays) + 1
        assert (
            WebhookAttempt.objects.filter(status_code=500).count() == delivery.attempts
        )
        assert delivery.last_error == "réponse HTTP 500"
        assert all(got["valid"] for got in failing.received)
    finally:
        failing.close()


def test_a_slow_receiver_times_out_and_never_blocks_publishing(
    settings, series, make_edition
):
    settings.RECAPS_WEBHOOK_TIMEOUT = 0.2
    slow = Receiver(delay=1.0)
    try:
        subscribe(slow.url)
        edition(make_edition)  # publishing only writes the outbox
        assert slow.received == []
        deliver()
        attempt = WebhookAttempt.objects.get()
        assert attempt.status_code is None and attempt.error == UNREACHABLE
        delivery = WebhookDelivery.objects.get()
        assert delivery.delivered_at is None and delivery.attempts == 1
        assert delivery.next_attempt_at > delivery.created_at
    finally:
        slow.close()


def test_unreachable_receiver_is_logged(series, make_edition):
    closed = Receiver()
    closed.close()
    subscribe(closed.url)
    edition(make_edition)
    deliver()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error == UNREACHABLE


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirection_is_a_failure_and_is_not_followed(status, series, make_edition):
    elsewhere = Receiver()
    redirecting = Receiver(status=status, headers={"Location": elsewhere.url})
    try:
        subscribe(redirecting.url)
        edition(make_edition)
        deliver()
        assert len(redirecting.received) == 1
        assert elsewhere.received == []
        attempt = WebhookAttempt.objects.get()
        assert attempt.status_code == status
        assert attempt.error == "redirection refusée"
        delivery = WebhookDelivery.objects.get()
        assert delivery.delivered_at is None
        assert delivery.last_error == "redirection refusée"
        assert delivery.next_attempt_at > delivery.created_at  # retried later
    finally:
        redirecting.close()
        elsewhere.close()


def test_refused_reset_and_timed_out_connections_read_alike(
    settings, series, make_edition
):
    """The log must not tell a closed port from a filtered or an open one."""
    settings.RECAPS_WEBHOOK_TIMEOUT = 0.2
    refused = socket.socket()  # bound, so no one else takes the port; not listening
    refused.bind(("127.0.0.1", 0))
    silent = socket.socket()  # listening (the kernel answers), never accepting
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    resetting = socket.socket()  # accepts, then resets the connection
    resetting.bind(("127.0.0.1", 0))
    resetting.listen(8)

    def reset_one():
        connection, _address = resetting.accept()
        connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        connection.close()

    thread = threading.Thread(target=reset_one, daemon=True)
    thread.start()
    sockets = {"refused": refused, "timed out": silent, "reset": resetting}
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    try:
        for port in ports.values():
            subscribe(f"http://127.0.0.1:{port}/hooks")
        edition(make_edition)
        deliver()
    finally:
        thread.join(timeout=10)
        for sock in sockets.values():
            sock.close()
    errors = {
        attempt.delivery.subscription.url: attempt.error
        for attempt in WebhookAttempt.objects.select_related("delivery__subscription")
    }
    assert len(errors) == 3
    assert set(errors.values()) == {UNREACHABLE}
    for port in ports.values():
        assert not re.search(r"\d", errors[f"http://127.0.0.1:{port}/hooks"])
    assert set(WebhookDelivery.objects.values_list("last_error", flat=True)) == {
        UNREACHABLE
    }
    assert not WebhookAttempt.objects.filter(status_code__isnull=False).exists()


def test_the_connection_goes_to_the_address_checked(
    dns, settings, receiver, series, make_edition
):
    """One lookup per attempt: the address checked is the one connected to (a
    second lookup could answer another address: DNS rebinding)."""
    settings.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = ["receiver.test"]
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["receiver.test"]
    dns.names["receiver.test"] = ["127.0.0.1"]
    port = receiver.server.server_port
    subscribe(f"http://Receiver.test:{port}/hooks?source=ebullitions")
    edition(make_edition)
    dns.looked_up.clear()
    deliver()
    [got] = receiver.received
    assert got["valid"] and got["method"] == "POST"
    assert got["host"] == f"receiver.test:{port}"
    assert got["path"] == "/hooks?source=ebullitions"
    assert [host for host in dns.looked_up if "receiver" in host] == ["receiver.test"]
    assert WebhookDelivery.objects.get().delivered_at


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for ``receiver.test``: ``(cert, key)`` paths."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    return self_signed_certificate(tmp_path, "receiver.test")


def test_https_checks_the_certificate_of_the_name_not_of_the_address(
    dns, settings, monkeypatch, certificate, series, make_edition
):
    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    secure = Receiver(tls=server_tls)
    monkeypatch.setattr(
        webhook_targets,
        "ssl_context",
        lambda: ssl.create_default_context(cafile=str(cert)),
    )
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["receiver.test", "impostor.test"]
    dns.names["receiver.test"] = dns.names["impostor.test"] = ["127.0.0.1"]
    port = secure.server.server_port
    try:
        subscribe(f"https://receiver.test:{port}/hooks")
        subscribe(f"https://impostor.test:{port}/hooks")
        edition(make_edition)
        deliver()
    finally:
        secure.close()
    attempts = {
        attempt.delivery.subscription.url: attempt
        for attempt in WebhookAttempt.objects.select_related("delivery__subscription")
    }
    assert attempts[f"https://receiver.test:{port}/hooks"].status_code == 200
    impostor = attempts[f"https://impostor.test:{port}/hooks"]
    assert impostor.status_code is None and impostor.error == UNREACHABLE
    assert [got["host"] for got in secure.received] == [f"receiver.test:{port}"]
    assert secure.received[0]["valid"]
    assert sorted(secure.server_names) == ["impostor.test", "receiver.test"]


def test_deliver_due_checks_the_address_again(dns, series, make_edition):
    """A subscription saved before the rules (or whose name now resolves to a
    private address) is refused at delivery, before any connection."""
    dns.names["hooks.example.org"] = ["93.184.215.14"]
    subscription = WebhookSubscription(
        url="https://hooks.example.org/recaps", secret=SECRET
    )
    subscription.full_clean()
    subscription.save()
    edition(make_edition)
    dns.names["hooks.example.org"] = ["127.0.0.1"]  # rebound since
    [delivery] = deliver_due()
    assert delivery.delivered_at is None and delivery.last_error == "adresse interdite"
    assert WebhookAttempt.objects.get().status_code is None


class Mirror:
    """A receiver's copy, applied as the README's receiver guide says: an event
    older than (or as old as) the version held for its edition is ignored."""

    def __init__(self):
        self.versions, self.present, self.applied = {}, {}, []

    def apply(self, event):
        held = self.versions.get(event["id"], -1)
        if event["version"] <= held:
            return
        self.versions[event["id"]] = event["version"]
        self.present[event["id"]] = event["action"] != "removed"
        self.applied.append((event["id"], event["version"]))


def test_a_receiver_back_after_a_failure_ends_as_the_api(client, series, make_edition):
    """The failure of issue 24: receiver down, the edition unpublished then
    republished (both deliveries fail and wait for their retry); receiver up,
    unpublished again (sent at once). The older deliveries, due later, must
    not reach the receiver after the newer one: events arrive in version
    order, and the receiver ends without the edition, as the API."""
    receiver = Receiver()
    try:
        start = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False) as clock:
            subscribe(receiver.url)
            page = edition(make_edition)
            deliver()
            receiver.status = 503  # down
            clock.shift(datetime.timedelta(seconds=10))
            page.unpublish()
            deliver()
            clock.shift(datetime.timedelta(seconds=10))
            page = RecapPage.objects.get(pk=page.pk)
            page.save_revision().publish()
            deliver()
            receiver.status = 200  # up
            clock.shift(datetime.timedelta(seconds=10))
            page = RecapPage.objects.get(pk=page.pk)
            page.unpublish()
            deliver()
            clock.shift(datetime.timedelta(hours=2))  # every retry due
            deliver()
        delivered = [got["json"] for got in receiver.received if got["status"] == 200]
        assert client.get(f"/api/v1/recaps/{page.pk}/").status_code == 404
        # In arrival order, applied naively or by version: the edition is gone.
        assert delivered[-1]["action"] == "removed"
        mirror = Mirror()
        for event in delivered:
            mirror.apply(event)
        assert mirror.present == {page.pk: False}
        versions = [event["version"] for event in delivered]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)
        assert len(mirror.applied) == len(delivered)  # none came late
        assert [event["action"] for event in delivered] == ["published", "removed"]
        statuses = [str(d.status) for d in WebhookDelivery.objects.order_by("pk")]
        assert statuses == ["envoyé", "remplacé", "remplacé", "envoyé"]
    finally:
        receiver.close()


def test_versions_agree_between_feed_and_webhooks(
    client, settings, receiver, series, make_edition
):
    """The feed, webhooks and the edition itself (list and detail) give the
    same version for the same change; a later change has a larger one."""
    settings.RECAPS_CHANGES_SETTLE_SECONDS = 0
    settings.RECAPS_API_THROTTLE_RATE = None
    subscribe(receiver.url)
    page = edition(make_edition)
    deliver()
    shown = client.get(f"/api/v1/recaps/{page.pk}/").json()["version"]
    page = RecapPage.objects.get(pk=page.pk)
    page.intro = "<p>Modifiée.</p>"
    page.save_revision().publish()
    deliver()
    first, second = (got["json"] for got in receiver.received)
    assert first["version"] == shown < second["version"]
    [entry] = client.get("/api/v1/changes/").json()["results"]
    assert entry["version"] == second["version"]
    detail = client.get(f"/api/v1/recaps/{page.pk}/").json()
    [listed] = client.get("/api/v1/recaps/").json()["results"]
    assert detail["version"] == listed["version"] == second["version"]


def test_an_older_delivery_is_never_sent_after_a_newer_one(
    receiver, series, make_edition
):
    """Two changes written by concurrent transactions: neither superseded the
    other when written; the older is superseded when its turn comes."""
    subscribe(receiver.url)
    page = edition(make_edition)
    page.unpublish()
    older, newer = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=older.pk).update(superseded_at=None)
    WebhookDelivery.objects.filter(pk=newer.pk).update(next_attempt_at=older.created_at)
    WebhookDelivery.objects.filter(pk=older.pk).update(
        next_attempt_at=older.created_at + datetime.timedelta(microseconds=1)
    )
    deliver()
    assert [got["event"] for got in receiver.received] == ["recap.removed"]
    older.refresh_from_db()
    assert older.superseded_at and older.attempts == 0


def test_two_senders_at_once_never_post_a_delivery_twice(
    receiver, series, make_edition, monkeypatch
):
    """A second ``deliver_due`` run while the first is POSTing (as two
    ``deliver_webhooks`` or workers started together) finds nothing to send:
    each delivery is claimed by one conditional UPDATE, on SQLite as on
    PostgreSQL."""
    from recaps import webhooks

    subscribe(receiver.url)
    edition(make_edition)
    edition(make_edition, 2)
    inner = []
    post = webhooks._post

    def post_while_another_runs(delivery):
        if not inner:
            inner.append(None)
            inner[0] = deliver_due()
        return post(delivery)

    monkeypatch.setattr(webhooks, "_post", post_while_another_runs)
    outer = deliver_due()
    # The concurrent run got the delivery the first had not claimed yet.
    assert len(outer) + len(inner[0]) == 2
    assert len(receiver.received) == 2
    ids = [got["json"]["id"] for got in receiver.received]
    assert len(set(ids)) == 2
    assert WebhookAttempt.objects.count() == 2


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    series, make_edition
):
    subscribe("http://127.0.0.1:9/hooks")
    start = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        edition(make_edition)
        delivery = WebhookDelivery.objects.get()
        now = timezone.now()
        assert _claim(delivery.pk, now) is not None
        assert _claim(delivery.pk, now) is None
        clock.shift(datetime.timedelta(minutes=5))  # the sender died
        assert _claim(delivery.pk, timezone.now()) is not None
