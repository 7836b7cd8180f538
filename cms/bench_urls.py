"""URLs of the benchmark (``cms.settings.bench``): the site, Wagtail's API v2
with the same edition fields as our list, and the floor."""

from django.urls import include, path
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from cms.bench import floor

api_v2 = WagtailAPIRouter("wagtailapi")
api_v2.register_endpoint("pages", PagesAPIViewSet)

urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("api/v2/", api_v2.urls),
    path("", include("cms.urls")),
]
