"""Write generated editions as real Wagtail pages, a batch at a time.

The pages are written by :class:`recaps.bulk_pages.BulkPageWriter` (what
``add_child()``, ``save_revision()`` and ``publish()`` would write, in a few
bulk queries per batch); each batch is then indexed (sections and search) and,
once at the end, the content version moves on.
"""

import datetime

from django.utils import timezone

from ..bulk_pages import BulkPageWriter, index_pages
from ..models import ContentVersion, RecapPageTag, Theme
from ..models.themes import normalise_theme_name
from .prepare import Preparer, default_workers, known_body_facts
from .vocabulary import THEMES

BATCH_SIZE = 500
FIRST_BATCH = 50
#: Editions are published on the evening of the meeting (Paris time).
PUBLICATION_TIME = datetime.time(18, 30)


def published_at(day):
    """When an edition of ``day`` was published: that evening."""
    return timezone.make_aware(datetime.datetime.combine(day, PUBLICATION_TIME))


class BulkEditionWriter:
    """Append ``count`` published editions to ``series``, drawn from ``seed``.

    ``progress`` is called with the number of editions written so far.
    ``workers`` processes prepare the next batches while one is written
    (default: :func:`default_workers`; none for a single batch).
    """

    def __init__(
        self, series, seed, progress=None, batch_size=BATCH_SIZE, workers=None
    ):
        self.series = series
        self.seed = seed
        self.progress = progress or (lambda done: None)
        self.batch_size = batch_size
        self.workers = default_workers() if workers is None else workers
        # Created as the vocabulary spells them; found by their normalised name.
        themes = Theme.objects.by_names(THEMES)
        self.themes = {name: themes[normalise_theme_name(name)] for name in THEMES}
        self.pages = BulkPageWriter(series)

    def write(self, count):
        """Write the editions; returns the ids of the new pages."""
        first = self.series.next_edition_number()
        numbers = range(first, first + count)
        batches, start = [], 0
        while start < count:
            # With workers, a small first batch: writing starts while they
            # prepare the next ones.
            size = self.batch_size
            if self.workers and not batches:
                size = min(size, FIRST_BATCH)
            batches.append(numbers[start : start + size])
            start += size
        theme_names = {name: theme.name for name, theme in self.themes.items()}
        preparer = Preparer(
            self.seed, theme_names, self.pages.page_type.pk, self.workers
        )
        ids = []
        for prepared in preparer.batches(batches):
            pages = self._write_batch(prepared)
            ids.extend(page.pk for page in pages)
            self.progress(len(ids))
        self.pages.finish()
        # What readers see changed: cached responses and validators move on.
        ContentVersion.bump()
        return ids

    def _new_page(self, content):
        page = self.pages.new_page(
            content.slug,
            content.title,
            published_at=published_at(content.date),
            **content.page_fields(),
        )
        page.tagged_items = [
            RecapPageTag(tag=self.themes[name]) for name in content.themes
        ]
        return page

    def _write_batch(self, prepared):
        pages = [self._new_page(facts.content) for facts in prepared]
        rows = {}
        for page, facts in zip(pages, prepared, strict=True):
            rows[id(page)] = facts.sections
            for row in facts.sections:
                row.edition = page
        with known_body_facts(pages, prepared):
            self.pages.write(pages)
            index_pages(pages, rows_of=lambda page: rows[id(page)])
        return pages
