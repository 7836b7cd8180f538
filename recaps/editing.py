"""What the admin can guess when an edition is started: number, date, sections.

Used when a new edition is created under a series (``init_new_page`` signal) and
when an existing edition is copied to start the next one (``after_copy_page``).
"""

import datetime
import re

from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from .blocks import RecapBodyBlock

#: The sections a new edition starts with, in reading order.
DEFAULT_SECTIONS = ["highlights", "observations", "reflections", "nuggets", "resources"]

FRIDAY = 4


def next_friday(day=None, *, strictly_after=False):
    """The next Friday on or after ``day`` (today by default).

    A Friday counts as its own "next Friday" (an edition is often written on the
    day of the meeting) unless ``strictly_after`` is set.
    """
    day = day or timezone.localdate()
    delta = (FRIDAY - day.weekday()) % 7
    if delta == 0 and strictly_after:
        delta = 7
    return day + datetime.timedelta(days=delta)


def next_edition_number(series):
    """One more than the highest edition number of the series, drafts included."""
    from .models import RecapPage

    highest = RecapPage.objects.child_of(series).aggregate(Max("edition_number"))
    return (highest["edition_number__max"] or 0) + 1


def default_body():
    """Raw stream data: the usual sections, each with its default heading."""
    body_block = RecapBodyBlock()
    return [
        (name, body_block.child_blocks[name].get_default()) for name in DEFAULT_SECTIONS
    ]


def prefill_new_edition(page, series):
    """Fill an unsaved edition with the next number, the next Friday and sections."""
    page.edition_number = next_edition_number(series)
    page.date = next_friday()
    page.body = default_body()


def next_free_friday(series, after, exclude=None):
    """The first Friday strictly after ``after`` that no edition of ``series`` uses."""
    from .models import RecapPage

    taken = set(
        RecapPage.objects.child_of(series)
        .exclude(pk=getattr(exclude, "pk", None))
        .filter(date__gt=after)
        .values_list("date", flat=True)
    )
    day = next_friday(after, strictly_after=True)
    while day in taken:
        day += datetime.timedelta(weeks=1)
    return day


def unique_slug(series, base, exclude=None):
    """``base`` or ``base-2``, ``base-3``… whichever no sibling page uses."""
    from wagtail.models import Page

    used = set(
        Page.objects.child_of(series)
        .exclude(pk=getattr(exclude, "pk", None))
        .values_list("slug", flat=True)
    )
    slug, counter = base, 1
    while slug in used:
        counter += 1
        slug = f"{base}-{counter}"
    return slug


def derived_slug(source, number):
    """The source's slug with its edition number replaced (or appended)."""
    base = re.sub(rf"-?{source.edition_number}$", "", source.slug) or "edition"
    return slugify(f"{base}-{number}")


def next_edition_values(source, series=None):
    """Number, date and slug that a copy of ``source`` should start with."""
    series = series or source.get_parent()
    number = next_edition_number(series)
    return {
        "edition_number": number,
        "date": next_free_friday(series, source.date),
        "slug": unique_slug(series, derived_slug(source, number)),
    }


def prefill_on_create(sender, page, parent, **kwargs):
    """``init_new_page`` receiver: pre-fill editions created in the admin."""
    from .models import RecapPage

    if isinstance(page, RecapPage):
        prefill_new_edition(page, parent)
