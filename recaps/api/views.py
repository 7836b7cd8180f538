"""Read-only API views: editions, sections across editions, themes, schema, docs.

Every view ignores sessions and cookies (no authentication), answers GET, HEAD
and OPTIONS only, explains errors in JSON and sends validators derived from the
content version, answered from the response cache when possible (see
:mod:`recaps.caching`).
"""

import hashlib
import time

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.settings import patched_settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.metadata import BaseMetadata
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..caching import Validators, first_seen, remembered, serve
from ..changes import (
    CURSOR_PATTERN,
    START,
    Position,
    changes_since,
    settle_seconds,
)
from ..filters import (
    MAX_ID,
    EditionFilter,
    IntegerField,
    SectionFilter,
    TextField,
    ThemeFilter,
    parse_iso_datetime,
    shown,
)
from ..models import IndexCount, RecapEntry, RecapPage, RecapSection, Theme
from ..models.series import series_of_published_themes
from ..models.themes import EDITIONS, published_themes
from ..throttling import ClientThrottle
from . import serializers
from .conf import MAX_PAGE_SIZE, cache_max_age, throttle_rate
from .docs import describe_schema
from .exceptions import api_exception_handler, method_not_allowed, throttled
from .pagination import ApiPagination
from .schema import ApiSchema, field_schema

ERRORS = {
    400: serializers.ErrorSerializer,
    404: serializers.ErrorSerializer,
    429: serializers.ErrorSerializer,
}


def published_editions():
    """What the API may show: live, public, not scheduled, not expired."""
    return RecapPage.objects.published()


class ApiThrottle(ClientThrottle):
    """Anonymous rate limit from ``RECAPS_API_THROTTLE_RATE`` (default cache),
    per client as :mod:`recaps.throttling` tells them apart."""

    def get_rate(self):
        return throttle_rate()


def present(params):
    """The query parameters without their empty values (which count as absent)."""
    data = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [value for value in values if value.strip()]
        if kept:
            data.setlist(key, kept)
    return data


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter, with the pagination parameters validated at the same time
    so that every invalid parameter is reported in one 400."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = present(request.query_params)
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        errors = {} if filterset.is_valid() else dict(filterset.errors)
        errors.update(view.paginator.parameter_errors(present(request.query_params)))
        if errors:
            raise ValidationError(
                {name: list(messages) for name, messages in errors.items()}
            )
        return filterset.qs


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
    #: Served through :func:`recaps.caching.serve` (see ``caching.PUBLIC``).
    recaps_public = True

    def get_exception_handler(self):
        return api_exception_handler

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise method_not_allowed(request.method)

    def throttled(self, request, wait):
        raise throttled(wait)

    def get_throttles(self):
        # Kept to say where the client stands (RateLimit headers).
        self.checked_throttles = super().get_throttles()
        return self.checked_throttles

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for throttle in getattr(self, "checked_throttles", ()):
            for name, value in throttle.ratelimit_headers().items():
                response[name] = value
        if getattr(response, "exception", False):
            # Errors are JSON even where the success is HTML (docs) or YAML.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    def validators(self, request, *args, **kwargs):
        """Per-object validators (see :mod:`recaps.caching`); site-wide by default."""
        return None

    def dispatch(self, request, *args, **kwargs):
        """Answer from the content version (304) or the cache when possible."""
        response = serve(
            request,
            lambda: super(ApiBehaviour, self).dispatch(request, *args, **kwargs),
            validators=self.validators(request, *args, **kwargs),
            max_age=cache_max_age(),
        )
        if response.status_code == 429 or response.status_code >= 500:
            response["Cache-Control"] = "no-store"
        return response


class ApiView(ApiBehaviour, GenericAPIView):
    """Base class of the data endpoints (JSON only, documented in the schema)."""

    renderer_classes = [JSONRenderer]
    pagination_class = ApiPagination
    filter_backends = [ApiFilterBackend]
    schema = ApiSchema()
    operation_id = None


#: Parameters that leave the whole public set in a list (order, pagination).
UNFILTERED = {"ordering", "page", "page_size"}


class CountedOn:
    """Rows of ``queryset``, counted by ``counter()``, a cheaper count known
    to give as many rows (for Django's paginator)."""

    def __init__(self, queryset, counter):
        self.queryset, self.counter = queryset, counter

    def count(self):
        return self.counter()

    def __getitem__(self, key):
        return self.queryset[key]


