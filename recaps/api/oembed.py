"""The oEmbed provider: ``/api/v1/oembed/?url=…&format=json`` and its card.

A site that embeds by URL (WordPress and most CMSs) finds the endpoint through
the ``<link rel="alternate" type="application/json+oembed">`` of an edition, a
series or a theme page (``{% oembed_discovery %}``), and gets a ``rich`` answer
whose ``html`` is a sandboxed ``<iframe>`` of the card (``/api/v1/embed/``): a
small self-contained page (no script, no image, no font, no request to anyone;
its Content-Security-Policy says so) with the title, date, themes, first items
and a link. Only public pages (:func:`recaps.embeds.resolve`); anything else is
a 404 in French; ``format=xml`` is a French 400 (JSON only).
"""

from urllib.parse import urlencode

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from ..embeds import CARD_HEIGHT, CARD_WIDTH, resolve
from ..filters import IntegerField
from ..links import site_root_url
from .serializers import api_url
from .views import ERRORS, ApiView, present


class JsonOnly(DefaultContentNegotiation):
    """JSON whatever ``format=`` says: oEmbed's ``format`` is a parameter of
    the view (anything but ``json`` gets a 400), not DRF's choice of renderer
    (a 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


#: Longer addresses name no page of the site.
MAX_URL_LENGTH = 2000


class AnyText(forms.CharField):
    """Any text, NUL characters included: an address no page has is a 404
    (nothing to embed), not a malformed request."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]


class OEmbedForm(forms.Form):
    url = AnyText(
        help_text=_("URL of a public edition, series or theme page of this site."),
    )
    # oEmbed suggests a 501 for another format; this API answers every bad
    # request with a French 4xx, never a 5xx (and its schema says so).
    format = forms.ChoiceField(
        choices=[("json", "json")],
        required=False,
        help_text=_("json (the default); xml is not available."),
        error_messages={"invalid_choice": _("Only format=json is available.")},
    )
    maxwidth = IntegerField(
        min_value=1, max_value=10_000, help_text=_("Largest width, in pixels.")
    )
    maxheight = IntegerField(
        min_value=1, max_value=10_000, help_text=_("Largest height, in pixels.")
    )


def parameter_schema(field):
    """The OpenAPI schema of a parameter, from its form field."""
    if isinstance(field, IntegerField):
        return {"type": "integer", **field.schema_constraints()}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [value for value, _label in field.choices]}
    return {"type": "string"}


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
            parameter_schema(field),
            OpenApiParameter.QUERY,
            required=field.required,
            description=str(field.help_text),
        )
        for name, field in OEmbedForm.base_fields.items()
    ],
    responses={200: OEmbedSerializer, **ERRORS},
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
        url = data["url"]
        embed = None
        if len(url) <= MAX_URL_LENGTH and "\x00" not in url:
            embed = resolve(url, request)
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
