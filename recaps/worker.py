"""The worker (``manage.py run_worker``): schedules and webhooks without cron.

Every ``RECAPS_WORKER_INTERVAL`` seconds (10) the worker holding the lease runs
Wagtail's ``publish_scheduled`` (pages whose go-live or expiry instant passed;
their webhooks are written by the usual signals) and then sends the due webhooks
(:func:`recaps.webhooks.deliver_due`), so both happen within one interval of
their instant.

One at a time, even if two are started: the lease is one row
(:class:`~recaps.models.WorkerLease`) taken or renewed by one conditional
``UPDATE`` (``holder = me OR expired``), atomic on PostgreSQL and SQLite alike
and held by no open transaction, so no lock spans a webhook's POST and SQLite
never sees a long write transaction. The holder renews it before each step and
each delivery; another worker takes it over only once it is
:func:`lease_seconds` old (the holder crashed or hangs). Each delivery is also
claimed on its own (:func:`recaps.webhooks._claim`), so even two senders past
the lease never POST one twice.
"""

import datetime
import io
import os
import socket
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from .models import WorkerLease
from .webhooks import claim_seconds, deliver_due

LEASE = "run_worker"


def interval_seconds():
    """``RECAPS_WORKER_INTERVAL`` (10): seconds between two rounds."""
    return max(float(getattr(settings, "RECAPS_WORKER_INTERVAL", 10)), 0.1)


def lease_seconds():
    """How long a lease lasts unrenewed: longer than a round's longest step
    (one webhook attempt, or ``publish_scheduled``) plus the pause between
    rounds."""
    return interval_seconds() + claim_seconds() + 60


def holder_name():
    """Names this worker in the lease row: host, process, a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(holder, now=None):
    """Take or renew the lease for ``holder``: ``True`` if it holds it now."""
    now = now or timezone.now()
    WorkerLease.objects.bulk_create([WorkerLease(name=LEASE)], ignore_conflicts=True)
    until = now + datetime.timedelta(seconds=lease_seconds())
    free = Q(holder=holder) | Q(expires_at__isnull=True) | Q(expires_at__lte=now)
    taken = WorkerLease.objects.filter(free, name=LEASE).update(
        holder=holder, expires_at=until
    )
    return taken == 1


def release(holder):
    """Give the lease up (a stopped worker lets the next one start at once)."""
    WorkerLease.objects.filter(name=LEASE, holder=holder).update(
        holder="", expires_at=None
    )


def current_holder():
    """The lease row, or ``None`` before any worker ran."""
    return WorkerLease.objects.filter(name=LEASE).first()


def run_once(holder, limit=100):
    """One round if ``holder`` holds or takes the lease: ``None`` when another
    worker holds it, else ``(publish_scheduled output, deliveries attempted)``."""
    if not acquire(holder):
        return None
    output = io.StringIO()
    call_command("publish_scheduled", stdout=output)
    deliveries = deliver_due(limit=limit, before_each=lambda: acquire(holder))
    return output.getvalue(), deliveries
