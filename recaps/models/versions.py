"""The content version: one number that changes whenever what readers see may.

Response caches key their entries by it and HTTP validators derive from it, so
nothing is served stale: every publication, unpublication, move, deletion,
privacy change and theme change bumps it (see :mod:`recaps.signal_handlers`),
in the same transaction as the change. Go-live and expiry dates change what is
public without any write: the row keeps the next such instant, and the first
request after it bumps the version.
"""

from datetime import UTC

from django.db import (
    InterfaceError,
    OperationalError,
    connections,
    models,
    router,
    transaction,
)
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .edition import RecapPage

SINGLETON = 1


class ContentVersion(models.Model):
    """A single row: the version of the public content and when it changed."""

    number = models.PositiveBigIntegerField(_("number"), default=1)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    shared_changed_at = models.DateTimeField(
        _("shared content changed at"),
        default=timezone.now,
        help_text=_(
            "Last change that may alter more than one edition's page (neighbours, "
            "theme names, series): per-edition validators never go below it."
        ),
    )
    next_boundary_at = models.DateTimeField(
        _("next scheduled change"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("content version")
        verbose_name_plural = _("content versions")

    def __str__(self):
        return f"v{self.number}"

    @classmethod
    def current(cls):
        """The version now; bumped first if a go-live or expiry time has passed.

        Every public response asks for it, cache hits and ``304`` answers
        included, so the row is read with one plain SQL statement: building an
        ORM query would cost more than running it.
        """
        version = cls._read()
        if version is None:
            version = cls.bump()
        elif version.next_boundary_at and version.next_boundary_at <= timezone.now():
            # What is public changed at that instant, not at this request.
            version = cls.bump(at=version.next_boundary_at)
        return version

    @classmethod
    def _read(cls):
        """The singleton row, or ``None``, without building an ORM query.

        It is the first query of every public response, so it stands in for
        Django's health check of a persistent connection (``CONN_HEALTH_CHECKS``,
        a ``SELECT 1`` round trip before the first query of each request): if
        the connection turns out dead, it is closed and the read runs once more
        on a new one, as the health check would have done.
        """
        connection = connections[router.db_for_read(cls)]
        sql = _READ_SQL.get(connection.vendor) or _read_sql(connection)
        check = (
            connection.connection is not None
            and connection.health_check_enabled
            and not connection.health_check_done
            and not connection.in_atomic_block
        )
        try:
            if check:
                connection.health_check_done = True
            row = cls._fetch(connection, sql)
        except (OperationalError, InterfaceError):
            if not check:
                raise
            connection.close()
            row = cls._fetch(connection, sql)
        if row is None:
            return None
        number, *stamps = row
        return cls(SINGLETON, number, *(_aware(stamp) for stamp in stamps))

    @staticmethod
    def _fetch(connection, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()

    @classmethod
    def reschedule(cls):
        """Recompute the next go-live or expiry instant (dates were edited)."""
        if not cls.objects.filter(pk=SINGLETON).update(
            next_boundary_at=next_boundary(timezone.now())
        ):
            cls.bump()

    @classmethod
    def bump(cls, shared=True, at=None):
        """Start a new version (``shared=False``: only one edition changed).

        ``at`` is when the change happened (default: now).
        """
        now = at or timezone.now()
        changes = {
            "number": F("number") + 1,
            "changed_at": now,
            "next_boundary_at": next_boundary(timezone.now()),
        }
        if shared:
            changes["shared_changed_at"] = now
        with transaction.atomic():
            if not cls.objects.filter(pk=SINGLETON).update(**changes):
                cls.objects.get_or_create(
                    pk=SINGLETON,
                    defaults={
                        "changed_at": now,
                        "shared_changed_at": now,
                        "next_boundary_at": changes["next_boundary_at"],
                    },
                )
        return cls.objects.get(pk=SINGLETON)


_READ_SQL = {}
_COLUMNS = ("number", "changed_at", "shared_changed_at", "next_boundary_at")


def _read_sql(connection):
    """``SELECT`` of the singleton row for this database, built once per vendor."""
    quote = connection.ops.quote_name
    meta = ContentVersion._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in _COLUMNS)
    # Names from the model, quoted; no outside input.
    table, key = quote(meta.db_table), quote(meta.pk.column)
    sql = f"SELECT {columns} FROM {table} WHERE {key} = {SINGLETON}"  # noqa: S608
    _READ_SQL[connection.vendor] = sql
    return sql


def _aware(stamp):
    """A timestamp as the ORM gives it: aware (SQLite hands back naive UTC)."""
    if stamp is None or timezone.is_aware(stamp):
        return stamp
    return stamp.replace(tzinfo=UTC)


def next_boundary(now):
    """The next instant at which an edition goes live or expires by itself."""
    stamps = RecapPage.objects.order_by().aggregate(
        go_live=Min("go_live_at", filter=Q(go_live_at__gt=now, live=True)),
        expire=Min("expire_at", filter=Q(expire_at__gt=now, live=True)),
    )
    return min((stamp for stamp in stamps.values() if stamp), default=None)
