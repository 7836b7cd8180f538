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

import hashlib
import json
from collections import Counter, defaultdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from wagtail.models import PageViewRestriction

from .blocks import MEDIA_TYPES, public_html, visible_sections
from .db import insert_rows, update_rows
from .models import (
    IndexCount,
    RecapEntry,
    RecapPage,
    RecapPageTag,
    RecapSection,
    RecapSeriesPage,
    ThemeCount,
    WebhookSubscription,
)
from .models.themes import index_count_keys
from .search import search_words
from .webhooks import enqueue, payload

#: The fingerprint of an edition that is not public (never its content's).
REMOVED = "removed"


def section_rows(page):
    """Unsaved :class:`RecapSection` rows of ``page``'s current sections.

    Empty sections (a heading and nothing under it) are left out: no surface
    reading the index (API, theme pages, search, PDFs) ever shows them. Media
    blocks (images, tables, code, embeds) are not sections: pages show them,
    the index and the API's sections do not.
    """
    rows = []
    sections = [
        child
        for child in visible_sections(page.body)
        if child.block_type not in MEDIA_TYPES
    ]
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


def _public(pages):
    """The pages of ``pages`` that are live and under no view restriction
    (one query for every page's restrictions, on the page or an ancestor)."""
    restricted = set(PageViewRestriction.objects.values_list("page__path", flat=True))
    return [
        page
        for page in pages
        if page.live and not any(page.path.startswith(path) for path in restricted)
    ]


@transaction.atomic
def index_editions(pages, rows_of=section_rows):
    """Rewrite the rows of ``pages``: their sections if public, none otherwise;
    then their public state (:func:`refresh_public_state`).

    ``rows_of(page)`` gives a page's rows: :func:`section_rows`, or the same
    rows computed beforehand (the data generator's workers).
    """
    pages = list(pages)
    RecapSection.objects.filter(edition__in=[page.pk for page in pages]).delete()
    public = _public(pages)
    rows = [row for page in public for row in rows_of(page)]
    insert_rows(rows)
    refresh_public_state(pages, public=public, rows=rows)
    return len(rows)


def unindex_editions(page_ids):
    """Remove the rows of the editions ``page_ids`` (no longer public)."""
    page_ids = list(page_ids)
    RecapSection.objects.filter(edition__in=page_ids).delete()
    refresh_public_state(RecapPage.objects.filter(pk__in=page_ids), public=[])


def _public_facts(pages, rows=None):
    """What the API shows of ``pages`` besides their own fields, in three
    queries: ``(sections, themes, series)``, the first two by edition id (in
    page order and theme name order), the last by path.

    ``rows``: the section rows of ``pages`` just written, if at hand (then the
    sections are not read back).
    """
    ids = [page.pk for page in pages]
    sections = defaultdict(list)
    if rows is None:
        rows = (
            RecapSection.objects.filter(edition__in=ids)
            .order_by("edition_id", "position")
            .values_list("edition_id", "block_id", "type", "heading", "data")
        )
    else:
        rows = [
            (row.edition_id, row.block_id, row.type, row.heading, row.data)
            for row in sorted(rows, key=lambda row: (row.edition_id, row.position))
        ]
    for edition_id, *row in rows:
        sections[edition_id].append(row)
    themes = defaultdict(list)
    for edition_id, *theme in (
        RecapPageTag.objects.filter(content_object__in=ids)
        .order_by("tag__name", "tag__slug")
        .values_list(
            "content_object_id", "tag__name", "tag__label", "tag__slug", "tag_id"
        )
    ):
        themes[edition_id].append(theme)
    series = {
        path: (pk, slug, title)
        for path, pk, slug, title in RecapSeriesPage.objects.filter(
            path__in={page.path[: -page.steplen] for page in pages}
        ).values_list("path", "pk", "slug", "title")
    }
    return sections, themes, series