class EditionListMixin:
    """Lists of editions: each edition's stored representation (the public
    index, :class:`~recaps.models.RecapEntry`), one query for a whole page."""

    def list(self, request, *args, **kwargs):
        editions = self.filter_queryset(self.get_queryset())
        keys = editions.values_list("pk", flat=True)
        filtered = set(present(request.query_params)) - UNFILTERED
        if not filtered:
            # Every public edition: as many as current entries, which one
            # index counts without reading the pages.
            keys = CountedOn(keys, lambda: IndexCount.objects.published([EDITIONS]))
        elif filtered == {"search"}:
            # The public editions matching a search: counted in the index of
            # their words where the database has one.
            count = RecapEntry.objects.count_matching(request.query_params["search"])
            if count is not None:
                keys = CountedOn(keys, lambda: count)
        page = self.paginate_queryset(keys)
        data = serializers.listed(
            RecapEntry.objects.representations(page, request), request
        )
        return self.get_paginated_response(data)


@extend_schema(
    summary=_("Index of the API"),
    description=_("Links to every endpoint of the API, with the schema and the docs."),
    responses={200: serializers.IndexSerializer, 429: ERRORS[429]},
)
class IndexView(ApiView):
    """Links to every endpoint of the API."""

    operation_id = "api_index"
    title = _("Recaps API")
    filter_backends = []
    pagination_class = None

    def get(self, request):
        url = serializers.api_url
        return Response(
            {
                "recaps": url(request, "recap-list"),
                "changes": url(request, "change-list"),
                "sections": url(request, "section-list"),
                "tags": url(request, "tag-list"),
                "schema": url(request, "schema"),
                "docs": url(request, "docs"),
            }
        )


@extend_schema(
    summary=_("Published editions"),
    description=_(
        "Published editions, newest first by default, with filters; 20 a page."
    ),
    responses={200: serializers.RecapSerializer(many=True), **ERRORS},
)
class RecapListView(EditionListMixin, ApiView, ListAPIView):
    """Published editions, newest first, with filters."""

    operation_id = "recaps_list"
    title = _("Recaps")
    serializer_class = serializers.RecapSerializer
    filterset_class = EditionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RecapPage.objects.none()
        return published_editions().with_updated_at().defer("body")


@extend_schema(
    summary=_("One edition with its sections"),
    description=_(
        "One published edition with its sections in page order and its neighbours."
    ),
    responses={200: serializers.RecapDetailSerializer, **ERRORS},
)
class RecapDetailView(ApiView, RetrieveAPIView):
    """One published edition with its structured body.

    The view restrictions are looked up once per request: the edition, its
    validators and its neighbours all come from the same queryset of published
    editions, and the edition is read once, for the validators and the body.
    """

    operation_id = "recaps_retrieve"
    title = _("Recap")
    serializer_class = serializers.RecapDetailSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RecapEntry.objects.none()
        return RecapEntry.objects.current()

    def find(self, pk):
        """The public edition ``pk``'s entry (data deferred), or ``None``; read once."""
        if not hasattr(self, "_found"):
            self._found = (
                self.get_queryset().with_page_dates().defer("ref").filter(pk=pk).first()
                if pk <= MAX_ID
                else None
            )
        return self._found

    def validators(self, request, pk):
        """Derived from the answer itself: the ``ETag`` seed is a digest of the
        detail's JSON (the edition's representation, its sections and its
        neighbours' links as shown), so it changes when, and only when, that
        body does; a change to another edition leaves it alone unless it
        changes a neighbour link. ``Last-Modified`` is when that digest was
        first seen (:func:`recaps.caching.first_seen`).

        Remembered per content version: cache hits and 304s within a version
        need no query; the first request of a version builds the body once,
        for the digest and the answer alike.
        """

        def digest():
            data = self.detail(pk)
            if data is None:
                return None
            return hashlib.sha256(JSONRenderer().render(data)).hexdigest()

        def found(version):
            seed = remembered(version, f"recap-body:{pk}", digest)
            if seed is None:
                return None
            since = first_seen(version, f"recap:{pk}:{seed}")
            return Validators(f"recap:{pk}:{seed}", since)

        return found

    def get_object(self):
        entry = self.find(self.kwargs["pk"])
        if entry is None:
            raise NotFound(gettext("No published edition has this id."))
        return entry

    def detail(self, pk):
        """The detail's data (``None`` if ``pk`` is not public), built once per
        request: the stored representation (read with :meth:`find`), the
        indexed sections and the neighbours: four small queries, whatever the
        size of the archive."""
        if not hasattr(self, "_detail"):
            entry = self.find(pk)
            self._detail = entry and self._build(entry)
        return self._detail

    def _build(self, entry):
        request = self.request
        sections = (
            RecapSection.objects.filter(edition=entry.pk)
            .order_by("position")
            .defer("text", "search_text")
        )
        body = [section.as_public_dict(request) for section in sections]
        previous, following = RecapEntry.objects.neighbours_of(entry, request)
        return serializers.detailed(
            entry.representation(request),
            request,
            body=body,
            previous=previous,
            next=following,
        )

    def retrieve(self, request, *args, **kwargs):
        self.get_object()  # 404 in French
        return Response(self.detail(self.kwargs["pk"]))


