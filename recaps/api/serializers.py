"""Output serializers: the public shape of every response (and of the schema)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..blocks import SECTION_TYPES, public_html
from ..links import absolute_url
from ..models import RecapPageTag, RecapSection, RecapSeriesPage
from ..models.edition import MeetingFormat


def api_url(request, name, **kwargs):
    """Absolute URL of an API endpoint (``recaps_api:<name>``), on the site's
    public base URL (:mod:`recaps.links`)."""
    return absolute_url(reverse(f"recaps_api:{name}", kwargs=kwargs), request)


def edition_context(pages, request, sections=None, editions=None):
    """Series, themes and section kinds of ``pages`` in three queries at most,
    whatever their number.

    ``sections`` (``{edition id: [section, …]}``, for details) spares the query
    of the section kinds; ``editions`` is the queryset of published editions in
    which neighbours are looked up. Page URLs come from Wagtail, which keeps the
    site root paths on the request, so they cost no query per page either.
    """
    pages = list(pages)
    parent_paths = {page.path[: -page.steplen] for page in pages}
    series = {
        found.path: found
        for found in RecapSeriesPage.objects.filter(path__in=parent_paths).only(
            "id", "path", "slug", "title"
        )
    }
    tags = {page.pk: [] for page in pages}
    for link in (
        RecapPageTag.objects.filter(content_object__in=[page.pk for page in pages])
        .select_related("tag")
        .order_by("tag__name")
    ):
        tags[link.content_object_id].append(link.tag)
    if sections is None:
        section_types = RecapSection.objects.types_by_edition(tags)
    else:
        section_types = {
            edition_id: list(dict.fromkeys(section.type for section in found))
            for edition_id, found in sections.items()
        }
    return {
        "request": request,
        "series": series,
        "tags": tags,
        "section_types": section_types,
        "sections": sections,
        "editions": editions,
    }


class RichTextSerializer(serializers.Serializer):
    """Rich text as HTML with links resolved (``html``) and as plain text (``text``)."""

    html = serializers.CharField()
    text = serializers.CharField()


class SeriesRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()


class TagRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class RecapRefSerializer(serializers.Serializer):
    """A short reference to an edition."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()
    url = serializers.URLField(help_text=_("Absolute URL of the HTML page."))
    api_url = serializers.URLField(help_text=_("Absolute URL in this API."))


def recap_ref(page, request):
    """The data of :class:`RecapRefSerializer` for ``page`` (or ``None``)."""
    if page is None:
        return None
    return {
        "id": page.pk,
        "title": page.title,
        "date": page.date.isoformat(),
        "url": page.get_full_url(request),
        "api_url": api_url(request, "recap-detail", pk=page.pk),
    }


class SubItemSerializer(serializers.Serializer):
    html = serializers.CharField()
    text = serializers.CharField()
    children = serializers.ListField(
        child=serializers.DictField(), max_length=0, help_text=_("Always empty.")
    )


class ItemSerializer(serializers.Serializer):
    html = serializers.CharField()
    text = serializers.CharField()
    children = SubItemSerializer(many=True)


class LinkSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)


class SectionSerializer(serializers.Serializer):
    """One section of an edition's body."""

    type = serializers.ChoiceField(choices=SECTION_TYPES)
    label = serializers.CharField()
    heading = serializers.CharField(allow_blank=True)
    intro = RichTextSerializer()
    items = ItemSerializer(many=True)
    links = LinkSerializer(many=True)


class SectionWithRecapSerializer(SectionSerializer):
    """A section found across editions, with the edition it belongs to."""

    id = serializers.CharField(help_text=_("Stable id of the section in its edition."))
    position = serializers.IntegerField(help_text=_("Position in the edition, from 0."))
    recap = RecapRefSerializer()


