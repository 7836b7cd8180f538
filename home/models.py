"""The site's home page."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from recaps.models import RecapSeriesPage


class HomePage(Page):
    """Root page of the site: presents the network and links to the series."""

    tagline = models.CharField(_("tagline"), max_length=255, blank=True)
    body = RichTextField(_("body"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("body")]

    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["series_list"] = RecapSeriesPage.objects.child_of(self).live().public()
        return context
