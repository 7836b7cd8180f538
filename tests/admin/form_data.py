"""Build the POST data of the edition editor, as the browser would send it."""

from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)


def list_block(values):
    """Form data of a ListBlock whose children are given as form values."""
    data = {
        str(index): {"value": value, "deleted": "", "order": str(index), "id": ""}
        for index, value in enumerate(values)
    }
    data["count"] = str(len(values))
    return data


def section_value(heading, items=()):
    """Form data of a list section; ``items`` are strings or (text, [children])."""
    rows = []
    for item in items:
        text, children = item if isinstance(item, tuple) else (item, [])
        rows.append(
            {
                "text": rich_text(f"<p>{text}</p>"),
                "children": list_block(
                    [{"text": rich_text(f"<p>{child}</p>")} for child in children]
                ),
            }
        )
    return {"heading": heading, "intro": rich_text(""), "items": list_block(rows)}


def edition_form_data(
    *,
    title="Édition",
    slug="edition",
    number=1,
    date="2021-01-08",
    tags="",
    sections=(),
    **extra,
):
    """POST data for the create/edit view of an edition.

    ``sections`` is a list of (type, heading, items); ``extra`` adds raw fields
    such as ``action-publish``.
    """
    body = [(kind, section_value(heading, items)) for kind, heading, items in sections]
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "edition_number": str(number),
            "date": date,
            "format": "visio",
            "participation_note": "",
            "intro": rich_text("<p>Beau moment.</p>"),
            "tags": tags,
            "body": streamfield(body),
            "comments": inline_formset([]),
        }
    )
    data.update(extra)
    return data
