"""WordPress export files (WXR: “Outils → Exporter”), every version.

WXR 1.0, 1.1 and 1.2 are read, under their ``http`` or ``https`` namespaces,
with or without the ``excerpt``, ``wfw`` and ``dc`` namespaces. The file is read
as a stream with defusedxml, which refuses entity expansion (“billion laughs”)
and external references; each ``<item>`` is turned into an edition as soon as it
ends, then dropped from memory, so memory follows the largest post, not the file.

Only posts (``wp:post_type`` = ``post``) can become editions: those of the chosen
categories or tags, or, when none is chosen, those of a category or tag that says
“recap” (:data:`RECAP_TERMS`) or with at least two headings naming a section kind.
Every other post is listed with the reason it was skipped.
Attachments are remembered (address, file, alt text, caption) so that images and
galleries can be resolved to the files of a ``wp-content/uploads`` copy; a
post's featured image (``_thumbnail_id``) opens its edition. Each edition keeps
the post's old addresses (permalink and ``?p=ID``, for redirects and links
between posts) and its excerpt.
"""

import datetime
import difflib
import email.utils
import html
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote_plus
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .document import SourceError, SourceWarning, edition_number_from
from .html import parse_fragment
from .mapping import RECOGNISED_KINDS
from .old_site import old_addresses
from .wordpress import render_post

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/(\d+(?:\.\d+)*)/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/[\d.]+/excerpt/$")
CONTENT_NAMESPACE = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/$")
#: What each WordPress status becomes; other statuses (``trash``, ``inherit``,
#: ``auto-draft``) are skipped. ``private`` editions are never published, even
#: with ``--publish`` (see :class:`recaps.importers.writer.EditionWriter`).
STATUSES = {
    "publish": "publish",
    "draft": "draft",
    "pending": "draft",
    "future": "draft",
    "private": "private",
}
#: WordPress's default category says nothing about a recap.
IGNORED_CATEGORIES = {"uncategorized", "non-classe", "sans-categorie"}
#: A category or tag whose slug says “recap” makes its posts recaps.
RECAP_TERMS = re.compile(r"compte-?s?-?rendus?|recap|ebullition|\bcr\b")
#: Without a chosen or recap category, a post is a recap only with this many
#: headings naming a section kind: one “Nos actions” or “Liens utiles” is not
#: enough, ordinary news posts have such headings.
MIN_RECOGNISED_HEADINGS = 2
_GENERATOR_VERSION = re.compile(r"[?&]v=([\w.-]+)")


@dataclass
class Attachment:
    """A file of the WordPress media library, as the export describes it."""

    id: str
    url: str
    file: str = ""
    alt: str = ""
    caption: str = ""
    title: str = ""
    parent: str = ""


@dataclass
class WxrExport:
    """What a WordPress export holds: site, versions, posts and skipped items."""

    title: str = ""
    wxr_version: str = ""
    wordpress_version: str = ""
    editions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    post_count: int = 0
    #: Items that are not posts, by type (page, attachment, nav_menu_item…).
    other_items: Counter = field(default_factory=Counter)
    attachments: dict = field(default_factory=dict)
    base_url: str = ""
    #: Posts per category or tag: ``(domain, slug, name)`` → count.
    terms: Counter = field(default_factory=Counter)
    #: The channel's ``<link>``: the site's address.
    site_url: str = ""


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _kind(namespace):
    if not namespace:
        return ""
    if WP_NAMESPACE.match(namespace):
        return "wp"
    if CONTENT_NAMESPACE.match(namespace):
        return "content"
    if EXCERPT_NAMESPACE.match(namespace):
        return "excerpt"
    return namespace


class _Fields:
    """The children of an ``<item>`` by (namespace kind, local name)."""

    def __init__(self, item):
        self.values = {}
        self.meta = {}
        self.terms = []
        for child in item:
            kind, local = _kind(_namespace(child.tag)), _local(child.tag)
            if kind == "wp" and local == "postmeta":
                key = value = ""
                for part in child:
                    if _local(part.tag) == "meta_key":
                        key = (part.text or "").strip()
                    elif _local(part.tag) == "meta_value":
                        value = part.text or ""
                self.meta[key] = value
            elif kind == "" and local == "category":
                self.terms.append(child)
            else:
                self.values.setdefault((kind, local), child.text or "")

    def get(self, local, kind="wp"):
        return self.values.get((kind, local), "")


