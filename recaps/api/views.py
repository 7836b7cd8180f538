"""Read-only API views: editions, sections across editions, themes, schema, docs.

Every view ignores sessions and cookies (no authentication), answers GET, HEAD
and OPTIONS only, explains errors in JSON and sends validators derived from the
content (see :mod:`recaps.api.caching`).
"""

from django.http import QueryDict
from django.templatetags.static import static
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import BaseMetadata
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from ..blocks import SECTION_TYPES
from ..models import RecapPage
from ..models.themes import themes_with_counts
from ..search import filter_section_types, text_matches
from ..sections import raw_section_text, section_from_block
from . import filters, serializers
from .caching import finalise
from .conf import num_proxies, throttle_rate
from .exceptions import api_exception_handler, method_not_allowed, throttled
from .pagination import ApiPagination

ERRORS = {
    400: serializers.ErrorSerializer,
    404: serializers.ErrorSerializer,
    429: serializers.ErrorSerializer,
}


class ApiThrottle(AnonRateThrottle):
    """Anonymous rate limit from ``RECAPS_API_THROTTLE_RATE`` (default cache)."""

    def get_rate(self):
        return throttle_rate()

    def get_ident(self, request):
        """The client address: ``REMOTE_ADDR``, or the address seen by the
        outermost trusted proxy (never a forgeable ``X-Forwarded-For`` entry)."""
        remote = request.META.get("REMOTE_ADDR", "")
        proxies = num_proxies()
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if proxies and addresses:
            return addresses[-min(proxies, len(addresses))]
        return remote


class ApiMetadata(BaseMetadata):
    """What ``OPTIONS`` answers: methods, formats and where the docs are."""

    def determine_metadata(self, request, view):
        return {
            "name": str(getattr(view, "title", "") or view.get_view_name()),
            "allowed_methods": view.allowed_methods,
            "renders": [renderer.media_type for renderer in view.get_renderers()],
            "docs": serializers.api_url(request, "docs"),
        }


