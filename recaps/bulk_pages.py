"""Write many new edition pages at once, as Wagtail would write them one by one.

What ``add_child()``, ``save_revision()`` and ``publish()`` write for each new
edition, written in a few bulk queries per batch instead of about eighty
queries per edition: the page rows (materialised tree paths computed here,
``numchild`` of the parent updated), themes, a revision holding the page's
``serializable_data()``, the published state and a ``wagtail.publish`` log
entry (or, for a draft, the pending revision only) and the reference index.
Used by the data generator and by the importers for new editions; the section
and search indexes are the caller's (:func:`index_pages`, or
:func:`recaps.signal_handlers.bulk_indexing`).
"""

import uuid
from contextlib import contextmanager

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, reset_queries
from django.utils import timezone
from wagtail.blocks import RichTextBlock
from wagtail.fields import StreamField
from wagtail.models import Comment, Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.backends import get_search_backends

from .blocks import SectionBlock
from .db import inserted_with_values, update_rows
from .models import RecapPage, RecapPageTag
from .search_entries import add_entries
from .sections import index_editions, section_rows

#: Fields of a new page that are still empty when ``save_revision()`` serialises it.
UNPUBLISHED_STATE = [
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "latest_revision",
    "live_revision",
]
#: What publishing new content of an existing edition changes in its rows.
CHANGED_FIELDS = [
    "title",
    "draft_title",
    "seo_title",
    "search_description",
    "show_in_menus",
    "live",
    "has_unpublished_changes",
    "expired",
    "first_published_at",
    "last_published_at",
    "latest_revision_created_at",
    "latest_revision",
    "live_revision",
    "edition_number",
    "date",
    "format",
    "participation_note",
    "intro",
    "summary_easy",
    "body",
    "import_fingerprint",
]
#: Pages whose existing references are read in one query (SQLite's parameters).
REFERENCE_BATCH = 500


@contextmanager
def replaced_methods(replacements):
    """While in the block, each ``(owner, name, make)`` of ``replacements``
    sets ``owner.name`` to ``make(original method)``; restored afterwards."""
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in replacements]
    for (owner, name, make), (_, _, method) in zip(
        replacements, originals, strict=True
    ):
        setattr(owner, name, make(method))
    try:
        yield
    finally:
        for owner, name, method in reversed(originals):
            setattr(owner, name, method)


def _remembering(key):
    """A maker for :func:`replaced_methods`: the method's results by ``key``."""

    def make(method):
        results = {}

        def remembered(obj, *args):
            found = results.get(key(obj, *args))
            if found is None:
                # The arguments are kept with the result so that no id is reused.
                found = results[key(obj, *args)] = (obj, args, method(obj, *args))
            return found[2]

        return remembered

    return make


def searchable_content_memo():
    """Compute the searchable content of each body, section and rich text, and
    each edition's stems, once.

    Wagtail's database search backend reads every search field three times per
    object (for its title, body and autocomplete columns), the section index
    and the stems read each section again, and editions repeat the same
    sentences. These methods are pure functions of their value (an edition's
    stems, of the edition as it is while the batch is indexed), so while a
    batch is indexed their results are remembered: the indexes receive exactly
    what they would otherwise, several times faster.
    """
    by_value = _remembering(lambda _field, value: id(value))
    by_block_and_value = _remembering(lambda block, value: (id(block), id(value)))
    by_source = _remembering(lambda block, value: (id(block), value.source))
    return replaced_methods(
        [
            (StreamField, "get_searchable_content", by_value),
            (SectionBlock, "get_searchable_content", by_block_and_value),
            (RichTextBlock, "get_searchable_content", by_source),
            (RecapPage, "search_stems", _remembering(id)),
        ]
    )


def index_pages(pages, rows_of=section_rows):
    """The section index (rows from ``rows_of``, see :func:`index_editions`),
    then the search index (one bulk write) of ``pages``."""
    with searchable_content_memo():
        # The section index first: the search index may read from it.
        index_editions(pages, rows_of)
        for backend in get_search_backends(with_auto_update=True):
            add_entries(backend, RecapPage, pages)