def decode_title(title):
    """A title as readers see it: markup stripped, entities decoded once."""
    return " ".join(html.unescape(strip_tags(title or "")).split())


def _date(fields):
    for value in (fields.get("post_date"), fields.get("post_date_gmt")):
        try:
            return datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            continue
    try:
        return email.utils.parsedate_to_datetime(fields.get("pubDate", "")).date()
    except (TypeError, ValueError, IndexError):
        return None


def _terms(fields):
    """``(domain, slug, name)`` of a post's categories and tags."""
    terms = []
    for term in fields.terms:
        name = " ".join(html.unescape(term.text or "").split())
        if name:
            slug = urllib.parse.unquote(term.get("nicename") or "") or slugify(name)
            terms.append((term.get("domain") or "category", slug, name))
    return terms


class WxrReader:
    """Read one export; ``categories`` are the slugs that choose the recaps;
    ``all_posts`` makes every post a recap, whatever its terms and headings."""

    def __init__(self, categories=(), all_posts=False):
        self.categories = {_term_key(slug) for slug in categories if slug}
        self.all_posts = all_posts
        self.export = WxrExport()
        self.gallery_parents = []
        #: Post ids by GUID, to report the GUIDs several posts share.
        self.guids = {}

    def read(self, source, require_editions=True):
        export = self.export
        channel = None
        position = depth = 0
        namespaces = set()
        try:
            for event, element in iterparse(
                source, events=("start", "end", "start-ns")
            ):
                if event == "start-ns":
                    namespaces.add(element[1])
                    continue
                if event == "start":
                    depth += 1
                    if depth == 1 and element.tag != "rss":
                        raise SourceError(_("not a WordPress export (no <rss> root)"))
                    if depth == 2 and element.tag == "channel":
                        channel = element
                    continue
                depth -= 1
                if depth == 2 and element.tag == "item":
                    position += 1
                    self.item(_Fields(element), position)
                    element.clear()
                    if channel is not None:
                        channel.remove(element)
                elif depth == 2:
                    self.channel_field(element)
        except ParseError as error:
            raise SourceError(_("broken XML: %(error)s") % {"error": error}) from error
        except DefusedXmlException as error:
            raise SourceError(
                _("refused XML (entities or DTD): %(error)s") % {"error": error}
            ) from error
        if channel is None:
            raise SourceError(_("not a WordPress export (no <channel>)"))
        versions = [WP_NAMESPACE.match(uri) for uri in namespaces]
        versions = [match.group(1) for match in versions if match]
        if not versions:
            raise SourceError(
                _("not a WordPress export (no wordpress.org/export namespace)")
            )
        export.wxr_version = export.wxr_version or versions[0]
        self.resolve_media()
        self.report_shared_guids()
        self.check_categories()
        if require_editions and not export.editions:
            raise SourceError(
                _(
                    "no recap found among %(count)s post(s) of the export "
                    "(WXR %(version)s)"
                )
                % {"count": export.post_count, "version": export.wxr_version}
            )
        _number_by_date(export.editions)
        return export

    def check_categories(self):
        """A chosen category that no post has is a mistake: name the closest."""
        known = {}
        for _domain, slug, name in self.export.terms:
            known[_term_key(slug)] = slug
            known[_term_key(name)] = slug
        for chosen in sorted(self.categories - set(known)):
            close = difflib.get_close_matches(chosen, list(known), n=3, cutoff=0.6)
            suggestions = ", ".join(dict.fromkeys(known[key] for key in close))
            raise SourceError(
                _(
                    "no category or tag “%(chosen)s” in the export; closest: "
                    "%(close)s (--list-categories lists them)"
                )
                % {"chosen": chosen, "close": suggestions or "—"}
            )

    def channel_field(self, element):
        local, kind = _local(element.tag), _kind(_namespace(element.tag))
        text = (element.text or "").strip()
        if kind == "" and local == "title":
            self.export.title = decode_title(text)
        elif kind == "wp" and local == "wxr_version":
            self.export.wxr_version = text
        elif kind == "wp" and local == "base_blog_url":
            self.export.base_url = text
        elif kind == "" and local == "link":
            self.export.site_url = text
        elif kind == "" and local == "generator":
            version = _GENERATOR_VERSION.search(text)
            self.export.wordpress_version = (
                version.group(1) if version else urllib.parse.urlsplit(text).hostname
            ) or text

    def item(self, fields, position):
        export = self.export
        post_type = fields.get("post_type").strip()
        if post_type == "attachment":
            self.attachment(fields)
        if post_type != "post":
            export.other_items[post_type or "?"] += 1
            return
        export.post_count += 1
        title = decode_title(fields.get("title", ""))
        label = f"{title or '?'} (item {position})"
        wp_status = fields.get("status").strip()
        status = STATUSES.get(wp_status)
        if status is None:
            export.skipped.append(
                (
                    label,
                    _("WordPress status “%(status)s” is not imported")
                    % {"status": wp_status or "?"},
                )
            )
            return
        terms = _terms(fields)
        export.terms.update(terms)
        keys = {
            _term_key(part) for _domain, slug, name in terms for part in (slug, name)
        }
        chosen = keys & self.categories
        if self.categories and not chosen:
            export.skipped.append((label, _("not in the chosen categories or tags")))
            return
        recap_term = any(RECAP_TERMS.search(key) for key in keys)
        chosen = bool(chosen) or recap_term or self.all_posts
        edition = self.edition(fields, title, chosen)
        if edition is None:
            reason = _("fewer than two headings naming a section kind")
            if chosen:
                reason = _("empty post")
            export.skipped.append((label, reason))
            return
        edition.label = label
        edition.status = status
        if wp_status == "private":
            edition.warnings.append(SourceWarning("private_post", label))
        if fields.get("post_password").strip():
            # What its author hid behind a password is never shown openly.
            edition.status = "private"
            edition.warnings.append(SourceWarning("password_post", label))
        edition.themes = [
            name
            for domain, slug, name in terms
            if domain == "post_tag" and slug not in self.categories
        ]
        edition.categories = [
            (slug, name)
            for domain, slug, name in terms
            if domain == "category"
            and slug not in self.categories
            and slug not in IGNORED_CATEGORIES
        ]
        export.editions.append(edition)

    def edition(self, fields, title, chosen):
        """The edition of a post's content, or ``None`` if it is not a recap."""
        post_id = fields.get("post_id").strip()
        rendered = render_post(
            fields.get("encoded", "content"),
            lambda ids, include: self.gallery_images(ids, post_id),
        )
        editions, warnings = parse_fragment(rendered.html)
        if not editions:
            return None
        edition = editions[0]
        for extra in editions[1:]:
            edition.intro += extra.intro
            edition.sections += extra.sections
            edition.warnings += extra.warnings
        recognised = [s for s in edition.sections if s["type"] in RECOGNISED_KINDS]
        if len(recognised) < MIN_RECOGNISED_HEADINGS and not chosen:
            return None
        if not recognised:
            if not edition.sections and edition.intro:
                # A chosen post without headings is free text.
                edition.sections = [
                    {"type": "text", "heading": "", "text": edition.intro}
                ]
                edition.intro = ""
        if not edition.sections:
            return None
        edition.warnings += warnings
        edition.warnings += [
            SourceWarning("shortcode", name) for name in rendered.removed
        ]
        edition.title = title
        edition.source_html = rendered.html
        edition.slug = urllib.parse.unquote(fields.get("post_name").strip())
        edition.source_key, edition.previous_keys = self.source_keys(
            fields, post_id, title
        )
        edition.date = _date(fields)
        edition.edition_number = edition_number_from(title)
        edition.old_urls = old_addresses(
            fields.get("link", ""),
            self.export.base_url or self.export.site_url,
            post_id,
        )
        edition.excerpt = " ".join(
            html.unescape(strip_tags(fields.get("encoded", "excerpt"))).split()
        )
        featured = fields.meta.get("_thumbnail_id", "").strip()
        shown = {section.get("attachment_id") for section in edition.sections}
        if featured and featured not in shown:
            # The post's featured image opens the edition (editions have no
            # image field of their own).
            edition.sections.insert(
                0,
                {
                    "type": "image",
                    "src": "",
                    "alt": "",
                    "caption": "",
                    "link": "",
                    "attachment_id": featured,
                    "featured": True,
                },
            )
        return edition

    def source_keys(self, fields, post_id, title):
        """The key of a post, and the key earlier imports gave it.

        A GUID is not unique (WordPress copies it when a post is duplicated,
        and the theme unit test data has two such pairs): the key is the post's
        short link, the site's address and its id (``https://site/?p=12``).
        Earlier imports keyed posts by GUID alone: that key finds their pages
        again, unless several posts of the export share it.
        """
        guid = (fields.get("guid", "") or fields.get("link", "")).strip()
        site = (self.export.base_url or self.export.site_url).strip().rstrip("/")
        if not post_id:
            return (guid or f"wxr:{title}")[:500], []
        self.guids.setdefault(guid, []).append(post_id)
        key = f"{site}/?p={post_id}" if site else f"{guid}#{post_id}"
        return key[:500], [guid[:500]] if guid else []

    def report_shared_guids(self):
        """Posts sharing a GUID: each is imported, and reported."""
        shared = {guid for guid, ids in self.guids.items() if len(ids) > 1}
        for edition in self.export.editions:
            if set(edition.previous_keys) & shared:
                edition.previous_keys = []
                edition.warnings.append(SourceWarning("duplicate_guid", edition.label))

    def attachment(self, fields):
        attachment = Attachment(
            id=fields.get("post_id").strip(),
            url=fields.get("attachment_url").strip() or fields.get("guid", "").strip(),
            file=fields.meta.get("_wp_attached_file", "").strip(),
            alt=" ".join(fields.meta.get("_wp_attachment_image_alt", "").split()),
            caption=" ".join(strip_tags(fields.get("encoded", "excerpt")).split()),
            title=decode_title(fields.get("title", "")),
            parent=fields.get("post_parent").strip(),
        )
        self.export.attachments[attachment.id] = attachment

    def gallery_images(self, ids, post_id):
        """Images of a ``[gallery]``: by id, or the post's attached images.

        Attachments may come later in the file: unknown ones are placeholders
        that :meth:`resolve_media` fills in.
        """
        if not ids:
            self.gallery_parents.append(post_id)
            return [{"id": f"parent-{post_id}", "src": "", "alt": "", "caption": ""}]
        return [{"id": i, "src": "", "alt": "", "caption": ""} for i in ids]

    def resolve_media(self):
        """Give images their attachment's address, alt text and caption."""
        attachments = self.export.attachments
        by_parent = {}
        for attachment in attachments.values():
            by_parent.setdefault(attachment.parent, []).append(attachment)
        for edition in self.export.editions:
            sections = []
            for section in edition.sections:
                if section["type"] != "image":
                    sections.append(section)
                    continue
                key = section.get("attachment_id") or ""
                if key.startswith("parent-"):
                    for attachment in by_parent.get(key[len("parent-") :], []):
                        sections.append(_image_of(attachment, section))
                    continue
                attachment = attachments.get(key)
                sections.append(
                    _image_of(attachment, section) if attachment else section
                )
            edition.sections = []
            for section in sections:
                if section["type"] == "image" and not section["src"]:
                    edition.warnings.append(
                        SourceWarning(
                            "missing_file", section.get("attachment_id") or "?"
                        )
                    )
                else:
                    edition.sections.append(section)


def _image_of(attachment, section):
    return {
        **section,
        "src": section.get("src") or attachment.url,
        "alt": section.get("alt") or attachment.alt,
        "caption": section.get("caption") or attachment.caption,
        "attachment_id": attachment.id,
        "file": attachment.file,
    }


def _term_key(text):
    """A category or tag as compared: percent-decoded, slugified (accents
    folded: “événements”, “%c3%a9v%c3%a9nements” and “evenements” agree)."""
    return slugify(unquote_plus(str(text)))


def parse_wxr(source, categories=(), require_editions=True, all_posts=False):
    """Read a WXR file (path or binary file object) into a :class:`WxrExport`.

    Without a recap, :class:`SourceError` unless ``require_editions`` is false.
    """
    return WxrReader(categories, all_posts).read(source, require_editions)


def _number_by_date(editions):
    """Editions whose title states no number are numbered in date order."""
    ordered = sorted(
        range(len(editions)),
        key=lambda i: (editions[i].date or datetime.date.max, i),
    )
    for rank, index in enumerate(ordered, start=1):
        if editions[index].edition_number is None:
            editions[index].edition_number = rank
