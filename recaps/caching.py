"""Responses cached and validated by the content version, so never stale.

Every public response (API, pages, feeds, sitemap, search) is keyed by the
:class:`~recaps.models.ContentVersion`, which changes in the same transaction
as whatever changes the public content, and whenever a go-live or expiry time
passes. A conditional request is answered ``304`` from that version before the
view runs (:func:`serve`); a hit is answered from Django's cache before the
rest of the middleware stack and the view (:class:`ResponseCacheMiddleware`).

Work too costly to repeat at once (a PDF) is computed by one request at a
time across processes (:func:`remembered_once`, :func:`cache_lock`: locks
taken with ``cache.add``) and kept under a key its caller normalises.

Never cached nor served from the cache: anything but ``GET``/``HEAD``, requests
carrying a session (logged-in editors, pages unlocked with a password),
responses other than ``200``, and responses that set a cookie, use the CSRF
token or are marked private. A kept response leaves out the client's own
rate-limit headers (:data:`recaps.throttling.RATELIMIT_HEADERS`).
"""

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe

from .links import VERSION_ATTRIBUTE
from .models import ContentVersion
from .throttling import RATELIMIT_HEADERS

KEY_PREFIX = "recaps:response"
#: Attribute of a request holding its content version (read once).
_VERSION = "_recaps_content_version"
#: Attribute marking views served through :func:`serve` (functions, or DRF
#: view classes), which :class:`ResponseCacheMiddleware` may answer for.
PUBLIC = "recaps_public"


def cache_enabled():
    """``RECAPS_RESPONSE_CACHE`` (default ``True``) turns the cache on or off."""
    return getattr(settings, "RECAPS_RESPONSE_CACHE", True)


def response_cache():
    """The cache holding responses: ``RECAPS_RESPONSE_CACHE_ALIAS`` (``default``)."""
    return caches[getattr(settings, "RECAPS_RESPONSE_CACHE_ALIAS", "default")]


def response_cache_timeout():
    """Seconds a response stays in the cache (entries of old versions age out)."""
    return getattr(settings, "RECAPS_RESPONSE_CACHE_TIMEOUT", 600)


@dataclass
class Validators:
    """What a response depends on: a seed for its ``ETag``, its ``Last-Modified``,
    and ``until`` (a POSIX time) when it also depends on the clock: a kept
    response is not served from that time on, even within the same version."""

    seed: str
    last_modified: object
    until: float | None = None

    @classmethod
    def site_wide(cls, version):
        # The instant keeps keys unique even if the version row starts over
        # (a restored or emptied database).
        seed = f"v{version.number}@{version.changed_at.timestamp()}"
        return cls(seed, version.changed_at)


def remembered(version, name, compute):
    """``compute()``, kept in the response cache for as long as ``version`` lasts.

    For data derived from the public content, such as the validators of one
    edition: the key holds the version, so a new version never reads an old
    value, whichever process cached it.
    """
    if not cache_enabled():
        return compute()
    seed = Validators.site_wide(version).seed
    key = f"{KEY_PREFIX}:derived:{seed}:{name}"
    found = response_cache().get(key)
    if found is None:
        found = (compute(),)
        response_cache().set(key, found, response_cache_timeout())
    return found[0]


def first_seen(version, name):
    """When ``name`` (a key naming a state, e.g. a digest of a response) was
    first seen: the ``changed_at`` of the version it was first asked at, kept
    in the response cache across versions (the first process to ask wins).

    A ``Last-Modified`` for a response whose ``ETag`` derives from its content:
    never earlier than the change that produced that content (it was produced
    at or before that version), and unchanged by later versions that leave
    the content alone. Forgotten (evicted, or the cache off), it starts again
    at the current version: later, so clients only get one full answer more.
    """
    at = version.changed_at
    if not cache_enabled():
        return at
    key = f"{KEY_PREFIX}:seen:{name}"
    cache = response_cache()
    if cache.add(key, at, FIRST_SEEN_TIMEOUT):
        return at
    found = cache.get(key)
    return at if found is None else min(found, at)


#: Seconds a :func:`first_seen` instant is kept (refreshed by no read).
FIRST_SEEN_TIMEOUT = 30 * 24 * 3600


#: Seconds between two looks at a value another request is computing.
POLL_SECONDS = 0.1


class Busy(Exception):  # noqa: N818 (a state, as Django's ``Http404``)
    """What was asked for is being computed elsewhere (or every slot is
    taken) and did not come within the wait."""


