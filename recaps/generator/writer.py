"""Write generated editions as real Wagtail pages, a batch at a time.

What ``add_child()``, ``save_revision()`` and ``publish()`` would write for each
edition, written in a few bulk queries per batch instead of about a hundred
queries per edition: the page rows (materialised tree paths computed here,
``numchild`` of the series updated), themes, a revision holding the page's
``serializable_data()``, the published state, a ``wagtail.publish`` log entry,
the section index, the search index (the backend's ``add_bulk``) and, once at
the end, the content version.
"""

import datetime
import uuid
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone
from wagtail.blocks import RichTextBlock
from wagtail.fields import StreamField
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.search.backends import get_search_backends

from ..models import ContentVersion, RecapPage, RecapPageTag, Theme
from ..sections import index_editions
from .content import EditionDrawer
from .vocabulary import THEMES

BATCH_SIZE = 500
#: Editions are published on the evening of the meeting (Paris time).
PUBLICATION_TIME = datetime.time(18, 30)
#: Fields of a new page that are still empty when ``save_revision()`` serialises it.
UNPUBLISHED_STATE = [
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "latest_revision",
    "live_revision",
]


@contextmanager
def searchable_content_memo():
    """Compute each body's and each rich text's searchable content once.

    Wagtail's database search backend reads every search field three times per
    object (for its title, body and autocomplete columns), and generated
    editions repeat the same sentences. Both methods are pure functions of
    their value, so while a batch is indexed their results are remembered:
    the index receives exactly what it would otherwise, about five times faster.
    """
    stream_method = StreamField.get_searchable_content
    text_method = RichTextBlock.get_searchable_content
    streams, texts = {}, {}

    def stream_content(field, value):
        # The value is kept alongside its result so that its id is not reused.
        if id(value) not in streams:
            streams[id(value)] = (value, stream_method(field, value))
        return streams[id(value)][1]

    def text_content(block, value):
        key = (id(block), value.source)
        if key not in texts:
            texts[key] = text_method(block, value)
        return texts[key]

    StreamField.get_searchable_content = stream_content
    RichTextBlock.get_searchable_content = text_content
    try:
        yield
    finally:
        StreamField.get_searchable_content = stream_method
        RichTextBlock.get_searchable_content = text_method


@contextmanager
def inserted_with_values(objs, attname):
    """Make ``bulk_create()`` of ``objs`` insert with ``VALUES`` on PostgreSQL.

    Django 5.2 inserts batches as ``UNNEST`` of arrays, and psycopg quotes each
    element of an array in Python, one regular expression call per quote of a
    JSON body: ten times slower than quoting the same values as scalars. A
    value that is an expression makes Django fall back to ``VALUES``.
    """
    for obj in objs:
        setattr(obj, attname, models.Value(getattr(obj, attname)))
    try:
        yield objs
    finally:
        for obj in objs:
            setattr(obj, attname, getattr(obj, attname).value)


def ensure_themes(names=THEMES):
    """The themes called ``names``, created when missing, by name."""
    themes = {theme.name: theme for theme in Theme.objects.filter(name__in=names)}
    for name in names:
        if name not in themes:
            themes[name] = Theme.objects.create(name=name)
    return themes


def published_at(day):
    """When an edition of ``day`` was published: that evening."""
    return timezone.make_aware(datetime.datetime.combine(day, PUBLICATION_TIME))


