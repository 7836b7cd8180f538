"""Output serializers: the public shape of every response, and of the schema.

Every response is what its serializer makes of the stored facts (an edition's
stored representation, a section's public form, a change): a field the
schema declares is a field the serializer writes, in its order and format,
and nothing else reaches a client.
"""

import functools

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..blocks import SECTION_TYPES, section_kinds
from ..links import absolute_url
from ..models.edition import MeetingFormat

#: A theme's two names: its key, and how it reads.
THEME_NAME_HELP = _(
    "Name of the theme in lower case, with single spaces: the key that tells "
    "themes apart."
)
THEME_LABEL_HELP = _(
    "The theme as readers see it, with its capitals and accents (the name "
    "as first written)."
)


def api_url(request, name, **kwargs):
    """Absolute URL of an API endpoint (``recaps_api:<name>``), on the site's
    public base URL (:mod:`recaps.links`)."""
    return absolute_url(reverse(f"recaps_api:{name}", kwargs=kwargs), request)


class RichTextSerializer(serializers.Serializer):
    """Rich text as HTML with links resolved (``html``) and as plain text (``text``)."""

    html = serializers.CharField()
    text = serializers.CharField()


class SeriesRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()


class TagRefSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=THEME_NAME_HELP)
    label = serializers.CharField(help_text=THEME_LABEL_HELP)
    slug = serializers.CharField()


class RecapRefSerializer(serializers.Serializer):
    """A short reference to an edition."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()
    url = serializers.URLField(help_text=_("Absolute URL of the HTML page."))
    api_url = serializers.URLField(help_text=_("Absolute URL in this API."))


class SubItemSerializer(serializers.Serializer):
    html = serializers.CharField()
    text = serializers.CharField()
    children = serializers.ListField(
        child=serializers.DictField(), max_length=0, help_text=_("Always empty.")
    )


def item_field_serializer(field, kinds):
    """The serializer field of an item field of the declaration
    (:class:`recaps.kinds.ItemField`), present in the items of ``kinds``."""
    help_text = _("%(label)s; in the items of the sections of type %(kinds)s.") % {
        "label": field.label,
        "kinds": ", ".join(kinds),
    }
    if field.type == "rich_text":
        return RichTextSerializer(required=False, help_text=help_text)
    return serializers.CharField(required=False, allow_blank=True, help_text=help_text)


class ItemSerializer(serializers.Serializer):
    # An item: its text, its sub-items, and the fields of its section's kind
    # (from the kinds' declaration, recaps.kinds; absent from the items of
    # the other kinds). No docstring: it would become the schema's description.

    html = serializers.CharField()
    text = serializers.CharField()
    children = SubItemSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        kinds_of = {}
        declared = {}
        for name, kind in section_kinds().items():
            for field in kind.item_fields:
                declared.setdefault(field.name, field)
                kinds_of.setdefault(field.name, []).append(name)
        for name, field in declared.items():
            fields[name] = item_field_serializer(field, kinds_of[name])
        return fields


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


class SectionIdSerializer(serializers.Serializer):
    # The id that opens a section listed across editions (DRF writes the
    # fields of the bases first, in their order).

    id = serializers.CharField(help_text=_("Stable id of the section in its edition."))


class SectionWithRecapSerializer(SectionIdSerializer, SectionSerializer):
    """A section found across editions, with the edition it belongs to."""

    position = serializers.IntegerField(help_text=_("Position in the edition, from 0."))
    recap = RecapRefSerializer()


class RecapSerializer(serializers.Serializer):
    """An edition as listed by ``/recaps/``."""

    id = serializers.IntegerField()
    uuid = serializers.UUIDField(
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
    series = SeriesRefSerializer(allow_null=True, read_only=True)
    tags = TagRefSerializer(many=True, read_only=True)
    intro = RichTextSerializer(read_only=True)
    summary_easy = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "Short easy-to-read summary of the edition (plain text, may be empty)."
        ),
    )
    section_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SECTION_TYPES), read_only=True
    )
    url = serializers.URLField(read_only=True)
    api_url = serializers.URLField(read_only=True)
    first_published_at = serializers.DateTimeField(allow_null=True)
    last_published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(
        help_text=_(
            "When the public representation of the edition last changed (its "
            "content, themes, series, address or going live); an unchanged "
            "republication leaves it. Filter with updated_after."
        ),
    )
    version = serializers.IntegerField(
        help_text=_(
            "Version of the edition: the version of its latest change in the change "
            "feed and in webhooks (updated_at in microseconds). Keep the copy with "
            "the larger version."
        )
    )


class RecapDetailSerializer(RecapSerializer):
    """One edition with its full structured body and its neighbours."""

    body = SectionSerializer(many=True, read_only=True)
    previous = RecapRefSerializer(allow_null=True, read_only=True)
    next = RecapRefSerializer(allow_null=True, read_only=True)
    pdf_url = serializers.URLField(
        read_only=True, help_text=_("Absolute URL of the printable A4 PDF.")
    )


@functools.cache
def bound_serializer(serializer_class, many):
    """One bound instance of ``serializer_class`` per process: its fields are
    built and copied once, not at every response (DRF deep-copies every
    declared field of every nested serializer for each instance: a third of
    an edition's detail). Only for serializers whose output depends on the
    data alone (no context, no method field). The fields follow the section
    kinds declared at import (``recaps.kinds``): whatever changes them
    afterwards (a test's added kind) clears this cache."""
    return serializer_class(many=many)


def write(serializer_class, data, many=False):
    """``serializer_class(data, many=many).data``, as the serializer writes
    it, without building the serializer again (:func:`bound_serializer`)."""
    return bound_serializer(serializer_class, many).to_representation(data)


def reference(ref, request):
    """A stored short reference (:class:`~recaps.models.RecapEntry`) as
    :class:`RecapRefSerializer` documents it, or ``None``."""
    if ref is None:
        return None
    return {**ref, "api_url": api_url(request, "recap-detail", pk=ref["id"])}


def listed(representations, request):
    """Stored representations (:class:`~recaps.models.RecapEntry`) as
    :class:`RecapSerializer` writes them."""
    return write(
        RecapSerializer,
        [reference(representation, request) for representation in representations],
        many=True,
    )


def detailed(representation, request, body, previous, next):  # noqa: A002
    """A stored representation with its ``body`` (public forms of its
    sections) and its neighbours' stored references, as
    :class:`RecapDetailSerializer` writes them."""
    return write(
        RecapDetailSerializer,
        {
            **reference(representation, request),
            "body": body,
            "previous": reference(previous, request),
            "next": reference(next, request),
        },
    )


class TagSerializer(serializers.Serializer):
    """A theme used by at least one published edition."""

    name = serializers.CharField(help_text=THEME_NAME_HELP)
    label = serializers.CharField(help_text=THEME_LABEL_HELP)
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
    version = serializers.IntegerField(
        help_text=_(
            "Version of the edition after this change: larger for every later "
            "change of the same edition, in the feed and in webhooks. Apply an "
            "event only when its version is larger than the one you hold."
        )
    )
    url = serializers.URLField(
        allow_null=True,
        help_text=_("Absolute URL of the HTML page; null when removed."),
    )


def change_data(change, request):
    """What :class:`ChangeSerializer` writes of a :class:`recaps.changes.Change`:
    nothing but the id and uuid of an edition that is not public."""
    public = change.action != "removed"
    return {
        "id": change.id,
        "uuid": change.uuid,
        "action": change.action,
        "at": change.at,
        "version": change.version,
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
