"""URLs of the API; sites mount them with ``path("api/v1/", include(...))``."""

from django.urls import path, re_path

from . import oembed, views

app_name = "recaps_api"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("recaps/", views.RecapListView.as_view(), name="recap-list"),
    path("recaps/<int:pk>/", views.RecapDetailView.as_view(), name="recap-detail"),
    path("changes/", views.ChangeListView.as_view(), name="change-list"),
    path("sections/", views.SectionListView.as_view(), name="section-list"),
    path("tags/", views.TagListView.as_view(), name="tag-list"),
    path("oembed/", oembed.OEmbedView.as_view(), name="oembed"),
    path("embed/", oembed.embed_card, name="embed"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    # Any other path ending in a slash, control characters included.
    re_path(r"^[\s\S]*/$", views.NotFoundView.as_view(), name="not-found"),
]
