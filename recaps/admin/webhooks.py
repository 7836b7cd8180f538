"""The “Webhooks” admin: subscriptions, deliveries and attempts.

Administrators (superusers) manage everything. Users with the
``recaps.monitor_webhooks`` permission (the moderators: see
:mod:`recaps.admin.moderation`) follow the webhooks: they see the endpoints
(with their latest error, never their secret), the deliveries (filtered by
status) and the attempts, “redeliver” a delivery and “send a test event” to an
endpoint (:func:`recaps.webhooks.redeliver`, :func:`recaps.webhooks.send_test`);
the dashboard warns them when an endpoint has been failing for more than an hour
(:class:`FailingWebhooksPanel`). Other editors see none of it.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import MenuItem
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from ..models.webhooks import DELIVERY_STATUS_LABELS, DELIVERY_STATUSES
from ..webhooks import NewerEventExists, redeliver, send_test

#: The permission of those who follow the webhooks without managing them.
MONITOR_PERMISSION = "recaps.monitor_webhooks"


class WebhookPolicy(BasePermissionPolicy):
    """Superusers may do ``actions`` (all by default); active users with
    :data:`MONITOR_PERMISSION` may do ``monitor_actions``.

    Wagtail's base policy derives the other questions (any of several actions,
    users with one action) from these two.
    """

    def __init__(self, model, actions=None, monitor_actions=()):
        super().__init__(model)
        self.actions = actions
        self.monitor_actions = set(monitor_actions)

    def _allowed(self, action):
        return self.actions is None or action in self.actions

    def user_has_permission(self, user, action):
        if not self._allowed(action) or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return action in self.monitor_actions and user.has_perm(MONITOR_PERMISSION)

    def users_with_any_permission(self, actions):
        actions = {action for action in actions if self._allowed(action)}
        if not actions:
            return get_user_model().objects.none()
        who = Q(is_superuser=True)
        if actions & self.monitor_actions:
            app_label, codename = MONITOR_PERMISSION.split(".")
            granted = Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            ) | Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            who |= granted
        return get_user_model().objects.filter(who, is_active=True).distinct()


subscription_policy = WebhookPolicy(
    WebhookSubscription, monitor_actions=["view", "test"]
)
delivery_policy = WebhookPolicy(
    WebhookDelivery,
    actions=["view", "delete", "redeliver"],
    monitor_actions=["view", "redeliver"],
)
attempt_policy = WebhookPolicy(
    WebhookAttempt, actions=["view"], monitor_actions=["view"]
)


class WebhookActionView(
    PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView
):
    """Confirm (GET) then perform (POST) one action on one object, for users
    whose policy allows ``permission_required``."""

    template_name = "recaps/admin/webhook_action.html"
    model = None
    index_url_name = None
    header_icon = "link-external"
    question = ""
    button_label = ""

    def setup(self, request, *args, pk, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(self.model, pk=pk)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object=self.object,
            question=self.question,
            button_label=self.button_label,
            cancel_url=reverse(self.index_url_name),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        return self.perform()


class RedeliverView(WebhookActionView):
    model = WebhookDelivery
    permission_policy = delivery_policy
    permission_required = "redeliver"
    header_icon = "mail"
    page_title = gettext_lazy("Redeliver")
    question = gettext_lazy(
        "Send this event again now, signed anew, as a new delivery? A receiver "
        "that already applied it ignores it (same version)."
    )
    button_label = gettext_lazy("Redeliver")

    def perform(self):
        try:
            sent = redeliver(self.object)
        except NewerEventExists:
            messages.error(
                self.request,
                _(
                    "A newer event about this edition exists for this webhook: "
                    "redeliver that one instead, an older one would overtake it."
                ),
            )
            return redirect(self.index_url_name)
        report(self.request, sent)
        return redirect(
            reverse(self.index_url_name)
            + "?"
            + urlencode({"subscription": sent.subscription_id})
        )


class SendTestView(WebhookActionView):
    model = WebhookSubscription
    permission_policy = subscription_policy
    permission_required = "test"
    page_title = gettext_lazy("Send a test event")
    question = gettext_lazy(
        "Send a signed “ping” event to this address now? It goes through the "
        "same delivery path as the other events and is logged."
    )
    button_label = gettext_lazy("Send a test event")
    deliveries_url_name = None

    def perform(self):
        sent = send_test(self.object)
        report(self.request, sent)
        return redirect(
            reverse(self.deliveries_url_name)
            + "?"
            + urlencode({"subscription": self.object.pk})
        )


def report(request, delivery):
    """A message saying how the attempt went."""
    if delivery.delivered_at:
        messages.success(
            request, _("Delivered to %(url)s.") % {"url": delivery.subscription}
        )
    elif delivery.last_error:
        messages.error(
            request,
            _("Delivery failed: %(error)s. It will be retried.")
            % {"error": delivery.last_error},
        )
    else:
        messages.info(request, _("The delivery is being sent by the worker."))


class ActionIndexView(IndexView):
    """An index whose rows offer the viewset's ``row_actions`` (MenuItems to
    the action views), to users whose policy allows them."""

    row_actions = ()

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for action, label, icon in self.row_actions:
            if self.permission_policy.user_has_permission(self.request.user, action):
                url = reverse(
                    f"{self.model._meta.model_name}:{action}", args=[instance.pk]
                )
                buttons.append(MenuItem(label, url=url, icon_name=icon, priority=5))
        return buttons


class SubscriptionIndexView(ActionIndexView):
    row_actions = [("test", gettext_lazy("Send a test event"), "mail")]

    def get_base_queryset(self):
        return super().get_base_queryset().with_health()


class SubscriptionViewSet(ModelViewSet):
    model = WebhookSubscription
    icon = "link-external"
    menu_label = gettext_lazy("Subscriptions")
    index_view_class = SubscriptionIndexView
    form_fields = [
        "url",
        "secret",
        "on_published",
        "on_updated",
        "on_removed",
        "active",
    ]
    list_display = [
        "url",
        *(
            BooleanColumn(
                name,
                label=capfirst(WebhookSubscription._meta.get_field(name).verbose_name),
            )
            for name in ("active", "on_published", "on_updated", "on_removed")
        ),
        Column("last_error", label=capfirst(gettext_lazy("last error"))),
        DateColumn("last_error_at", label=capfirst(gettext_lazy("last error at"))),
        DateColumn("failing_since", label=capfirst(gettext_lazy("failing since"))),
    ]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, **kwargs)

    def get_urlpatterns(self):
        view = self.construct_view(
            SendTestView,
            index_url_name=self.get_url_name("index"),
            deliveries_url_name="webhookdelivery:index",
            header_icon=self.icon,
        )
        return [*super().get_urlpatterns(), path("test/<int:pk>/", view, name="test")]


class DeliveryFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"),
        choices=list(DELIVERY_STATUS_LABELS.items()),
        method="filter_status",
    )

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event", "subscription"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(DELIVERY_STATUSES[value])


class DeliveryIndexView(ActionIndexView):
    row_actions = [("redeliver", gettext_lazy("Redeliver"), "redo")]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("subscription")


class DeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "mail"
    menu_label = gettext_lazy("Deliveries")
    index_view_class = DeliveryIndexView
    filterset_class = DeliveryFilterSet
    form_fields = []
    list_display = [
        "__str__",
        Column("status", label=capfirst(gettext_lazy("status"))),
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    inspect_view_enabled = True
    inspect_view_fields = [
        "subscription",
        "event",
        "status",
        "body",
        "created_at",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "given_up_at",
        "superseded_at",
        "last_error",
    ]

    def get_urlpatterns(self):
        view = self.construct_view(
            RedeliverView, index_url_name=self.get_url_name("index")
        )
        return [
            *super().get_urlpatterns(),
            path("redeliver/<int:pk>/", view, name="redeliver"),
        ]


class AttemptViewSet(ModelViewSet):
    model = WebhookAttempt
    icon = "history"
    menu_label = gettext_lazy("Attempts")
    form_fields = []
    list_display = ["delivery", "at", "status_code", "error", "duration_ms"]
    list_filter = ["status_code"]


register_permission_policy(WebhookSubscription, subscription_policy)
register_permission_policy(WebhookDelivery, delivery_policy)
register_permission_policy(WebhookAttempt, attempt_policy)


class WebhooksGroup(ViewSetGroup):
    menu_label = gettext_lazy("Webhooks")
    menu_icon = "link-external"
    items = (SubscriptionViewSet, DeliveryViewSet, AttemptViewSet)


webhooks_viewset_group = WebhooksGroup()


class FailingWebhooksPanel(Component):
    """The dashboard notice: endpoints failing for more than an hour
    (:meth:`~recaps.models.webhooks.WebhookSubscriptionQuerySet.failing_for_long`)."""

    name = "failing_webhooks"
    template_name = "recaps/admin/failing_webhooks_panel.html"
    order = 50

    def __init__(self, subscriptions):
        self.subscriptions = subscriptions

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        failed = urlencode({"status": "failed"})
        context["subscriptions"] = [
            (
                subscription,
                reverse("webhookdelivery:index")
                + f"?{failed}&"
                + urlencode({"subscription": subscription.pk}),
            )
            for subscription in self.subscriptions
        ]
        return context


def failing_webhooks_panel(request, panels, now=None):
    """``construct_homepage_panels``: the notice, for those who follow the
    webhooks, when an endpoint has been failing for more than an hour."""
    if not subscription_policy.user_has_permission(request.user, "view"):
        return
    failing = list(WebhookSubscription.objects.failing_for_long(now or timezone.now()))
    if failing:
        panels.append(FailingWebhooksPanel(failing))
