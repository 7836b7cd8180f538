"""``manage.py run_worker`` (:mod:`recaps.worker`): schedules and webhooks
without cron, one worker at a time."""

import datetime
import io
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from recaps import worker
from recaps.models import RecapPage, WebhookDelivery, WebhookSubscription
from recaps.webhooks import deliver_due
from tests.test_webhooks import SECRET, Receiver, edition

pytestmark = pytest.mark.django_db

START = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def local_receivers(settings):
    settings.RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    settings.RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def run_worker(*args):
    out = io.StringIO()
    call_command("run_worker", "--once", *args, stdout=out)
    return out.getvalue()


def scheduled(make_edition):
    """An edition published for go-live one hour after START."""
    page = edition(make_edition, publish=False)
    page = RecapPage.objects.get(pk=page.pk)
    page.go_live_at = START + datetime.timedelta(hours=1)
    page.save_revision().publish()
    return page


def test_once_publishes_scheduled_pages_and_sends_their_webhooks(
    client, receiver, series, make_edition
):
    with time_machine.travel(START, tick=False) as clock:
        WebhookSubscription.objects.create(url=receiver.url, secret=SECRET)
        page = scheduled(make_edition)
        run_worker()
        assert receiver.received == []  # not yet
        clock.shift(datetime.timedelta(hours=1, seconds=1))
        out = run_worker()
        assert RecapPage.objects.get(pk=page.pk).live
        assert client.get(f"/api/v1/recaps/{page.pk}/").status_code == 200
    assert [got["event"] for got in receiver.received] == ["recap.published"]
    assert "Webhooks : 1 envoyés, 0 en échec." in out
    assert WebhookDelivery.objects.get().delivered_at


def test_a_second_worker_waits_for_the_lease(receiver, series, make_edition):
    WebhookSubscription.objects.create(url=receiver.url, secret=SECRET)
    with time_machine.travel(START, tick=False) as clock:
        assert worker.acquire("first")
        edition(make_edition)
        out = run_worker()
        assert "first" in out
        assert receiver.received == []
        assert WebhookDelivery.objects.get().delivered_at is None
        # The first one stops renewing (crashed): the lease passes on.
        clock.shift(datetime.timedelta(seconds=worker.lease_seconds() + 1))
        run_worker()
    assert len(receiver.received) == 1


def test_the_lease_is_held_by_one_renewed_and_released():
    now = START
    assert worker.acquire("a", now)
    assert not worker.acquire("b", now)
    later = now + datetime.timedelta(seconds=worker.lease_seconds() - 1)
    assert worker.acquire("a", later)  # renewed
    assert not worker.acquire("b", later + datetime.timedelta(seconds=2))
    worker.release("a")
    assert worker.acquire("b", later)
    assert worker.current_holder().holder == "b"


def test_a_bad_interval_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="intervalle"):
        call_command("run_worker", "--once", "--interval", "0", stdout=io.StringIO())


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads with their own connections need a server database",
)


def in_threads(count, target):
    """Run ``target(i)`` in ``count`` threads started together, each with its
    own database connection; their results."""
    from django.db import connections

    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_on_postgresql(receiver, series, make_edition):
    WebhookSubscription.objects.create(url=receiver.url, secret=SECRET)
    for number in range(1, 6):
        edition(make_edition, number)
    results = in_threads(2, lambda i: worker.run_once(f"worker-{i}"))
    assert sum(result is not None for result in results) == 1
    ids = [int(got["json"]["id"]) for got in receiver.received]
    assert len(ids) == 5 and len(set(ids)) == 5


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_on_postgresql(receiver, series, make_edition):
    WebhookSubscription.objects.create(url=receiver.url, secret=SECRET)
    for number in range(1, 9):
        edition(make_edition, number)
    in_threads(3, lambda i: deliver_due())
    ids = [int(got["json"]["id"]) for got in receiver.received]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert WebhookDelivery.objects.filter(attempts=1).count() == 8
