"""The “Editions” listing: number, date, themes and status, filterable."""

import django_filters
from django.db.models import Q
from django.forms import CheckboxSelectMultiple, RadioSelect
from django.http import JsonResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.pages import PageListingViewSet

from ..models import RecapPage, Theme
from ..models.themes import normalise_theme_name
from .documents import from_document_buttons

#: Themes an edition's tags field proposes at most, as Wagtail's own.
AUTOCOMPLETE_LIMIT = 10


class EditionStatus:
    LIVE = "live"
    CHANGES = "changes"
    DRAFT = "draft"
    SCHEDULED = "scheduled"

    choices = [
        (LIVE, _("Published")),
        (CHANGES, _("Published, with unpublished changes")),
        (DRAFT, _("Draft (never published or unpublished)")),
        (SCHEDULED, _("Scheduled")),
    ]


class EditionFilterSet(PageListingViewSet.filterset_class):
    """Page filters plus the edition's themes and publication status."""

    themes = django_filters.ModelMultipleChoiceFilter(
        label=_("Themes"),
        field_name="tagged_items__tag",
        queryset=Theme.objects.all(),
        widget=CheckboxSelectMultiple,
        distinct=True,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=EditionStatus.choices,
        method="filter_status",
        empty_label=_("Any"),
        widget=RadioSelect,
    )

    class Meta:
        model = RecapPage
        fields = []

    def filter_status(self, queryset, name, value):
        if value == EditionStatus.LIVE:
            return queryset.filter(live=True)
        if value == EditionStatus.CHANGES:
            return queryset.filter(live=True, has_unpublished_changes=True)
        if value == EditionStatus.DRAFT:
            return queryset.filter(live=False)
        if value == EditionStatus.SCHEDULED:
            now = timezone.now()
            return queryset.filter(
                Q(go_live_at__gt=now)
                | Q(live=False, latest_revision__approved_go_live_at__gt=now)
            )
        return queryset


class EditionIndexView(PageListingViewSet.index_view_class):
    """Editions newest first, themes prefetched (a fixed number of queries)."""

    default_ordering = "-date"
    #: Not Wagtail's genderless “Ajouter un(e) édition”.
    add_item_label = _("Add an edition")

    @cached_property
    def header_buttons(self):
        return [*super().header_buttons, *from_document_buttons(self.request.user)]

    def annotate_queryset(self, pages):
        return super().annotate_queryset(pages).prefetch_related("tags")


def theme_autocomplete_view(request):
    """``?term=Paren``: the labels of the themes whose name starts with the
    term, whatever its case (the tags field of an edition, ``ThemeTagWidget``)."""
    term = normalise_theme_name(request.GET.get("term", ""))
    themes = []
    if term:
        themes = Theme.objects.filter(name__startswith=term).order_by("name")
    return JsonResponse(
        [str(theme) for theme in themes[:AUTOCOMPLETE_LIMIT]], safe=False
    )


def theme_names(page):
    """Themes of an edition as readers see them, in the order of their names
    (from the prefetched tags)."""
    themes = sorted(page.tags.all(), key=lambda theme: theme.name)
    return ", ".join(theme.label for theme in themes)


class EditionListingViewSet(PageListingViewSet):
    """Flat listing of every edition, reached from the “Editions” menu."""

    model = RecapPage
    icon = "doc-full"
    menu_label = _("Editions")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = EditionIndexView
    filterset_class = EditionFilterSet
    columns = [
        *PageListingViewSet.columns[:2],
        Column(
            "edition_number",
            label=_("No."),
            sort_key="edition_number",
            width="8%",
        ),
        Column(
            "date",
            label=_("Date"),
            sort_key="date",
            width="14%",
            accessor=lambda page: date_format(page.date, "j F Y"),
        ),
        Column("themes", label=_("Themes"), accessor=theme_names),
        *[c for c in PageListingViewSet.columns[2:] if c.name != "parent"],
    ]


edition_listing_viewset = EditionListingViewSet("editions")
