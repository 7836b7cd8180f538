"""The edition page: the recap of one meetup, made of typed sections."""

import json
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
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
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from ..admin.forms import RecapCopyForm, RecapPageForm, ThemeTagWidget
from ..blocks import (
    RecapBodyBlock,
    html_to_text,
    is_empty_section,
    visible_sections,
)
from ..search import stem_text
from .querysets import RecapPageManager
from .sections import RecapEntry
from .themes import Theme

RELATED_EDITIONS = 5
#: Related editions are ranked among this many of the newest editions sharing a
#: theme, so that their cost does not grow with the archive.
RELATED_CANDIDATES = 200
#: Characters of the first section's text standing in for a missing intro.
SUMMARY_LENGTH = 300
#: A few short sentences: the easy-to-read summary stays short.
SUMMARY_EASY_MAX_LENGTH = 600
#: Editions with this many sections or more get a table of contents.
TABLE_OF_CONTENTS_MIN_SECTIONS = 4
# Characters escaped in JSON embedded in a <script> element (as json_script does).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


class MeetingFormat(models.TextChoices):
    VISIO = "visio", _("Video call")
    PRESENTIEL = "presentiel", _("In person")
    HYBRIDE = "hybride", _("Hybrid")


#: schema.org ``eventAttendanceMode`` of each format.
ATTENDANCE_MODES = {
    MeetingFormat.VISIO: "https://schema.org/OnlineEventAttendanceMode",
    MeetingFormat.PRESENTIEL: "https://schema.org/OfflineEventAttendanceMode",
    MeetingFormat.HYBRIDE: "https://schema.org/MixedEventAttendanceMode",
}


def share_image_url(page_url):
    """Absolute URL of the site's sharing image (``RECAPS_SHARE_IMAGE``: a URL,
    or a path on the site), or ``None`` when the site has none."""
    image = getattr(settings, "RECAPS_SHARE_IMAGE", None)
    return urljoin(page_url, image) if image else None


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
        # Editions of a theme read the index alone (theme filters and counts).
        indexes = [
            models.Index(fields=["tag", "content_object"], name="recappagetag_theme")
        ]


class ThemesInOrder(ClusterTaggableManager):
    """An edition's themes, in the order they were added, however they are read.

    taggit orders ``edition.tags.all()`` by the link's primary key, but
    modelcluster's manager leaves ``prefetch_related("tags")`` (lists, theme
    pages, feeds) without an order: PostgreSQL then returns the themes in
    whatever order its plan meets them, which changes with the table's history
    (a restore, an update) and made the same edition list its themes in two
    orders on two pages.
    """

    def __get__(self, instance, model):
        manager = super().__get__(instance, model)
        if not manager.ordering:
            related_name = self.through.tag.field.related_query_name()
            manager.ordering = [f"{related_name}__pk"]
        return manager


