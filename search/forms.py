"""Filters of the reader search, validated one by one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from recaps.blocks import section_labels


class SearchFilterForm(forms.Form):
    """Optional filters: ``?tag=numerique&type=nuggets&date_after=2021-01-01``.

    An invalid filter is dropped (and reported), the others still apply.
    """

    tag = forms.SlugField(required=False, label=_("Theme"))
    type = forms.ChoiceField(required=False, label=_("Kind of section"))
    date_after = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], label=_("From date")
    )
    date_before = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], label=_("Until date")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [
            ("", _("All kinds of sections")),
            *section_labels().items(),
        ]

    def valid_filters(self):
        """The filters that passed validation, empty values left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def ignored_messages(self):
        """One French message per filter that was dropped."""
        self.is_valid()
        return [
            _("The filter “%(label)s” was ignored: %(error)s")
            % {"label": self.fields[name].label, "error": " ".join(errors)}
            for name, errors in self.errors.items()
        ]
