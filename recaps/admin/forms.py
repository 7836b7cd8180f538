"""The edition's page forms, named by the model (``base_form_class``,
``copy_form_class``).

The models import this module, so it imports no model: what a copy starts with
is asked of the series (:meth:`RecapSeriesPage.next_edition_values`).
"""

import re
from collections import namedtuple

from django.urls import reverse
from django.utils.text import capfirst, slugify
from taggit.utils import edit_string_for_tags
from wagtail.admin.forms.pages import CopyForm, WagtailAdminPageForm
from wagtail.admin.widgets import AdminTagWidget

from ..blocks import name_rich_text_editor

#: The admin URL completing a theme typed in an edition's tags field.
THEME_AUTOCOMPLETE_URL_NAME = "recaps_theme_autocomplete"

#: What taggit's ``edit_string_for_tags`` reads of a tag: its ``name``.
_Written = namedtuple("_Written", "name")


class ThemeTagWidget(AdminTagWidget):
    """An edition's themes field: the themes as readers see them (their
    labels, “Parentalité”), completed with labels too. Saving finds the same
    themes: a label always spells its theme's name."""

    def format_value(self, value):
        if value is not None and not isinstance(value, str):
            value = edit_string_for_tags([_Written(str(theme)) for theme in value])
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-w-tag-url-value"] = reverse(
            THEME_AUTOCOMPLETE_URL_NAME
        )
        return context


class RecapPageForm(WagtailAdminPageForm):
    """The edition's edit form: its rich text intro is named for screen readers.

    What Wagtail's autosave cannot spoil: the slug is ASCII (“décembre” gives
    ``decembre``, an address one can type from paper); a slug that an edition
    never published shares with a sibling gets a free suffix (``-2``) instead
    of an error; and a number proposed automatically is provisional until the
    first publication, which takes the number after the last published edition
    when the proposed one went further (drafts abandoned meanwhile) or is taken.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        intro = self.fields.get("intro")
        if intro is not None:
            name_rich_text_editor(intro.widget, capfirst(intro.label))

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        return slugify(slug) or slug

    @property
    def never_published(self):
        page = self.instance
        # A new page is ``live`` until the create view saves it as a draft.
        return page.pk is None or not (page.live or page.first_published_at)

    def clean(self):
        series = self.parent_page.specific if self.parent_page else None
        if hasattr(series, "unique_slug") and self.never_published:
            slug = self.cleaned_data.get("slug")
            if slug:
                self.cleaned_data["slug"] = series.unique_slug(
                    slug, exclude=self.instance
                )
            if self.data.get("action-publish"):
                self.number_on_first_publication(series)
        return super().clean()

    def number_on_first_publication(self, series):
        """Give an edition published for the first time the next published
        number when its number is the proposed one and went too far or is taken."""
        number = self.cleaned_data.get("edition_number")
        if number is None:
            return
        if self.instance.pk is None:
            proposed = number == series.next_edition_number()
        else:
            proposed = "edition_number" not in self.changed_data
        expected = series.next_published_number(exclude=self.instance)
        if proposed and (
            number > expected
            or series.published_number_taken(number, exclude=self.instance)
        ):
            self.cleaned_data["edition_number"] = expected


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
