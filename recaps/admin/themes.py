"""The “Thèmes” admin (wagtail-modeladmin): list, rename, describe, merge, delete."""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import re_path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import (
    CreateView,
    DeleteView,
    EditView,
    InstanceSpecificView,
)

from ..models import Theme
from ..models.series import series_of_published_themes
from ..models.themes import theme_label
from ..pdf import theme_digest
from ..themes import merge_themes, reindex_theme_editions


def recap_count(theme):
    """Editions carrying ``theme`` (published or not), from the listing's
    ``recap_count`` annotation when present (the name the API uses too)."""
    count = getattr(theme, "recap_count", None)
    if count is None:
        count = theme.tagged_recaps.count()
    return count


class ThemeButtonHelper(ButtonHelper):
    """Adds “Merge” to each row and offers “Delete” only for unused themes.

    The “add” button says “Ajouter un thème”, not modeladmin's genderless
    “Ajouter un(e) thème”.
    """

    def add_button(self, classnames_add=None, classnames_exclude=None):
        button = super().add_button(classnames_add, classnames_exclude)
        button["label"] = _("Add a theme")
        button["title"] = _("Add a new theme")
        return button

    def merge_button(self, pk, classnames_add=None, classnames_exclude=None):
        classnames = ["button-secondary", *(classnames_add or [])]
        return {
            "url": self.url_helper.get_action_url("merge", pk),
            "label": _("Merge"),
            "classname": self.finalise_classname(classnames, classnames_exclude),
            "title": _("Merge this theme into another one"),
        }

    def pdf_button(self, pk, classnames_add=None, classnames_exclude=None):
        classnames = ["button-secondary", *(classnames_add or [])]
        return {
            "url": self.url_helper.get_action_url("pdf", pk),
            "label": _("PDF"),
            "classname": self.finalise_classname(classnames, classnames_exclude),
            "title": _("Digest of the published editions of this theme (PDF)"),
        }

    def get_buttons_for_obj(self, obj, exclude=None, **kwargs):
        exclude = list(exclude or [])
        if recap_count(obj):
            exclude.append("delete")
        buttons = super().get_buttons_for_obj(obj, exclude=exclude, **kwargs)
        if recap_count(obj):
            buttons.append(
                self.pdf_button(
                    obj.pk,
                    kwargs.get("classnames_add"),
                    kwargs.get("classnames_exclude"),
                )
            )
        if self.permission_helper.user_can_delete_obj(self.request.user, obj):
            buttons.insert(
                1,
                self.merge_button(
                    obj.pk,
                    kwargs.get("classnames_add"),
                    kwargs.get("classnames_exclude"),
                ),
            )
        return buttons


NAME_HELP = gettext_lazy(
    "As readers will see it, capitals and accents included. Names that differ "
    "only in capitals or spaces are one theme."
)


class ThemeForm(WagtailAdminModelForm):
    """The name box shows the theme as readers see it (its label) and keeps
    what the editor types there, capitals and accents included: “Parentalité”
    is shown “Parentalité” and stored under the key “parentalité”. Typing
    another case of the same key changes only how it reads; another name
    renames it (the slug stays)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            self.fields["name"].help_text = NAME_HELP
            if self.instance.pk:
                self.initial["name"] = str(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("name"):
            self.instance.label = theme_label(cleaned_data["name"])
        return cleaned_data


class ThemeCreateView(CreateView):
    """“Nouveau thème”, in the header and the browser's title."""

    page_title = gettext_lazy("New theme")

    def get_page_subtitle(self):
        return ""

    def get_meta_title(self):
        return self.page_title


class ThemeEditView(EditView):
    """Renaming keeps the slug (theme URLs stay stable) and refreshes the index."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if "name" in form.changed_data:
            reindex_theme_editions(self.instance)
        return response


class ThemeDeleteView(DeleteView):
    """Only themes that no edition uses may be deleted."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and recap_count(self.instance):
            messages.error(
                request,
                _(
                    "The theme “%(theme)s” is used by %(count)s edition(s) and "
                    "cannot be deleted. Remove it from those editions or merge "
                    "it into another theme first."
                )
                % {"theme": self.instance, "count": recap_count(self.instance)},
            )
            return redirect(self.index_url)
        return super().dispatch(request, *args, **kwargs)


