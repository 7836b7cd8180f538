"""The “Webhooks” admin: administrators manage, moderators follow (status
filter, last error, redeliver, test event, dashboard notice), editors see
nothing; in French."""

import datetime
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaps.admin.moderation import setup_moderation
from recaps.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.test_webhooks import SECRET, Receiver

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
        *Permission.objects.filter(content_type__app_label="recaps").exclude(
            codename="monitor_webhooks"
        ),
    )
    editor.groups.add(group)
    client = Client()
    client.force_login(editor)
    for name in ("webhooksubscription", "webhookdelivery", "webhookattempt"):
        response = client.get(reverse(f"{name}:index"))
        assert response.status_code in (302, 403), name
    menu = client.get("/admin/").content.decode()
    assert "Webhooks" not in menu


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1 over plain http (allowed for it)."""
    settings.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def team(series):
    """Clients of a moderator and of an editor, from ``setup_moderation``."""
    editors, moderators, _workflow = setup_moderation(series)
    users = get_user_model().objects
    clients = {}
    for name, group in (("moderator", moderators), ("editor", editors)):
        user = users.create_user(name, password="x")  # noqa: S106
        user.groups.add(group)
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def webhook(url="https://ressources.example.org/hooks", **fields):
    return WebhookSubscription.objects.create(url=url, secret=SECRET, **fields)


def delivery_of(subscription, edition_id=7, version=1, **fields):
    body = {"event": "recap.updated", "id": edition_id, "version": version}
    fields.setdefault("next_attempt_at", timezone.now())
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event="recap.updated",
        edition_id=edition_id,
        version=version,
        body=json.dumps(body),
        **fields,
    )


def failed_attempt(delivery, at, error="réponse HTTP 500"):
    attempt = WebhookAttempt.objects.create(
        delivery=delivery, status_code=500, error=error
    )
    WebhookAttempt.objects.filter(pk=attempt.pk).update(at=at)  # auto_now_add
    return attempt


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_moderators_follow_webhooks_in_french_without_the_secret(team, delivery):
    moderator = team["moderator"]
    subscription = delivery.subscription
    failed_attempt(delivery, timezone.now(), error="réponse HTTP 503")
    menu = moderator.get("/admin/").content.decode()
    assert "Webhooks" in menu
    endpoints = moderator.get(reverse("webhooksubscription:index"))
    assert endpoints.status_code == 200
    html = endpoints.content.decode()
    assert "ressources.example.org" in html
    assert "Dernière erreur" in html and "réponse HTTP 503" in html
    assert "En échec depuis" in html
    assert subscription.secret not in html
    assert reverse("webhooksubscription:test", args=[subscription.pk]) in html
    deliveries = moderator.get(reverse("webhookdelivery:index")).content.decode()
    assert "Statut" in deliveries and ">Status<" not in deliveries
    assert "en échec" in deliveries
    assert reverse("webhookdelivery:redeliver", args=[delivery.pk]) in deliveries
    assert moderator.get(reverse("webhookattempt:index")).status_code == 200
    # Following is not managing: no edit, no add, no delete.
    for url in (
        reverse("webhooksubscription:edit", args=[subscription.pk]),
        reverse("webhooksubscription:add"),
        reverse("webhookdelivery:delete", args=[delivery.pk]),
    ):
        assert moderator.get(url).status_code in (302, 403), url


def test_editors_without_the_permission_see_and_do_nothing(team, delivery, receiver):
    editor = team["editor"]
    delivery.subscription.url = receiver.url
    delivery.subscription.save()
    failed_attempt(delivery, timezone.now() - datetime.timedelta(hours=3))
    urls = [
        reverse("webhooksubscription:index"),
        reverse("webhookdelivery:index"),
        reverse("webhookattempt:index"),
        reverse("webhookdelivery:redeliver", args=[delivery.pk]),
        reverse("webhooksubscription:test", args=[delivery.subscription.pk]),
    ]
    for url in urls:
        assert editor.get(url).status_code in (302, 403), url
    for url in urls[3:]:
        assert editor.post(url).status_code in (302, 403), url
    home = editor.get("/admin/").content.decode()
    assert "Webhooks" not in home
    assert receiver.received == []
    assert WebhookDelivery.objects.count() == 1


def test_deliveries_are_filtered_by_status(admin_client):
    subscription = webhook()
    now = timezone.now()
    made = {
        "delivered": delivery_of(subscription, 1, delivered_at=now),
        "failed": delivery_of(subscription, 2, attempts=1, last_error="HTTP 500"),
        "given up": delivery_of(subscription, 3, given_up_at=now, last_error="x"),
        "pending": delivery_of(subscription, 4),
        "superseded": delivery_of(subscription, 5, superseded_at=now),
    }
    expected = {
        "delivered": {"delivered"},
        "failed": {"failed", "given up"},
        "pending": {"pending"},
        "superseded": {"superseded"},
    }
    index = reverse("webhookdelivery:index")
    form = admin_client.get(index).content.decode()
    for label in ("envoyé", "en échec", "en attente", "remplacé"):
        assert f">{label}</option>" in form
    for status, names in expected.items():
        html = admin_client.get(index, {"status": status}).content.decode()
        shown = {
            name
            for name, delivery in made.items()
            if reverse("webhookdelivery:inspect", args=[delivery.pk]) in html
        }
        assert shown == names, status


def test_redeliver_sends_a_new_signed_delivery_in_order(team, receiver):
    moderator = team["moderator"]
    subscription = webhook(receiver.url)
    older = delivery_of(subscription, version=1, attempts=2, last_error="HTTP 500")
    failed = delivery_of(subscription, version=2, attempts=9, last_error="HTTP 500")
    WebhookDelivery.objects.filter(pk=failed.pk).update(given_up_at=timezone.now())
    other_edition = delivery_of(subscription, edition_id=8, version=1)
    url = reverse("webhookdelivery:redeliver", args=[failed.pk])
    assert moderator.get(url).status_code == 200  # the confirmation
    # An older event never overtakes a newer one: refused, nothing sent.
    response = moderator.post(
        reverse("webhookdelivery:redeliver", args=[older.pk]), follow=True
    )
    assert "Un événement plus récent" in " ".join(messages_of(response))
    assert receiver.received == []

    response = moderator.post(url)
    assert response.status_code == 302
    assert messages_of(response) == [f"Envoyé à {receiver.url}."]
    [sent] = receiver.received
    assert sent["valid"] and sent["event"] == "recap.updated"
    assert sent["json"] == json.loads(failed.body)
    new = WebhookDelivery.objects.exclude(
        pk__in=[older.pk, failed.pk, other_edition.pk]
    ).get()
    assert new.delivered_at and new.attempts == 1 and new.version == 2
    assert new.attempt_log.get().status_code == 200
    older.refresh_from_db()
    failed.refresh_from_db()
    # The older pending one is superseded (never sent after the newer), and so
    # is the failed one redelivered; another edition's delivery is untouched.
    assert older.superseded_at and older.status_key == "superseded"
    assert failed.superseded_at and failed.attempt_log.count() == 0
    other_edition.refresh_from_db()
    assert other_edition.status_key == "pending"


def test_a_failed_redelivery_is_logged_and_retried(team, receiver):
    receiver.status = 502
    subscription = webhook(receiver.url)
    failed = delivery_of(subscription, attempts=3, last_error="HTTP 500")
    response = team["moderator"].post(
        reverse("webhookdelivery:redeliver", args=[failed.pk])
    )
    assert messages_of(response) == [
        "Échec de l’envoi : réponse HTTP 502. Il sera réessayé."
    ]
    new = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert new.status_key == "failed" and new.next_attempt_at > timezone.now()
    assert new.attempt_log.get().status_code == 502


def test_send_a_test_event_signed_and_logged(team, receiver):
    subscription = webhook(receiver.url, on_published=False)
    url = reverse("webhooksubscription:test", args=[subscription.pk])
    assert team["moderator"].get(url).status_code == 200
    response = team["moderator"].post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("webhookdelivery:index"))
    [sent] = receiver.received
    assert sent["valid"] and sent["age"] < 60
    assert sent["event"] == "ping" and sent["json"]["event"] == "ping"
    assert sent["json"]["webhook"] == subscription.pk
    delivery = WebhookDelivery.objects.get(event="ping")
    assert delivery.subscription == subscription and delivery.delivered_at
    assert delivery.attempt_log.get().status_code == 200


NOTICE = "Webhooks en échec depuis plus d’une heure"


@pytest.mark.parametrize(
    ("failing_for", "succeeded_before", "succeeded_since", "shown"),
    [
        (datetime.timedelta(minutes=59), True, False, False),
        (datetime.timedelta(minutes=61), True, False, True),
        (datetime.timedelta(minutes=61), False, False, True),  # never succeeded
        (datetime.timedelta(minutes=59), False, False, False),
        (datetime.timedelta(hours=5), True, True, False),
    ],
)
def test_the_dashboard_notice_after_an_hour_of_failures(
    team, admin_client, failing_for, succeeded_before, succeeded_since, shown
):
    # A fixed instant (recent, so that the logins' sessions stay valid).
    now = timezone.now().replace(microsecond=0)
    subscription = webhook()
    quiet = webhook("https://autre.example.org/hooks")
    delivery = delivery_of(subscription, attempts=3, last_error="HTTP 500")
    if succeeded_before:
        # A success long before, then failures: the streak starts at the first.
        ok = WebhookAttempt.objects.create(delivery=delivery, status_code=204)
        long_ago = now - datetime.timedelta(days=2)
        WebhookAttempt.objects.filter(pk=ok.pk).update(at=long_ago)
    failed_attempt(delivery, now - failing_for)
    failed_attempt(delivery, now - datetime.timedelta(minutes=1))
    if succeeded_since:
        late = WebhookAttempt.objects.create(delivery=delivery, status_code=200)
        WebhookAttempt.objects.filter(pk=late.pk).update(at=now)
    failing = WebhookSubscription.objects.failing_for_long(now)
    assert [s.pk for s in failing] == ([subscription.pk] if shown else [])
    with time_machine.travel(now, tick=False):
        for client in (team["moderator"], admin_client):
            home = client.get("/admin/").content.decode()
            assert (NOTICE in home) is shown
            assert (subscription.url in home) is shown
            assert quiet.url not in home
        assert NOTICE not in team["editor"].get("/admin/").content.decode()
