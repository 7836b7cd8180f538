"""Signed webhooks: an outbox written with the change, delivered after commit.

:func:`enqueue` runs inside the transaction of the change (from
:func:`recaps.sections.refresh_public_state` and the deletion handler): it only
writes :class:`~recaps.models.WebhookDelivery` rows, so publishing never waits
for a receiver. ``manage.py run_worker`` (:mod:`recaps.worker`; or
``deliver_webhooks``) calls :func:`deliver_due`: each delivery is claimed (one
conditional ``UPDATE``, so two senders never POST it twice), POSTed with a short
timeout, signed, logged as a :class:`~recaps.models.WebhookAttempt` and retried
with exponential backoff for a day.

Order per edition: each payload carries the edition's ``version``
(:func:`recaps.changes.version`). A pending delivery is superseded (never sent)
once a newer one about the same edition exists for the same subscription, so a
receiver that was down gets the latest state only, never an older one after it.

Only 2xx answers count as delivered; redirections are not followed, and every
URL is checked again before each attempt (:mod:`recaps.webhook_targets`: https,
public addresses only).

From the admin (:mod:`recaps.admin.webhooks`), :func:`redeliver` sends a
delivery's body again as a new delivery and :func:`send_test` a ``ping`` event,
both at once through the same claim, signature and attempt log.

Signature: ``X-Recaps-Signature: t=<unix time>,v1=<hex>`` where ``<hex>`` is the
HMAC-SHA256, keyed by the subscription's secret, of ``"<unix time>." + body``.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import time
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext

from . import webhook_targets
from .changes import version
from .links import absolute_url
from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from .models.webhooks import EVENTS, PING_EVENT

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
        "version": version(at),
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
    The pending deliveries of the same editions to the same subscriptions are
    superseded by the new ones.
    """
    if not entries:
        return 0
    subscriptions = list(WebhookSubscription.objects.filter(active=True))
    now = timezone.now()
    rows = [
        WebhookDelivery(
            subscription=subscription,
            event=entry["event"],
            edition_id=entry["id"],
            version=entry["version"],
            body=json.dumps(entry, ensure_ascii=False, sort_keys=True),
            next_attempt_at=now,
        )
        for entry in entries
        for subscription in subscriptions
        if entry["event"] in subscription.events
    ]
    editions_by_subscription = defaultdict(set)
    for row in rows:
        editions_by_subscription[row.subscription.pk].add(row.edition_id)
    for subscription_id, editions in editions_by_subscription.items():
        pending().filter(
            subscription_id=subscription_id, edition_id__in=editions
        ).update(superseded_at=now)
    WebhookDelivery.objects.bulk_create(rows)
    return len(rows)


def pending():
    """Deliveries neither delivered, given up nor superseded."""
    return WebhookDelivery.objects.filter(
        delivered_at__isnull=True, given_up_at__isnull=True, superseded_at__isnull=True
    )


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
    duration_ms = int((time.monotonic() - start) * 1000)
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
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=status,
            error=error,
            duration_ms=duration_ms,
        )
        delivery.save()
    return delivery


def claim_seconds():
    """How long a claimed delivery stays reserved to its sender: long enough
    for one attempt; a sender that died meanwhile leaves it due again after."""
    return 2 * timeout_seconds() + 60


def _claim(pk, now):
    """Reserve delivery ``pk`` if still due, in one conditional ``UPDATE``
    (atomic on PostgreSQL and SQLite alike, no transaction held during the
    POST): the delivery, or ``None`` when another sender has it."""
    lease = now + datetime.timedelta(seconds=claim_seconds())
    claimed = (
        pending().filter(pk=pk, next_attempt_at__lte=now).update(next_attempt_at=lease)
    )
    if claimed != 1:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=pk)


def _superseded(delivery, now):
    """Mark ``delivery`` superseded if a newer one about the same edition exists
    for the same subscription (written by a concurrent transaction, or already
    sent): ``True`` then."""
    if delivery.edition_id is None or delivery.version is None:
        return False
    newer = WebhookDelivery.objects.filter(
        subscription_id=delivery.subscription_id,
        edition_id=delivery.edition_id,
        version__gt=delivery.version,
        superseded_at__isnull=True,
    ).exists()
    if newer:
        delivery.superseded_at = now
        delivery.save(update_fields=["superseded_at"])
    return newer


def deliver_due(limit=100, before_each=None):
    """Attempt every due delivery (at most ``limit``), oldest first; returns the
    deliveries attempted. ``before_each()`` (the worker renewing its lease), when
    given, is asked before each one: ``False`` stops."""
    done = []
    now = timezone.now()
    due = (
        pending()
        .filter(next_attempt_at__lte=now, subscription__active=True)
        .order_by("next_attempt_at", "pk")
    )
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if before_each is not None and not before_each():
            break
        delivery = _claim(pk, now)
        if delivery is not None and not _superseded(delivery, now):
            done.append(attempt(delivery))
    return done


def send_now(delivery):
    """Attempt ``delivery`` at once through the usual claim (never twice if a
    worker has it too): the delivery after its attempt, or ``None`` when
    another sender claimed it or a newer event superseded it."""
    now = timezone.now()
    claimed = _claim(delivery.pk, now)
    if claimed is None or _superseded(claimed, now):
        return None
    return attempt(claimed)


class NewerEventExists(Exception):
    """A newer event about the same edition exists for the same subscription:
    sending an older one again could overtake it."""


def redeliver(delivery):
    """Send ``delivery``'s body again, signed anew, as a new delivery (its own
    attempts), at once; returns the new delivery.

    Order per edition holds: refused (:class:`NewerEventExists`) when a newer
    event about the edition exists for the subscription; the earlier undelivered
    deliveries of the edition (this one included) are superseded by the new one.
    """
    now = timezone.now()
    with transaction.atomic():
        copy = WebhookDelivery(
            subscription_id=delivery.subscription_id,
            event=delivery.event,
            edition_id=delivery.edition_id,
            version=delivery.version,
            body=delivery.body,
            next_attempt_at=now,
        )
        if delivery.edition_id is not None and delivery.version is not None:
            same_edition = WebhookDelivery.objects.filter(
                subscription_id=delivery.subscription_id,
                edition_id=delivery.edition_id,
            )
            newer = same_edition.filter(
                version__gt=delivery.version, superseded_at__isnull=True
            )
            if newer.exists():
                raise NewerEventExists
            earlier = same_edition.filter(version__lte=delivery.version)
        else:
            earlier = WebhookDelivery.objects.filter(pk=delivery.pk)
        earlier.filter(delivered_at__isnull=True, superseded_at__isnull=True).update(
            superseded_at=now
        )
        copy.save()
    return send_now(copy) or copy


def test_payload(subscription, at):
    """The body of a test event: no edition, only what identifies the test."""
    return {
        "event": PING_EVENT,
        "at": at.isoformat().replace("+00:00", "Z"),
        "webhook": subscription.pk,
        "url": subscription.url,
    }


def send_test(subscription):
    """Write a ``ping`` delivery to ``subscription`` and send it at once
    (signed, claimed and logged like any event); returns it."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=PING_EVENT,
        body=json.dumps(test_payload(subscription, now), sort_keys=True),
        next_attempt_at=now,
    )
    return send_now(delivery) or delivery
