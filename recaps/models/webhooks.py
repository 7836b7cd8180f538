"""Webhooks: subscriptions of sister sites, and the outbox of their deliveries.

A change of the public set (see :func:`recaps.sections.refresh_public_state`)
writes one :class:`WebhookDelivery` per active subscription to that event, in
the same transaction as the change; ``manage.py run_worker`` (or
``deliver_webhooks``) sends them after commit (:mod:`recaps.webhooks`), logging
each :class:`WebhookAttempt`. A delivery still pending when a newer one about
the same edition is written for the same subscription is superseded, never sent.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..webhook_targets import TargetRefused, check
from .sections import EPOCH

EVENTS = {
    "published": "recap.published",
    "updated": "recap.updated",
    "removed": "recap.removed",
}
#: The event of a test delivery (“send a test event” in the admin): the same
#: signed POST, no edition.
PING_EVENT = "ping"

#: How long an endpoint fails before the admin dashboard says so.
FAILING_NOTICE_AFTER = datetime.timedelta(hours=1)

#: A delivery's status, as the admin filters it, from its fields (the one
#: definition: :attr:`WebhookDelivery.status_key` agrees with it).
DELIVERY_STATUSES = {
    "delivered": Q(delivered_at__isnull=False),
    "failed": Q(delivered_at__isnull=True, superseded_at__isnull=True)
    & (Q(given_up_at__isnull=False) | ~Q(last_error="")),
    "pending": Q(
        delivered_at__isnull=True,
        superseded_at__isnull=True,
        given_up_at__isnull=True,
        last_error="",
    ),
    "superseded": Q(delivered_at__isnull=True, superseded_at__isnull=False),
}
DELIVERY_STATUS_LABELS = {
    "delivered": _("delivered"),
    "failed": _("failed"),
    "pending": _("pending"),
    "superseded": _("superseded"),
}


def succeeded():
    """Attempts answered 2xx."""
    return Q(status_code__gte=200, status_code__lt=300)


class WebhookSubscriptionQuerySet(models.QuerySet):
    def with_health(self):
        """Annotate ``last_error`` and ``last_error_at`` (the latest failed
        attempt), ``last_success_at`` and ``failing_since``: the first failed
        attempt after the latest success (``None`` when the latest attempt
        succeeded or none failed). One query, whatever the log's size per row
        (indexed subqueries)."""
        attempts = WebhookAttempt.objects.filter(delivery__subscription=OuterRef("pk"))
        failures = attempts.exclude(succeeded())
        last_failure = failures.order_by("-at", "-pk")
        last_success = attempts.filter(succeeded()).order_by("-at", "-pk")
        return self.annotate(
            last_error=Subquery(last_failure.values("error")[:1]),
            last_error_at=Subquery(last_failure.values("at")[:1]),
            last_success_at=Subquery(last_success.values("at")[:1]),
        ).annotate(
            failing_since=Subquery(
                failures.filter(
                    at__gt=Coalesce(OuterRef("last_success_at"), Value(EPOCH))
                )
                .order_by("at", "pk")
                .values("at")[:1]
            )
        )

    def failing_for_long(self, now):
        """Active subscriptions failing since before ``now`` minus
        :data:`FAILING_NOTICE_AFTER`, with their health annotations."""
        return (
            self.filter(active=True)
            .with_health()
            .filter(failing_since__lte=now - FAILING_NOTICE_AFTER)
        )


class WebhookSubscription(models.Model):
    """A receiver URL, its secret and the events it wants."""

    url = models.URLField(
        _("URL"),
        max_length=500,
        help_text=_(
            "Address that receives the events by POST, e.g. https://ressources.example.org/hooks/recaps"
        ),
    )
    secret = models.CharField(
        _("secret"),
        max_length=200,
        help_text=_(
            "Shared with the receiver, which checks the X-Recaps-Signature "
            "header (HMAC-SHA256) with it."
        ),
    )
    on_published = models.BooleanField(_("recap.published"), default=True)
    on_updated = models.BooleanField(_("recap.updated"), default=True)
    on_removed = models.BooleanField(_("recap.removed"), default=True)
    active = models.BooleanField(_("active"), default=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["url", "pk"]

    def __str__(self):
        return self.url

    def clean(self):
        """Refuse URLs that webhooks may not reach (:mod:`recaps.webhook_targets`:
        https, public addresses after DNS resolution)."""
        super().clean()
        if self.url:
            try:
                check(self.url)
            except TargetRefused as refused:
                raise ValidationError(
                    {"url": ValidationError(refused.message, code="forbidden_target")}
                ) from refused

    @property
    def events(self):
        return [
            event for action, event in EVENTS.items() if getattr(self, f"on_{action}")
        ]


class WebhookDelivery(models.Model):
    """One event to send to one subscription (the outbox)."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("webhook"),
        related_name="deliveries",
        on_delete=models.CASCADE,
    )
    event = models.CharField(_("event"), max_length=40)
    edition_id = models.PositiveBigIntegerField(
        _("edition id"), null=True, blank=True, db_index=True
    )
    version = models.PositiveBigIntegerField(
        _("version"),
        null=True,
        blank=True,
        help_text=_("The edition's version in this event (larger is newer)."),
    )
    body = models.TextField(_("body"), help_text=_("The JSON sent, as signed."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    given_up_at = models.DateTimeField(_("given up at"), null=True, blank=True)
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_(
            "Not sent: a newer event about the same edition for the same "
            "webhook replaced it."
        ),
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "monitor_webhooks",
                "Can monitor webhooks (deliveries, redeliver, test event)",
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription}"

    @property
    def status_key(self):
        """The key of :data:`DELIVERY_STATUSES` this delivery matches."""
        if self.delivered_at:
            return "delivered"
        if self.superseded_at:
            return "superseded"
        if self.given_up_at or self.last_error:
            return "failed"
        return "pending"

    @property
    def status(self):
        if self.given_up_at and self.status_key == "failed":
            return _("given up")
        return DELIVERY_STATUS_LABELS[self.status_key]


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, kept for the admin."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        related_name="attempt_log",
        on_delete=models.CASCADE,
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.delivery} @ {self.at:%Y-%m-%d %H:%M:%S}"
