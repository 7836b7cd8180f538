"""Keep the derived data in step with what editors publish.

Every receiver of the app is connected here, by :func:`register_signal_handlers`
(called from ``RecapsConfig.ready``). Three things follow every change of the
public content, in the same transaction as the change:

- the section index (:mod:`recaps.sections`) of the editions concerned;
- the search index of an edition, written once per publication (Wagtail's
  automatic update on every ``save`` is switched off for editions, see
  ``RecapPage.search_auto_update``);
- the content version (:class:`recaps.models.ContentVersion`), which response
  caches and HTTP validators derive from.
"""

import threading
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from wagtail.documents import get_document_model
from wagtail.models import (
    Page,
    PageLogEntry,
    PageViewRestriction,
    ReferenceIndex,
    Site,
)
from wagtail.search import index
from wagtail.signals import (
    init_new_page,
    page_published,
    page_unpublished,
    post_page_move,
)

from .admin.new_edition import prefill_on_create
from .bulk_pages import index_pages
from .changes import DELETE_ACTION, UUID_KEY
from .fulltext import repair_fulltext_indexes
from .models import (
    ContentVersion,
    RecapEntry,
    RecapPage,
    RecapSection,
    RecapSeriesPage,
    Theme,
)
from .sections import (
    announce_new_addresses,
    index_editions,
    rebuild_index,
    refresh_public_state,
    unindex_editions,
)

#: Editions indexed together at the end of a bulk indexing block.
BULK_BATCH = 500
#: Fields of an edition that other pages show (neighbours, theme pages).
SHARED_FIELDS = ("live", "title", "slug", "date", "edition_number", "path")

_bulk = threading.local()


@contextmanager
def bulk_indexing(update=True):
    """Index many editions at once, at the end of the block (importers).

    Inside the block, publishing or creating an edition only records its id,
    and changes that would start a new content version (themes, sites, dates)
    only note it; on success the section index, the search index (one bulk
    write per batch of editions, :func:`recaps.bulk_pages.index_pages`) and the
    content version are updated once. ``update=False`` (a dry
    run) skips them.
    """
    outer = getattr(_bulk, "ids", None)
    _bulk.ids = ids = set() if outer is None else outer
    try:
        yield ids
    finally:
        if outer is None:
            changed = getattr(_bulk, "changed", False)
            del _bulk.ids
            _bulk.changed = False
    if outer is not None or not update or not (ids or changed):
        return
    ids = sorted(ids)
    for start in range(0, len(ids), BULK_BATCH):
        index_pages(
            RecapPage.objects.filter(pk__in=ids[start : start + BULK_BATCH])
            # The search index reads the themes three times per edition.
            .prefetch_related("tags")
        )
    # Also recomputes the next go-live or expiry instant.
    ContentVersion.bump()


def _deferred(instance):
    """True (and recorded) when a bulk indexing block is collecting ids."""
    ids = getattr(_bulk, "ids", None)
    if ids is None:
        return False
    ids.add(instance.pk)
    return True


def _version_deferred():
    """True (and noted) when a bulk indexing block will bump the version."""
    if getattr(_bulk, "ids", None) is None:
        return False
    _bulk.changed = True
    return True


def remember_public_fields(sender, instance, update_fields=None, **kwargs):
    """Before a full save, note what neighbours show of the edition.

    Not inside a bulk indexing block, whose end starts a shared version anyway.
    """
    if update_fields is None and instance.pk and getattr(_bulk, "ids", None) is None:
        instance._shared_before = (
            RecapPage.objects.filter(pk=instance.pk, first_published_at__isnull=False)
            .values_list(*SHARED_FIELDS)
            .first()
        )


def edition_published(sender, instance, **kwargs):
    """Index the sections and words of the new live content; new version.

    Runs after modelcluster has written the themes, so the search index sees
    them (Wagtail's ``post_save`` indexing would run one step too early).
    """
    if _deferred(instance):
        return
    index_editions([instance])
    index.insert_or_update_object(instance)
    now = tuple(getattr(instance, field) for field in SHARED_FIELDS)
    before = getattr(instance, "_shared_before", None)
    ContentVersion.bump(shared=before != now or not before[0])


def edition_created(sender, instance, created=False, raw=False, **kwargs):
    """A new draft is indexed once, so editors find it in the admin search.

    A page created live (importer, factories) is indexed when published.
    """
    if created and not raw and not instance.live and not _deferred(instance):
        index.insert_or_update_object(instance)
    update_fields = kwargs.get("update_fields")
    if (
        not raw
        and (update_fields is None or {"go_live_at", "expire_at"} & set(update_fields))
        and not _version_deferred()
    ):
        ContentVersion.reschedule()


def edition_unpublished(sender, instance, **kwargs):
    unindex_editions([instance.pk])
    ContentVersion.bump()


def edition_deleted(sender, instance, **kwargs):
    """Out of the search index; an edition that was ever public leaves its uuid
    in Wagtail's log entry of the deletion, for the change feed
    (:mod:`recaps.changes`). (Wagtail unpublishes a live page before deleting
    it: that sends the ``recap.removed`` webhook.)"""
    index.remove_object(instance)
    if instance.public_updated_at is None:
        return
    for entry in PageLogEntry.objects.filter(
        page_id=instance.pk, action=DELETE_ACTION
    ).order_by("-timestamp", "-pk")[:1]:
        entry.data = {**(entry.data or {}), UUID_KEY: str(instance.translation_key)}
        entry.save(update_fields=["data"])


def editions_under(page):
    """The editions at or below ``page`` (a restriction or a move applies there)."""
    return RecapPage.objects.filter(path__startswith=page.path)


