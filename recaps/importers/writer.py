"""Write parsed editions to pages of a series, and report what was done.

Editions are matched to pages by ``RecapPage.import_source``, in any series:
importing the same source again updates the same page instead of adding a
duplicate, and importing it into another series is refused unless asked to move
it. ``RecapPage.import_fingerprint`` holds a digest of what was imported: an
unchanged edition gets no new revision and is not republished, so its
``last_published_at`` and every cache validator stay as they were. An edition
edited in the admin since its import (its latest revision has an author) is
never overwritten unless asked.

New editions, and changed ones not edited in the admin, are written in batches
by :class:`recaps.bulk_pages.BulkPageWriter` (a few queries per batch, not per
edition). Drafts, moves, schedules, aliases and editions edited in the admin
(``overwrite``) go through Wagtail's ``save_revision()`` and ``publish()``.
"""

import datetime
import hashlib
import json
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Page, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..blocks import html_to_text
from ..bulk_pages import BulkPageWriter, update_reference_index
from ..db import update_rows
from ..models import RecapPage, RecapPageTag, Theme
from ..models.themes import normalise_theme_name, theme_label
from ..signal_handlers import bulk_indexing
from ..stream import section_to_stream
from .document import SourceWarning
from .media import MediaLibrary
from .old_site import OldSite, redirect_old_addresses, replace_links
from .structured import save_page

THEME_MAX_LENGTH = 100
#: New editions written per batch of bulk queries.
BATCH_SIZE = 250


class ImportConflict(ValueError):
    """Editions of the source already live in another series."""


@dataclass
class Report:
    """What an import did (or would do, in a dry run).

    ``editions`` has one entry per post or edition: ``status`` is ``created``,
    ``updated``, ``unchanged``, ``kept`` (edited in the admin since its import)
    or ``skipped``, with a ``reason`` for the last two. ``warnings`` counts each
    (kind, detail) and remembers the editions concerned.
    """

    editions: list[dict] = field(default_factory=list)
    items: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    warned_editions: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    media: Counter = field(default_factory=Counter)
    #: Redirects from old addresses: ``created``, ``unchanged``, ``taken`` (the
    #: address already redirects elsewhere), ``removed``, ``too_long``.
    redirects: Counter = field(default_factory=Counter)
    #: Links of the old site: ``to_editions`` (made page links), ``kept``.
    links: Counter = field(default_factory=Counter)
    #: Editions per meeting format the source states (``""``: none stated).
    formats: Counter = field(default_factory=Counter)

    def add(self, status, label, reason="", page=None):
        entry = {"status": status, "edition": label, "reason": reason}
        if page is not None:
            entry["id"] = page.pk
            entry["path"] = page.url_path
        self.editions.append(entry)
        return entry

    def of(self, status):
        return [entry for entry in self.editions if entry["status"] == status]

    @property
    def skipped(self):
        return [(e["edition"], e["reason"]) for e in self.of("skipped")]

    def warn(self, warning, label):
        key = (warning.kind, warning.detail)
        self.warnings[key] += 1
        self.warned_editions.setdefault(key, [])
        if label not in self.warned_editions[key]:
            self.warned_editions[key].append(label)

    def grouped_warnings(self):
        """Warnings by kind, then detail, each with its count and editions."""
        rows = []
        for (kind, detail), count in sorted(self.warnings.items()):
            rows.append(
                {
                    "kind": kind,
                    "detail": detail,
                    "message": str(SourceWarning(kind, detail).message()),
                    "count": count,
                    "editions": self.warned_editions[(kind, detail)],
                }
            )
        return rows

    def as_data(self):
        """The report as JSON-ready data (``--report FILE.json``)."""
        return {
            "sources": self.sources,
            "editions": self.editions,
            "counts": dict(Counter(entry["status"] for entry in self.editions)),
            "items": dict(self.items),
            "media": dict(self.media),
            "redirects": dict(self.redirects),
            "links": dict(self.links),
            "formats": dict(self.formats),
            "warnings": self.grouped_warnings(),
            "notes": self.notes,
        }