class BulkEditionWriter:
    """Append ``count`` published editions to ``series``, drawn from ``seed``.

    ``progress`` is called with the number of editions written so far.
    """

    def __init__(self, series, seed, progress=None, batch_size=BATCH_SIZE):
        self.series = series
        self.drawer = EditionDrawer(seed)
        self.progress = progress or (lambda done: None)
        self.batch_size = batch_size
        self.page_type = ContentType.objects.get_for_model(RecapPage)
        self.base_type = ContentType.objects.get_for_model(Page)
        self.themes = ensure_themes()
        self.slugs = set(Page.objects.child_of(series).values_list("slug", flat=True))
        last_path = (
            Page.objects.child_of(series)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        self.next_step = int(last_path[-Page.steplen :], 36) + 1 if last_path else 1

    def write(self, count):
        """Write the editions; returns the ids of the new pages."""
        first = self.series.next_edition_number()
        ids = []
        for start in range(first, first + count, self.batch_size):
            stop = min(start + self.batch_size, first + count)
            pages = self._write_batch(range(start, stop))
            ids.extend(page.pk for page in pages)
            self.progress(len(ids))
        Page.objects.filter(pk=self.series.pk).update(
            numchild=models.F("numchild") + count
        )
        # What readers see changed: cached responses and validators move on.
        ContentVersion.bump()
        return ids

    def _unique_slug(self, slug):
        candidate, n = slug, 1
        while candidate in self.slugs:
            n += 1
            candidate = f"{slug}-{n}"
        self.slugs.add(candidate)
        return candidate

    def _new_page(self, content):
        series = self.series
        slug = self._unique_slug(content.slug)
        path = Page._get_path(series.path, series.depth + 1, self.next_step)
        self.next_step += 1
        page = RecapPage(
            title=content.title,
            draft_title=content.title,
            slug=slug,
            path=path,
            depth=series.depth + 1,
            numchild=0,
            url_path=f"{series.url_path}{slug}/",
            content_type=self.page_type,
            locale_id=series.locale_id,
            # Not content: unique per page, so drawn afresh (a seed can be
            # generated twice on one site, in two series).
            translation_key=uuid.uuid4(),
            live=True,
            has_unpublished_changes=False,
            first_published_at=published_at(content.date),
            last_published_at=published_at(content.date),
            latest_revision_created_at=published_at(content.date),
            edition_number=content.number,
            date=content.date,
            format=content.format,
            participation_note=content.participation_note,
            intro=content.intro,
            body=content.body,
        )
        page.tagged_items = [
            RecapPageTag(tag=self.themes[name]) for name in content.themes
        ]
        # A new page has no comments: say so rather than let serialising ask.
        page.wagtail_admin_comments = []
        return page

    def _write_batch(self, numbers):
        pages = [self._new_page(self.drawer.draw(number)) for number in numbers]
        self._insert_pages(pages)
        RecapPageTag.objects.bulk_create(
            [tagged for page in pages for tagged in page.tagged_items.all()]
        )
        self._publish(pages)
        with searchable_content_memo():
            # The section index first: the search index may read from it.
            index_editions(pages)
            for backend in get_search_backends(with_auto_update=True):
                backend.add_bulk(RecapPage, pages)
        return pages

    def _insert_pages(self, pages):
        """Rows of the page table, then of the edition table (same ids)."""
        page_fields = [
            field for field in Page._meta.concrete_fields if not field.primary_key
        ]
        base_rows = Page.objects.bulk_create(
            [
                Page(
                    **{
                        field.attname: getattr(page, field.attname)
                        for field in page_fields
                    }
                )
                for page in pages
            ]
        )
        for page, row in zip(pages, base_rows, strict=True):
            page.id = page.page_ptr_id = row.pk
        # bulk_create() refuses multi-table models: insert the edition table's
        # own columns directly, batched as bulk_create() would.
        fields = RecapPage._meta.local_concrete_fields
        size = connection.ops.bulk_batch_size(fields, pages) or len(pages)
        for start in range(0, len(pages), size):
            with inserted_with_values(pages[start : start + size], "import_source"):
                RecapPage._base_manager._insert(
                    pages[start : start + size], fields=fields, using="default"
                )

    def _publish(self, pages):
        """A revision per page, then the page's published state and log entry.

        The revision holds what ``save_revision()`` stores for a new page: its
        ``serializable_data()`` before it had been published.
        """
        revisions = []
        for page in pages:
            content = page.serializable_data()
            content.update(dict.fromkeys(UNPUBLISHED_STATE))
            revisions.append(
                Revision(
                    content_type=self.page_type,
                    base_content_type=self.base_type,
                    object_id=str(page.pk),
                    created_at=published_at(page.date),
                    object_str=page.title,
                    content=content,
                )
            )
        with inserted_with_values(revisions, "object_str"):
            Revision.objects.bulk_create(revisions)
        logs = []
        for page, revision in zip(pages, revisions, strict=True):
            page.latest_revision = page.live_revision = revision
            logs.append(
                PageLogEntry(
                    content_type=self.page_type,
                    page_id=page.pk,
                    label=page.title,
                    action="wagtail.publish",
                    revision=revision,
                    timestamp=revision.created_at,
                    content_changed=True,
                )
            )
        Page.objects.bulk_update(pages, ["latest_revision", "live_revision"])
        PageLogEntry.objects.bulk_create(logs)
