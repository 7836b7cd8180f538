"""Page-number pagination: ``count``, ``next``, ``previous``, ``results``."""

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..filters import IntegerField
from ..links import absolute_url
from .conf import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from .schema import field_schema

MAX_PAGE_NUMBER = 1_000_000


class PageForm(forms.Form):
    """The pagination parameters, validated like the filters."""

    page = IntegerField(
        min_value=1,
        max_value=MAX_PAGE_NUMBER,
        help_text=_("Page number, from 1. A page beyond the last one answers 404."),
    )
    page_size = IntegerField(
        min_value=1,
        max_value=10**9,
        help_text=_(
            "Results per page: 20 by default, at most 100 (larger values are cut)."
        ),
    )


class ApiPagination(PageNumberPagination):
    """20 results per page by default; ``page_size`` above 100 is cut to 100.

    The parameters are validated (400) with the filters before this class reads
    them, so only a page beyond the last one remains: 404, as DRF does.
    """

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    last_page_strings = ()
    invalid_page_message = _("Page {page_number} does not exist.")

    def parameter_errors(self, params):
        """``{parameter: [messages]}`` for invalid ``page`` / ``page_size``."""
        form = PageForm(params)
        return {} if form.is_valid() else dict(form.errors)

    def get_schema_operation_parameters(self, view):
        return [
            build_parameter_type(
                name=name,
                location=OpenApiParameter.QUERY,
                schema=field_schema(field),
                description=str(field.help_text),
            )
            for name, field in PageForm.base_fields.items()
        ]

    def _page_url(self, number):
        """The URL of page ``number``, on the site's public base URL."""
        url = absolute_url(self.request.get_full_path(), self.request)
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_next_link(self):
        if not self.page.has_next():
            return None
        return self._page_url(self.page.next_page_number())

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        return self._page_url(self.page.previous_page_number())
