"""The change feed: every edition that entered, changed in or left the public set.

Built from what Wagtail already records, with no bookkeeping of its own:

- existing editions: their publication data (``live``, view restrictions,
  ``go_live_at``, ``expire_at``: :meth:`RecapPageQuerySet.published`) and
  ``public_updated_at``, the instant their public representation last changed,
  maintained with the section index (:func:`recaps.sections.refresh_public_state`);
  an edition appears at the latest of that instant, its go-live instant and its
  expiry instant once passed (expiry has no log entry until ``publish_scheduled``
  runs, a passed go-live instant none at all);
- deleted editions: Wagtail's page log (``PageLogEntry``, action
  ``wagtail.delete``, whose data gets the edition's ``translation_key`` when it
  is deleted, see :mod:`recaps.signal_handlers`);
- ``published`` or ``updated``: the page log's publications and unpublications
  of the edition, compared with the cursor.

Each edition appears once, at its latest change, oldest first; the position
``(at, id)`` is the cursor. Its ``version`` (:func:`version`) is that instant in
microseconds: a later change of an edition always has a larger version, in the
feed and in webhooks alike. Entries of editions that are not public now say
``removed`` and carry nothing but their id and uuid.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import PageLogEntry

from .filters import LATEST
from .models import RecapPage
from .models.querysets import EPOCH
from .models.sections import version

PUBLISHED, UPDATED, REMOVED = "published", "updated", "removed"
PUBLISH_ACTIONS = ("wagtail.publish", "wagtail.publish.scheduled")
UNPUBLISH_ACTIONS = ("wagtail.unpublish", "wagtail.unpublish.scheduled")
DELETE_ACTION = "wagtail.delete"
#: Key of the edition's uuid in the data of its ``wagtail.delete`` log entry.
UUID_KEY = "translation_key"
MAX_ID = 2**31 - 1
#: A cursor: microseconds since :data:`EPOCH`, a dash, an edition id.
CURSOR_PATTERN = r"([0-9]{1,20})-([0-9]{1,10})"
_CURSOR = re.compile(CURSOR_PATTERN)


def settle_seconds():
    """``RECAPS_CHANGES_SETTLE_SECONDS`` (30): how long a change may take to be
    committed. The ``next`` cursor of the last page never passes that far behind
    now, so a change written by a longer transaction is still listed (twice at
    worst: clients apply entries idempotently)."""
    return max(int(getattr(settings, "RECAPS_CHANGES_SETTLE_SECONDS", 30)), 0)


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry stands in the feed: its instant, then the edition id."""

    at: datetime.datetime
    id: int = 0

    def cursor(self):
        return f"{version(self.at)}-{self.id}"

    @classmethod
    def from_cursor(cls, text):
        """The position of a cursor, or ``None`` when it is not one; a cursor
        beyond the last instant Python represents stands at that instant
        (nothing comes after either)."""
        match = _CURSOR.fullmatch(text.strip())
        if not match:
            return None
        try:
            at = EPOCH + datetime.timedelta(microseconds=int(match[1]))
        except OverflowError:
            at = LATEST
        return cls(at, int(match[2]))


START = Position(EPOCH, 0)


@dataclass
class Change:
    id: int
    uuid: str
    action: str
    at: datetime.datetime
    page: RecapPage | None = None

    @property
    def position(self):
        return Position(self.at, self.id)

    @property
    def version(self):
        return version(self.at)


def _after(position, at_field, id_field):
    return models.Q(**{f"{at_field}__gt": position.at}) | models.Q(
        **{at_field: position.at, f"{id_field}__gt": position.id}
    )


def _existing(since, now, limit):
    """Editions (not deleted) that were ever public, changed after ``since``."""
    epoch = models.Value(EPOCH)
    passed = {
        name: models.Case(
            models.When(**{f"{name}__lte": now}, then=name),
            default=epoch,
            output_field=models.DateTimeField(),
        )
        for name in ("go_live_at", "expire_at")
    }
    pages = (
        RecapPage.objects.filter(public_updated_at__isnull=False)
        .annotate(
            changed_at=Greatest(
                Coalesce("public_updated_at", epoch),
                passed["go_live_at"],
                passed["expire_at"],
                output_field=models.DateTimeField(),
            )
        )
        .filter(_after(since, "changed_at", "pk"))
        .order_by("changed_at", "pk")
        .defer("body", "intro")[:limit]
    )
    return [
        Change(page.pk, str(page.translation_key), "", page.changed_at, page)
        for page in pages
    ]


def _deleted(since, limit):
    """Editions deleted after ``since`` that had been public (their log entry
    carries their uuid)."""
    entries = (
        PageLogEntry.objects.filter(
            action=DELETE_ACTION,
            content_type=ContentType.objects.get_for_model(RecapPage),
            data__has_key=UUID_KEY,
        )
        .filter(_after(since, "timestamp", "page_id"))
        # A restored archive brings deleted editions back under their ids.
        .exclude(page_id__in=RecapPage.objects.values("pk"))
        .order_by("timestamp", "page_id")
        .values_list("page_id", "data", "timestamp")[:limit]
    )
    return [
        Change(page_id, str(data[UUID_KEY]), REMOVED, timestamp)
        for page_id, data, timestamp in entries
    ]


def _actions(changes, since):
    """Fill in the action of each existing edition's entry: ``removed`` unless
    public now; ``updated`` when the page log shows it public at the cursor
    (last publication before it not followed by an unpublication, go-live
    passed), ``published`` otherwise. View restrictions and expiry dates at the
    cursor's instant are not replayed: clients apply both actions alike."""
    pages = [change for change in changes if change.page is not None]
    ids = [change.id for change in pages]
    public = set(
        RecapPage.objects.published().filter(pk__in=ids).values_list("pk", flat=True)
    )
    before = models.Q(timestamp__lte=since.at)
    history = {
        row["page_id"]: row
        for row in PageLogEntry.objects.filter(
            page_id__in=ids,
            action__in=[
                *PUBLISH_ACTIONS,
                *UNPUBLISH_ACTIONS,
            ],
        )
        .values("page_id")
        .annotate(
            published=models.Max(
                "timestamp", filter=before & models.Q(action__in=PUBLISH_ACTIONS)
            ),
            unpublished=models.Max(
                "timestamp", filter=before & models.Q(action__in=UNPUBLISH_ACTIONS)
            ),
        )
        .order_by()
    }
    for change in pages:
        if change.id not in public:
            change.action = REMOVED
            continue
        row = history.get(change.id, {})
        published, unpublished = row.get("published"), row.get("unpublished")
        go_live = change.page.go_live_at
        was_public = (
            published is not None
            and (unpublished is None or unpublished < published)
            and (go_live is None or go_live <= since.at)
        )
        change.action = UPDATED if was_public else PUBLISHED


def changes_since(since=START, limit=100, now=None):
    """``(changes, next_position, has_more)``: at most ``limit`` entries after
    ``since``, oldest first, and the position to ask from next."""
    now = now or timezone.now()
    found = sorted(
        _existing(since, now, limit + 1) + _deleted(since, limit + 1),
        key=lambda change: change.position,
    )
    has_more = len(found) > limit
    changes = found[:limit]
    _actions(changes, since)
    if has_more:
        following = changes[-1].position
    else:
        settled = Position(now - datetime.timedelta(seconds=settle_seconds()), MAX_ID)
        last = changes[-1].position if changes else settled
        following = max(since, min(last, settled))
    return changes, following, has_more
