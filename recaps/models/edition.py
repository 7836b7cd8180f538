"""The edition page: the recap of one meetup, made of typed sections."""

import json

from django.db import models
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import ItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    TitleFieldPanel,
)
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import RecapBodyBlock, html_to_text
from ..forms import RecapCopyForm
from .querysets import RecapPageManager
from .themes import Theme

RELATED_EDITIONS = 5
# Characters escaped in JSON embedded in a <script> element (as json_script does).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


class MeetingFormat(models.TextChoices):
    VISIO = "visio", _("Video call")
    PRESENTIEL = "presentiel", _("In person")
    HYBRIDE = "hybride", _("Hybrid")


class RecapPageTag(ItemBase):
    """Link between an edition and one of its themes."""

    tag = models.ForeignKey(
        Theme, related_name="tagged_recaps", on_delete=models.CASCADE
    )
    content_object = ParentalKey(
        "recaps.RecapPage", related_name="tagged_items", on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("edition theme")
        verbose_name_plural = _("edition themes")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_theme_per_recap"
            )
        ]


class RecapPage(Page):
    """One edition of a series: the recap of a meeting."""

    edition_number = models.PositiveIntegerField(
        _("edition number"),
        help_text=_(
            "1 for the first edition, 2 for the second…; proposed automatically "
            "for a new edition."
        ),
    )
    date = models.DateField(
        _("date of the meeting"),
        help_text=_(
            "The day the meeting took place (a Friday is proposed), e.g. 27/11/2020."
        ),
    )
    format = models.CharField(
        _("format"),
        max_length=20,
        choices=MeetingFormat.choices,
        default=MeetingFormat.VISIO,
        help_text=_("How people met, e.g. video call during the lockdown."),
    )
    participation_note = models.CharField(
        _("participation note"),
        max_length=255,
        blank=True,
        help_text=_(
            "Optional, e.g. “Participation moins importante que les semaines "
            "précédentes.”"
        ),
    )
    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_(
            "A few sentences opening the recap, e.g. “Beau moment pour cette première "
            "édition de la petite ébullition du Vendredi.”"
        ),
    )
    tags = ClusterTaggableManager(
        through=RecapPageTag,
        blank=True,
        verbose_name=_("themes"),
        help_text=_("Themes of the meeting, e.g. numérique, isolement, aller-vers."),
    )
    import_source = models.CharField(
        _("import source"),
        max_length=500,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Where an imported edition came from (WordPress guid, URL, hash)."),
    )
    import_fingerprint = models.CharField(
        _("import fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "Digest of the content last imported: importing it again unchanged "
            "leaves the edition alone."
        ),
    )
    body = StreamField(
        RecapBodyBlock(),
        blank=True,
        verbose_name=_("sections"),
        help_text=_("The sections of the recap, in reading order."),
    )

    content_panels = [
        TitleFieldPanel(
            "title", help_text=_("e.g. “Première petite ébullition du Vendredi”.")
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("edition_number"), FieldPanel("date")]),
                FieldRowPanel([FieldPanel("format"), FieldPanel("participation_note")]),
            ],
            heading=_("Meeting"),
        ),
        FieldPanel("intro"),
        FieldPanel("tags"),
        FieldPanel("body"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("date"),
        index.FilterField("edition_number"),
        # published() filters on these, also inside searches.
        index.FilterField("go_live_at"),
        index.FilterField("expire_at"),
    ]

    #: Fields of Wagtail's own API (v2), for sites that mount it.
    api_fields = [
        APIField("edition_number"),
        APIField("date"),
        APIField("format"),
        APIField("intro"),
        APIField("tags"),
        APIField("last_published_at"),
        APIField("body"),
    ]

    objects = RecapPageManager()

    #: The search index is written once per publication, after the themes are
    #: saved (``recaps.signal_handlers``), not on every save of a draft.
    search_auto_update = False

    #: Copying an edition proposes the next edition's title and slug.
    copy_form_class = RecapCopyForm

    parent_page_types = ["recaps.RecapSeriesPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("recap")
        verbose_name_plural = _("recaps")
        indexes = [
            # Lists, feeds and neighbours walk editions by date: no sort of all.
            models.Index(
                fields=["date", "edition_number", "page_ptr"],
                name="recappage_date_number",
            )
        ]

    def route(self, request, path_components):
        """Route to this edition only while its schedule makes it public.

        Wagtail serves any ``live`` page, but an edition whose go-live date is
        still ahead, or whose expiry date has passed, stays ``live`` until
        ``publish_scheduled`` runs: its own URL answers 404 meanwhile, as every
        listing already hides it. View restrictions are checked afterwards by
        Wagtail (login or password page).
        """
        result = super().route(request, path_components)
        if not RecapPage.objects.current().filter(pk=self.pk).exists():
            raise Http404
        return result

    @property
    def intro_text(self):
        return html_to_text(self.intro)

    @property
    def summary(self):
        """One plain sentence or two for meta tags: SEO description or intro."""
        return self.search_description or self.intro_text

    @property
    def section_types(self):
        """Kinds of sections of the public version, in first-appearance order."""
        kinds = self.indexed_sections.order_by("position").values_list("type")
        return list(dict.fromkeys(kind for (kind,) in kinds))

    def public_sections(self):
        """The indexed sections of the public version, in page order."""
        return list(self.indexed_sections.order_by("position"))

    def item_count(self):
        """Number of items and sub-items across the sections of the public version."""
        return sum(section.item_count() for section in self.indexed_sections.all())

    def _siblings(self):
        return RecapPage.objects.sibling_of(self, inclusive=False).published()

    def get_previous_edition(self):
        return (
            self._siblings()
            .filter(
                models.Q(date__lt=self.date)
                | models.Q(date=self.date, edition_number__lt=self.edition_number)
            )
            .order_by("-date", "-edition_number")
            .first()
        )

    def get_next_edition(self):
        return (
            self._siblings()
            .filter(
                models.Q(date__gt=self.date)
                | models.Q(date=self.date, edition_number__gt=self.edition_number)
            )
            .order_by("date", "edition_number")
            .first()
        )

    def get_related_editions(self, themes, limit=RELATED_EDITIONS):
        """Other published editions of the series sharing themes with this one.

        Ranked by number of shared themes, then newest first; each carries
        ``shared_theme_count``. One query (plus one to prefetch their themes).
        """
        theme_ids = [theme.pk for theme in themes]
        if not theme_ids:
            return []
        return list(
            self._siblings()
            .filter(tagged_items__tag_id__in=theme_ids)
            .annotate(
                shared_theme_count=models.Count(
                    "tagged_items",
                    filter=models.Q(tagged_items__tag_id__in=theme_ids),
                    distinct=True,
                )
            )
            .order_by("-shared_theme_count", "-date", "-edition_number")
            .prefetch_related("tags")[:limit]
        )

    def structured_data(self, request, themes=None):
        """schema.org ``Event`` describing the meeting, as a dict for JSON-LD."""
        if themes is None:
            themes = self.tags.all()
        return {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.title,
            "startDate": self.date.isoformat(),
            "description": self.summary,
            "keywords": ", ".join(theme.name for theme in themes),
            "url": self.get_full_url(request),
            "eventAttendanceMode": {
                "visio": "https://schema.org/OnlineEventAttendanceMode",
                "presentiel": "https://schema.org/OfflineEventAttendanceMode",
                "hybride": "https://schema.org/MixedEventAttendanceMode",
            }.get(self.format, "https://schema.org/OnlineEventAttendanceMode"),
            "eventStatus": "https://schema.org/EventScheduled",
        }

    def structured_data_json(self, request, themes=None):
        """:meth:`structured_data` serialised for a ``<script>`` element."""
        text = json.dumps(self.structured_data(request, themes), ensure_ascii=False)
        return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["themes"] = list(self.tags.all())
        context["previous_edition"] = self.get_previous_edition()
        context["next_edition"] = self.get_next_edition()
        context["related_editions"] = self.get_related_editions(context["themes"])
        # The parent is always a series (parent_page_types); the deferred specific
        # instance gives its routes without loading its own fields.
        context["series"] = self.get_parent().specific_deferred
        context["page_full_url"] = self.get_full_url(request)
        context["structured_data"] = self.structured_data_json(
            request, context["themes"]
        )
        return context
