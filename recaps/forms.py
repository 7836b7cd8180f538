"""Admin forms of the recaps app."""

import re

from wagtail.admin.forms.pages import CopyForm

from .editing import next_edition_values


class RecapCopyForm(CopyForm):
    """Copy form that proposes the next edition's title and slug.

    The edition number and date of the copy are reset by the ``after_copy_page``
    hook (see :func:`recaps.editing.next_edition_values`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.page.specific
        values = next_edition_values(source)
        self.fields["new_slug"].initial = values["slug"]
        self.fields["new_title"].initial = re.sub(
            rf"\b{source.edition_number}\b",
            str(values["edition_number"]),
            source.title,
        )
