"""Editors are warned when an in-person or hybrid edition's series has no
venue address: search engines then get no place for the meeting.

Hooks registered in :mod:`recaps.wagtail_hooks`.
"""

from django.contrib import messages
from django.utils.translation import gettext

from ..models import RecapPage
from ..models.edition import MeetingFormat


def warn_of_missing_venue(request, page):
    """``after_create_page``/``after_edit_page``: saving goes on, but the
    editor learns that the series needs an address."""
    if not isinstance(page, RecapPage) or page.format not in (
        MeetingFormat.PRESENTIEL,
        MeetingFormat.HYBRIDE,
    ):
        return None
    series = page.get_parent().specific
    if not getattr(series, "venue_address", "").strip():
        messages.warning(
            request,
            gettext(
                "This edition takes place in person, but the series “%(series)s” "
                "has no address of in-person meetings: search engines will not "
                "know where. Add it in the series' settings."
            )
            % {"series": series.title},
        )
    return None
