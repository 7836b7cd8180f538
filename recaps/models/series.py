"""The series page: presentation of the meetups and list of their editions.

The series also answers the questions asked when an edition is started or
copied (next edition number, next free Friday, a free slug): the admin
(:mod:`recaps.admin.new_edition`, :mod:`recaps.admin.forms`) asks the series.
"""

import datetime
import re
import zoneinfo

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import section_labels
from ..feeds import EditionsAtomFeed, EditionsJsonFeed, EditionsRssFeed
from .edition import RecapPage, RecapPageTag
from .sections import RecapEntry, RecapSection
from .themes import EDITIONS, IndexCount, Theme, published_counts, published_themes

EDITIONS_PER_PAGE = 20
#: “12 rue de la Paix, 44000 Nantes”: street, French postal code, town.
POSTAL_ADDRESS = re.compile(r"(?P<street>.+?),?\s+(?P<code>\d{5})\s+(?P<town>.+)")

#: ``date.weekday()`` of Friday, the day of the meetups.
FRIDAY = 4

#: How long a draft that was never published keeps its edition number
#: reserved after its last edit (:meth:`RecapSeriesPage.next_edition_number`).
DRAFT_NUMBER_HOLD = datetime.timedelta(days=1)


def next_friday(day=None, *, strictly_after=False):
    """The next Friday on or after ``day`` (today by default).

    A Friday counts as its own "next Friday" (an edition is often written on the
    day of the meeting) unless ``strictly_after`` is set.
    """
    day = day or timezone.localdate()
    delta = (FRIDAY - day.weekday()) % 7
    if delta == 0 and strictly_after:
        delta = 7
    return day + datetime.timedelta(days=delta)


class EditionsInOrder:
    """The public editions of a series (carrying ``theme`` when given), newest
    first, as a sequence that :class:`~django.core.paginator.Paginator` reads
    a page at a time, at a cost that does not grow with the archive.

    Rows come from the public index (:class:`RecapEntry`, the editions of
    ``series.editions()``): its ``(parent, date, edition_number)`` index is
    walked from the newest edition, a theme's editions kept by a probe of
    their tag links (as :func:`recaps.filters.with_all_themes`), and only the
    page's editions are then read, in one query with their themes. The
    length of a theme's list is its stored count
    (:func:`~recaps.models.themes.published_counts`), never counted over its
    editions, as is the whole series' (stored
    :class:`~recaps.models.themes.IndexCount`).
    """

    def __init__(self, series, theme=None, count=None):
        self.series = series
        entries = RecapEntry.objects.current().filter(parent=series)
        if theme is not None:
            tagged = RecapPageTag.objects.filter(
                content_object=models.OuterRef("edition_id"), tag=theme
            )
            entries = entries.filter(models.Exists(tagged))
        self.entries = entries.order_by("-date", "-edition_number", "-edition_id")
        self._count = count

    def count(self):
        if self._count is None:
            self._count = IndexCount.objects.published([EDITIONS], series=self.series)
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        ids = list(self.entries.values_list("edition_id", flat=True)[key])
        pages = RecapPage.objects.filter(pk__in=ids).prefetch_related("tags")
        found = {page.pk: page for page in pages}
        return [found[pk] for pk in ids if pk in found]


class RegistrationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RecapSeriesPage(RoutablePageMixin, Page):
    """A series of meetups (“Les petites ébullitions du Vendredi”)."""

    presentation = RichTextField(
        _("presentation"),
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        help_text=_(
            "What the meetups are, e.g. “Ce rendez-vous hebdomadaire se veut être un "
            "espace d’échange…”"
        ),
    )
    organiser = models.CharField(
        _("organiser"),
        max_length=255,
        blank=True,
        help_text=_("e.g. “Fédération des Centres Sociaux de Loire-Atlantique”."),
    )
    venue_address = models.CharField(
        _("address of in-person meetings"),
        max_length=255,
        blank=True,
        help_text=_(
            "Where in-person and hybrid editions take place, e.g. “12 rue de la "
            "Paix, 44000 Nantes”. Shown on their page and given to search engines."
        ),
    )
    meeting_time = models.TimeField(
        _("start time of meetings"),
        null=True,
        blank=True,
        help_text=_(
            "Optional, e.g. 10:00 (Paris time). Given to search engines with the "
            "date of each edition."
        ),
    )
    registration_status = models.CharField(
        _("registration"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.OPEN,
    )
    registration_message = models.TextField(
        _("registration message"),
        blank=True,
        help_text=_(
            "e.g. “Les petites ébullitions du Vendredi sont terminées, vous ne "
            "pouvez donc plus vous inscrire.”"
        ),
    )
    registration_url = models.URLField(
        _("registration link"),
        blank=True,
        help_text=_("Optional: the page where people register."),
    )
    participation_heading = models.CharField(
        _("participation heading"),
        max_length=255,
        default=_("How to take part?"),
    )
    participation_info = RichTextField(
        _("how to take part"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("e.g. “En cas de difficultés, contactez Maxime.”"),
    )
    contact_name = models.CharField(_("contact name"), max_length=255, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("organiser"),
        FieldPanel("venue_address"),
        FieldPanel("meeting_time"),
        FieldPanel("presentation"),
        MultiFieldPanel(
            [
                FieldPanel("registration_status"),
                FieldPanel("registration_message"),
                FieldPanel("registration_url"),
            ],
            heading=_("Registration"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("participation_heading"),
                FieldPanel("participation_info"),
                FieldPanel("contact_name"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
            ],
            heading=_("How to take part"),
        ),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("presentation"),
        index.FilterField("live"),
    ]

    subpage_types = ["recaps.RecapPage"]

    class Meta:
        verbose_name = _("recap series")
        verbose_name_plural = _("recap series")

    @property
    def registration_open(self):
        return self.registration_status == RegistrationStatus.OPEN

    def editions(self):
        """Live, public editions of this series, newest first."""
        return (
            RecapPage.objects.child_of(self)
            .published()
            .order_by("-date", "-edition_number")
        )

    def next_edition_number(self, exclude=None):
        """One more than the highest number an edition of the series holds.

        Editions ever published hold their number, and so do drafts edited
        within :data:`DRAFT_NUMBER_HOLD` (two people writing two editions at
        once get two numbers); a draft left longer, such as one that Wagtail's
        autosave created from an abandoned form, no longer counts. ``exclude``,
        an edition, is left aside.
        """
        recent = timezone.now() - DRAFT_NUMBER_HOLD
        holders = (
            RecapPage.objects.child_of(self)
            .exclude(pk=getattr(exclude, "pk", None))
            .filter(
                models.Q(live=True)
                | models.Q(first_published_at__isnull=False)
                | models.Q(latest_revision_created_at__isnull=True)
                | models.Q(latest_revision_created_at__gte=recent)
            )
        )
        highest = holders.aggregate(Max("edition_number"))["edition_number__max"]
        return (highest or 0) + 1

    def next_published_number(self, exclude=None):
        """One more than the highest number of the editions ever published
        (``exclude`` left aside): the number an edition takes when it is first
        published (:class:`recaps.admin.forms.RecapPageForm`)."""
        highest = (
            RecapPage.objects.child_of(self)
            .exclude(pk=getattr(exclude, "pk", None))
            .filter(models.Q(live=True) | models.Q(first_published_at__isnull=False))
            .aggregate(Max("edition_number"))["edition_number__max"]
        )
        return (highest or 0) + 1

    def published_number_taken(self, number, exclude=None):
        """Whether an edition ever published (``exclude`` left aside) has ``number``."""
        return (
            RecapPage.objects.child_of(self)
            .exclude(pk=getattr(exclude, "pk", None))
            .filter(models.Q(live=True) | models.Q(first_published_at__isnull=False))
            .filter(edition_number=number)
            .exists()
        )

    def next_free_friday(self, after, exclude=None):
        """The first Friday strictly after ``after`` that no other edition of the
        series (``exclude`` left aside) uses."""
        taken = set(
            RecapPage.objects.child_of(self)
            .exclude(pk=getattr(exclude, "pk", None))
            .filter(date__gt=after)
            .values_list("date", flat=True)
        )
        day = next_friday(after, strictly_after=True)
        while day in taken:
            day += datetime.timedelta(weeks=1)
        return day

    def unique_slug(self, base, exclude=None, used=None):
        """``base`` or ``base-2``, ``base-3``… whichever no child page of the
        series (``exclude`` left aside) uses.

        ``used``, the slugs taken, spares the query to callers that already
        hold them (the importer, which creates many editions in one go).
        """
        if used is None:
            used = set(
                Page.objects.child_of(self)
                .exclude(pk=getattr(exclude, "pk", None))
                .values_list("slug", flat=True)
            )
        slug, counter = base, 1
        while slug in used:
            counter += 1
            slug = f"{base}-{counter}"
        return slug

    def next_edition_values(self, source):
        """Number, date and slug that a copy of the edition ``source`` starts with:
        the next number, the first free Friday after ``source``, and ``source``'s
        slug with its number replaced (or appended), made unique."""
        number = self.next_edition_number()
        base = re.sub(rf"-?{source.edition_number}$", "", source.slug) or "edition"
        return {
            "edition_number": number,
            "date": self.next_free_friday(source.date),
            "slug": self.unique_slug(slugify(f"{base}-{number}")),
        }

    def postal_address(self):
        """schema.org ``PostalAddress`` of ``venue_address`` (``None`` without
        one): “12 rue de la Paix, 44000 Nantes” gives the street, the postal code
        and the town; an address in another shape is given whole as the street."""
        text = " ".join(self.venue_address.split())
        if not text:
            return None
        address = {"@type": "PostalAddress", "addressCountry": "FR"}
        match = POSTAL_ADDRESS.fullmatch(text)
        if match:
            address["streetAddress"] = match["street"]
            address["postalCode"] = match["code"]
            address["addressLocality"] = match["town"]
        else:
            address["streetAddress"] = text
        return address

    def meeting_start(self, day):
        """When the meeting of ``day`` starts: a date, or an aware datetime when
        the series has a start time."""
        if self.meeting_time is None:
            return day
        return datetime.datetime.combine(
            day, self.meeting_time, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
        )

    def themes(self):
        """Themes of the published editions, each annotated ``recap_count``
        (stored counts, :func:`~recaps.models.themes.published_themes`)."""
        return published_themes(series=self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(EditionsInOrder(self), EDITIONS_PER_PAGE)
        context["editions"] = paginator.get_page(request.GET.get("page"))
        context["series"] = self
        context["series_themes"] = list(self.themes())
        return context

    def render_route(self, request, template, context):
        """Render a theme route without the series page's own (paginated) context."""
        return TemplateResponse(
            request,
            template,
            {"page": self, "self": self, "series": self, "request": request, **context},
        )

    def get_sitemap_urls(self, request=None):
        """The series page, its theme index and one entry per theme.

        A theme page's ``lastmod`` is the last publication of its editions (one
        query for all themes); the index's is the latest of them.
        """
        urls = super().get_sitemap_urls(request)
        base = self.get_full_url(request)
        themes = list(
            self.themes().annotate(
                lastmod=Max("tagged_recaps__content_object__last_published_at")
            )
        )
        if themes:
            urls.append(
                {
                    "location": base + self.reverse_subpage("themes"),
                    "lastmod": max(
                        (theme.lastmod for theme in themes if theme.lastmod),
                        default=None,
                    ),
                }
            )
            urls.extend(
                {
                    "location": base
                    + self.reverse_subpage("theme", kwargs={"slug": theme.slug}),
                    "lastmod": theme.lastmod,
                }
                for theme in themes
            )
        return urls

    def get_theme_or_404(self, slug):
        """A theme carried by at least one published edition of this series,
        with ``edition_count``, their number (stored counts, two small queries
        whatever the archive)."""
        theme = get_object_or_404(Theme, slug=slug)
        counts = published_counts([theme.pk], series=self)
        theme.edition_count = counts.get(theme.pk, {}).get(self.pk, 0)
        if not theme.edition_count:
            raise Http404
        return theme

    def theme_editions(self, theme):
        """Published editions of this series carrying ``theme``, newest first."""
        return self.editions().filter(tagged_items__tag=theme)

    @path("")
    def index_route(self, request, *args, **kwargs):
        """The series page itself."""
        return self.render(request)

    @path("themes/", name="themes")
    def themes_route(self, request):
        """Every theme of the published editions with its number of editions."""
        return self.render_route(
            request, "recaps/series_themes.html", {"series_themes": list(self.themes())}
        )

    @path("themes/<slug:slug>/", name="theme")
    def theme_route(self, request, slug):
        """The editions of one theme, newest first, paginated."""
        theme = self.get_theme_or_404(slug)
        paginator = Paginator(
            EditionsInOrder(self, theme, count=theme.edition_count), EDITIONS_PER_PAGE
        )
        page_obj = paginator.get_page(request.GET.get("page"))
        labels = section_labels()
        kinds = RecapSection.objects.types_by_edition(
            [edition.pk for edition in page_obj]
        )
        for edition in page_obj:
            edition.section_type_labels = [
                labels[kind] for kind in kinds.get(edition.pk, [])
            ]
        return self.render_route(
            request,
            "recaps/series_theme.html",
            {"theme": theme, "theme_editions": page_obj},
        )

    def get_theme_pdf_url(self, theme, request=None):
        """Absolute URL of the PDF digest of ``theme`` in this series: the route
        ``theme_pdf`` (``themes/<slug>/pdf/``), which
        :func:`recaps.pdf.register_routes` gives this page type (the PDF module
        reads the models; the models never import it)."""
        return self.get_full_url(request) + self.reverse_subpage(
            "theme_pdf", kwargs={"slug": theme.slug}
        )

    @path("feed/rss/", name="feed_rss")
    def feed_rss_route(self, request):
        """RSS 2.0 feed of the newest published editions."""
        return EditionsRssFeed()(request, series=self)

    @path("feed/atom/", name="feed_atom")
    def feed_atom_route(self, request):
        """Atom feed of the newest published editions."""
        return EditionsAtomFeed()(request, series=self)

    @path("feed/json/", name="feed_json")
    def feed_json_route(self, request):
        """JSON Feed 1.1 of the newest published editions."""
        return EditionsJsonFeed()(request, series=self)

    @path("themes/<slug:slug>/feed/rss/", name="theme_feed_rss")
    def theme_feed_rss_route(self, request, slug):
        """RSS 2.0 feed of the newest published editions of one theme."""
        return EditionsRssFeed()(
            request, series=self, theme=self.get_theme_or_404(slug)
        )

    @path("themes/<slug:slug>/feed/atom/", name="theme_feed_atom")
    def theme_feed_atom_route(self, request, slug):
        """Atom feed of the newest published editions of one theme."""
        return EditionsAtomFeed()(
            request, series=self, theme=self.get_theme_or_404(slug)
        )

    @path("themes/<slug:slug>/feed/json/", name="theme_feed_json")
    def theme_feed_json_route(self, request, slug):
        """JSON Feed 1.1 of the newest published editions of one theme."""
        return EditionsJsonFeed()(
            request, series=self, theme=self.get_theme_or_404(slug)
        )


def series_of_themes(themes, editions):
    """``{theme id: series}``: the series of each theme's newest edition among
    ``editions`` (usually published ones), where its PDF digest lives; two
    queries whatever the number of themes."""
    paths = {}
    rows = (
        RecapPageTag.objects.filter(
            tag__in=[theme.pk for theme in themes],
            content_object__in=editions.values("pk"),
        )
        .order_by("tag_id", "-content_object__date", "-content_object__edition_number")
        .values_list("tag_id", "content_object__path")
    )
    for tag_id, edition_path in rows:
        paths.setdefault(tag_id, edition_path[: -RecapSeriesPage.steplen])
    series = {
        found.path: found
        for found in RecapSeriesPage.objects.filter(path__in=set(paths.values()))
    }
    return {tag_id: series.get(found) for tag_id, found in paths.items()}


def series_of_published_themes(themes):
    """``{theme id: series}`` as :func:`series_of_themes` gives it for the
    published editions, from the stored counts
    (:func:`~recaps.models.themes.published_counts`): a theme published in one
    series is in that one, read without counting editions; only the themes
    published in several series are looked up among their editions. Three
    queries (five with such themes), whatever the archive."""
    counts = published_counts(theme.pk for theme in themes)
    several = [theme for theme in themes if len(counts.get(theme.pk, ())) > 1]
    found = series_of_themes(several, RecapPage.objects.published()) if several else {}
    single = {
        theme_id: next(iter(by_series))
        for theme_id, by_series in counts.items()
        if len(by_series) == 1
    }
    series = RecapSeriesPage.objects.in_bulk(set(single.values()))
    found.update(
        (theme_id, series.get(series_id)) for theme_id, series_id in single.items()
    )
    return found
