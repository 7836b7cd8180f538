"""WordPress export files (WXR: “Outils → Exporter”).

The file is read as a stream with defusedxml, which refuses entity expansion
(“billion laughs”) and external references; each ``<item>`` is turned into an
edition as soon as it ends, then dropped from memory. Only posts
(``wp:post_type`` = ``post``) are imported; their HTML goes through the same
reader as saved HTML pages.
"""

import datetime
import email.utils
import urllib.parse
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

from .document import SourceError, edition_number_from
from .html import parse_fragment

WP_NAMESPACE_PREFIX = "http://wordpress.org/export/"
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
STATUSES = {
    "publish": "publish",
    "draft": "draft",
    "pending": "draft",
    "future": "draft",
    "private": "draft",
}
#: WordPress's default category says nothing about a recap.
IGNORED_CATEGORIES = {"uncategorized", "non-classe", "sans-categorie"}


@dataclass
class WxrExport:
    """What a WordPress export holds: its site title, posts and skipped items."""

    title: str = ""
    editions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    post_count: int = 0


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _child(item, local, namespace_prefix=None):
    for child in item:
        if _local(child.tag) != local:
            continue
        if namespace_prefix is None and not child.tag.startswith("{"):
            return (child.text or "").strip()
        if namespace_prefix and _namespace(child.tag).startswith(namespace_prefix):
            return child.text or ""
    return ""


def _date(item):
    for value in (
        _child(item, "post_date", WP_NAMESPACE_PREFIX),
        _child(item, "post_date_gmt", WP_NAMESPACE_PREFIX),
    ):
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            continue
    pub_date = _child(item, "pubDate")
    try:
        return email.utils.parsedate_to_datetime(pub_date).date()
    except (TypeError, ValueError, IndexError):
        return None


def _item(item, export, position):
    title = _child(item, "title")
    label = f"{title or '?'} (item {position})"
    if _child(item, "post_type", WP_NAMESPACE_PREFIX).strip() != "post":
        return None
    export.post_count += 1
    status = STATUSES.get(_child(item, "status", WP_NAMESPACE_PREFIX).strip())
    if status is None:
        export.skipped.append((label, _("status is not publish or draft")))
        return None
    editions, warnings = parse_fragment(_child(item, "encoded", CONTENT_NAMESPACE))
    editions = [e for e in editions if e.sections]
    if not editions:
        export.skipped.append((label, _("no section found in the post")))
        return None
    edition = editions[0]
    if len(editions) > 1:
        for extra in editions[1:]:
            edition.sections += extra.sections
    edition.warnings += warnings
    edition.title = title
    edition.label = label
    edition.slug = urllib.parse.unquote(
        _child(item, "post_name", WP_NAMESPACE_PREFIX).strip()
    )
    edition.source_key = (_child(item, "guid") or _child(item, "link"))[:500]
    if not edition.source_key:
        edition.source_key = f"wxr:{position}:{title}"[:500]
    edition.status = status
    edition.date = _date(item)
    edition.edition_number = edition_number_from(title)
    edition.themes = []
    edition.categories = []
    for category in item.findall("category"):
        name = " ".join((category.text or "").split())
        if not name:
            continue
        if category.get("domain") == "post_tag":
            edition.themes.append(name)
        elif category.get("domain") == "category":
            edition.categories.append((category.get("nicename") or "", name))
    return edition


def parse_wxr(source, name="", progress=None):
    """Read a WXR file (path or binary file object) into a :class:`WxrExport`."""
    export = WxrExport()
    channel = None
    position = depth = 0
    try:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1 and element.tag != "rss":
                    raise SourceError(_("not a WordPress export (no <rss> root)"))
                if depth == 2 and element.tag == "channel":
                    channel = element
                continue
            depth -= 1
            if element.tag == "item" and depth == 2:
                position += 1
                edition = _item(element, export, position)
                if edition is not None:
                    export.editions.append(edition)
                if progress:
                    progress(position)
                element.clear()
                if channel is not None:
                    channel.remove(element)
            elif element.tag == "title" and depth == 2:
                export.title = (element.text or "").strip()
    except ParseError as error:
        raise SourceError(_("broken XML: %(error)s") % {"error": error}) from error
    except DefusedXmlException as error:
        raise SourceError(
            _("refused XML (entities or DTD): %(error)s") % {"error": error}
        ) from error
    if channel is None:
        raise SourceError(_("not a WordPress export (no <channel>)"))
    if not export.editions:
        raise SourceError(
            _("no recap found among %(count)s post(s) of the export")
            % {"count": export.post_count}
        )
    _number_by_date(export.editions)
    return export


def _number_by_date(editions):
    """Editions whose title states no number are numbered in date order."""
    ordered = sorted(
        range(len(editions)),
        key=lambda i: (editions[i].date or datetime.date.max, i),
    )
    for rank, index in enumerate(ordered, start=1):
        if editions[index].edition_number is None:
            editions[index].edition_number = rank
