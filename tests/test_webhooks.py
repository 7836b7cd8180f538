"""Signed webhooks (``recaps.webhooks``), checked by a real HTTP receiver."""

import datetime
import hashlib
import hmac
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from recaps.models import (
    RecapPage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.factories import section

pytestmark = pytest.mark.django_db

SECRET = "s3cret-partagé"


class Receiver:
    """A local HTTP server that checks each request's signature on its own."""

    def __init__(self, status=200, delay=0.0):
        self.status, self.delay = status, delay
        self.received = []
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
                    }
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
    page.unpublish()
    other = edition(make_edition, 2)
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
        assert delivery.last_error == "HTTP 500"
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
        assert attempt.status_code is None and "timed out" in attempt.error
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
    assert attempt.status_code is None and attempt.error
