"""Template filters of the generic section templates (page, PDF, feeds)."""

from django import template

from ..blocks import item_extras as _item_extras

register = template.Library()


@register.filter
def item_extras(item, kind):
    """``[(label, safe HTML)]`` of the fields of ``item`` (a block value or
    the API's item) that its section ``kind`` declares besides its text and
    sub-items (:mod:`recaps.kinds`): ``{% for label, html in
    item|item_extras:section.type %}``."""
    return _item_extras(kind, item)