class RecapSerializer(serializers.Serializer):
    """An edition as listed by ``/recaps/``."""

    id = serializers.IntegerField(source="pk")
    uuid = serializers.UUIDField(
        source="translation_key",
        help_text=_(
            "Stable identifier of the edition, kept by export and restore "
            "(Wagtail's translation key)."
        ),
    )
    slug = serializers.CharField()
    title = serializers.CharField()
    edition_number = serializers.IntegerField()
    date = serializers.DateField()
    format = serializers.ChoiceField(choices=MeetingFormat.choices)
    series = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    intro = serializers.SerializerMethodField()
    summary_easy = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "Short easy-to-read summary of the edition (plain text, may be empty)."
        ),
    )
    section_types = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    first_published_at = serializers.DateTimeField(allow_null=True)
    last_published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(
        help_text=_(
            "When the public representation of the edition last changed (its "
            "content, themes, series, address or going live); an unchanged "
            "republication leaves it. Filter with updated_after."
        ),
    )

    @extend_schema_field(SeriesRefSerializer(allow_null=True))
    def get_series(self, page):
        series = self.context["series"].get(page.path[: -page.steplen])
        if series is None:
            return None
        return {"id": series.pk, "slug": series.slug, "title": series.title}

    @extend_schema_field(TagRefSerializer(many=True))
    def get_tags(self, page):
        return [
            {"name": tag.name, "slug": tag.slug}
            for tag in self.context["tags"].get(page.pk, [])
        ]

    @extend_schema_field(RichTextSerializer)
    def get_intro(self, page):
        return {"html": public_html(page.intro), "text": page.intro_text}

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=SECTION_TYPES))
    )
    def get_section_types(self, page):
        return self.context["section_types"].get(page.pk, [])

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, page):
        return page.get_full_url(self.context["request"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, page):
        return api_url(self.context["request"], "recap-detail", pk=page.pk)


class RecapDetailSerializer(RecapSerializer):
    """One edition with its full structured body and its neighbours."""

    body = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()
    next = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.URLField(help_text=_("Absolute URL of the printable A4 PDF."))
    )
    def get_pdf_url(self, page):
        return page.get_pdf_url(self.context["request"])

    @extend_schema_field(SectionSerializer(many=True))
    def get_body(self, page):
        request = self.context["request"]
        sections = self.context.get("sections")
        if sections is None:
            sections = RecapSection.objects.by_edition([page.pk])
        return [
            section.as_public_dict(request) for section in sections.get(page.pk, [])
        ]

    @extend_schema_field(RecapRefSerializer(allow_null=True))
    def get_previous(self, page):
        found = page.get_previous_edition(self.context.get("editions"))
        return recap_ref(found, self.context["request"])

    @extend_schema_field(RecapRefSerializer(allow_null=True))
    def get_next(self, page):
        found = page.get_next_edition(self.context.get("editions"))
        return recap_ref(found, self.context["request"])


class TagSerializer(serializers.Serializer):
    """A theme used by at least one published edition."""

    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    recap_count = serializers.IntegerField(
        help_text=_("Number of published editions with this theme.")
    )
    recaps_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_recaps_url(self, theme):
        url = api_url(self.context["request"], "recap-list")
        return f"{url}?tag={theme.slug}"

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text=_(
                "Absolute URL of the printable A4 PDF digest of this theme, in the "
                "series of its newest edition."
            ),
        )
    )
    def get_pdf_url(self, theme):
        series = self.context.get("theme_series", {}).get(theme.pk)
        if series is None:
            return None
        return series.get_theme_pdf_url(theme, self.context["request"])


class ChangeSerializer(serializers.Serializer):
    """One edition that entered, changed in or left the public set."""

    id = serializers.IntegerField(help_text=_("Id of the edition."))
    uuid = serializers.UUIDField(help_text=_("Stable identifier of the edition."))
    action = serializers.ChoiceField(
        choices=[
            ("published", "published"),
            ("updated", "updated"),
            ("removed", "removed"),
        ],
        help_text=_(
            "published: it entered the public set; updated: its public "
            "representation changed; removed: unpublished, deleted, moved out, "
            "restricted or expired."
        ),
    )
    at = serializers.DateTimeField(help_text=_("When the change happened."))
    url = serializers.URLField(
        allow_null=True,
        help_text=_("Absolute URL of the HTML page; null when removed."),
    )


def change_data(change, request):
    """The data of :class:`ChangeSerializer` for a :class:`recaps.changes.Change`:
    nothing but the id and uuid of an edition that is not public."""
    public = change.action != "removed"
    return {
        "id": change.id,
        "uuid": change.uuid,
        "action": change.action,
        "at": serializers.DateTimeField().to_representation(change.at),
        "url": change.page.get_full_url(request) if public else None,
    }


class ChangeFeedSerializer(serializers.Serializer):
    """A page of the change feed, oldest change first."""

    results = ChangeSerializer(many=True)
    next = serializers.CharField(
        help_text=_(
            "Cursor to pass as since= for the following changes (also when the "
            "list is empty: poll with it later)."
        )
    )
    next_url = serializers.URLField(help_text=_("This endpoint with since=next."))
    has_more = serializers.BooleanField(
        help_text=_("Whether more changes follow right away.")
    )


class IndexSerializer(serializers.Serializer):
    """Links to every endpoint of the API."""

    recaps = serializers.URLField()
    changes = serializers.URLField()
    sections = serializers.URLField()
    tags = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()


class ErrorSerializer(serializers.Serializer):
    """Every error: a message, and per-parameter messages for invalid input."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
