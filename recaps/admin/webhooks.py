"""The “Webhooks” admin: subscriptions, deliveries and attempts, for
administrators (superusers) only."""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription


class SuperuserPolicy(BasePermissionPolicy):
    """Only active superusers, for the ``actions`` allowed (all by default).

    Wagtail's base policy derives the other questions (any of several actions,
    users with one action) from these two.
    """

    def __init__(self, model, actions=None):
        super().__init__(model)
        self.actions = actions

    def user_has_permission(self, user, action):
        allowed = self.actions is None or action in self.actions
        return allowed and user.is_active and user.is_superuser

    def users_with_any_permission(self, actions):
        if self.actions is not None and not set(actions) & set(self.actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


class SubscriptionViewSet(ModelViewSet):
    model = WebhookSubscription
    icon = "link-external"
    menu_label = _("Subscriptions")
    form_fields = [
        "url",
        "secret",
        "on_published",
        "on_updated",
        "on_removed",
        "active",
    ]
    list_display = ["url", "active", "on_published", "on_updated", "on_removed"]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, **kwargs)


class DeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "mail"
    menu_label = _("Deliveries")
    form_fields = []
    list_display = [
        "__str__",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    list_filter = ["event", "subscription"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "subscription",
        "event",
        "body",
        "created_at",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "given_up_at",
        "last_error",
    ]


class AttemptViewSet(ModelViewSet):
    model = WebhookAttempt
    icon = "history"
    menu_label = _("Attempts")
    form_fields = []
    list_display = ["delivery", "at", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]


register_permission_policy(WebhookSubscription, SuperuserPolicy(WebhookSubscription))
register_permission_policy(
    WebhookDelivery, SuperuserPolicy(WebhookDelivery, actions=["view", "delete"])
)
register_permission_policy(
    WebhookAttempt, SuperuserPolicy(WebhookAttempt, actions=["view"])
)


class WebhooksGroup(ViewSetGroup):
    menu_label = _("Webhooks")
    menu_icon = "link-external"
    items = (SubscriptionViewSet, DeliveryViewSet, AttemptViewSet)


webhooks_viewset_group = WebhooksGroup()
