"""Absolute URLs: one public base for every surface, taken from the Wagtail site.

Wagtail builds page URLs (``get_full_url``: API ``url`` fields, feeds, sitemap,
canonical, Open Graph, JSON-LD) from the :class:`~wagtail.models.Site` record's
hostname and port. Every other absolute URL (API links, pagination, feed
``self`` links, robots.txt) is built here from the same record, never from the
request's ``Host`` header, so one response never mixes hosts.

The record is set from one setting, ``WAGTAILADMIN_BASE_URL`` (the environment
variable of the same name in the site's settings), by ``manage.py
set_site_url``; ``make run`` sets it to the address it serves.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Site

_CACHE_ATTRIBUTE = "_recaps_site_root_url"
#: Set on a request by :mod:`recaps.caching`: the seed of the content version
#: it is answered at. Any change of a site starts a new version.
VERSION_ATTRIBUTE = "recaps_version_seed"
#: ``{(version seed, host): base URL}`` of this process: one site lookup per
#: content version and host instead of one per request.
_ROOTS = {}
_ROOTS_KEPT = 64


def site_root_url(request=None):
    """Public base URL, without a trailing slash: the root URL of the Wagtail
    site serving ``request`` (the default site without a request).

    Without any site, ``WAGTAILADMIN_BASE_URL``, then the request's own host.
    Kept on the request, and per content version when the request carries one
    (:data:`VERSION_ATTRIBUTE`): one query at most per request, none on the
    following requests of the same version.
    """
    if request is not None and hasattr(request, _CACHE_ATTRIBUTE):
        return getattr(request, _CACHE_ATTRIBUTE)
    version = getattr(request, VERSION_ATTRIBUTE, None)
    key = (version, request.get_host()) if version else None
    base = _ROOTS.get(key) if key else None
    if base is None:
        base = _lookup_root_url(request)
        if key:
            if len(_ROOTS) >= _ROOTS_KEPT:
                _ROOTS.clear()
            _ROOTS[key] = base
    if request is not None:
        setattr(request, _CACHE_ATTRIBUTE, base)
    return base


def _lookup_root_url(request):
    if request is not None:
        site = Site.find_for_request(request)
    else:
        site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_url
    if getattr(settings, "WAGTAILADMIN_BASE_URL", ""):
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_url(location, request=None):
    """``location`` (a site-relative path, or already absolute) made absolute."""
    if urlsplit(location).scheme:
        return location
    if not location.startswith("/"):
        location = "/" + location
    return site_root_url(request) + location


def parse_base_url(url):
    """``(hostname, port)`` of a public base URL such as ``https://example.org``.

    Raises :class:`ValidationError` (French message) for anything a Wagtail
    site cannot represent: another scheme, a path, HTTPS on a port other than
    443 (Wagtail's ``root_url`` says ``http://`` for any port but 443).
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            _("“%(url)s” is not a base URL such as https://example.org.")
            % {"url": text}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationError(
            _("“%(url)s”: the base URL must have no path, query or fragment.")
            % {"url": text}
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("“%(url)s”: the base URL must not contain credentials.") % {"url": text}
        )
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if parts.scheme == "https" and port != 443:
        raise ValidationError(
            _("“%(url)s”: HTTPS is only possible on port 443.") % {"url": text}
        )
    if parts.scheme == "http" and port == 443:
        raise ValidationError(_("“%(url)s”: port 443 means HTTPS.") % {"url": text})
    hostname = parts.hostname
    if ":" in hostname:  # IPv6
        hostname = f"[{hostname}]"
    return hostname, port


@transaction.atomic
def set_default_site_url(url):
    """Point the default Wagtail site at the base URL ``url``; return the site.

    Raises :class:`ValidationError` when ``url`` is malformed or there is no
    default site (nothing is changed then).
    """
    hostname, port = parse_base_url(url)
    site = Site.objects.select_for_update().filter(is_default_site=True).first()
    if site is None:
        raise ValidationError(_("There is no default Wagtail site."))
    if (site.hostname, site.port) != (hostname, port):
        conflict = (
            Site.objects.filter(hostname=hostname, port=port)
            .exclude(pk=site.pk)
            .exists()
        )
        if conflict:
            raise ValidationError(
                _("Another site already uses %(host)s:%(port)s.")
                % {"host": hostname, "port": port}
            )
        site.hostname, site.port = hostname, port
        site.save()
    return site
