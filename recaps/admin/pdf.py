"""Editors' PDFs: an edition's latest revision, before it is published, and the
digest of a theme, from the admin (see :mod:`recaps.pdf`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.models import Page

from ..models import RecapPage
from ..pdf import draft_edition_pdf

URL_NAME = "recaps_edition_pdf"


def edition_pdf_view(request, page_id):
    """The PDF of the latest revision of an edition, for users who may edit it."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, RecapPage):
        raise Http404
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    response = draft_edition_pdf(request, page)
    add_never_cache_headers(response)  # an editor's draft: never kept by a cache
    return response


def is_edition(page):
    return issubclass(page.specific_class or Page, RecapPage)


class EditionPdfMenuItem(PageMenuItem):
    """“PDF” in an edition's header and listing menus."""

    label = _("PDF of the latest version")
    icon_name = "doc-full"
    url_name = URL_NAME
    priority = 66

    def is_shown(self, user):
        return is_edition(self.page) and (
            self.page.permissions_for_user(user).can_edit()
        )


class EditionPdfActionMenuItem(ActionMenuItem):
    """“PDF” among the actions at the foot of an edition's edit view."""

    label = _("Download the PDF of the latest saved version")
    name = "action-recaps-pdf"
    icon_name = "doc-full"
    order = 60

    def is_shown(self, context):
        if context["view"] != "edit" or not is_edition(context["page"]):
            return False
        return self.get_user_page_permissions_tester(context).can_edit()

    def get_url(self, parent_context):
        return reverse(URL_NAME, args=[parent_context["page"].pk])