def shown_body(sections):
    """The sections of an edition as the API shows them, without their
    translated ``label`` (the ``type`` names it): ``sections`` are index rows
    ``(block_id, type, heading, data)`` in page order."""
    return [
        {"id": block_id, "type": kind, **data} for block_id, kind, _h, data in sections
    ]


def fingerprint(data, sections):
    """Digest of what the API shows of an edition itself: its stored
    representation ``data`` (:attr:`RecapEntry.data`: every field of
    ``/recaps/``, without the publication dates) and its sections as the
    detail and ``/sections/`` give them (:func:`shown_body`); not its
    neighbours. A field the API shows is a field fingerprinted, whatever its
    name: the digest reads the very dict the API serves. An unchanged
    republication keeps the digest.

    Migration 0023 holds a frozen copy of this function: change both.
    """
    shown = {"edition": data, "body": shown_body(sections)}
    text = json.dumps(shown, cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(page, sections, themes, series):
    """The unsaved :class:`RecapEntry` of ``page`` (public, state up to date)."""
    url = page.get_url()
    data = {
        "id": page.pk,
        "uuid": str(page.translation_key),
        "slug": page.slug,
        "title": page.title,
        "edition_number": page.edition_number,
        "date": page.date.isoformat(),
        "format": page.format,
        "series": series and dict(zip(("id", "slug", "title"), series, strict=True)),
        "tags": [
            {"name": name, "label": label, "slug": slug}
            for name, label, slug, _id in themes
        ],
        "intro": {"html": public_html(page.intro), "text": page.intro_text},
        "summary_easy": page.summary_easy,
        "section_types": list(dict.fromkeys(row[1] for row in sections)),
        "url": url,
        "pdf_url": url and url + page.reverse_subpage("pdf"),
    }
    return RecapEntry(
        edition_id=page.pk,
        parent_id=series[0] if series else None,
        date=page.date,
        edition_number=page.edition_number,
        data=data,
        ref={
            "id": page.pk,
            "title": page.title,
            "date": data["date"],
            "url": url,
        },
        theme_ids=[theme[-1] for theme in themes],
        section_counts=dict(Counter(row[1] for row in sections)),
    )


def refresh_public_state(pages, public=None, rows=None):
    """Keep ``public_fingerprint`` / ``public_updated_at`` of ``pages`` in step.

    ``public`` are the pages among them that are public (computed when
    ``None``); ``rows``, their section rows if just written (read otherwise).
    ``public_updated_at`` moves to now only when the fingerprint changes: new
    content, a renamed or merged theme, a renamed series, a move, a
    withdrawal; not an unchanged republication. An empty fingerprint (an
    edition published before the column existed) is filled in without moving
    the date. Two queries, then the changed rows in one or two statements.
    """
    pages = list(pages)
    if not pages:
        return
    if public is None:
        public = _public(pages)
    sections, themes, series = _public_facts(public, rows)
    entries = [
        _entry(
            page,
            sections[page.pk],
            themes[page.pk],
            series.get(page.path[: -page.steplen]),
        )
        for page in public
    ]
    digests = {page.pk: REMOVED for page in pages}
    for entry in entries:
        digests[entry.edition_id] = fingerprint(entry.data, sections[entry.edition_id])
    stored = dict(
        RecapPage.objects.filter(pk__in=list(digests)).values_list(
            "pk", "public_fingerprint"
        )
    )
    dated = set(
        RecapPage.objects.filter(
            pk__in=list(digests), public_updated_at__isnull=False
        ).values_list("pk", flat=True)
    )
    changed = {
        pk: digest for pk, digest in digests.items() if stored.get(pk, digest) != digest
    }
    if not changed:
        _write_entries(pages, entries)
        return
    # First digest of an edition dated by the migration, or of one never public.
    silent = {
        pk
        for pk, digest in changed.items()
        if not stored[pk] and ((pk in dated) != (digest == REMOVED))
    }
    now = timezone.now()
    for page in pages:
        if page.pk in changed:
            page.public_fingerprint = changed[page.pk]
            if page.pk not in silent:
                page.public_updated_at = now
    update_rows(
        [page for page in pages if page.pk in changed and page.pk not in silent],
        ["public_fingerprint", "public_updated_at"],
    )
    update_rows([page for page in pages if page.pk in silent], ["public_fingerprint"])
    _write_entries(pages, entries)
    _notify(
        [page for page in pages if page.pk in changed and page.pk not in silent],
        stored,
        now,
    )


def announce_new_addresses(pages):
    """The public editions among ``pages`` changed for every client although
    their stored representation did not: the site's base URL moved, so every
    absolute ``url``, ``api_url`` and ``pdf_url`` did. Their
    ``public_updated_at`` moves to now (an ``updated`` entry of the change
    feed) and each gets an ``updated`` webhook delivery. Returns how many."""
    pages = list(
        pages.published()
        .exclude(public_fingerprint__in=("", REMOVED))
        .defer("body")
        .order_by("pk")
    )
    if not pages:
        return 0
    now = timezone.now()
    RecapPage.objects.filter(pk__in=[page.pk for page in pages]).update(
        public_updated_at=now
    )
    for page in pages:
        page.public_updated_at = now
    _notify(pages, {page.pk: page.public_fingerprint for page in pages}, now)
    return len(pages)


@transaction.atomic
def _write_entries(pages, entries):
    """Replace the :class:`RecapEntry` rows of ``pages`` by ``entries`` (those
    of the public ones), and the stored counts by as much
    (:class:`~recaps.models.themes.ThemeCount`,
    :class:`~recaps.models.themes.IndexCount`): the entries removed no longer
    count under the themes and series they were counted under, the new ones
    count under theirs."""
    gone = RecapEntry.objects.filter(edition__in=[page.pk for page in pages])
    changes = Counter()
    counts = Counter()
    for series_id, theme_ids, section_counts in gone.select_for_update().values_list(
        "parent_id", "theme_ids", "section_counts"
    ):
        for theme_id in theme_ids:
            changes[theme_id, series_id] -= 1
        counts.subtract(index_count_keys(series_id, theme_ids, section_counts))
    for entry in entries:
        for theme_id in entry.theme_ids:
            changes[theme_id, entry.parent_id] += 1
        counts.update(
            index_count_keys(entry.parent_id, entry.theme_ids, entry.section_counts)
        )
    gone.delete()
    RecapEntry.objects.bulk_create(entries, batch_size=500)
    ThemeCount.objects.add(changes)
    IndexCount.objects.add(counts)


def _notify(pages, stored, now):
    """Webhook deliveries for the editions whose public state changed, in the
    same transaction (:mod:`recaps.webhooks`)."""
    if not pages or not WebhookSubscription.objects.filter(active=True).exists():
        return
    public = set(
        RecapPage.objects.published()
        .filter(pk__in=[page.pk for page in pages])
        .values_list("pk", flat=True)
    )
    entries = []
    for page in pages:
        if page.public_fingerprint == REMOVED:
            action = "removed"
        elif page.pk not in public:
            continue  # live but scheduled or expired: not public yet
        elif stored.get(page.pk) in ("", REMOVED):
            action = "published"
        else:
            action = "updated"
        url = page.get_full_url() if action != "removed" else None
        entries.append(payload(page.pk, page.translation_key, action, now, url))
    enqueue(entries)


def rebuild_index(batch_size=200):
    """Rebuild the whole index from the editions' live content."""
    RecapSection.objects.all().delete()
    RecapEntry.objects.all().delete()
    ThemeCount.objects.all().delete()
    IndexCount.objects.all().delete()
    count = 0
    editions = RecapPage.objects.live().order_by("pk")
    for start in range(0, editions.count(), batch_size):
        count += index_editions(editions[start : start + batch_size])
    return count
