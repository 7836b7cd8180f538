"""Load a series and its editions from structured data (a parsed YAML/JSON file).

The data has the shape of ``home/demo_data/petites-ebullitions.yaml``: a ``series``
mapping and a list of ``editions``, each with a ``body`` of typed sections (turned
into StreamField data by :mod:`recaps.stream`). Pages are matched by slug, so
loading the same data twice updates instead of duplicating.
"""

import datetime

from django.db import transaction

from ..models import RecapPage, RecapSeriesPage
from ..stream import UnknownSectionType, section_to_stream

SERIES_FIELDS = [
    "title",
    "organiser",
    "presentation",
    "registration_status",
    "registration_message",
    "registration_url",
    "participation_heading",
    "participation_info",
    "contact_name",
    "contact_phone",
    "contact_email",
]
EDITION_FIELDS = [
    "title",
    "edition_number",
    "format",
    "participation_note",
    "intro",
    "summary_easy",
]


class StructuredDataError(ValueError):
    """The data does not describe a series of recaps."""


def _parse_date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as error:
        raise StructuredDataError(f"invalid date {value!r}") from error


def save_page(page, parent, publish):
    """Save a new or changed page as a revision; publish it or leave a draft.

    A new page saved as a draft is created not live, as the admin would; a live
    page saved as a draft keeps its published version and gains a pending revision.
    """
    created = page.pk is None
    if created:
        if not publish:
            page.live = False
        parent.add_child(instance=page)
    # add_child() has just validated the same content: don't clean it twice.
    revision = page.save_revision(clean=not created)
    if publish:
        revision.publish()
    return page


@transaction.atomic
def load_series(data, parent, publish=True):
    """Create or update the series and its editions under ``parent``.

    Returns ``(series, created_count, updated_count)``.
    """
    try:
        series_data = data["series"]
        editions = data["editions"]
    except (KeyError, TypeError) as error:
        raise StructuredDataError("expected 'series' and 'editions' keys") from error

    series = (
        RecapSeriesPage.objects.child_of(parent)
        .filter(slug=series_data["slug"])
        .first()
    )
    if series is None:
        series = RecapSeriesPage(slug=series_data["slug"])
    for field in SERIES_FIELDS:
        if field in series_data:
            setattr(series, field, series_data[field] or "")
    save_page(series, parent, publish)

    created = updated = 0
    for edition_data in editions:
        page = (
            RecapPage.objects.child_of(series).filter(slug=edition_data["slug"]).first()
        )
        if page is None:
            page = RecapPage(slug=edition_data["slug"])
            created += 1
        else:
            page = page.get_latest_revision_as_object()
            updated += 1
        for field in EDITION_FIELDS:
            if field in edition_data:
                setattr(page, field, edition_data[field] or "")
        page.date = _parse_date(edition_data["date"])
        try:
            page.body = [section_to_stream(s) for s in edition_data.get("body") or []]
        except UnknownSectionType as error:
            raise StructuredDataError(str(error)) from error
        page.tags.set(edition_data.get("tags") or [], clear=True)
        save_page(page, series, publish)
    return series, created, updated
