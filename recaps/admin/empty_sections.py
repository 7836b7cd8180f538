"""Editors are warned of the sections readers will not see (a heading with
nothing under it) when they publish, submit for moderation or approve.

Hooks registered in :mod:`recaps.wagtail_hooks`.
"""

from django.contrib import messages
from django.utils.translation import gettext, ngettext

from ..models import RecapPage


def warn_of_empty_sections(request, page):
    """``before_publish_page``: publishing goes on, but the editor learns which
    headings readers won't see."""
    if not isinstance(page, RecapPage):
        return None
    empty = page.empty_sections()
    if empty:
        headings = ", ".join(
            gettext("“%(heading)s”")
            % {"heading": child.value.get("heading") or child.block.label}
            for child in empty
        )
        messages.warning(
            request,
            ngettext(
                "The section %(headings)s has nothing under its heading: readers "
                "will not see it. Add points to it or remove it.",
                "The sections %(headings)s have nothing under their heading: "
                "readers will not see them. Add points to them or remove them.",
                len(empty),
            )
            % {"headings": headings},
        )
    return None


def warn_of_empty_sections_on_submission(request, page):
    """``after_create_page``/``after_edit_page``: submitting for moderation, and
    approving (which publishes), warn too: in a moderated series the editor
    never presses “Publish” themselves."""
    if (
        "action-submit" in request.POST
        or request.POST.get("workflow-action-name") == "approve"
    ):
        return warn_of_empty_sections(request, page)
    return None
