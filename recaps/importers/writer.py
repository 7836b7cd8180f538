"""Write parsed editions to pages of a series, and report what was done.

Editions are matched to pages by ``RecapPage.import_source`` so that importing
the same source again adds a revision to the same page instead of a duplicate.
"""

import datetime
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..models import RecapPage, Theme
from ..models.themes import normalise_theme_name
from ..signal_handlers import bulk_indexing
from .structured import save_page, section_to_stream

THEME_MAX_LENGTH = 100


@dataclass
class Report:
    """What an import did (or would do, in a dry run)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    items: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


@contextmanager
def deferred_indexing(update=True):
    """Update the search, section and reference indexes once, at the end.

    Creating and publishing a page saves it several times, and each save would
    otherwise re-index it. Yields a set to collect the ids of written editions;
    the indexes are updated only if the block succeeds and ``update`` is true (a
    dry run passes false: an external search backend is not transactional).
    """
    with bulk_indexing(update) as ids, disable_reference_index_auto_update():
        yield ids
    if update:
        for page in RecapPage.objects.filter(pk__in=ids):
            ReferenceIndex.create_or_update_for_object(page)


class EditionWriter:
    """Create or update the edition pages of ``series``.

    ``publish``: ``True`` publishes every edition, ``False`` saves drafts, ``None``
    follows the source (a WordPress ``draft`` stays a draft, anything else is
    published).
    """

    def __init__(self, series, report, publish=None):
        self.series = series
        self.report = report
        self.publish = publish
        self.existing = {
            page.import_source: page
            for page in RecapPage.objects.child_of(series).exclude(import_source="")
        }
        self.slugs = set(Page.objects.child_of(series).values_list("slug", flat=True))
        self.themes = {}

    def existing_page(self, edition):
        return self.existing.get(edition.source_key)

    def _unique_slug(self, wanted):
        base = slugify(wanted)[:240] or "edition"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def write(self, edition):
        """Create or update the page of one edition; returns the page."""
        page = self.existing_page(edition)
        if page is None:
            page = RecapPage(import_source=edition.source_key)
            title = self._title(edition)
            page.slug = self._unique_slug(edition.slug or title)
            self.report.created.append(edition.label or edition.source_key)
        else:
            page = page.get_latest_revision_as_object()
            self.report.updated.append(edition.label or edition.source_key)
        page.title = self._title(edition)[:255]
        page.edition_number = edition.edition_number or page.edition_number or 1
        page.date = edition.date or page.date or datetime.date.today()
        page.intro = edition.intro
        page.body = [section_to_stream(section) for section in edition.sections]
        page.tags.set(self._theme_objects(self._themes(edition)), clear=True)
        publish = self.publish
        if publish is None:
            publish = edition.status != "draft"
        save_page(page, self.series, publish)
        self.existing[edition.source_key] = page
        self.report.items.update(edition.item_counts())
        for warning in edition.warnings:
            self.report.warnings.append(
                _("%(edition)s: %(warning)s")
                % {"edition": edition.label, "warning": warning}
            )
        return page

    def _theme_objects(self, names):
        """Themes by name, fetched or created once per run rather than per page."""
        missing = [name for name in names if name not in self.themes]
        if missing:
            for theme in Theme.objects.filter(name__in=missing):
                self.themes[theme.name] = theme
            for name in missing:
                if name not in self.themes:
                    self.themes[name] = Theme.objects.create(name=name)
        return [self.themes[name] for name in names]

    def _title(self, edition):
        return edition.title or _("Edition %(number)s") % {
            "number": edition.edition_number
        }

    def _themes(self, edition):
        series_names = {
            slugify(self.series.slug),
            slugify(self.series.title),
        }
        names = list(edition.themes)
        for nicename, name in edition.categories:
            slug = slugify(nicename or name)
            if slug in series_names or slugify(name) in series_names:
                continue
            if slug in {"uncategorized", "non-classe", "sans-categorie"}:
                continue
            names.append(name)
        themes = [normalise_theme_name(n)[:THEME_MAX_LENGTH] for n in names]
        return list(dict.fromkeys(t for t in themes if t))