def reindex_referencing(obj):
    """Rebuild the sections of editions linking to ``obj`` (its URL changed)."""
    page_type = ContentType.objects.get_for_model(Page)
    ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    editions = RecapPage.objects.live().filter(pk__in=[int(pk) for pk in ids])
    if editions:
        index_editions(editions)


def page_changed(sender, instance, **kwargs):
    """Any page published, unpublished, moved or deleted: new version.

    Editions under a moved page, and editions linking to it, get their
    sections rebuilt (privacy and link URLs may have changed).
    """
    if not isinstance(instance, Page):
        return
    if kwargs.get("signal") is post_page_move:
        index_editions(editions_under(instance))
    elif kwargs.get("signal") is page_published and isinstance(
        instance, RecapSeriesPage
    ):
        # Editions show their series (title, slug, URL).
        refresh_public_state(RecapPage.objects.child_of(instance).defer("body"))
    if not isinstance(instance, RecapPage) or kwargs.get("signal") is post_page_move:
        ContentVersion.bump()
    reindex_referencing(instance)


def restriction_changed(sender, instance, **kwargs):
    """A privacy change: what is public below the page changed.

    A restriction deleted with its page (the cascade of a page's deletion,
    whose ``origin`` is the page) changes nothing public: the pages below are
    being deleted, and indexing them again, while Wagtail's ``pre_delete``
    unpublication is not saved, would write index rows for pages gone at
    commit (an integrity error)."""
    origin = kwargs.get("origin")
    cascaded = origin is not None and getattr(origin, "model", type(origin)) is not (
        PageViewRestriction
    )
    if not cascaded:
        index_editions(editions_under(instance.page))
    ContentVersion.bump()


def document_changed(sender, instance, **kwargs):
    reindex_referencing(instance)
    if not _version_deferred():
        ContentVersion.bump()


def content_changed(sender, instance=None, **kwargs):
    """Themes and sites: shown on many pages, no index to rebuild; a renamed
    theme changes the public state of its editions."""
    if sender is Theme and kwargs.get("signal") is post_save:
        refresh_public_state(
            RecapPage.objects.filter(tagged_items__tag=instance).defer("body")
        )
    if not _version_deferred():
        ContentVersion.bump()


def remember_site_address(sender, instance, raw=False, **kwargs):
    """Before a site is saved: the base URL its pages had."""
    if raw or instance.pk is None:
        return
    instance._recaps_root_url = (
        Site.objects.filter(pk=instance.pk).values_list("hostname", "port").first()
    )


def site_moved(sender, instance, created=False, raw=False, **kwargs):
    """A site whose hostname or port changed (``manage.py set_site_url``, the
    admin's Sites): every absolute URL of its public editions changed, which
    the change feed and webhooks say (:func:`announce_new_addresses`)."""
    before = getattr(instance, "_recaps_root_url", None)
    if raw or created or before is None or before == (instance.hostname, instance.port):
        return
    instance._recaps_root_url = (instance.hostname, instance.port)
    # Wagtail's own receiver may not have run yet: page URLs from the new base.
    Site.clear_site_root_paths_cache()
    announce_new_addresses(RecapPage.objects.descendant_of(instance.root_page))


def fill_empty_index(sender, using="default", **kwargs):
    """After ``migrate``: build the public index (sections and editions) of a
    database that predates either."""
    if (
        not RecapSection.objects.using(using).exists()
        or not RecapEntry.objects.using(using).exists()
    ) and RecapPage.objects.using(using).live().exists():
        rebuild_index()
        ContentVersion.bump()


def repair_fulltext(sender, using="default", **kwargs):
    """After ``migrate``: SQLite's full-text indexes whole, triggers included
    (:mod:`recaps.fulltext`)."""
    repair_fulltext_indexes(connections[using])


def register_signal_handlers(app_config):
    """Connect every receiver of the app (the one place; ``RecapsConfig.ready``)."""
    uid = "recaps_{}".format
    # The admin's create view pre-fills a new edition (recaps.admin.new_edition).
    init_new_page.connect(prefill_on_create, dispatch_uid="recaps_prefill_edition")
    post_migrate.connect(fill_empty_index, sender=app_config, dispatch_uid=uid("fill"))
    post_migrate.connect(
        repair_fulltext, sender=app_config, dispatch_uid=uid("fulltext")
    )
    pre_save.connect(
        remember_public_fields, sender=RecapPage, dispatch_uid=uid("remember")
    )
    post_save.connect(edition_created, sender=RecapPage, dispatch_uid=uid("created"))
    page_published.connect(
        edition_published, sender=RecapPage, dispatch_uid=uid("published")
    )
    page_unpublished.connect(
        edition_unpublished, sender=RecapPage, dispatch_uid=uid("unpublished")
    )
    post_delete.connect(edition_deleted, sender=RecapPage, dispatch_uid=uid("del"))
    for signal in (page_published, page_unpublished, post_page_move, post_delete):
        signal.connect(page_changed, dispatch_uid=uid(f"page_{id(signal)}"))
    pre_save.connect(remember_site_address, sender=Site, dispatch_uid=uid("site_was"))
    post_save.connect(site_moved, sender=Site, dispatch_uid=uid("site_moved"))
    for signal in (post_save, post_delete):
        signal.connect(
            restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=uid(f"restriction_{id(signal)}"),
        )
        signal.connect(
            document_changed,
            sender=get_document_model(),
            dispatch_uid=uid(f"document_{id(signal)}"),
        )
        for model in (Theme, Site):
            signal.connect(
                content_changed,
                sender=model,
                dispatch_uid=uid(f"{model.__name__}_{id(signal)}"),
            )
