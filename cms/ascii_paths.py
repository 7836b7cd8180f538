"""Old accented addresses answer a permanent redirect to their ASCII form.

Editions created in the admin used to get accented slugs
(``/petite-%C3%A9bullition-de-d%C3%A9cembre/``); slugs are ASCII now
(``WAGTAIL_ALLOW_UNICODE_SLUGS = False``, :class:`recaps.admin.forms.RecapPageForm`).
A request that finds nothing at an accented path, but whose path once
transliterated (``slugify`` of each accented segment) names a public live page,
answers 301 to that page, so links printed on paper keep working after the slug
is changed. Wagtail's own redirects (created when a published page's slug
changes) run first.
"""

from django.http import Http404, HttpResponsePermanentRedirect
from django.utils.encoding import iri_to_uri
from django.utils.text import slugify
from wagtail.models import Site


def ascii_path(path):
    """``path`` with each segment holding a non-ASCII character transliterated;
    ``None`` when it is already ASCII or nothing is left of a segment."""
    if path.isascii():
        return None
    segments = []
    for segment in path.split("/"):
        if not segment.isascii():
            segment = slugify(segment)
            if not segment:
                return None
        segments.append(segment)
    return "/".join(segments)


def public_page_at(request, path):
    """The live page without view restriction that ``path`` routes to, or None."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    components = [component for component in path.split("/") if component]
    try:
        page = site.root_page.specific.route(request, components)[0]
    except Http404:
        return None
    if not page.live or page.get_view_restrictions():
        return None
    return page


class AsciiPathRedirectMiddleware:
    """Answer a 404 at an accented path with a 301 to its ASCII form when a
    public page lives there (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        target = ascii_path(request.path)
        if target is None or public_page_at(request, target) is None:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(
            iri_to_uri(target) + (f"?{query}" if query else "")
        )
