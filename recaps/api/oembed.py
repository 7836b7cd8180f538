"""The oEmbed provider: ``/api/v1/oembed/?url=…&format=json`` and its card.

A site that embeds by URL (WordPress and most CMSs) finds the endpoint through
the ``<link rel="alternate" type="application/json+oembed">`` of an edition, a
series or a theme page (``{% oembed_discovery %}``), and gets a ``rich`` answer
whose ``html`` is a sandboxed ``<iframe>`` of the card (``/api/v1/embed/``): a
small self-contained page (no script, no image, no font, no request to anyone;
its Content-Security-Policy says so) with the title, date, themes, first items
and a link. Only public pages (:func:`recaps.embeds.resolve`); anything else is
a 404 in French; ``format=xml`` is a 501 (JSON only).
"""

from urllib.parse import urlencode

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from ..embeds import CARD_HEIGHT, CARD_WIDTH, resolve
from ..links import site_root_url
from .serializers import ErrorSerializer, api_url
from .views import ERRORS, ApiView, present


class FormatNotImplemented(APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = _("Only format=json is available.")
    default_code = "not_implemented"


class JsonOnly(DefaultContentNegotiation):
    """JSON whatever ``format=`` says: oEmbed's ``format`` is a parameter of
    the view (``xml`` gets a 501), not DRF's choice of renderer (a 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OEmbedForm(forms.Form):
    url = forms.CharField(
        max_length=2000,
        help_text=_("URL of a public edition, series or theme page of this site."),
    )
    format = forms.CharField(
        required=False, help_text=_("json (the default); xml is not available.")
    )
    maxwidth = forms.IntegerField(
        required=False, min_value=1, help_text=_("Largest width, in pixels.")
    )
    maxheight = forms.IntegerField(
        required=False, min_value=1, help_text=_("Largest height, in pixels.")
    )


class OEmbedSerializer(serializers.Serializer):
    """An oEmbed 1.0 ``rich`` answer."""

    version = serializers.CharField(help_text=_("Always 1.0."))
    type = serializers.CharField(help_text=_("Always rich."))
    title = serializers.CharField()
    provider_name = serializers.CharField()
    provider_url = serializers.URLField()
    html = serializers.CharField(
        help_text=_("A sandboxed iframe of the card, to insert as is.")
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()


@extend_schema(
    summary=_("oEmbed"),
    description=_(
        "oEmbed 1.0 for an edition, a series or a theme page of this site: a rich "
        "answer whose html is a sandboxed iframe of a small card. 404 for any "
        "other URL, and for pages that are not public."
    ),
    parameters=[
        OpenApiParameter(
            name,
            OpenApiTypes.STR if name in ("url", "format") else OpenApiTypes.INT,
            OpenApiParameter.QUERY,
            required=name == "url",
            description=str(field.help_text),
        )
        for name, field in OEmbedForm.base_fields.items()
    ],
    responses={200: OEmbedSerializer, 501: ErrorSerializer, **ERRORS},
)
class OEmbedView(ApiView):
    """oEmbed JSON of a public page of the site."""

    operation_id = "oembed"
    title = _("oEmbed")
    content_negotiation_class = JsonOnly
    filter_backends = []
    pagination_class = None

    def get(self, request):
        form = OEmbedForm(present(request.query_params))
        if not form.is_valid():
            raise ValidationError(
                {name: list(messages) for name, messages in form.errors.items()}
            )
        data = form.cleaned_data
        if (data["format"] or "json").lower() != "json":
            raise FormatNotImplemented()
        embed = resolve(data["url"], request)
        if embed is None:
            raise NotFound(gettext("No public page of this site at this address."))
        width = min(data["maxwidth"] or CARD_WIDTH, CARD_WIDTH)
        height = min(data["maxheight"] or CARD_HEIGHT, CARD_HEIGHT)
        card = api_url(request, "embed") + "?" + urlencode({"url": embed.url})
        html = format_html(
            '<iframe src="{}" title="{}" width="{}" height="{}" '
            'sandbox="allow-popups allow-popups-to-escape-sandbox" '
            'loading="lazy" referrerpolicy="no-referrer" '
            'style="border:1px solid #ccc;border-radius:4px"></iframe>',
            card,
            embed.title,
            width,
            height,
        )
        return Response(
            {
                "version": "1.0",
                "type": "rich",
                "title": embed.title,
                "provider_name": getattr(
                    settings, "WAGTAIL_SITE_NAME", embed.series.title
                ),
                "provider_url": site_root_url(request) + "/",
                "html": str(html),
                "width": width,
                "height": height,
            }
        )


#: The card asks for nothing: no script, image, font or frame; only its own
#: inline style. Any site may frame it.
CARD_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "script-src": None,
    "img-src": None,
    "font-src": None,
    "connect-src": None,
    "frame-src": None,
    "frame-ancestors": ["*"],
    "form-action": ["'none'"],
}


@require_safe
@xframe_options_exempt
@csp_replace(CARD_POLICY)
def embed_card(request):
    """The card of a public page (``?url=``), for the oEmbed iframe."""
    embed = resolve(request.GET.get("url", ""), request)
    if embed is None:
        raise Http404(gettext("No public page of this site at this address."))
    return TemplateResponse(request, "recaps/embed.html", embed.context())