class RecapPage(RoutablePageMixin, Page):
    """One edition of a series: the recap of a meeting.

    Routable for its letter: :mod:`recaps.pdf` adds the route ``pdf``
    (``pdf/``) at start-up (:func:`recaps.pdf.register_routes`).
    """

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
    summary_easy = models.TextField(
        _("the essentials in simple words"),
        max_length=SUMMARY_EASY_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(SUMMARY_EASY_MAX_LENGTH)],
        help_text=_(
            "Optional, for readers who find reading hard (easy-to-read style). "
            "Write short sentences, one idea per sentence. Use everyday words; "
            "explain a hard word if you must use it. Speak to the reader; say "
            "who does what. No abbreviations, no figures of speech. Write numbers "
            "as digits. E.g. “Vendredi, des centres sociaux se sont réunis en "
            "visio. Ils ont parlé des personnes âgées seules.”"
        ),
    )
    tags = ThemesInOrder(
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
    public_fingerprint = models.CharField(
        _("fingerprint of the public version"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "Digest of what the API shows of this edition, “removed” while it is "
            "not public; written with the section index (recaps.sections)."
        ),
    )
    public_updated_at = models.DateTimeField(
        _("public version changed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When what the public sees of this edition last changed (publication "
            "of new content, theme rename or merge, series, move, withdrawal); an "
            "unchanged republication leaves it."
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
        FieldPanel("summary_easy"),
        FieldPanel("intro"),
        FieldPanel("tags", widget=ThemeTagWidget),
        FieldPanel("body"),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("summary_easy"),
        # Searches are made of French stems (recaps.search.search_editions).
        index.SearchField("search_stems"),
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
        APIField("summary_easy"),
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
    base_form_class = RecapPageForm

    #: Title of the admin's create view (recaps/templates/wagtailadmin/pages/
    #: create.html), instead of Wagtail's genderless “Nouveau: Édition”.
    admin_create_title = _("New edition")

    #: Derived from the public version: a copy starts without them.
    exclude_fields_in_copy = ["public_fingerprint", "public_updated_at"]

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
            ),
            # Incremental sync: ?updated_after=, ordering=updated_at, /changes/.
            models.Index(
                fields=["public_updated_at", "page_ptr"],
                name="recappage_public_updated",
            ),
        ]

    def clean(self):
        """Line breaks of the easy-to-read summary kept one way (``\n``, no
        edge blanks): browsers send ``\r\n``, and every surface (API, feeds,
        letters) shows the same text."""
        super().clean()
        self.summary_easy = "\n".join(
            line.strip() for line in self.summary_easy.strip().splitlines()
        )

    def with_content_json(self, content):
        """A revision's content keeps the current public state columns: they
        describe the live version, not the revision (see ``recaps.sections``)."""
        page = super().with_content_json(content)
        page.public_fingerprint = self.public_fingerprint
        page.public_updated_at = self.public_updated_at
        return page

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

    def get_pdf_url(self, request=None):
        """Absolute URL of the edition's PDF: the route ``pdf`` (``pdf/``),
        which :func:`recaps.pdf.register_routes` gives this page type (the PDF
        module reads the models; the models never import it)."""
        return self.get_full_url(request) + self.reverse_subpage("pdf")

    def search_stems(self):
        """The French stems of every word readers can search in this edition:
        title, summaries, visible sections and themes (the search index holds
        them beside the words themselves)."""
        texts = [self.title, self.summary_easy, html_to_text(self.intro)]
        for child in self.visible_sections():
            texts.extend(child.block.get_searchable_content(child.value))
        texts.extend(theme.name for theme in self.tags.all())
        return stem_text(" ".join(texts))

    @property
    def intro_text(self):
        return html_to_text(self.intro)

    @property
    def plain_title(self):
        """The title as plain text: entities decoded (an imported ``&amp;``
        becomes ``&``), no markup. Feeds, Open Graph and JSON-LD escape it once."""
        return html_to_text(self.title)

    @property
    def share_title(self):
        """Open Graph title: the SEO title, else the title, as plain text."""
        return html_to_text(self.seo_title or self.title)

    def first_section_text(self):
        """Plain text of the first section of the public version (section index).

        Lists annotate it (:meth:`RecapPageQuerySet.with_first_section_text`) so
        that it costs no query per edition.
        """
        if hasattr(self, "first_section_plain_text"):
            return self.first_section_plain_text or ""
        return (
            self.indexed_sections.order_by("position")
            .values_list("text", flat=True)
            .first()
            or ""
        )

    @property
    def summary(self):
        """One plain sentence or two, never blank, for meta tags, feeds and
        JSON-LD: SEO description, else intro, else the start of the first
        section, else the title."""
        return (
            self.search_description
            or self.intro_text
            or Truncator(self.first_section_text()).chars(SUMMARY_LENGTH)
            or self.plain_title
        )

    def tag_uri(self, request=None):
        """A stable id (RFC 4151 tag URI) from the edition's ``translation_key``:
        ``tag:<host>,<year>:recap:<uuid>``. It survives slug changes, moves and
        export/restore, unlike the URL."""
        host = urlsplit(self.get_full_url(request) or "").hostname or "localhost"
        year = (self.first_published_at or self.date).year
        return f"tag:{host},{year}:recap:{self.translation_key}"

    @property
    def section_types(self):
        """Kinds of sections of the public version, in first-appearance order."""
        kinds = self.indexed_sections.order_by("position").values_list("type")
        return list(dict.fromkeys(kind for (kind,) in kinds))

    def visible_sections(self):
        """The body's sections as readers see them: empty ones left out."""
        return visible_sections(self.body)

    def table_of_contents(self, sections):
        """``[{"anchor", "title"}]`` of a long edition's sections, else ``[]``.

        Anchors match the ``id`` the section templates give (``section-1``…).
        Only sections with a heading are listed: an entry leads to the heading
        it names (a free-text block without one has nothing to jump to).
        """
        if len(sections) < TABLE_OF_CONTENTS_MIN_SECTIONS:
            return []
        return [
            {"anchor": f"section-{number}", "title": child.value["heading"]}
            for number, child in enumerate(sections, start=1)
            if child.value.get("heading")
        ]

    def empty_sections(self):
        """The body's sections with nothing under their heading."""
        return [child for child in self.body if is_empty_section(child)]

    def public_sections(self):
        """The indexed sections of the public version, in page order."""
        return list(self.indexed_sections.order_by("position"))

    def item_count(self):
        """Number of items and sub-items across the sections of the public version."""
        return sum(section.item_count() for section in self.indexed_sections.all())

    def _siblings(self, editions=None):
        """Other published editions of the series, within ``editions`` if given
        (a queryset of published editions built once per request)."""
        if editions is None:
            editions = RecapPage.objects.published()
        return editions.sibling_of(self, inclusive=False)

    def get_neighbours(self, series=None):
        """``(previous, next)``: short references (``id``, ``title``, ``date``,
        site-relative ``url``) of the public editions around this one in its
        series, or ``None``; from the edition index, as the API gives them
        (:meth:`RecapEntryQuerySet.neighbours`). A draft or a preview is placed
        by its own date and number. ``series``: the parent, if at hand."""
        series = series or self.get_parent()
        return RecapEntry.objects.neighbours(series.pk, self.date, self.edition_number)

    def get_related_editions(self, themes, limit=RELATED_EDITIONS, editions=None):
        """Other published editions of the series sharing themes with this one.

        Ranked by number of shared themes, then newest first; each carries
        ``shared_theme_count``. The ranking considers the ``RELATED_CANDIDATES``
        newest editions sharing a theme (walked in date order, so its cost stays
        flat however long the archive). One query, plus one to prefetch their
        themes.
        """
        theme_ids = [theme.pk for theme in themes]
        if not theme_ids:
            return []
        siblings = self._siblings(editions)
        candidates = (
            siblings.filter(
                models.Exists(
                    RecapPageTag.objects.filter(
                        content_object=models.OuterRef("pk"), tag_id__in=theme_ids
                    )
                )
            )
            .order_by("-date", "-edition_number")
            .values("pk")[:RELATED_CANDIDATES]
        )
        return list(
            siblings.filter(pk__in=candidates)
            .defer("body")
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

    def structured_data(self, request, themes=None, series=None):
        """schema.org ``Event`` describing the meeting, as a dict for JSON-LD.

        Text is plain (no markup, entities decoded). ``location`` follows the
        format: the series page as ``VirtualLocation`` for a video call, a
        ``Place`` named after the organiser with the series' ``venue_address``
        as a ``PostalAddress`` in person, both when hybrid. Without an address
        there is no ``Place`` (search engines require one): no location in
        person, the video call alone when hybrid (editors are warned,
        :mod:`recaps.admin.venue`). ``startDate`` has the series' start time
        when it has one.
        """
        if themes is None:
            themes = self.tags.all()
        if series is None:
            series = self.get_parent().specific
        url = self.get_full_url(request)
        series_url = series.get_full_url(request)
        organiser = series.organiser or series.title
        virtual = {"@type": "VirtualLocation", "url": series_url}
        address = series.postal_address()
        if address is None:
            location = {MeetingFormat.PRESENTIEL: None}.get(self.format, virtual)
        else:
            place = {"@type": "Place", "name": organiser, "address": address}
            location = {
                MeetingFormat.PRESENTIEL: place,
                MeetingFormat.HYBRIDE: [place, virtual],
            }.get(self.format, virtual)
        data = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.plain_title,
            "startDate": series.meeting_start(self.date).isoformat(),
            "description": self.summary,
            "keywords": ", ".join(theme.label for theme in themes),
            "url": url,
            "eventAttendanceMode": ATTENDANCE_MODES.get(
                self.format, ATTENDANCE_MODES[MeetingFormat.VISIO]
            ),
            "eventStatus": "https://schema.org/EventScheduled",
            "organizer": {
                "@type": "Organization",
                "name": organiser,
                "url": series_url,
            },
        }
        if location is not None:
            data["location"] = location
        image = share_image_url(url)
        if image:
            data["image"] = [image]
        return data

    def structured_data_json(self, request, themes=None, series=None):
        """:meth:`structured_data` serialised for a ``<script>`` element."""
        text = json.dumps(
            self.structured_data(request, themes, series), ensure_ascii=False
        )
        return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["themes"] = list(self.tags.all())
        context["sections"] = self.visible_sections()
        context["contents"] = self.table_of_contents(context["sections"])
        editions = RecapPage.objects.published()
        context["related_editions"] = self.get_related_editions(
            context["themes"], editions=editions
        )
        # The parent is always a series (parent_page_types); the deferred specific
        # instance gives its routes without loading its own fields.
        context["series"] = self.get_parent().specific
        context["previous_edition"], context["next_edition"] = self.get_neighbours(
            context["series"]
        )
        context["page_full_url"] = self.get_full_url(request)
        context["share_image"] = share_image_url(context["page_full_url"])
        context["structured_data"] = self.structured_data_json(
            request, context["themes"], context["series"]
        )
        return context