class MergeForm(forms.Form):
    """Choose the theme that receives the editions."""

    target = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        label=gettext_lazy("Merge into"),
        help_text=gettext_lazy(
            "Every edition of this theme will carry the chosen theme instead; "
            "this theme will then disappear."
        ),
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Theme.objects.exclude(pk=source.pk)


class ThemeMergeView(InstanceSpecificView):
    """Merge this theme into another one (see :func:`merge_themes`)."""

    template_name = "recaps/admin/theme_merge.html"

    def check_action_permitted(self, user):
        helper = self.permission_helper
        return helper.user_can_edit_obj(user, self.instance) and (
            helper.user_can_delete_obj(user, self.instance)
        )

    def get_page_title(self):
        return _("Merge a theme")

    def get_meta_title(self):
        return _("Merge the theme “%(theme)s”") % {"theme": self.instance}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", MergeForm(source=self.instance))
        kwargs["recap_count"] = recap_count(self.instance)
        kwargs["merge_url"] = self.url_helper.get_action_url("merge", self.pk_quoted)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = MergeForm(request.POST, source=self.instance)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        target = form.cleaned_data["target"]
        source_name = str(self.instance)
        moved = merge_themes(self.instance, target)
        messages.success(
            request,
            _("Theme “%(source)s” merged into “%(target)s” (%(count)s edition(s)).")
            % {"source": source_name, "target": target, "count": moved},
        )
        return redirect(self.index_url)


class ThemePdfView(InstanceSpecificView):
    """The PDF digest of this theme (published editions, as readers get it), in
    the series of its newest published edition; ``date_after``/``date_before``
    are passed on."""

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_list(user)

    def get(self, request, *args, **kwargs):
        series = series_of_published_themes([self.instance]).get(self.instance.pk)
        if series is None:
            messages.error(
                request,
                _("No published edition carries the theme “%(theme)s” yet.")
                % {"theme": self.instance},
            )
            return redirect(self.index_url)
        response = theme_digest(request, series, self.instance, request.GET)
        add_never_cache_headers(response)
        return response


class ThemeAdmin(ModelAdmin):
    """Themes with their number of editions (published or not)."""

    model = Theme
    menu_label = gettext_lazy("Themes")
    menu_icon = "tag"
    menu_order = 250
    add_to_settings_menu = False
    list_display = ("shown_name", "slug", "recap_count", "description")
    search_fields = ("name", "label", "description")
    ordering = ("name",)
    list_per_page = 50
    button_helper_class = ThemeButtonHelper
    create_view_class = ThemeCreateView
    edit_view_class = ThemeEditView
    delete_view_class = ThemeDeleteView
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("description")], base_form_class=ThemeForm
    )

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(recap_count=Count("tagged_recaps"))
        )

    def recap_count(self, theme):
        return recap_count(theme)

    recap_count.short_description = gettext_lazy("Editions")
    recap_count.admin_order_field = "recap_count"

    def shown_name(self, theme):
        """The theme as readers see it, in the order of the names."""
        return str(theme)

    shown_name.short_description = pgettext_lazy("A tag name", "name")
    shown_name.admin_order_field = "name"

    def merge_view(self, request, instance_pk):
        view = ThemeMergeView.as_view(model_admin=self, instance_pk=instance_pk)
        return view(request)

    def pdf_view(self, request, instance_pk):
        view = ThemePdfView.as_view(model_admin=self, instance_pk=instance_pk)
        return view(request)

    def get_admin_urls_for_registration(self):
        return (
            *super().get_admin_urls_for_registration(),
            re_path(
                self.url_helper.get_action_url_pattern("merge"),
                self.merge_view,
                name=self.url_helper.get_action_url_name("merge"),
            ),
            re_path(
                self.url_helper.get_action_url_pattern("pdf"),
                self.pdf_view,
                name=self.url_helper.get_action_url_name("pdf"),
            ),
        )