@contextmanager
def cache_lock(names, timeout):
    """Hold the first free of the locks ``names`` for the block; yields whether
    one was taken.

    A lock is a key of the response cache taken with ``cache.add`` (atomic in
    Redis, per process in the local-memory cache) and given back at the end;
    it expires after ``timeout`` seconds should its holder die. When the cache
    cannot be reached (django-redis' ``IGNORE_EXCEPTIONS`` makes ``add``
    answer ``None``), nothing can be coordinated and the lock counts as taken.
    """
    cache = response_cache()
    for name in names:
        key = f"{KEY_PREFIX}:lock:{name}"
        if cache.add(key, 1, timeout) is not False:
            try:
                yield True
            finally:
                cache.delete(key)
            return
    yield False


def remembered_once(version, name, compute, *, wait, lock_timeout):
    """:func:`remembered`, computed by one request at a time across processes.

    While another request computes ``name`` (holds its :func:`cache_lock`),
    this one looks again every :data:`POLL_SECONDS` for up to ``wait``
    seconds and returns the value as soon as it is kept; raises :class:`Busy`
    if it is still missing then. ``compute`` may raise :class:`Busy` too.
    With the cache off (:func:`cache_enabled`) nothing is kept, but
    ``compute`` still runs once at a time.
    """
    cache = response_cache()
    key = f"{KEY_PREFIX}:derived:{Validators.site_wide(version).seed}:{name}"

    def kept():
        return cache.get(key) if cache_enabled() else None

    deadline = time.monotonic() + wait
    while True:
        found = kept()
        if found is not None:
            return found[0]
        with cache_lock([name], lock_timeout) as held:
            if held:
                # It may have been kept between the first look and the lock.
                found = kept()
                if found is None:
                    found = (compute(),)
                    if cache_enabled():
                        cache.set(key, found, response_cache_timeout())
                return found[0]
        if time.monotonic() >= deadline:
            raise Busy
        time.sleep(POLL_SECONDS)


def personal(request):
    """Whether the request must bypass the cache (a session, a preview…)."""
    return (
        request.method not in ("GET", "HEAD")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or getattr(request, "is_preview", False)
    )


def storable(request, response):
    """Whether ``response`` is the same for every anonymous reader."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "private" not in cache_control
        and "no-store" not in cache_control
        and not getattr(response, "streaming", False)
    )


def _identity(request, seed):
    """The cache key and ``ETag`` of the response to ``request`` at ``seed``."""
    digest = hashlib.sha256(
        "\n".join(
            [
                seed,
                request.scheme,
                request.get_host(),
                request.get_full_path(),
                request.headers.get("Accept", ""),
            ]
        ).encode("utf-8", "surrogateescape")
    ).hexdigest()
    return f"{KEY_PREFIX}:{digest}", f'"{digest[:32]}"'


def _headers(response, etag, last_modified, max_age):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    if max_age is not None:
        patch_cache_control(response, public=True, max_age=max_age)
    return response


def current_version(request):
    """The content version for ``request``: read once per request (by
    :class:`ResponseCacheMiddleware` when it runs, else here)."""
    version = getattr(request, _VERSION, None)
    if version is None:
        version = ContentVersion.current()
        setattr(request, _VERSION, version)
        setattr(request, VERSION_ATTRIBUTE, Validators.site_wide(version).seed)
    return version


def serve(request, view, validators=None, max_age=None):
    """Answer ``request`` with ``view()`` and its validators.

    ``validators`` is a callable returning :class:`Validators` for per-object
    responses (or ``None`` when the object is gone: the view then answers);
    by default the site-wide version is used. A conditional request is
    answered ``304`` when the view answers a success (the response cache
    answers the following ones without it). A response the same for every
    anonymous reader is marked for :class:`ResponseCacheMiddleware` to keep.
    """
    if request.method not in ("GET", "HEAD"):
        return view()
    version = current_version(request)
    found = validators(version) if validators else Validators.site_wide(version)
    if found is None:
        return view()
    _, etag = _identity(request, found.seed)
    last_modified = min(found.last_modified, version.changed_at)
    keep = cache_enabled() and not personal(request)
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp())
    )
    response = view()
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if not_modified is not None and 200 <= response.status_code < 300:
        # Preconditions count only where the answer is a success (RFC 9110,
        # 13.2.1: an invalid request is a 400 whatever its If-None-Match).
        # The view ran this once: the response cache answers the next ones.
        for name in RATELIMIT_HEADERS:
            if name in response:
                not_modified[name] = response[name]
        response = _headers(not_modified, etag, last_modified, max_age)
        response.recaps_keep = keep and not_modified.status_code == 304
        response.recaps_until = found.until
        return response
    if response.status_code >= 500 or response.status_code in (304, 429):
        return response
    # Client errors depend on the same content (e.g. a page beyond the last).
    _headers(response, etag, last_modified, max_age)
    response.recaps_keep = keep
    response.recaps_until = found.until
    return response


class ResponseCacheMiddleware:
    """Answer anonymous reads of public content from the response cache,
    before the rest of the middleware stack and the view run.

    Place it first after the static files (before sessions, CSRF, messages…).
    Entries are keyed by the request (host, path and query, ``Accept``) and
    the site-wide content version, so any public change starts afresh: an
    entry holds the validators of a response :func:`serve` marked, and its
    final body and headers when it was a ``200`` the same for every anonymous
    reader (:func:`storable`). A conditional request matching them is
    answered ``304``, any other from the stored response; a request with a
    session (editors, unlocked pages) or another method passes through.

    On a miss, one request makes the answer (it holds a :func:`cache_lock`
    on its key) and the requests asking for the same answer meanwhile wait
    for the one it keeps (:func:`_wait_for`, at most
    :data:`COALESCE_WAIT_SECONDS`): after a publication, each answer is made
    once, not once per reader at the same moment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cache_enabled() or personal(request) or not cached_view(request):
            return self.get_response(request)
        try:
            current_version(request)
        except DatabaseError:
            # The views say what is down (health check, French 503 pages).
            return self.get_response(request)
        key, _ = _identity(request, f"final:{getattr(request, VERSION_ATTRIBUTE)}")
        entry = response_cache().get(key)
        if entry is not None:
            response = _answer(request, entry)
            if response is not None:
                return response
        else:
            # A miss: one request makes the answer, the others asking for the
            # same one meanwhile wait for it (a publication empties the cache
            # for every reader at once).
            with cache_lock([key], COALESCE_LOCK_TIMEOUT) as held:
                if held:
                    return self._make(request, key, entry)
            entry = _wait_for(key)
            response = entry and _answer(request, entry)
            if response is not None:
                return response
        return self._make(request, key, entry)

    def _make(self, request, key, entry):
        """The view's answer, kept for the next readers when it may be."""
        response = self.get_response(request)
        if getattr(response, "recaps_keep", False) and not personal(request):
            kept = _entry(request, response)
            if kept is not None and (entry is None or kept[4] is not None):
                response_cache().set(key, kept, response_cache_timeout())
        return response


