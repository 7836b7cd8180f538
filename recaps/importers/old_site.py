"""Addresses of the old site: where each imported post was, and links to them.

A WordPress post was reachable at its permalink (the ``<link>`` of its item)
and at its short link (``/?p=12``). :class:`OldSite` knows those of every post
of an import. The writer asks it which links of an edition point to another
imported post (:meth:`OldSite.targets`), makes them Wagtail page links once
every page has its id (:func:`link_pages`), and makes a Wagtail redirect from
each old address to its edition (:func:`redirect_old_addresses`).

Addresses are compared as Wagtail's redirects compare them
(:meth:`Redirect.normalise_path`: no final slash, sorted query string), on the
old site's hosts (``www.`` or not, ``http`` or ``https``) or relative to it.

Redirects need ``wagtail.contrib.redirects``, which the reusable app does not
require: without it, links between posts still become page links, and the
report says that no redirect was made.
"""

import html
import re
import urllib.parse

from django.apps import apps
from wagtail.models import Page

#: Whether Wagtail's redirects app is installed (the site's settings have it).
REDIRECTS = apps.is_installed("wagtail.contrib.redirects")
if REDIRECTS:
    from wagtail.contrib.redirects.middleware import get_redirect
    from wagtail.contrib.redirects.models import Redirect

#: Query keys of WordPress's short links (``/?p=12``, ``/?page_id=3``): such an
#: address names a post although its path is the site's home page.
WORDPRESS_QUERY_KEYS = frozenset({"p", "page_id"})
#: Longest ``Redirect.old_path``.
OLD_PATH_MAX_LENGTH = 255
_HREF = re.compile(r'(<a\b[^>]*?\s)href="([^"]*)"')
#: Old paths looked up per query (SQLite's parameters).
_BATCH = 500


def old_addresses(link, site_url, post_id):
    """The absolute addresses of a post: its permalink and its short link."""
    addresses = [link.strip()] if link and link.strip() else []
    site_url = (site_url or "").strip().rstrip("/")
    if post_id and site_url:
        addresses.append(f"{site_url}/?p={post_id}")
    return list(dict.fromkeys(addresses))


def _host(parts):
    return (parts.hostname or "").removeprefix("www.")


def normalise_path(path):
    """``Redirect.normalise_path``; without the redirects app, its main rules
    (a leading and no final slash, sorted query string, percent-decoded)."""
    if REDIRECTS:
        return Redirect.normalise_path(path)
    parts = urllib.parse.urlsplit(path)
    result = parts.path if parts.path.startswith("/") else "/" + parts.path
    if result.endswith("/") and len(result) > 1:
        result = result[:-1]
    if parts.query:
        result += "?" + "&".join(sorted(parts.query.split("&")))
    return urllib.parse.unquote(result)


def old_path(url):
    """The path of an address as a redirect stores it (``/2020/05/post``,
    ``/?p=12``)."""
    parts = urllib.parse.urlsplit(url.strip())
    return normalise_path(
        urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))
    )


def hrefs(text):
    """The addresses of the links of rich text, decoded."""
    return [html.unescape(match.group(2)) for match in _HREF.finditer(text or "")]


