"""Webhooks: subscriptions of sister sites, and the outbox of their deliveries.

A change of the public set (see :func:`recaps.sections.refresh_public_state`)
writes one :class:`WebhookDelivery` per active subscription to that event, in
the same transaction as the change; ``manage.py run_worker`` (or
``deliver_webhooks``) sends them after commit (:mod:`recaps.webhooks`), logging
each :class:`WebhookAttempt`. A delivery still pending when a newer one about
the same edition is written for the same subscription is superseded, never sent.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..webhook_targets import TargetRefused, check

EVENTS = {
    "published": "recap.published",
    "updated": "recap.updated",
    "removed": "recap.removed",
}


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

    def __str__(self):
        return f"{self.event} → {self.subscription}"

    @property
    def status(self):
        if self.delivered_at:
            return _("delivered")
        if self.given_up_at:
            return _("given up")
        if self.superseded_at:
            return _("superseded")
        return _("pending")


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
