"""Admin customisation of the recaps app."""

from django.apps import apps
from wagtail import hooks
from wagtail.admin.rich_text.converters.editor_html import WhitelistRule
from wagtail.signals import init_new_page
from wagtail.whitelist import allow_without_attributes, attribute_rule

from .admin.editions import edition_listing_viewset
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
