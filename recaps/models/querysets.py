"""Querysets that define what readers, the API and feeds may see."""

from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import PageManager
from wagtail.query import PageQuerySet

from .sections import EPOCH, RecapSection


class RecapPageQuerySet(PageQuerySet):
    def published(self):
        """Editions anyone may see: live, public, not scheduled, not expired.

        ``live()`` alone is not enough: a page whose expiry date has passed stays
        live until ``publish_scheduled`` runs, and a page may carry a future
        go-live date.
        """
        return self.live().public().current()

    def current(self):
        """Editions whose schedule includes this instant: go-live date passed (or
        none), expiry date ahead (or none)."""
        now = timezone.now()
        return self.filter(
            models.Q(go_live_at__isnull=True) | models.Q(go_live_at__lte=now)
        ).filter(models.Q(expire_at__isnull=True) | models.Q(expire_at__gt=now))

    def with_first_section_text(self):
        """Annotate ``first_section_plain_text`` (section index), read by
        :meth:`RecapPage.first_section_text`: one subquery, no query per row."""
        first = (
            RecapSection.objects.filter(edition=models.OuterRef("pk"))
            .order_by("position")
            .values("text")[:1]
        )
        return self.annotate(first_section_plain_text=models.Subquery(first))

    def with_updated_at(self):
        """Annotate ``updated_at``: when the public representation last changed
        (``public_updated_at``), or the go-live instant when that is later."""
        epoch = models.Value(EPOCH)
        return self.annotate(
            updated_at=Greatest(
                Coalesce("public_updated_at", epoch),
                Coalesce("go_live_at", epoch),
                output_field=models.DateTimeField(),
            )
        )

    def with_section_types(self, kinds):
        """Editions holding a section of every type in ``kinds`` (section index)."""
        queryset = self
        for kind in dict.fromkeys(kinds):
            queryset = queryset.filter(
                pk__in=RecapSection.objects.filter(type=kind).values("edition_id")
            )
        return queryset


RecapPageManager = PageManager.from_queryset(RecapPageQuerySet)