def update_reference_index(pages):
    """What ``ReferenceIndex.create_or_update_for_object()`` does for each page,
    in a few queries per batch: add the new references, delete the gone ones."""
    pages = list(pages)
    if not pages:
        return
    content_types = [
        ContentType.objects.get_for_model(model, for_concrete_model=False)
        for model in [type(pages[0]), *pages[0]._meta.get_parent_list()]
    ]
    content_type, base_type = content_types[0], content_types[-1]
    known = {ct.pk for ct in content_types}
    kwargs = {"ignore_conflicts": connection.features.supports_ignore_conflicts}
    for start in range(0, len(pages), REFERENCE_BATCH):
        batch = pages[start : start + REFERENCE_BATCH]
        existing = {}
        for pk, type_id, object_id, *record in ReferenceIndex.objects.filter(
            base_content_type=base_type, object_id__in=[str(p.pk) for p in batch]
        ).values_list(
            "pk",
            "content_type_id",
            "object_id",
            "to_content_type",
            "to_object_id",
            "model_path",
            "content_path",
        ):
            existing.setdefault(object_id, {})[tuple(record)] = (type_id, pk)
        rows, gone = [], []
        for page in batch:
            found = set(ReferenceIndex._extract_references_from_object(page))
            stored = existing.get(str(page.pk), {})
            rows += [
                ReferenceIndex(
                    content_type=content_type,
                    base_content_type=base_type,
                    object_id=page.pk,
                    to_content_type_id=to_type_id,
                    to_object_id=to_object_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(
                        content_path
                    ),
                )
                for to_type_id, to_object_id, model_path, content_path in found
                - set(stored)
            ]
            # A row recorded for a more specific model than this one is kept,
            # as Wagtail does.
            gone += [
                pk
                for record, (type_id, pk) in stored.items()
                if record not in found and type_id in known
            ]
        ReferenceIndex.objects.bulk_create(rows, **kwargs)
        if gone:
            ReferenceIndex.objects.filter(pk__in=gone).delete()


