"""The series page: presentation of the meetups and list of their editions."""

from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .edition import RecapPage

EDITIONS_PER_PAGE = 20


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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(
            self.editions().prefetch_related("tags"), EDITIONS_PER_PAGE
        )
        context["editions"] = paginator.get_page(request.GET.get("page"))
        return context
