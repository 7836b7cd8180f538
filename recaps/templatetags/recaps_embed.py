"""``{% oembed_discovery %}``: the oEmbed discovery link of the page served."""

from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from ..links import absolute_url

register = template.Library()


@register.simple_tag(takes_context=True)
def oembed_discovery(context, title=""):
    """``<link rel="alternate" type="application/json+oembed">`` for the URL of
    this request (without its query), or nothing where the API is not mounted."""
    request = context.get("request")
    if request is None:
        return ""
    try:
        endpoint = reverse("recaps_api:oembed")
    except NoReverseMatch:
        return ""
    query = urlencode({"url": absolute_url(request.path, request), "format": "json"})
    return format_html(
        '<link rel="alternate" type="application/json+oembed" href="{}" title="{}">',
        f"{absolute_url(endpoint, request)}?{query}",
        title,
    )
