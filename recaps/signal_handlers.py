"""Keep the search index in step with what publishing writes."""

from wagtail.search import index
from wagtail.signals import page_published

REINDEX_DISPATCH_UID = "recaps_reindex_published_edition"


def reindex_published_edition(sender, instance, **kwargs):
    """Index an edition again once its themes are saved.

    Wagtail indexes a page on ``post_save``, which fires before modelcluster
    writes the page's child relations: a first publish would index no theme and
    a change of themes would be indexed one publication late.
    """
    index.insert_or_update_object(instance)


def register_signal_handlers():
    from .models import RecapPage

    page_published.connect(
        reindex_published_edition,
        sender=RecapPage,
        dispatch_uid=REINDEX_DISPATCH_UID,
    )
