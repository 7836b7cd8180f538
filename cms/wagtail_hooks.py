"""The project's admin: a French guide for editors in the help menu, instead
of Wagtail's English pages on guide.wagtail.org."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .views import editor_guide

#: Wagtail's help menu items that lead to English pages outside the site.
ENGLISH_HELP_ITEMS = ("editor-guide",)


@hooks.register("register_admin_urls")
def register_editor_guide_url():
    return [path("guide/", editor_guide, name="cms_editor_guide")]


@hooks.register("register_help_menu_item")
def register_editor_guide_menu_item():
    return MenuItem(
        _("Guide for editors"),
        reverse_lazy("cms_editor_guide"),
        icon_name="help",
        name="guide-redaction",
        order=900,
    )


@hooks.register("construct_help_menu")
def drop_english_help_items(request, items):
    items[:] = [
        item
        for item in items
        if item.name not in ENGLISH_HELP_ITEMS
        and not item.name.startswith("whats-new-in-wagtail")
    ]
