"""oEmbed: the public pages of the site that other sites may embed by URL.

:func:`resolve` turns a URL of this site into an :class:`Embed` (an edition, a
series page or one of its theme pages), or ``None`` for anything else: another
host, an unknown path, and every page outside the public set at this instant
(drafts, scheduled, expired, restricted; :meth:`RecapPageQuerySet.published`
for editions, :func:`~recaps.models.sections.hidden_pages` and view restrictions
for series, a theme no published edition carries). The API answers the oEmbed
JSON (``/api/v1/oembed/``) and the card (``/api/v1/embed/``) from it.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.http import Http404
from django.utils.text import Truncator
from wagtail.models import Site

from .links import site_root_url
from .models import RecapPage, RecapSection, RecapSeriesPage, Theme
from .models.sections import hidden_pages

#: Sections shown on an edition's card, editions on a series or theme card.
CARD_SECTIONS = 3
CARD_EDITIONS = 3
CARD_WIDTH, CARD_HEIGHT = 480, 360


@dataclass
class Embed:
    """A public page as a card: what it is, its title and URL, what to list."""

    kind: str  # "edition", "series" or "theme"
    title: str
    url: str
    series: RecapSeriesPage
    edition: RecapPage | None = None
    theme: Theme | None = None
    items: list = field(default_factory=list)

    def context(self):
        """The card's template context (``recaps/embed.html``)."""
        if self.kind == "edition":
            sections = RecapSection.objects.filter(edition=self.edition).order_by(
                "position"
            )[:CARD_SECTIONS]
            items = [
                {
                    "heading": section.heading or str(section.label),
                    "text": Truncator(section.text).words(20),
                }
                for section in sections
            ]
            themes = list(self.edition.tags.all())
        else:
            editions = (
                self.series.theme_editions(self.theme)
                if self.theme
                else self.series.editions()
            )[:CARD_EDITIONS]
            items = [
                {
                    "heading": edition.title,
                    "date": edition.date,
                    "url": edition.get_full_url(),
                }
                for edition in editions
            ]
            themes = [self.theme] if self.theme else []
        return {"embed": self, "items": items, "themes": themes}


def _public_series(page):
    return (
        isinstance(page, RecapSeriesPage)
        and not hidden_pages().filter(pk=page.pk).exists()
        and not page.get_view_restrictions().exists()
    )


def resolve(url, request=None):
    """The :class:`Embed` of ``url``, a public page of this site, or ``None``."""
    parts = urlsplit((url or "").strip())
    base = urlsplit(site_root_url(request))
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != (
        base.netloc.lower()
    ):
        return None
    site = Site.objects.filter(is_default_site=True).select_related("root_page")
    site = site.first()
    if site is None:
        return None
    components = [part for part in parts.path.split("/") if part]
    try:
        page, args, _kwargs = site.root_page.specific.route(request, components)
    except Http404:
        return None
    page = page.specific
    view, view_kwargs = None, {}
    if args and callable(args[0]):
        view, _view_args, view_kwargs = args
    name = getattr(view, "__name__", "index_route")
    if isinstance(page, RecapPage):
        if name != "index_route" or not (
            RecapPage.objects.published().filter(pk=page.pk).exists()
        ):
            return None
        series = page.get_parent().specific
        return Embed("edition", page.title, page.get_full_url(request), series, page)
    if not _public_series(page):
        return None
    if name == "index_route":
        return Embed("series", page.title, page.get_full_url(request), page)
    if name == "theme_route":
        try:
            theme = page.get_theme_or_404(view_kwargs["slug"])
        except Http404:
            return None
        theme_url = page.get_full_url(request) + page.reverse_subpage(
            "theme", kwargs={"slug": theme.slug}
        )
        return Embed(
            "theme", f"{page.title} — {theme.label}", theme_url, page, theme=theme
        )
    return None
