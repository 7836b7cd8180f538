"""Admin customisation of the recaps app."""

from django.apps import apps
from django.contrib import messages
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from wagtail import hooks
from wagtail.admin.rich_text.converters.editor_html import WhitelistRule
from wagtail.signals import init_new_page
from wagtail.whitelist import allow_without_attributes, attribute_rule

from .admin.documents import URL_NAME as FROM_DOCUMENT_URL_NAME
from .admin.documents import (
    EditionFromDocumentMenuItem,
    edition_from_document_view,
)
from .admin.editions import edition_listing_viewset
from .admin.pdf import (
    URL_NAME,
    EditionPdfActionMenuItem,
    EditionPdfMenuItem,
    edition_pdf_view,
)
from .admin.webhooks import webhooks_viewset_group
from .editing import next_edition_values, prefill_on_create

# init_new_page is only sent by the admin's create view, and the admin loads
# this module before serving any view: connecting here is enough.
init_new_page.connect(prefill_on_create, dispatch_uid="recaps_prefill_edition")

# The “Thèmes” menu needs wagtail-modeladmin; recaps works without it.
if apps.is_installed("wagtail_modeladmin"):
    from wagtail_modeladmin.options import modeladmin_register

    from .modeladmin import ThemeAdmin

    modeladmin_register(ThemeAdmin)


@hooks.register("register_admin_viewset")
def register_edition_listing():
    return edition_listing_viewset


@hooks.register("register_admin_urls")
def register_edition_pdf_url():
    return [path("recaps/editions/<int:page_id>/pdf/", edition_pdf_view, name=URL_NAME)]


@hooks.register("register_admin_urls")
def register_edition_from_document_url():
    return [
        path(
            "recaps/series/<int:page_id>/edition-from-document/",
            edition_from_document_view,
            name=FROM_DOCUMENT_URL_NAME,
        )
    ]


@hooks.register("register_page_header_buttons")
def edition_from_document_header_button(page, user, view_name, next_url=None):
    yield EditionFromDocumentMenuItem(page=page)


@hooks.register("register_page_listing_more_buttons")
def edition_from_document_listing_button(page, user, next_url=None):
    yield EditionFromDocumentMenuItem(page=page)


@hooks.register("register_page_action_menu_item")
def register_edition_pdf_action():
    return EditionPdfActionMenuItem()


@hooks.register("register_page_header_buttons")
def edition_pdf_header_button(page, user, view_name, next_url=None):
    yield EditionPdfMenuItem(page=page)


@hooks.register("register_page_listing_more_buttons")
def edition_pdf_listing_button(page, user, next_url=None):
    yield EditionPdfMenuItem(page=page)


@hooks.register("insert_editor_js")
def editor_js():
    """The edition editor's enhancements (recaps/static/recaps/admin/editor.js)."""
    return format_html('<script src="{}"></script>', static("recaps/admin/editor.js"))


@hooks.register("insert_global_admin_css")
def editor_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("recaps/admin/editor.css")
    )


@hooks.register("register_admin_viewset")
def register_webhooks():
    return webhooks_viewset_group


@hooks.register("after_copy_page")
def reset_copied_edition(request, page, new_page):
    """A copied edition becomes the next one: next number, next free Friday."""
    from .models import RecapPage

    copy = new_page.specific
    if not isinstance(copy, RecapPage) or copy.alias_of_id:
        # Aliases mirror their original by design: leave them alone.
        return None
    values = next_edition_values(page.specific, series=copy.get_parent())
    copy.edition_number = values["edition_number"]
    copy.date = values["date"]
    copy.save()
    revision = copy.save_revision(user=request.user, log_action=False)
    if copy.live:
        revision.publish(user=request.user)
    return None


@hooks.register("before_publish_page")
def warn_of_empty_sections(request, page):
    """Publishing goes on, but the editor learns which headings readers won't see."""
    from .models import RecapPage

    if not isinstance(page, RecapPage):
        return None
    empty = page.empty_sections()
    if empty:
        headings = ", ".join(
            gettext("“%(heading)s”")
            % {"heading": child.value.get("heading") or child.block.label}
            for child in empty
        )
        messages.warning(
            request,
            ngettext(
                "The section %(headings)s has nothing under its heading: readers "
                "will not see it. Add points to it or remove it.",
                "The sections %(headings)s have nothing under their heading: "
                "readers will not see them. Add points to them or remove them.",
                len(empty),
            )
            % {"headings": headings},
        )
    return None


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def warn_of_empty_sections_on_submission(request, page):
    """Submitting for moderation, and approving (which publishes), warn too: in
    a moderated series the editor never presses “Publish” themselves."""
    if (
        "action-submit" in request.POST
        or request.POST.get("workflow-action-name") == "approve"
    ):
        return warn_of_empty_sections(request, page)
    return None


@hooks.register("register_rich_text_features")
def register_import_features(features):
    """Rich text rules the WordPress importer needs beyond Wagtail's own.

    Wagtail whitelists ``blockquote`` only for Draftail, and ``ol`` without its
    ``start`` attribute; imported quotes and lists that start at 3 keep them.
    """
    features.register_converter_rule(
        "editorhtml",
        "blockquote",
        [WhitelistRule("blockquote", allow_without_attributes)],
    )
    features.register_converter_rule(
        "editorhtml",
        "ol-start",
        [
            WhitelistRule("ol", attribute_rule({"start": True})),
            WhitelistRule("li", allow_without_attributes),
        ],
    )