class ApiBehaviour:
    """Behaviour shared by every API view, data, schema and docs alike."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ApiThrottle]
    parser_classes = []
    metadata_class = ApiMetadata
    http_method_names = ["get", "head", "options"]

    def get_exception_handler(self):
        return api_exception_handler

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise method_not_allowed(request.method)

    def throttled(self, request, wait):
        raise throttled(wait)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "exception", False):
            # Errors are JSON even where the success is HTML (docs) or YAML.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return finalise(request, response)


class ApiSchema(AutoSchema):
    """Operation ids from the views (``operation_id``), stable for client code."""

    def get_operation_id(self):
        return getattr(self.view, "operation_id", None) or super().get_operation_id()


class ApiView(ApiBehaviour, GenericAPIView):
    """Base class of the data endpoints (JSON only, documented in the schema)."""

    renderer_classes = [JSONRenderer]
    pagination_class = ApiPagination
    schema = ApiSchema()
    operation_id = None

    def query_params(self, serializer_class):
        """Validated query parameters; empty values count as absent."""
        data = QueryDict(mutable=True)
        for key, values in self.request.query_params.lists():
            kept = [value for value in values if value.strip()]
            if kept:
                data.setlist(key, kept)
        params = serializer_class(data=data)
        params.is_valid(raise_exception=True)
        return params.validated_data


@extend_schema(
    summary=_("Index of the API"),
    responses={200: serializers.IndexSerializer, 429: ERRORS[429]},
)
class IndexView(ApiView):
    """Links to every endpoint of the API."""

    operation_id = "api_index"
    title = _("Recaps API")

    def get(self, request):
        url = serializers.api_url
        return Response(
            {
                "recaps": url(request, "recap-list"),
                "sections": url(request, "section-list"),
                "tags": url(request, "tag-list"),
                "schema": url(request, "schema"),
                "docs": url(request, "docs"),
            }
        )


@extend_schema(
    summary=_("Published editions"),
    parameters=[filters.RecapParams],
    responses={200: serializers.RecapSerializer(many=True), **ERRORS},
)
class RecapListView(ApiView):
    """Published editions, newest first, with filters."""

    operation_id = "recaps_list"
    title = _("Recaps")

    def get(self, request):
        params = self.query_params(filters.RecapParams)
        editions = filters.filter_editions(filters.published_editions(), params)
        if params.get("section_type"):
            editions = filter_section_types(editions, params["section_type"])
        if "search" in params:
            editions = filters.filter_by_search(editions, params["search"])
        ordering = filters.RECAP_ORDERINGS[params.get("ordering", "-date")]
        editions = filters.with_body_json(editions.order_by(*ordering))
        page = self.paginate_queryset(editions)
        context = serializers.edition_context(page, request)
        data = serializers.RecapSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@extend_schema(
    summary=_("One edition with its sections"),
    responses={200: serializers.RecapDetailSerializer, **ERRORS},
)
class RecapDetailView(ApiView):
    """One published edition with its structured body."""

    operation_id = "recaps_retrieve"
    title = _("Recap")

    def get(self, request, pk):
        page = None
        if pk <= filters.MAX_ID:
            page = filters.published_editions().filter(pk=pk).first()
        if page is None:
            raise NotFound(gettext("No published edition has this id."))
        context = serializers.edition_context([page], request)
        return Response(serializers.RecapDetailSerializer(page, context=context).data)


@extend_schema(
    summary=_("Sections across published editions"),
    parameters=[filters.SectionParams],
    responses={200: serializers.SectionWithRecapSerializer(many=True), **ERRORS},
)
class SectionListView(ApiView):
    """Sections across published editions: newest edition first, then page order."""

    operation_id = "sections_list"
    title = _("Sections")

    def get(self, request):
        params = self.query_params(filters.SectionParams)
        editions = filters.filter_editions(filters.published_editions(), params)
        editions = editions.order_by(*filters.RECAP_ORDERINGS["-date"])
        types = set(params.get("type") or SECTION_TYPES)
        entries = [
            (pk, position, child)
            for pk, blocks in filters.bodies(editions)
            for position, child in enumerate(blocks)
            if child["type"] in types
        ]
        if "search" in params:
            # Matched on the raw data: only the requested page is converted.
            entries = [
                entry
                for entry in entries
                if text_matches(raw_section_text(entry[2]), params["search"])
            ]
        chosen = self._sections(self.paginate_queryset(entries))
        refs = self._recap_refs({section.recap_id for section in chosen}, request)
        data = [
            {
                "id": section.id,
                **serializers.section_data(section, request),
                "position": section.position,
                "recap": refs[section.recap_id],
            }
            for section in chosen
        ]
        return self.get_paginated_response(data)

    @staticmethod
    def _sections(entries):
        """Convert raw blocks of many editions at once (one query per kind)."""
        stream_block = RecapPage._meta.get_field("body").stream_block
        combined = stream_block.to_python([child for _, _, child in entries])
        sections = []
        for index, (pk, position, _child) in enumerate(entries):
            section = section_from_block(combined[index], position)
            section.recap_id = pk
            sections.append(section)
        return sections

    @staticmethod
    def _recap_refs(pks, request):
        pages = RecapPage.objects.filter(pk__in=pks).defer("body", "intro")
        return {page.pk: serializers.recap_ref(page, request) for page in pages}


@extend_schema(
    summary=_("Themes of published editions"),
    parameters=[filters.TagParams],
    responses={200: serializers.TagSerializer(many=True), **ERRORS},
)
class TagListView(ApiView):
    """Themes of published editions with their number of editions."""

    operation_id = "tags_list"
    title = _("Themes")

    def get(self, request):
        params = self.query_params(filters.TagParams)
        ordering = filters.TAG_ORDERINGS[params.get("ordering", "name")]
        themes = themes_with_counts(filters.published_editions()).order_by(*ordering)
        page = self.paginate_queryset(themes)
        data = serializers.TagSerializer(
            page, many=True, context={"request": request}
        ).data
        return self.get_paginated_response(data)


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """JSON 404 for any other path under the API."""

    def get(self, request, *args, **kwargs):
        raise NotFound(gettext("There is no such endpoint in this API."))

    def http_method_not_allowed(self, request, *args, **kwargs):
        return self.get(request)


def only_this_api(endpoints, **kwargs):
    """drf-spectacular hook: document the data endpoints of this API only."""
    return [
        endpoint
        for endpoint in endpoints
        if isinstance(getattr(endpoint[3], "cls", None), type)
        and issubclass(endpoint[3].cls, ApiView)
    ]


class SchemaView(ApiBehaviour, SpectacularAPIView):
    """The OpenAPI 3 document (YAML by default, JSON with ``?format=json``)."""

    title = _("OpenAPI schema")

    @property
    def custom_settings(self):
        return {
            "TITLE": gettext("Recaps API"),
            "DESCRIPTION": gettext(
                "Read-only API of the recaps: published editions, their sections "
                "and their themes. No authentication; errors are JSON."
            ),
            "VERSION": "1.0.0",
            "PREPROCESSING_HOOKS": ["recaps.api.views.only_this_api"],
            "ENUM_NAME_OVERRIDES": {
                "SectionTypeEnum": "recaps.blocks.SECTION_TYPES",
                "MeetingFormatEnum": "recaps.models.edition.MeetingFormat",
            },
        }


class DocsView(ApiBehaviour, SpectacularSwaggerSplitView):
    """Interactive documentation served from the site's own static files.

    The split view serves its start-up script at ``?script``, not inline: the
    page works under ``script-src 'self'`` (django-csp).
    """

    url_name = "recaps_api:schema"
    template_name_js = "recaps/api/swagger_ui.js"

    @property
    def title(self):
        return gettext("Recaps API")

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
