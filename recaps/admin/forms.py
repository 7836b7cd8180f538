"""The edition's page forms, named by the model (``base_form_class``,
``copy_form_class``).

The models import this module, so it imports no model: what a copy starts with
is asked of the series (:meth:`RecapSeriesPage.next_edition_values`).
"""

import re

from django.utils.text import capfirst
from wagtail.admin.forms.pages import CopyForm, WagtailAdminPageForm

from ..blocks import name_rich_text_editor


class RecapPageForm(WagtailAdminPageForm):
    """The edition's edit form: its rich text intro is named for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        intro = self.fields.get("intro")
        if intro is not None:
            name_rich_text_editor(intro.widget, capfirst(intro.label))


class RecapCopyForm(CopyForm):
    """Copy form that proposes the next edition's title and slug.

    The edition number and date of the copy are reset after the copy
    (:func:`recaps.admin.new_edition.reset_copied_edition`), from the same
    :meth:`RecapSeriesPage.next_edition_values`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.page.specific
        values = source.get_parent().specific.next_edition_values(source)
        self.fields["new_slug"].initial = values["slug"]
        self.fields["new_title"].initial = re.sub(
            rf"\b{source.edition_number}\b",
            str(values["edition_number"]),
            source.title,
        )