@contextmanager
def deferred_indexing(update=True):
    """Update the search and section indexes once, at the end.

    Creating and publishing a page saves it several times, and each save would
    otherwise re-index it. Yields a set to collect the ids of written editions;
    the indexes are updated only if the block succeeds and ``update`` is true (a
    dry run passes false: an external search backend is not transactional).
    The reference index is the writer's (:meth:`EditionWriter.finish`).
    """
    with bulk_indexing(update) as ids, disable_reference_index_auto_update():
        yield ids


def fingerprint(values):
    """A digest of what an import would write to a page."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class EditionWriter:
    """Create or update the edition pages of ``series``.

    ``publish``: ``True`` publishes every edition, ``False`` saves drafts, ``None``
    follows the source (a WordPress ``draft`` stays a draft, anything else is
    published). ``overwrite`` replaces editions edited in the admin since their
    import; ``move`` brings editions imported into another series into this one.
    """

    def __init__(
        self,
        series,
        report,
        publish=None,
        media=None,
        overwrite=False,
        move=False,
    ):
        self.series = series
        self.report = report
        self.publish = publish
        self.media = media or MediaLibrary()
        self.overwrite = overwrite
        self.move = move
        self.existing = {}
        self.themes = {}
        #: ``{normalised name: spelling}``: each theme as first written in
        #: this import, the label of those that do not exist yet.
        self.spellings = {}
        self.pages = BulkPageWriter(series)
        #: New editions not written yet: ``(page, theme names, report entry)``.
        self.pending = []
        #: Ids of the editions written (created or updated).
        self.written = []
        #: Updated editions whose references are not indexed yet.
        self.changed = []
        #: Updated editions to publish in bulk, with their theme names.
        self.republished = []
        #: Ids of pages linking to editions published in bulk.
        self.referencing = set()
        #: Sources of the editions in ``pending`` and ``republished``.
        self.unwritten = set()
        #: New editions are published (and their revisions dated) at this instant.
        self.now = timezone.now()
        #: The old addresses of the posts of this import (see :meth:`prepare`).
        self.old_site = OldSite()
        #: Sources of the editions that will be live: links to them become
        #: page links (one to an unpublished edition would show its address).
        self.live_sources = set()
        #: ``(page, {old address: source}, row)`` of the editions written with
        #: links to other editions; ``row``: the page's row holds that content.
        self.linking = []
        #: ``(old addresses, page)`` of every edition of the import.
        self.placed = []

    def prepare(self, editions):
        """Find the pages of already imported editions, in one query.

        Raises :class:`ImportConflict` naming the editions that belong to another
        series, unless ``move``.
        """
        self.old_site = OldSite(editions)
        self.live_sources = {
            edition.source_key for edition in editions if self._publishes(edition)
        }
        keys = [edition.source_key for edition in editions if edition.source_key]
        keys += [key for edition in editions for key in edition.previous_keys]
        pages = RecapPage.objects.filter(import_source__in=keys).select_related(
            "latest_revision"
        )
        conflicts = []
        for page in pages:
            self.existing[page.import_source] = page
        self._rekey(editions)
        for page in {page.pk: page for page in self.existing.values()}.values():
            if self._elsewhere(page):
                conflicts.append(page)
        if conflicts and not self.move:
            raise ImportConflict(
                _(
                    "already imported into another series (give --move to move "
                    "them here): %(editions)s"
                )
                % {
                    "editions": ", ".join(
                        f"“{page.title}” ({page.url_path})" for page in conflicts[:10]
                    )
                }
            )

    def _rekey(self, editions):
        """Pages found under an edition's previous key take its current key."""
        rekeyed = []
        for edition in editions:
            if edition.source_key in self.existing:
                continue
            for key in edition.previous_keys:
                page = self.existing.get(key)
                if page is not None and page.import_source == key:
                    page.import_source = edition.source_key
                    self.existing[edition.source_key] = page
                    rekeyed.append(page)
                    break
        for page in rekeyed:
            RecapPage.objects.filter(pk=page.pk).update(
                import_source=page.import_source
            )

    def existing_page(self, edition):
        return self.existing.get(edition.source_key)

    def write(self, edition):
        """Create, update or leave the page of one edition; returns it or ``None``.

        ``None`` means nothing was written (unchanged, or kept as edited). A new
        edition is written with its batch: call :meth:`finish` after the last.
        """
        label = edition.label or edition.source_key
        warnings = list(edition.warnings)
        body = self._body(edition, warnings)
        themes = self._themes(edition)
        publish = self._publishes(edition)
        private = edition.status == "private"
        page = self.existing_page(edition)
        if edition.source_key in self.unwritten:
            self.flush()  # the same source twice: its page is still pending
        values = {
            "title": self._title(edition)[:255],
            "edition_number": edition.edition_number
            or (page.edition_number if page else 1),
            "date": edition.date
            or (page.date if page else None)
            or datetime.date.today(),
            "intro": self.media.rewrite_links(edition.intro, warnings),
        }
        self._summary(edition, values)
        if edition.format:
            values["format"] = edition.format
        self.report.formats[edition.format or ""] += 1
        links = self._links_between_posts(values["intro"], body, warnings)
        written = [values, body, themes]
        if links:
            # Which editions it links to is part of what is written: a link
            # becomes a page link once its target is imported.
            written.append(sorted(links.items()))
        digest = fingerprint(written)
        # What the page holds (or would), and the addresses of the links made
        # links to editions or documents: the balance of words and links reads them.
        self.last_written = (values["title"], values["intro"], body)
        self.last_rewritten = set(links) | self.media.documented
        for warning in warnings:
            self.report.warn(warning, label)
        self.report.items.update(edition.item_counts())
        if page is not None:
            self.placed.append((edition.old_urls, page))
            if self._edited_since_import(page) and not self.overwrite:
                self.report.add(
                    "kept", label, _("edited in the admin since its import"), page
                )
                return None
            if (
                not (self.overwrite and self._edited_since_import(page))
                and page.import_fingerprint == digest
                and not self._needs_publishing(page, publish)
                and not self._elsewhere(page)
                and not (private and page.live)
            ):
                self.report.add("unchanged", label, page=page)
                return None
            moved = self._elsewhere(page)
            if moved:
                # Treebeard places it from the series' numchild: count ours first.
                self.flush()
                self.pages.finish()
                page.move(self.series, pos="last-child")
                page.refresh_from_db()
            old_title = page.title
            # Wagtail's own path for what the bulk one leaves out: moves,
            # pages edited in the admin (comments, workflows), drafts, schedules.
            bulk = publish and not moved and not self._edited_since_import(page)
            page = page.get_latest_revision_as_object()
            page._old_title = old_title
        else:
            page = self._add(edition, values, body, themes, digest, publish, label)
            self.placed.append((edition.old_urls, page))
            if links:
                self.linking.append((page, links, True))
            return page
        for name, value in values.items():
            setattr(page, name, value)
        page.import_fingerprint = digest
        page.body = [section_to_stream(section) for section in body]
        if bulk and page.go_live_at is None and page.expire_at is None:
            # Its themes are looked up with its batch's.
            self.republished.append((page, themes))
            self.unwritten.add(edition.source_key)
        else:
            self._tag(page, themes)
            save_page(page, self.series, publish)
            if private and page.live:
                page.unpublish()
        self.existing[edition.source_key] = page
        if links:
            self.linking.append((page, links, publish))
        self.written.append(page.pk)
        self.changed.append(page)
        if len(self.changed) >= BATCH_SIZE:
            self.flush()
        self.report.add("updated", label, page=page)
        return page

    def _add(self, edition, values, body, themes, digest, publish, label):
        """A new edition, written with its batch (see :meth:`flush`)."""
        fields = {name: value for name, value in values.items() if name != "title"}
        page = self.pages.new_page(
            slugify(edition.slug or values["title"])[:240] or "edition",
            values["title"],
            published_at=self.now if publish else None,
            import_source=edition.source_key,
            import_fingerprint=digest,
            body=[section_to_stream(section) for section in body],
            **fields,
        )
        entry = self.report.add("created", label, page=page)
        self.pending.append((page, themes, entry))
        self.unwritten.add(edition.source_key)
        self.existing[edition.source_key] = page
        if len(self.pending) >= BATCH_SIZE:
            self.flush()
        return page

    def flush(self):
        """Write the pending new editions: pages, themes, revisions, published
        state, references (:class:`~recaps.bulk_pages.BulkPageWriter`); index
        the references of the updated ones."""
        changed, self.changed = self.changed, []
        self.unwritten.clear()
        self._republish()
        update_reference_index(changed)
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        self._theme_objects([name for row in pending for name in row[1]])
        for page, names, _entry in pending:
            self._tag(page, names)
        self.pages.write([row[0] for row in pending], created_at=self.now)
        for page, _names, entry in pending:
            entry["id"] = page.pk
            self.written.append(page.pk)

    def _republish(self):
        """Publish the new content of the pending updated editions together;
        one by one (Wagtail) those that have aliases to update."""
        republished, self.republished = self.republished, []
        if not republished:
            return
        self._theme_objects([name for _page, names in republished for name in names])
        for page, names in republished:
            self._tag(page, names)
        pages = [page for page, _names in republished]
        aliased = set(
            Page.objects.filter(alias_of__in=[page.pk for page in pages]).values_list(
                "alias_of_id", flat=True
            )
        )
        for page in pages:
            if page.pk in aliased:
                save_page(page, self.series, True)
        self.pages.publish_changes(
            [page for page in pages if page.pk not in aliased], self.now
        )
        # Editions linking to these are indexed again, as publishing does.
        self.referencing.update(
            int(pk)
            for pk in ReferenceIndex.objects.filter(
                to_content_type=self.pages.base_type,
                to_object_id__in=[str(page.pk) for page in pages],
                base_content_type=self.pages.base_type,
            ).values_list("object_id", flat=True)
        )

    def finish(self):
        """Write what is pending, make links between editions page links and
        redirect the old addresses; returns the ids of the editions to index:
        those written and those linking to the editions updated."""
        self.flush()
        self.pages.finish()
        self._link_pages()
        redirect_old_addresses(
            self.placed, self.series.get_site(), self.report.redirects
        )
        return [*self.written, *self.referencing]

    def _publishes(self, edition):
        """Whether ``edition`` is published: as told, else as in the source; a
        private or password-protected post never is."""
        publish = self.publish
        if publish is None:
            publish = edition.status != "draft"
        return publish and edition.status != "private"

    @staticmethod
    def _summary(edition, values):
        """A post's excerpt: the intro of an edition without one, else its
        description for search engines and link previews."""
        if not edition.excerpt:
            return
        if html_to_text(values["intro"]).strip():
            values["search_description"] = edition.excerpt
        else:
            values["intro"] = f"<p>{escape(edition.excerpt)}</p>"

    def _links_between_posts(self, intro, body, warnings):
        """``{old address: source}`` of the links to other imported editions
        that will be live; other links to the old site are kept and reported."""
        imported, others = self.old_site.targets(intro, body)
        links = {url: key for url, key in imported.items() if key in self.live_sources}
        for url in others + [url for url in imported if url not in links]:
            warnings.append(SourceWarning("old_site_link", url))
        self.report.links["to_editions"] += len(links)
        self.report.links["kept"] += len(imported) - len(links) + len(others)
        return links

    def _link_pages(self):
        """Links to other editions become page links, in the revision just
        written (and the page's row when it holds the same content): every page
        has its id now. A few queries, whatever the number of editions."""
        linking, self.linking = self.linking, []
        if not linking:
            return
        revisions = Revision.objects.in_bulk(
            [page.latest_revision_id for page, _links, _row in linking]
        )
        for page, links, _row in linking:
            ids = {url: self.existing[key].pk for url, key in links.items()}
            page.intro = replace_links(page.intro, ids)
            page.body = replace_links(page.body.get_prep_value(), ids)
            revision = revisions[page.latest_revision_id]
            data = page.serializable_data()
            revision.content = {
                **revision.content,
                "intro": data["intro"],
                "body": data["body"],
            }
        Revision.objects.bulk_update(list(revisions.values()), ["content"])
        update_rows([page for page, _links, row in linking if row], ["intro", "body"])
        update_reference_index([page for page, _links, _row in linking])

    def _elsewhere(self, page):
        return not page.path.startswith(self.series.path) or page.depth != (
            self.series.depth + 1
        )

    @staticmethod
    def _edited_since_import(page):
        """An author saved a revision after the import (imports have none)."""
        revision = page.latest_revision
        return revision is not None and revision.user_id is not None

    @staticmethod
    def _needs_publishing(page, publish):
        return publish and (not page.live or page.has_unpublished_changes)

    def _body(self, edition, warnings):
        """The edition's sections with media resolved to images and documents."""
        body = []
        for section in edition.sections:
            kind = section["type"]
            if section.get("featured"):
                self.report.media["featured"] += 1
            if kind == "image":
                resolved = self.media.image(section)
                if resolved is None:
                    warnings.append(SourceWarning("media_link", section["src"]))
                    text = section.get("caption") or section.get("alt")
                    section = self._loose_html(
                        body, self.media.link(section["src"], text)
                    )
                else:
                    section = resolved
            elif kind == "file":
                document = self.media.document(section["url"], section["title"])
                if body and body[-1]["type"] == "resources":
                    body[-1]["links"].append(
                        {
                            "title": section["title"][:255],
                            "url": "" if document else section["url"],
                            "document": document.pk if document else None,
                            "description": "",
                        }
                    )
                    if document is None:
                        self.media.counts["links"] += 1
                        warnings.append(SourceWarning("media_link", section["url"]))
                    continue
                if document is None:
                    warnings.append(SourceWarning("media_link", section["url"]))
                    html = self.media.link(section["url"], section["title"])
                else:
                    html = (
                        f'<p><a linktype="document" id="{document.pk}">'
                        f"{escape(section['title'])}</a></p>"
                    )
                section = self._loose_html(body, html)
            elif kind == "text":
                section = {
                    **section,
                    "text": self.media.rewrite_links(section["text"], warnings),
                }
            elif "items" in section:
                section = {
                    **section,
                    "links": [dict(link) for link in section.get("links") or []],
                    "intro": self.media.rewrite_links(section["intro"], warnings),
                    # Every field of an item is kept (those of its kind
                    # beside its text and sub-items), links rewritten.
                    "items": [
                        {
                            **item,
                            "text": self.media.rewrite_links(item["text"], warnings),
                            "children": [
                                {
                                    **child,
                                    "text": self.media.rewrite_links(
                                        child["text"], warnings
                                    ),
                                }
                                for child in item.get("children") or []
                            ],
                        }
                        for item in section["items"]
                    ],
                }
            if section is not None:
                body.append(section)
        return body

    @staticmethod
    def _loose_html(body, html):
        """Append a paragraph to the free text just before, or start one."""
        if body and body[-1]["type"] == "text":
            body[-1] = {**body[-1], "text": body[-1]["text"] + html}
            return None
        return {"type": "text", "heading": "", "text": html}

    def _tag(self, page, names):
        """Give ``page`` the themes ``names`` (the through rows directly:
        taggit's ``set()`` looks every theme up again)."""
        page.tagged_items = [
            RecapPageTag(tag=theme) for theme in self._theme_objects(names)
        ]

    def _theme_objects(self, names):
        """Themes by name, fetched or created once per run rather than per page."""
        missing = [name for name in names if name not in self.themes]
        if missing:
            self.themes.update(
                Theme.objects.by_names(
                    [self.spellings.get(name, name) for name in missing]
                )
            )
        return [self.themes[name] for name in names]

    def _title(self, edition):
        return edition.title or _("Edition %(number)s") % {
            "number": edition.edition_number
        }

    def _themes(self, edition):
        """Theme names (normalised: what the import's fingerprint holds):
        tags, and categories other than the series' own; their spellings are
        noted for the themes created."""
        series_names = {slugify(self.series.slug), slugify(self.series.title)}
        names = list(edition.themes)
        for nicename, name in edition.categories:
            if {slugify(nicename or name), slugify(name)} & series_names:
                continue
            names.append(name)
        themes = []
        for spelling in names:
            name = normalise_theme_name(spelling)[:THEME_MAX_LENGTH].rstrip()
            if name:
                themes.append(name)
                self.spellings.setdefault(
                    name, theme_label(theme_label(spelling)[:THEME_MAX_LENGTH], name)
                )
        return list(dict.fromkeys(themes))
