from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms.sitemaps import PublicPagesSitemap
from cms.views import healthz, robots_txt
from recaps.caching import public_cache
from search import views as search_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("api/v1/", include("recaps.api.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", public_cache(search_views.search), name="search"),
    path(
        "sitemap.xml",
        public_cache(sitemap),
        {"sitemaps": {"pages": PublicPagesSitemap}},
        name="sitemap",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz", healthz, name="healthz"),
]

handler404 = "cms.views.page_not_found"
handler500 = "cms.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages, feeds and theme routes answered from the content version and the
# response cache (recaps.caching); Wagtail's own pattern stays for reverse().
urlpatterns += [
    re_path(wagtail_urls.serve_pattern, public_cache(wagtail_views.serve)),
    path("", include(wagtail_urls)),
]
