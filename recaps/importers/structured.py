"""Load a series and its editions from structured data (a parsed YAML/JSON file).

The data has the shape of ``home/demo_data/petites-ebullitions.yaml``: a ``series``
mapping and a list of ``editions``, each with a ``body`` of typed sections. Pages
are matched by slug, so loading the same data twice updates instead of duplicating.
"""

import datetime
import uuid

from django.db import transaction

from ..blocks import MEDIA_TYPES, SECTION_TYPES
from ..models import RecapPage, RecapSeriesPage
from .sanitize import as_paragraphs

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
EDITION_FIELDS = ["title", "edition_number", "format", "participation_note", "intro"]


class StructuredDataError(ValueError):
    """The data does not describe a series of recaps."""


def _item(data, new_id):
    return {
        "text": as_paragraphs(data["text"]),
        "children": [
            {
                "type": "item",
                "value": {"text": as_paragraphs(child["text"])},
                "id": new_id(),
            }
            for child in data.get("children") or []
        ],
    }


def _id():
    return str(uuid.uuid4())


def media_value(section):
    """Raw value of a media block (``image``, ``table``, ``code``, ``embed``)."""
    kind = section["type"]
    if kind == "image":
        return {
            "image": section["image"],
            "alt": section.get("alt", ""),
            "caption": section.get("caption", ""),
        }
    if kind == "table":
        return {
            "data": section.get("rows") or [],
            "first_row_is_table_header": bool(section.get("header")),
            "first_col_is_header": False,
            "table_caption": section.get("caption", ""),
        }
    if kind == "code":
        return {"language": section.get("language", ""), "code": section["code"]}
    return {"url": section["url"], "caption": section.get("caption", "")}


def section_to_stream(section, new_id=_id):
    """Convert one section mapping to StreamField raw data.

    ``new_id`` makes the block ids (random UUIDs by default).
    """
    kind = section.get("type")
    if kind in MEDIA_TYPES:
        return {"type": kind, "value": media_value(section), "id": new_id()}
    if kind not in SECTION_TYPES:
        raise StructuredDataError(f"unknown section type {kind!r}")
    if kind == "text":
        value = {
            "heading": section.get("heading", ""),
            "text": as_paragraphs(section.get("text", "")),
        }
    else:
        value = {
            "heading": section["heading"],
            "intro": as_paragraphs(section.get("intro", "")),
            "items": [
                {"type": "item", "value": _item(item, new_id), "id": new_id()}
                for item in section.get("items") or []
            ],
        }
        if kind == "resources":
            value["links"] = [
                {
                    "type": "item",
                    "value": {
                        "title": link["title"],
                        "url": link.get("url", ""),
                        "document": link.get("document"),
                        "description": link.get("description", ""),
                    },
                    "id": new_id(),
                }
                for link in section.get("links") or []
            ]
    return {"type": kind, "value": value, "id": new_id()}


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
        page.body = [section_to_stream(s) for s in edition_data.get("body") or []]
        page.tags.set(edition_data.get("tags") or [], clear=True)
        save_page(page, series, publish)
    return series, created, updated
