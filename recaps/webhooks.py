"""Signed webhooks: an outbox written with the change, delivered after commit.

:func:`enqueue` runs inside the transaction of the change (from
:func:`recaps.sections.refresh_public_state` and the deletion handler): it only
writes :class:`~recaps.models.WebhookDelivery` rows, so publishing never waits
for a receiver. ``manage.py deliver_webhooks`` (every minute beside ``make
run``; cron in production) calls :func:`deliver_due`: each delivery is POSTed
with a short timeout, signed, logged as a :class:`~recaps.models.WebhookAttempt`
and retried with exponential backoff for a day. Only 2xx answers count as
delivered; redirections are not followed, and every URL is checked again before
each attempt (:mod:`recaps.webhook_targets`: https, public addresses only).

Signature: ``X-Recaps-Signature: t=<unix time>,v1=<hex>`` where ``<hex>`` is the
HMAC-SHA256, keyed by the subscription's secret, of ``"<unix time>." + body``.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import time

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext

from . import webhook_targets
from .links import absolute_url
from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from .models.webhooks import EVENTS

SIGNATURE_HEADER = "X-Recaps-Signature"
EVENT_HEADER = "X-Recaps-Event"
DELIVERY_HEADER = "X-Recaps-Delivery"
#: First retry after this many seconds, then twice as long each time.
FIRST_RETRY_SECONDS = 30
#: Retries stop this long after the delivery was written.
RETRY_FOR = datetime.timedelta(days=1)


def timeout_seconds():
    """``RECAPS_WEBHOOK_TIMEOUT`` (5): seconds a receiver has to answer."""
    return float(getattr(settings, "RECAPS_WEBHOOK_TIMEOUT", 5))


def payload(change_id, uuid, action, at, url):
    """The change-feed entry (``recaps.changes``) plus ``api_url``."""
    return {
        "event": EVENTS[action],
        "id": change_id,
        "uuid": str(uuid),
        "action": action,
        "at": at.isoformat().replace("+00:00", "Z"),
        "url": url if action != "removed" else None,
        "api_url": api_detail_url(change_id),
    }


def api_detail_url(pk):
    """The edition's absolute API URL, ``None`` where the API is not mounted."""
    try:
        return absolute_url(reverse("recaps_api:recap-detail", args=[pk]))
    except NoReverseMatch:
        return None


def enqueue(entries):
    """Write one delivery per active subscription wanting each entry's event.

    ``entries`` are :func:`payload` dicts. Call inside the change's transaction.
    """
    if not entries:
        return 0
    subscriptions = list(WebhookSubscription.objects.filter(active=True))
    now = timezone.now()
    rows = [
        WebhookDelivery(
            subscription=subscription,
            event=entry["event"],
            body=json.dumps(entry, ensure_ascii=False, sort_keys=True),
            next_attempt_at=now,
        )
        for entry in entries
        for subscription in subscriptions
        if entry["event"] in subscription.events
    ]
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def signature(secret, timestamp, body):
    """``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _post(delivery):
    """One attempt: ``(status code or None, error text)``.

    The URL is checked again (:func:`recaps.webhook_targets.check`) and the
    connection pinned to the addresses checked; a redirection is not followed.
    The error text never tells a refused connection from a reset or a timeout
    (nor gives a port or an address): the log must not map a network.
    """
    try:
        target = webhook_targets.check(delivery.subscription.url)
    except webhook_targets.TargetRefused:
        return None, gettext("address refused")
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "recaps-webhooks/1",
        SIGNATURE_HEADER: signature(delivery.subscription.secret, timestamp, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
    }
    connection = target.connection(timeout_seconds())
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, ValueError, http.client.HTTPException):
        # Refused, reset, timed out, TLS, not HTTP…: one message for all.
        return None, gettext("connection failed or timed out")
    finally:
        connection.close()
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:
        return status, gettext("redirect refused")
    return status, gettext("HTTP %(status)d response") % {"status": status}


def next_attempt(delivery, now):
    """When to try again after ``delivery.attempts`` failures, or ``None``
    when the day of retries is over."""
    delay = FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
    when = now + datetime.timedelta(seconds=delay)
    return None if when > delivery.created_at + RETRY_FOR else when


def attempt(delivery):
    """Send ``delivery`` once, log the attempt, schedule the next one."""
    start = time.monotonic()
    status, error = _post(delivery)
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        status_code=status,
        error=error,
        duration_ms=int((time.monotonic() - start) * 1000),
    )
    delivery.attempts += 1
    if status is not None and 200 <= status < 300:
        delivery.delivered_at = now
        delivery.last_error = ""
    else:
        delivery.last_error = error
        following = next_attempt(delivery, now)
        if following is None:
            delivery.given_up_at = now
        else:
            delivery.next_attempt_at = following
    delivery.save()
    return delivery


def deliver_due(limit=100):
    """Attempt every due delivery (at most ``limit``); returns them."""
    done = []
    now = timezone.now()
    due = WebhookDelivery.objects.filter(
        delivered_at__isnull=True,
        given_up_at__isnull=True,
        next_attempt_at__lte=now,
        subscription__active=True,
    ).order_by("next_attempt_at", "pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .select_related("subscription")
                .filter(pk=pk, delivered_at__isnull=True, given_up_at__isnull=True)
                .first()
            )
            if delivery is not None:
                done.append(attempt(delivery))
    return done