#: ``since``: a cursor or a date and time (any other text answers 400).
SINCE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": f"^{CURSOR_PATTERN}$"},
        {"type": "string", "format": "date-time"},
    ]
}


class ChangeForm(forms.Form):
    """Parameters of ``/changes/``, validated like the filters."""

    since = TextField(
        max_length=64,
        help_text=_(
            "A cursor (next of a previous answer) or an ISO 8601 date and time; "
            "from the beginning when absent."
        ),
    )
    page_size = IntegerField(
        min_value=1,
        max_value=10**9,
        help_text=_("Changes per answer: 100 by default and at most."),
    )

    def clean_since(self):
        text = self.cleaned_data["since"]
        if not text:
            return START
        position = Position.from_cursor(text)
        if position is not None:
            return position
        moment = parse_iso_datetime(text)
        if moment is None:
            raise forms.ValidationError(
                gettext("Neither a cursor nor an ISO 8601 date and time: “%(input)s”.")
                % {"input": shown(text)}
            )
        return Position(moment)


@extend_schema(
    summary=_("Change feed of the editions"),
    description=_(
        "Every edition that entered, changed in or left the public set, oldest "
        "change first, each once at its latest change. Start without since, "
        "then poll with the next cursor."
    ),
    parameters=[
        OpenApiParameter(
            name,
            SINCE_SCHEMA if name == "since" else field_schema(field),
            OpenApiParameter.QUERY,
            description=str(field.help_text),
        )
        for name, field in ChangeForm.base_fields.items()
    ],
    responses={200: serializers.ChangeFeedSerializer, **ERRORS},
)
class ChangeListView(ApiView):
    """The change feed (:mod:`recaps.changes`)."""

    operation_id = "changes_list"
    title = _("Changes")
    filter_backends = []
    pagination_class = None

    def validators(self, request, *args, **kwargs):
        """Site-wide, and renewed every settle window: the ``next`` cursor of
        the last page depends on the time (:func:`recaps.changes.settle_seconds`)."""
        window = settle_seconds()

        def found(version):
            validators = Validators.site_wide(version)
            if window:
                current = int(time.time() // window)
                validators.seed += f":{current}"
                validators.until = (current + 1) * window
            return validators

        return found

    def get(self, request):
        form = ChangeForm(present(request.query_params))
        if not form.is_valid():
            raise ValidationError(
                {name: list(messages) for name, messages in form.errors.items()}
            )
        size = min(form.cleaned_data["page_size"] or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        changes, following, has_more = changes_since(form.cleaned_data["since"], size)
        cursor = following.cursor()
        next_url = serializers.api_url(request, "change-list") + f"?since={cursor}"
        if form.cleaned_data["page_size"]:
            next_url += f"&page_size={size}"
        return Response(
            serializers.write(
                serializers.ChangeFeedSerializer,
                {
                    "results": [serializers.change_data(c, request) for c in changes],
                    "next": cursor,
                    "next_url": next_url,
                    "has_more": has_more,
                },
            )
        )


@extend_schema(
    summary=_("Sections across published editions"),
    description=_(
        "Sections of the published editions: newest edition first, then page order."
    ),
    responses={200: serializers.SectionWithRecapSerializer(many=True), **ERRORS},
)
class SectionListView(ApiView, ListAPIView):
    """Sections across published editions: newest edition first, then page order."""

    operation_id = "sections_list"
    title = _("Sections")
    serializer_class = serializers.SectionWithRecapSerializer
    filterset_class = SectionFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RecapSection.objects.none()
        return RecapSection.objects.current().defer("text", "search_text")

    def list(self, request, *args, **kwargs):
        sections = self.filter_queryset(self.get_queryset())
        params = present(request.query_params)
        filtered = set(params) - UNFILTERED
        themes = {slug.strip() for slug in params.getlist("tag")}
        if filtered <= {"type", "tag"} and len(themes) <= 1:
            # Sections of some types (of the editions carrying one theme):
            # as many as the stored counts say, none counted.
            kinds = {kind.strip() for kind in params.getlist("type")} or None
            theme = Theme.objects.filter(slug__in=themes).first() if themes else None
            count = (
                IndexCount.objects.published(kinds, theme) if theme or not themes else 0
            )
            sections = CountedOn(sections, lambda: count)
        elif filtered == {"search"}:
            # Sections matching a search: counted in the index of their words
            # where the database has one.
            count = RecapSection.objects.count_matching(request.query_params["search"])
            if count is not None:
                sections = CountedOn(sections, lambda: count)
        chosen = self.paginate_queryset(sections)
        refs = RecapEntry.objects.references(
            {section.edition_id for section in chosen}, request
        )
        data = [
            {
                "id": section.block_id,
                **section.as_public_dict(request),
                "position": section.position,
                "recap": serializers.reference(refs.get(section.edition_id), request),
            }
            for section in chosen
        ]
        return self.get_paginated_response(
            serializers.write(self.get_serializer_class(), data, many=True)
        )


@extend_schema(
    summary=_("Themes of published editions"),
    description=_("Themes of the published editions with their number of editions."),
    responses={200: serializers.TagSerializer(many=True), **ERRORS},
)
class TagListView(ApiView, ListAPIView):
    """Themes of published editions with their number of editions."""

    operation_id = "tags_list"
    title = _("Themes")
    serializer_class = serializers.TagSerializer
    filterset_class = ThemeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Theme.objects.none()
        return published_themes()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            "request": request,
            "theme_series": series_of_published_themes(page),
        }
        data = self.get_serializer_class()(page, many=True, context=context).data
        return self.get_paginated_response(data)


@extend_schema(exclude=True)
class NotFoundView(ApiView):
    """JSON 404 for any other path under the API."""

    filter_backends = []
    pagination_class = None

    def get(self, request, *args, **kwargs):
        raise NotFound(gettext("There is no such endpoint in this API."))

    def http_method_not_allowed(self, request, *args, **kwargs):
        return self.get(request)


def not_found(request, exception=None):
    """The API's French JSON 404, for a site's ``handler404`` to answer paths
    under the API's mount that its URLs do not reach (no trailing slash after
    a redirect, another version)."""
    return NotFoundView.as_view()(request)


def only_this_api(endpoints, **kwargs):
    """drf-spectacular hook: document the data endpoints of this API only."""
    return [
        endpoint
        for endpoint in endpoints
        if isinstance(getattr(endpoint[3], "cls", None), type)
        and issubclass(endpoint[3].cls, ApiView)
    ]


POSTPROCESSING_HOOKS = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "recaps.api.schema.polish",
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
            # Parameters describe their values themselves, in French.
            "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
            "PREPROCESSING_HOOKS": ["recaps.api.views.only_this_api"],
            "POSTPROCESSING_HOOKS": POSTPROCESSING_HOOKS,
            "ENUM_NAME_OVERRIDES": {
                "SectionTypeEnum": "recaps.blocks.SECTION_TYPES",
                "MeetingFormatEnum": "recaps.models.edition.MeetingFormat",
            },
        }


class DocsView(ApiBehaviour, APIView):
    """The documentation: the OpenAPI document as a plain French HTML page.

    No script, no third-party file: it reads without JavaScript, weighs a few
    kilobytes and uses the site's own stylesheet.
    """

    renderer_classes = [TemplateHTMLRenderer]
    template_name = "recaps/api/docs.html"

    @property
    def title(self):
        return gettext("Recaps API")

    def get(self, request):
        schema_view = SchemaView()
        with patched_settings(schema_view.custom_settings):
            generator = schema_view.generator_class(
                urlconf=schema_view.urlconf, patterns=schema_view.patterns
            )
            schema = generator.get_schema(request=request, public=True)
        return Response(
            {
                "api": describe_schema(schema),
                "schema_url": reverse("recaps_api:schema"),
            }
        )
