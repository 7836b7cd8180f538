"""The “Webhooks” admin: administrators only, in French, attempts visible."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from recaps.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(db):
    subscription = WebhookSubscription.objects.create(
        url="https://ressources.example.org/hooks", secret="abc"
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="recap.removed",
        body='{"id": 1}',
        next_attempt_at="2030-01-01T00:00:00Z",
        attempts=1,
        last_error="HTTP 500",
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, error="HTTP 500")
    return delivery


def test_administrators_manage_subscriptions_and_see_attempts(
    admin_client, delivery, dns
):
    dns.names["autre.example.org"] = ["93.184.215.14"]
    index = admin_client.get(reverse("webhooksubscription:index"))
    assert index.status_code == 200
    assert "ressources.example.org" in index.content.decode()
    response = admin_client.post(
        reverse("webhooksubscription:add"),
        {
            "url": "https://autre.example.org/recaps",
            "secret": "partagé",
            "on_removed": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    created = WebhookSubscription.objects.get(url="https://autre.example.org/recaps")
    assert created.events == ["recap.removed"]
    deliveries = admin_client.get(reverse("webhookdelivery:index")).content.decode()
    assert "recap.removed" in deliveries and "HTTP 500" in deliveries
    inspect = admin_client.get(reverse("webhookdelivery:inspect", args=[delivery.pk]))
    assert inspect.status_code == 200
    attempts = admin_client.get(reverse("webhookattempt:index")).content.decode()
    assert "HTTP 500" in attempts
    # French, and read-only deliveries and attempts.
    assert "Tentatives" in attempts
    add = admin_client.get(reverse("webhookdelivery:add"))
    assert add.status_code == 302 and add["Location"] == "/admin/"
    edit = admin_client.get(reverse("webhookdelivery:edit", args=[delivery.pk]))
    assert edit.status_code == 302


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1:5432/", "réseau privé, local ou réservé"),
        ("https://interne.example.org/hooks", "réseau privé, local ou réservé"),
        ("http://autre.example.org/hooks", "Utilisez une adresse https://"),
        ("https://autre.example.org@127.0.0.1/", "ni nom d’utilisateur"),
    ],
)
def test_internal_and_plain_http_addresses_are_refused_in_french(
    admin_client, dns, url, message
):
    dns.names["interne.example.org"] = ["10.0.0.7"]
    dns.names["autre.example.org"] = ["93.184.215.14"]
    response = admin_client.post(
        reverse("webhooksubscription:add"),
        {"url": url, "secret": "partagé", "on_removed": "on", "active": "on"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_editors_have_no_access(django_user_model, delivery):
    editor = django_user_model.objects.create_user("redac", password="x")  # noqa: S106
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="recaps"),
    )
    editor.groups.add(group)
    client = Client()
    client.force_login(editor)
    for name in ("webhooksubscription", "webhookdelivery", "webhookattempt"):
        response = client.get(reverse(f"{name}:index"))
        assert response.status_code in (302, 403), name
    menu = client.get("/admin/").content.decode()
    assert "Webhooks" not in menu
