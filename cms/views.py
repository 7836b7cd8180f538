"""Small site-wide views: robots.txt, health check, error pages."""

import sys
import uuid

from axes.helpers import get_cool_off
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.http.response import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.faults import unreachable_database_error
from recaps.api.views import not_found as api_not_found
from recaps.links import absolute_url

RETRY_AFTER_SECONDS = 30
#: French text as is in JSON bodies (as the API renders it).
JSON_PARAMS = {"ensure_ascii": False}


@require_GET
def robots_txt(request):
    """``/robots.txt``: allow everything but the admin, point to the sitemap."""
    return TemplateResponse(
        request,
        "robots.txt",
        {"sitemap_url": absolute_url(reverse("sitemap"), request)},
        content_type="text/plain; charset=utf-8",
    )


def database_is_up():
    """True when the default database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def cache_is_up():
    """True when the default cache stores and returns a value.

    django-redis ignores connection errors (the site runs on without cache),
    so an unreachable Redis shows as a value that does not come back; while
    its circuit is open (:mod:`cms.cache`), Redis is not even called.
    """
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    return found == "ok"


@never_cache
@require_GET
def healthz(request):
    """``/healthz``: whether this server can serve readers (liveness).

    ``200 {"status": "ok", "database": "ok", "cache": "ok"}`` when both
    answer. Without cache the site still serves every page (more slowly, the
    API without throttle): ``200`` with ``"status": "degraded"``, so that a
    load balancer keeps every server while Redis is down. Without database
    nothing can be served: ``503`` with ``"status": "unavailable"``. Each
    answer but "ok" has a French ``detail`` naming what is down, e.g.
    ``{"status": "unavailable", "database": "down", "cache": "ok",
    "detail": "Indisponible : base de données."}``.
    """
    checks = {"database": database_is_up(), "cache": cache_is_up()}
    body = {name: "ok" if up else "down" for name, up in checks.items()}
    if all(checks.values()):
        return JsonResponse({"status": "ok", **body})
    labels = {"database": _("database"), "cache": _("cache")}
    down = ", ".join(str(labels[name]) for name, up in checks.items() if not up)
    serving = checks["database"]
    body = {
        "status": "degraded" if serving else "unavailable",
        **body,
        "detail": _("Unavailable: %(services)s.") % {"services": down},
    }
    return JsonResponse(
        body, status=200 if serving else 503, json_dumps_params=JSON_PARAMS
    )


def service_unavailable(request):
    """503 while the database is unreachable: French JSON on the API, else HTML.

    Rendered without a request context: nothing here may touch the database.
    """
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": _("Service temporarily unavailable, try again in a moment.")},
            status=503,
            json_dumps_params=JSON_PARAMS,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """``handler500``: a 503 when the cause is an unreachable database.

    Django calls it while handling the exception, so ``sys.exc_info()`` holds
    it; any other error gets the plain 500 page, as Django's own view does.
    """
    if unreachable_database_error(sys.exc_info()[1]) is not None:
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("Server error.")}, status=500, json_dumps_params=JSON_PARAMS
        )
    return HttpResponseServerError(loader.get_template("500.html").render())


#: What the 404 page offers instead of the missing page.
NOT_FOUND_EDITIONS = 5
NOT_FOUND_THEMES = 12


def not_found_suggestions():
    """The newest published editions, the main series and its most used themes.

    Three queries whatever the content; nothing at all when the database
    does not answer (the 404 page never fails for want of suggestions).
    """
    from recaps.models import RecapPage, RecapSeriesPage
    from recaps.models.themes import published_themes

    try:
        editions = list(
            RecapPage.objects.published().order_by("-date", "-edition_number")[
                :NOT_FOUND_EDITIONS
            ]
        )
        series = RecapSeriesPage.objects.live().public().order_by("path").first()
        themes = []
        if series is not None:
            themes = list(
                published_themes(series).order_by("-recap_count", "name")[
                    :NOT_FOUND_THEMES
                ]
            )
            for theme in themes:
                theme.path = series.reverse_subpage(
                    "theme", kwargs={"slug": theme.slug}
                )
    except DatabaseError:
        return {}
    return {"latest_editions": editions, "series": series, "themes": themes}


def page_not_found(request, exception):
    """``handler404``: the 404 page offers the latest editions, themes and search;
    under ``/api/``, the API's French JSON 404."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    context = {"request_path": request.path, **not_found_suggestions()}
    return HttpResponseNotFound(loader.render_to_string("404.html", context, request))


def login_locked_out(request, original_response, credentials):
    """django-axes lockout: a French 429 page saying how long to wait."""
    cool_off = get_cool_off(request)
    minutes = max(round(cool_off.total_seconds() / 60), 1) if cool_off else 15
    return render(
        request, "axes_lockout.html", {"cooloff_minutes": minutes}, status=429
    )


class EditorGuideView(WagtailAdminTemplateMixin, TemplateView):
    """A short French guide for editors, in the admin's help menu
    (:mod:`cms.wagtail_hooks`): write, publish, import a document, themes."""

    template_name = "cms/editor_guide.html"
    page_title = gettext_lazy("Guide for editors")
    header_icon = "help"


editor_guide = EditorGuideView.as_view()