def strings(value):
    """Every string of a JSON-like value (a section, an intro, lists of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def replace_links(value, pages):
    """``value`` (a string, or JSON-like data) with each link whose address is a
    key of ``pages`` made a link to that page id: ``<a linktype="page" id="7">``.
    """
    if isinstance(value, str):
        if "<a " not in value:
            return value

        def replace(match):
            page = pages.get(html.unescape(match.group(2)))
            if page is None:
                return match.group(0)
            return f'{match.group(1)}linktype="page" id="{page}"'

        return _HREF.sub(replace, value)
    if isinstance(value, dict):
        return {key: replace_links(item, pages) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace_links(item, pages) for item in value]
    return value


class OldSite:
    """The old addresses of the posts of an import (see module doc)."""

    def __init__(self, editions=()):
        self.hosts = set()
        self.by_path = {}
        for edition in editions:
            for url in edition.old_urls:
                self.hosts.add(_host(urllib.parse.urlsplit(url)))
                self.by_path.setdefault(old_path(url), edition.source_key)
        self.hosts.discard("")

    def __bool__(self):
        return bool(self.by_path)

    def is_old(self, url):
        """Whether ``url`` is an address of the old site (absolute or relative)."""
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in {"", "http", "https"}:
            return False
        if parts.netloc:
            return _host(parts) in self.hosts
        return bool(parts.path or parts.query)

    def target(self, url):
        """The source key of the imported post ``url`` points to, or ``None``."""
        if not self.is_old(url):
            return None
        return self.by_path.get(old_path(url))

    def targets(self, *values):
        """``(imported, others)``: the links of ``values`` to imported posts
        (address → source key), and the other addresses of the old site."""
        imported, others = {}, []
        for text in strings(list(values)):
            for url in hrefs(text):
                key = self.target(url)
                if key is not None:
                    imported[url] = key
                elif self.is_old(url):
                    others.append(url)
        return imported, list(dict.fromkeys(others))


def redirect_old_addresses(placed, site, counts):
    """Make a permanent redirect from each old address to its edition.

    ``placed``: ``(old addresses, page)`` of every edition of the import, once
    written. Live editions get a redirect (of ``site``, or of every site when
    ``None``) from each old address; an existing redirect from the same address
    to another target is kept and counted as ``taken``. Editions that are not
    live get none, and lose those made earlier: an address never leads to what
    is not public. ``counts`` (a ``Counter``) tallies what was done. A few
    queries per batch of editions, not per edition.
    """
    placed = [(urls, page.pk) for urls, page in placed if urls]
    if not REDIRECTS:
        counts["not_installed"] += len(placed)
        return counts
    for start in range(0, len(placed), _BATCH):
        batch = placed[start : start + _BATCH]
        pages = {
            pk: (live, url_path)
            for pk, live, url_path in Page.objects.filter(
                pk__in=[pk for _urls, pk in batch]
            ).values_list("pk", "live", "url_path")
        }
        wanted, hidden = {}, {}
        for urls, pk in batch:
            live, url_path = pages[pk]
            for url in urls:
                path = old_path(url)
                if path == "/":
                    continue  # the old home page is no post's
                if len(path) > OLD_PATH_MAX_LENGTH:
                    counts["too_long"] += 1
                elif not live:
                    hidden.setdefault(pk, []).append(path)
                elif path != normalise_path(url_path):
                    wanted.setdefault(path, pk)
        _redirect(wanted, site, counts)
        if hidden:
            deleted, _rows = Redirect.objects.filter(
                site=site,
                redirect_page_id__in=list(hidden),
                old_path__in=[path for paths in hidden.values() for path in paths],
            ).delete()
            counts["removed"] += deleted
    return counts


def _redirect(wanted, site, counts):
    """Redirects of ``site`` from each old path of ``wanted`` to its page id,
    unless the path already redirects (on this site or on every site)."""
    existing = {}
    for path, pk in (
        Redirect.get_for_site(site)
        .filter(old_path__in=list(wanted))
        .values_list("old_path", "redirect_page_id")
    ):
        existing.setdefault(path, set()).add(pk)
    new = []
    for path, pk in wanted.items():
        if path not in existing:
            new.append(Redirect(old_path=path, site=site, redirect_page_id=pk))
        elif existing[path] == {pk}:
            counts["unchanged"] += 1
        else:
            counts["taken"] += 1
    Redirect.objects.bulk_create(new)
    counts["created"] += len(new)


def short_link_redirect(request):
    """The redirect of a WordPress short link (``/?p=12``), or ``None``.

    Wagtail's redirect middleware only looks at addresses that answer 404, and
    ``/?p=12`` reaches the home page: a ``before_serve_page`` hook asks here.
    """
    if not WORDPRESS_QUERY_KEYS & set(request.GET):
        return None
    path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
    return get_redirect(request, path)