class BulkPageWriter:
    """Append new edition pages under ``parent``, a batch at a time.

    Make each page with :meth:`new_page`, set its content and its
    ``tagged_items``, then :meth:`write` a batch; :meth:`finish` once at the end
    updates the parent's ``numchild``.
    """

    def __init__(self, parent, slugs=None):
        self.parent = parent
        self.page_type = ContentType.objects.get_for_model(RecapPage)
        self.base_type = ContentType.objects.get_for_model(Page)
        self.slugs = (
            set(Page.objects.child_of(parent).values_list("slug", flat=True))
            if slugs is None
            else slugs
        )
        self.next_step = None
        self.written = 0

    def _step(self):
        """The tree step of the next child: after the parent's last child."""
        if self.next_step is None:
            last_path = (
                Page.objects.child_of(self.parent)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
            self.next_step = int(last_path[-Page.steplen :], 36) + 1 if last_path else 1
        self.next_step += 1
        return self.next_step - 1

    def unique_slug(self, slug):
        """``slug``, or ``slug-2``, ``slug-3``… when a sibling has it (the
        series' rule, :meth:`RecapSeriesPage.unique_slug`); then taken."""
        candidate = self.parent.unique_slug(slug, used=self.slugs)
        self.slugs.add(candidate)
        return candidate

    def new_page(self, slug, title, published_at=None, **fields):
        """An unsaved edition placed as the parent's next child.

        ``published_at``: when it was published; ``None`` makes a draft.
        """
        parent = self.parent
        slug = self.unique_slug(slug)
        path = Page._get_path(parent.path, parent.depth + 1, self._step())
        page = RecapPage(
            title=title,
            draft_title=title,
            slug=slug,
            path=path,
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            content_type=self.page_type,
            locale_id=parent.locale_id,
            # Unique per page (a source can be written twice, in two series).
            translation_key=uuid.uuid4(),
            live=published_at is not None,
            first_published_at=published_at,
            last_published_at=published_at,
            **fields,
        )
        # A new page has no comments: say so rather than let serialising ask.
        page.wagtail_admin_comments = []
        return page

    def write(self, pages, created_at=None, user=None):
        """Insert ``pages`` with their themes and one revision each.

        The revision is dated ``created_at`` (default: each page's
        ``first_published_at``) and made by ``user``. Live pages are published
        with it; drafts keep it pending.
        """
        if settings.DEBUG:
            # DEBUG keeps the SQL of every query, here whole bodies a batch at a
            # time (2 GB for 10,000 editions): forget the previous batch's.
            reset_queries()
        for page in pages:
            # What save_revision() sets once the revision exists (see below).
            page.latest_revision_created_at = (
                created_at or page.first_published_at or timezone.now()
            )
            page.has_unpublished_changes = not page.live
        self._insert_pages(pages)
        RecapPageTag.objects.bulk_create(
            [tagged for page in pages for tagged in page.tagged_items.all()]
        )
        self._save_revisions(pages, user)
        update_reference_index(pages)
        self.written += len(pages)
        return pages

    def finish(self):
        """The parent counts its new children (once, after every batch).

        Call it before the parent's children are added or moved otherwise
        (treebeard reads ``numchild``): the next page is then placed after them.
        """
        if self.written:
            Page.objects.filter(pk=self.parent.pk).update(
                numchild=models.F("numchild") + self.written
            )
            self.parent.numchild += self.written
            self.written = 0
        self.next_step = None

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

    def _save_revisions(self, pages, user):
        """A revision per page holding what ``save_revision()`` stores for a new
        page (its ``serializable_data()`` before it had been published), then
        the page's revision fields and, if live, its ``wagtail.publish`` entry.
        """
        revisions = []
        for page in pages:
            content = page.serializable_data()
            content.update(dict.fromkeys(UNPUBLISHED_STATE))
            content["has_unpublished_changes"] = False
            revisions.append(
                Revision(
                    content_type=self.page_type,
                    base_content_type=self.base_type,
                    object_id=str(page.pk),
                    created_at=page.latest_revision_created_at,
                    object_str=page.title,
                    content=content,
                    user=user,
                )
            )
        with inserted_with_values(revisions, "object_str"):
            Revision.objects.bulk_create(revisions)
        logs = []
        for page, revision in zip(pages, revisions, strict=True):
            page.latest_revision = revision
            if not page.live:
                continue
            page.live_revision = revision
            logs.append(
                PageLogEntry(
                    content_type=self.page_type,
                    page_id=page.pk,
                    label=page.title,
                    action="wagtail.publish",
                    user=user,
                    revision=revision,
                    timestamp=page.last_published_at,
                    content_changed=True,
                )
            )
        Page.objects.bulk_update(pages, ["latest_revision", "live_revision"])
        PageLogEntry.objects.bulk_create(logs)

    def publish_changes(self, pages, published_at, user=None):
        """Publish new content of existing live or draft ``pages`` at once.

        What ``save_revision()`` then ``publish()`` write for each page, for
        pages with no go-live or expiry date and no alias (the caller keeps
        those on Wagtail's own path): a revision holding the new content, the
        page and edition rows, the themes, a ``wagtail.publish`` log entry
        (and ``wagtail.rename`` when the title changed, from ``page._old_title``).
        """
        if not pages:
            return
        # Comments are part of a revision (imported editions have none, or
        # their latest revision would have an author): read them at once.
        comments = {page.pk: [] for page in pages}
        for comment in Comment.objects.filter(page__in=list(comments)):
            comments[comment.page_id].append(comment)
        for page in pages:
            page.wagtail_admin_comments = comments[page.pk]
        revisions = [
            Revision(
                content_type=self.page_type,
                base_content_type=self.base_type,
                object_id=str(page.pk),
                created_at=published_at,
                object_str=page.title,
                content=page.serializable_data(),
                user=user,
            )
            for page in pages
        ]
        with inserted_with_values(revisions, "object_str"):
            Revision.objects.bulk_create(revisions)
        logs = []
        for page, revision in zip(pages, revisions, strict=True):
            old_title = getattr(page, "_old_title", page.title)
            page.latest_revision = page.live_revision = revision
            page.latest_revision_created_at = published_at
            page.draft_title = page.title
            page.live, page.has_unpublished_changes, page.expired = True, False, False
            page.last_published_at = published_at
            page.first_published_at = page.first_published_at or published_at
            entry = {
                "content_type": self.page_type,
                "page_id": page.pk,
                "label": page.title,
                "user": user,
                "revision": revision,
                "timestamp": published_at,
            }
            if old_title != page.title:
                title = {"title": {"old": old_title, "new": page.title}}
                logs.append(PageLogEntry(action="wagtail.rename", data=title, **entry))
            logs.append(
                PageLogEntry(action="wagtail.publish", content_changed=True, **entry)
            )
        update_rows(pages, CHANGED_FIELDS)
        RecapPageTag.objects.filter(content_object__in=[p.pk for p in pages]).delete()
        RecapPageTag.objects.bulk_create(
            [tagged for page in pages for tagged in page.tagged_items.all()]
        )
        PageLogEntry.objects.bulk_create(logs)