#: Seconds a request making an answer holds its lock (should it die), and
#: that the requests for the same answer wait for it at most; they look
#: every :data:`COALESCE_POLL_SECONDS`.
COALESCE_LOCK_TIMEOUT = 10
COALESCE_WAIT_SECONDS = 5
COALESCE_POLL_SECONDS = 0.02


def _pause():
    """Between two looks at an answer another request is making."""
    time.sleep(COALESCE_POLL_SECONDS)


def _wait_for(key):
    """The entry ``key`` once the request making it has kept it, or ``None``
    when it gives up its lock without keeping one (an answer for one reader,
    an error) or after :data:`COALESCE_WAIT_SECONDS`: the caller then makes
    its own."""
    cache = response_cache()
    lock = f"{KEY_PREFIX}:lock:{key}"
    deadline = time.monotonic() + COALESCE_WAIT_SECONDS
    while time.monotonic() < deadline:
        _pause()
        entry = cache.get(key)
        if entry is not None:
            return entry
        if cache.get(lock) is None:
            return cache.get(key)
    return None


def cached_view(request):
    """Whether ``request`` goes to a view served through :func:`serve`
    (marked ``recaps_public``): other views (health check, admin, the
    benchmark's floor) cost no version read."""
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(
            request.path_info
        )
    except Resolver404:
        return False
    view = match.func
    return getattr(view, PUBLIC, False) or getattr(
        getattr(view, "cls", None), PUBLIC, False
    )


def _entry(request, response):
    """``(until, etag, last modified, cache control, content, headers)`` of a
    marked response; content and headers only for a storable ``200``."""
    etag = response.get("ETag")
    if not etag:
        return None
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    if response.status_code == 200 and storable(request, response):
        content = response.content
        headers = [
            (name, value)
            for name, value in response.items()
            if name not in RATELIMIT_HEADERS
        ]
    elif response.status_code == 304:
        content, headers = None, None
    else:
        return None
    until = getattr(response, "recaps_until", None)
    return until, etag, last_modified, response.get("Cache-Control"), content, headers


def _answer(request, entry):
    """A ``304`` or the stored response for ``entry``, or ``None`` (no body,
    or past its ``until``)."""
    until, etag, last_modified, cache_control, content, headers = entry
    if until is not None and time.time() >= until:
        return None
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified
    )
    if not_modified is not None:
        not_modified["ETag"] = etag
        if last_modified is not None:
            not_modified["Last-Modified"] = http_date(last_modified)
        if cache_control:
            not_modified["Cache-Control"] = cache_control
        return not_modified
    if content is None:
        return None
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def public_cache(view_func=None, *, max_age=None):
    """Decorate a view function so that it is served through :func:`serve`."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            return serve(
                request, lambda: func(request, *args, **kwargs), max_age=max_age
            )

        setattr(wrapper, PUBLIC, True)
        return wrapper

    return decorate(view_func) if view_func else decorate
