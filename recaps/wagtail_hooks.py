"""Registration of the recaps admin with Wagtail: hooks, menus, views, URLs.

Nothing else lives here: the admin itself is the :mod:`recaps.admin` package
(one module per concern), and signals are connected in
:mod:`recaps.signal_handlers`.
"""

import json

from django.apps import apps
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.rich_text.converters.editor_html import WhitelistRule
from wagtail.whitelist import allow_without_attributes, attribute_rule

from .admin.documents import URL_NAME as FROM_DOCUMENT_URL_NAME
from .admin.documents import (
    EditionFromDocumentMenuItem,
    edition_from_document_view,
)
from .admin.editions import edition_listing_viewset, theme_autocomplete_view
from .admin.empty_sections import (
    warn_of_empty_sections,
    warn_of_empty_sections_on_submission,
)
from .admin.forms import THEME_AUTOCOMPLETE_URL_NAME
from .admin.new_edition import reset_copied_edition
from .admin.pdf import (
    URL_NAME,
    EditionPdfActionMenuItem,
    EditionPdfMenuItem,
    edition_pdf_view,
)
from .admin.venue import warn_of_missing_venue
from .admin.webhooks import failing_webhooks_panel, webhooks_viewset_group
from .importers.old_site import REDIRECTS, short_link_redirect

# The “Thèmes” menu needs wagtail-modeladmin (an optional library for the
# reusable app, imported only where installed); recaps works without it.
if apps.is_installed("wagtail_modeladmin"):
    from wagtail_modeladmin.options import modeladmin_register

    from .admin.themes import ThemeAdmin

    modeladmin_register(ThemeAdmin)


@hooks.register("register_admin_viewset")
def register_edition_listing():
    return edition_listing_viewset


@hooks.register("register_admin_urls")
def register_edition_pdf_url():
    return [path("recaps/editions/<int:page_id>/pdf/", edition_pdf_view, name=URL_NAME)]


@hooks.register("register_admin_urls")
def register_theme_autocomplete_url():
    return [
        path(
            "recaps/themes/autocomplete/",
            theme_autocomplete_view,
            name=THEME_AUTOCOMPLETE_URL_NAME,
        )
    ]


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
    """The edition editor's enhancements (recaps/static/recaps/admin/editor.js),
    with the French phrases it shows."""
    phrases = {
        "item": _("item %(item)s of section %(section)s"),
        "subitem": _("sub-item %(subitem)s of item %(item)s of section %(section)s"),
    }
    return format_html(
        '<script src="{}" data-recaps-phrases="{}"></script>',
        static("recaps/admin/editor.js"),
        json.dumps(phrases, ensure_ascii=False),
    )


@hooks.register("insert_global_admin_css")
def editor_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("recaps/admin/editor.css")
    )


@hooks.register("register_admin_viewset")
def register_webhooks():
    return webhooks_viewset_group


hooks.register("construct_homepage_panels", failing_webhooks_panel)
hooks.register("after_copy_page", reset_copied_edition)
hooks.register("before_publish_page", warn_of_empty_sections)
hooks.register("after_create_page", warn_of_empty_sections_on_submission)
hooks.register("after_edit_page", warn_of_empty_sections_on_submission)
hooks.register("after_create_page", warn_of_missing_venue)
hooks.register("after_edit_page", warn_of_missing_venue)


@hooks.register("register_rich_text_features")
def register_import_features(features):
    """Rich text rules the WordPress importer needs beyond Wagtail's own.

    Wagtail whitelists ``blockquote``, ``s``, ``sub`` and ``sup`` only for
    Draftail, and ``ol`` without its ``start`` attribute; imported quotes,
    struck-out words, subscripts, superscripts and lists that start at 3 keep
    them.
    """
    features.register_converter_rule(
        "editorhtml",
        "blockquote",
        [WhitelistRule("blockquote", allow_without_attributes)],
    )
    for feature, element in [
        ("strikethrough", "s"),
        ("subscript", "sub"),
        ("superscript", "sup"),
    ]:
        features.register_converter_rule(
            "editorhtml", feature, [WhitelistRule(element, allow_without_attributes)]
        )
    features.register_converter_rule(
        "editorhtml",
        "ol-start",
        [
            WhitelistRule("ol", attribute_rule({"start": True})),
            WhitelistRule("li", allow_without_attributes),
        ],
    )


if REDIRECTS:

    @hooks.register("before_serve_page")
    def follow_wordpress_short_links(page, request, serve_args, serve_kwargs):
        """``/?p=12`` of an imported WordPress site leads to its edition.

        The importer redirects each post's short link
        (:mod:`recaps.importers.old_site`), but such an address reaches the home
        page, which exists: Wagtail's redirect middleware, which only looks at
        addresses answering 404, never sees it.
        """
        redirect = short_link_redirect(request)
        if redirect is None or not redirect.link:
            return None
        if redirect.is_permanent:
            return HttpResponsePermanentRedirect(redirect.link)
        return HttpResponseRedirect(redirect.link)
