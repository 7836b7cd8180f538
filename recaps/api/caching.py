"""HTTP validators derived from the content itself, so nothing is ever stale.

The ``ETag`` is a hash of the response body: any change of what the API shows
(publication, unpublication, move, deletion, theme change) changes it. The
``Last-Modified`` date is the newest of the page log (every publish, unpublish,
move, deletion or privacy change is logged by Wagtail), the publication dates
of the editions and the go-live and expiry dates that have passed (those change
what is visible without any write to the database).
"""

import datetime

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)
from django.utils.http import http_date
from wagtail.models import PageLogEntry

from ..models import RecapPage
from .conf import cache_max_age

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def content_last_modified():
    """The last time anything the API shows may have changed (two queries)."""
    now = timezone.now()
    stamps = RecapPage.objects.order_by().aggregate(
        published=Max("last_published_at"),
        went_live=Max("go_live_at", filter=Q(go_live_at__lte=now)),
        expired=Max("expire_at", filter=Q(expire_at__lte=now)),
    )
    stamps["logged"] = PageLogEntry.objects.order_by().aggregate(
        logged=Max("timestamp")
    )["logged"]
    newest = max((stamp for stamp in stamps.values() if stamp), default=EPOCH)
    return min(newest, now)


def finalise(request, response):
    """Add validators and caching headers; answer ``304`` when the client is current.

    ``request`` is the Django request; ``response`` is rendered here.
    """
    if request.method not in ("GET", "HEAD"):
        return response
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.status_code == 429 or response.status_code >= 500:
        response["Cache-Control"] = "no-store"
        return response
    last_modified = content_last_modified().timestamp()
    set_response_etag(response)
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=cache_max_age())
    if response.status_code != 200:
        return response
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=int(last_modified),
        response=response,
    )
