"""Page-number pagination: ``count``, ``next``, ``previous``, ``results``."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination

from .conf import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class ApiPagination(PageNumberPagination):
    """20 results per page by default; ``page_size`` above 100 is cut to 100.

    The parameters are validated (400) by the views before this class reads
    them, so only a page beyond the last one remains: 404, as DRF does.
    """

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    last_page_strings = ()
    invalid_page_message = _("Page {page_number} does not exist.")

    def get_schema_operation_parameters(self, view):
        # The views document page and page_size with their other parameters.
        return []
