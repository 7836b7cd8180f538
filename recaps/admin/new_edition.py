"""Starting an edition: the create form pre-filled, a copy made the next edition.

A new edition created under a series gets the next number, the next Friday and
the usual sections (:func:`prefill_on_create`, an ``init_new_page`` receiver
connected in :mod:`recaps.signal_handlers`); a copied edition becomes the next
one (:func:`reset_copied_edition`, an ``after_copy_page`` hook registered in
:mod:`recaps.wagtail_hooks`). The series answers the questions
(:class:`~recaps.models.RecapSeriesPage`).
"""

import uuid

from wagtail.blocks import StreamValue

from ..models import RecapPage
from ..models.series import next_friday

#: The sections a new edition starts with, in reading order.
DEFAULT_SECTIONS = ["highlights", "observations", "reflections", "nuggets", "resources"]


def default_body():
    """A new edition's body: the usual sections, each with its default heading
    and its own block id (the admin names a section's panel after its id:
    without ids, the five panels share one HTML id and one accessible name)."""
    body_block = RecapPage._meta.get_field("body").stream_block
    return StreamValue(
        body_block,
        [
            (name, body_block.child_blocks[name].get_default(), str(uuid.uuid4()))
            for name in DEFAULT_SECTIONS
        ],
    )


def prefill_new_edition(page, series):
    """Fill an unsaved edition with the next number, the next Friday and sections."""
    page.edition_number = series.next_edition_number()
    page.date = next_friday()
    page.body = default_body()


def prefill_on_create(sender, page, parent, **kwargs):
    """``init_new_page`` receiver: pre-fill editions created in the admin."""
    if isinstance(page, RecapPage):
        prefill_new_edition(page, parent.specific)


def reset_copied_edition(request, page, new_page):
    """``after_copy_page`` hook: a copied edition becomes the next one (next
    number, next free Friday); the slug was proposed by the copy form."""
    copy = new_page.specific
    if not isinstance(copy, RecapPage) or copy.alias_of_id:
        # Aliases mirror their original by design: leave them alone.
        return None
    values = copy.get_parent().specific.next_edition_values(page.specific)
    copy.edition_number = values["edition_number"]
    copy.date = values["date"]
    copy.save()
    revision = copy.save_revision(user=request.user, log_action=False)
    if copy.live:
        revision.publish(user=request.user)
    return None
