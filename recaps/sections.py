"""The section index: built from StreamField content, read by every surface.

:func:`section_rows` is the one place where an edition's body is read: each
block gives its own API representation (``get_api_representation``) and plain
text (``get_searchable_content``). The rows are written when an edition is
published and removed when it stops being public (:mod:`recaps.signal_handlers`);
readers (API, theme pages, search snippets) read them, never the body.

Media blocks (``recaps.blocks.MEDIA_TYPES``: images, tables, code, embeds) are
not sections: they have no row, are shown by the page only and left out of the
API's ``body`` (their text is still in the search index of the edition).
"""

from django.db import transaction
from wagtail.models import PageViewRestriction

from .blocks import MEDIA_TYPES
from .models import RecapPage, RecapSection
from .search import search_words


def section_rows(page):
    """Unsaved :class:`RecapSection` rows of ``page``'s current sections."""
    rows = []
    sections = [child for child in page.body if child.block_type not in MEDIA_TYPES]
    for position, child in enumerate(sections):
        block = child.block
        words = block.get_searchable_content(child.value)
        text = " ".join(" ".join(words).split())
        rows.append(
            RecapSection(
                edition_id=page.pk,
                position=position,
                block_id=child.id or "",
                type=child.block_type,
                heading=child.value.get("heading") or "",
                data=block.get_api_representation(child.value),
                text=text,
                search_text=search_words(text),
                edition_date=page.date,
                edition_number=page.edition_number,
            )
        )
    return rows


def is_public(page):
    """Whether ``page``'s live content is for everyone (live, no restriction).

    Go-live and expiry dates are checked when reading (``published()``): they
    change what is public without any write.
    """
    return page.live and not page.get_view_restrictions().exists()


@transaction.atomic
def index_editions(pages):
    """Rewrite the rows of ``pages``: their sections if public, none otherwise."""
    pages = list(pages)
    RecapSection.objects.filter(edition__in=[page.pk for page in pages]).delete()
    # One query for every page's restrictions (on the page or an ancestor).
    restricted = set(PageViewRestriction.objects.values_list("page__path", flat=True))
    rows = [
        row
        for page in pages
        if page.live and not any(page.path.startswith(path) for path in restricted)
        for row in section_rows(page)
    ]
    RecapSection.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def unindex_editions(page_ids):
    """Remove the rows of the editions ``page_ids``."""
    RecapSection.objects.filter(edition__in=list(page_ids)).delete()


def rebuild_index(batch_size=200):
    """Rebuild the whole index from the editions' live content."""
    RecapSection.objects.all().delete()
    count = 0
    editions = RecapPage.objects.live().order_by("pk")
    for start in range(0, editions.count(), batch_size):
        count += index_editions(editions[start : start + batch_size])
    return count
