"""``manage.py import_recaps``: import legacy recaps into a series."""

import datetime
import json
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaps.blocks import section_labels
from recaps.db import bulk_write
from recaps.importers.archive import (
    ArchiveError,
    is_archive,
    read_archive,
    restore_archive,
)
from recaps.importers.conservation import REASONS, balance
from recaps.importers.document import SourceError, SourceWarning
from recaps.importers.media import MediaLibrary
from recaps.importers.meeting import read_meeting
from recaps.importers.office import EmbeddedMedia, is_document_zip
from recaps.importers.sources import (
    SNIFF_BYTES,
    detect_format,
    max_import_mb,
    parse_document,
)
from recaps.importers.writer import (
    EditionWriter,
    ImportConflict,
    Report,
    deferred_indexing,
)
from recaps.importers.wxr import parse_wxr
from recaps.management.base import TranslatedCommand
from recaps.management.progress import Progress
from recaps.management.series import add_series_argument, create_series, default_root
from recaps.models import RecapSeriesPage
from recaps.models.edition import MeetingFormat
from recaps.models.series import FRIDAY


def fridays_until(day, count):
    """``count`` consecutive Fridays, the last one on or before ``day``."""
    last = day - datetime.timedelta(days=(day.weekday() - FRIDAY) % 7)
    return [last - datetime.timedelta(weeks=count - 1 - n) for n in range(count)]


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Import legacy recaps (WordPress export, saved HTML page or flattened text) "
        "as editions of a series. Importing the same source again updates its "
        "editions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "sources",
            nargs="+",
            metavar="SOURCE",
            help=gettext_lazy(
                "WordPress export (.xml), HTML page, Word (.docx) or OpenDocument "
                "(.odt) document, or text file."
            ),
        )
        add_series_argument(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("Print the report without writing anything."),
        )
        status = parser.add_mutually_exclusive_group()
        status.add_argument(
            "--publish",
            dest="publish",
            action="store_const",
            const=True,
            default=None,
            help=gettext_lazy("Publish every edition (default: as in the source)."),
        )
        status.add_argument(
            "--draft",
            dest="publish",
            action="store_const",
            const=False,
            help=gettext_lazy("Save every edition as a draft."),
        )
        parser.add_argument(
            "--dates",
            metavar="YYYY-MM-DD,...",
            help=gettext_lazy(
                "Dates of the editions of text and HTML sources that state none, in "
                "chronological order (default: consecutive Fridays up to the file's "
                "modification date)."
            ),
        )

        parser.add_argument(
            "--category",
            dest="categories",
            action="append",
            default=[],
            metavar="SLUG",
            help=gettext_lazy(
                "WordPress exports: import the posts of this category or tag "
                "(repeatable). Default: the posts with a heading naming a section."
            ),
        )
        parser.add_argument(
            "--all-posts",
            action="store_true",
            help=gettext_lazy(
                "WordPress exports: import every post (of the chosen categories, "
                "if any), even those without a recap category or section headings."
            ),
        )
        parser.add_argument(
            "--list-categories",
            action="store_true",
            help=gettext_lazy(
                "WordPress exports: list their categories and tags with their "
                "number of posts, and import nothing."
            ),
        )
        parser.add_argument(
            "--format",
            metavar="visio|presentiel|hybride",
            help=gettext_lazy(
                "How people met, for every edition: visio, presentiel or hybride. "
                "Default: what the opening of each edition says (“en visio”, “au "
                "centre social…”), else visio."
            ),
        )
        parser.add_argument(
            "--uploads",
            metavar="DIR",
            help=gettext_lazy(
                "Copy of wp-content/uploads: referenced images become Wagtail "
                "images and files become documents. Without it, media stay links."
            ),
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help=gettext_lazy(
                "Also replace editions edited in the admin since their import."
            ),
        )
        parser.add_argument(
            "--move",
            action="store_true",
            help=gettext_lazy(
                "Move editions already imported into another series into this one."
            ),
        )
        parser.add_argument(
            "--accept-losses",
            action="store_true",
            help=gettext_lazy(
                "Import even posts whose words would not all be kept or set "
                "aside with a reason (default: refuse the whole import)."
            ),
        )
        parser.add_argument(
            "--report",
            metavar="FILE.json",
            help=gettext_lazy("Also write the report as JSON to this file."),
        )
        parser.add_argument(
            "--max-size",
            type=int,
            metavar="MB",
            help=gettext_lazy(
                "Refuse source files larger than this many megabytes (default: "
                "the RECAPS_IMPORT_MAX_MB setting, or 100)."
            ),
        )

    def handle(self, *args, **options):
        archive = self.archive_source(options["sources"])
        if archive is not None:
            return self.restore(archive)
        dates = self.parse_dates(options["dates"])
        if options["format"] and options["format"] not in MeetingFormat.values:
            raise CommandError(
                _("--format: “%(value)s” is not one of %(choices)s")
                % {
                    "value": options["format"],
                    "choices": ", ".join(MeetingFormat.values),
                }
            )
        max_mb = options["max_size"] or max_import_mb()
        uploads = options["uploads"]
        if uploads and not Path(uploads).is_dir():
            raise CommandError(
                _("--uploads: %(folder)s is not a folder") % {"folder": uploads}
            )
        paths = [Path(source) for source in options["sources"]]
        for path in paths:
            self.check_size(path, max_mb)
        if options["list_categories"]:
            return self.list_categories(paths)
        report = Report()
        editions, series_title = [], ""
        self.embedded_images = {}
        self.balances = []
        for path in paths:
            found, title = self.read_source(path, report, options)
            editions += found
            series_title = series_title or title
        self.assign_dates(editions, dates)
        for edition in editions:
            edition.format = options["format"] or read_meeting(edition.text()).format

        media = (
            EmbeddedMedia(self.embedded_images, uploads)
            if self.embedded_images
            else MediaLibrary(uploads)
        )
        # Once committed (not on a dry run), the written tables are vacuumed
        # and analysed; on a rollback the media files go too.
        with (
            transaction.atomic(),
            bulk_write(),
            media.files_follow_the_transaction(),
        ):
            series = self.get_series(options["series"], series_title, report)
            writer = EditionWriter(
                series,
                report,
                publish=options["publish"],
                media=media,
                overwrite=options["overwrite"],
                move=options["move"],
            )
            try:
                writer.prepare(editions)
            except ImportConflict as error:
                raise CommandError(str(error)) from error
            self.default_dates(editions, writer)
            progress = Progress(
                self.stderr,
                len(editions),
                self.stderr.isatty() and options["verbosity"] > 0,
            )
            with deferred_indexing(update=not options["dry_run"]) as written:
                for done, edition in enumerate(editions, start=1):
                    writer.write(edition)
                    if edition.source_html:
                        title, intro, body = writer.last_written
                        self.balances.append(
                            balance(
                                edition.label or edition.source_key,
                                edition.source_html,
                                intro,
                                body,
                                title,
                                writer.last_rewritten,
                            )
                        )
                    progress(done)
                self.check_losses(report, series, options)
                written.update(writer.finish())
            report.media.update(writer.media.counts)
            if options["dry_run"]:
                transaction.set_rollback(True)
        self.print_report(report, series, options)
        if options["report"]:
            self.write_report(report, series, options)

    def list_categories(self, paths):
        """Print the categories and tags of WordPress exports, most used first."""
        for path in paths:
            try:
                export = parse_wxr(str(path), require_editions=False)
            except (SourceError, OSError) as error:
                raise CommandError(
                    _("%(file)s: %(problem)s") % {"file": path, "problem": error}
                ) from error
            self.stdout.write(
                _("%(file)s: %(count)s categories and tags")
                % {"file": path, "count": len(export.terms)}
            )
            labels = {"category": _("category"), "post_tag": _("tag")}
            for (domain, slug, name), count in sorted(
                export.terms.items(), key=lambda row: (-row[1], row[0])
            ):
                self.stdout.write(
                    f"  {slug} ({labels.get(domain, domain)}, {name}): {count}"
                )

    def nothing_found(self, report, options):
        """No recap in the sources: say why each post was skipped, then stop."""
        if options["verbosity"] > 0:
            for label, reason in report.skipped:
                self.stdout.write(
                    _("  skipped: %(post)s (%(reason)s)")
                    % {"post": label, "reason": reason}
                )
        if options["report"]:
            self.write_report(report, None, options)
        source = report.sources[-1]
        raise CommandError(
            _("%(file)s: %(problem)s")
            % {
                "file": source["file"],
                "problem": _(
                    "no recap found among %(count)s post(s) of the export "
                    "(WXR %(version)s)"
                )
                % {"count": source["posts"], "version": source["wxr_version"]},
            }
        )

    def check_losses(self, report, series, options):
        """Refuse the import if a post would lose words or links no reason
        explains."""
        losing = [entry for entry in self.balances if entry.losing]
        if not losing or options["accept_losses"]:
            return
        if options["report"]:
            self.write_report(report, series, options)
        raise CommandError(
            _(
                "%(count)s post(s) would lose words or links that are neither in "
                "the edition nor set aside with a reason; nothing was imported "
                "(--accept-losses imports them anyway): %(posts)s"
            )
            % {
                "count": len(losing),
                "posts": "; ".join(
                    f"{entry.label}: "
                    + " ".join(
                        [*sorted(entry.lost.elements())[:12], *entry.links_lost[:3]]
                    )
                    for entry in losing[:10]
                ),
            }
        )

    def archive_source(self, sources):
        """The path of an ``export_recaps`` archive given alone, else None."""
        path = Path(sources[0])
        try:
            with path.open("rb") as handle:
                head = handle.read(4)
        except OSError:
            return None
        if not is_archive(head) or is_document_zip(path):
            return None
        if len(sources) > 1:
            raise CommandError(_("An archive is restored on its own."))
        return path

    def restore(self, path):
        """Restore an archive of ``export_recaps``: everything or nothing."""
        try:
            data, archive = read_archive(path)
            with archive:
                counts = restore_archive(data, archive)
        except ArchiveError as error:
            raise CommandError(
                _("%(file)s: %(problem)s") % {"file": path, "problem": error}
            ) from error
        self.stdout.write(
            _(
                "Restored from %(file)s: %(series)s series, %(editions)s editions, "
                "%(themes)s themes, %(documents)s documents."
            )
            % {"file": path, **counts}
        )

    def check_size(self, path, max_mb):
        """Refuse a file over the size limit before reading any of it."""
        try:
            size = path.stat().st_size
        except OSError:
            return  # read_source names the problem
        if size > max_mb * 1_000_000:
            raise CommandError(
                _(
                    "%(file)s: file too large (%(size)s MB, the limit is %(limit)s "
                    "MB; raise it with --max-size)"
                )
                % {"file": path, "size": round(size / 1_000_000, 1), "limit": max_mb}
            )

    def write_report(self, report, series, options):
        data = {
            "series": {"slug": series.slug, "title": series.title} if series else None,
            "dry_run": options["dry_run"],
            **report.as_data(),
            "conservation": [entry.as_data() for entry in self.balances],
        }
        try:
            with open(options["report"], "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
        except OSError as error:
            raise CommandError(
                _("--report: %(file)s: %(problem)s")
                % {"file": options["report"], "problem": error.strerror}
            ) from error

    def read_source(self, path, report, options):
        """Parsed editions of one file; any problem is a CommandError naming it."""
        try:
            if not path.exists():
                raise SourceError(_("file not found"))
            if not path.is_file():
                raise SourceError(_("not a file"))
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
            if not head.strip():
                raise SourceError(_("empty file"))
            kind = detect_format(head)
            if kind == "xml":
                raise SourceError(_("XML file that is not a WordPress export"))
            if kind == "wxr":
                export = parse_wxr(
                    str(path),
                    categories=options["categories"],
                    require_editions=False,
                    all_posts=options["all_posts"],
                )
                for label, reason in export.skipped:
                    report.add("skipped", label, reason)
                report.sources.append(
                    {
                        "file": str(path),
                        "format": "wxr",
                        "wxr_version": export.wxr_version,
                        "wordpress_version": export.wordpress_version,
                        "posts": export.post_count,
                        "other_items": dict(export.other_items),
                    }
                )
                if not export.editions:
                    self.nothing_found(report, options)
                return export.editions, export.title
            editions, images, kind = parse_document(path.read_bytes(), path.name)
            self.embedded_images.update(images)
            report.sources.append({"file": str(path), "format": kind})
            for edition in editions:
                edition.source_path = path
            return editions, ""
        except SourceError as error:
            raise CommandError(
                _("%(file)s: %(problem)s") % {"file": path, "problem": error}
            ) from error
        except OSError as error:
            raise CommandError(
                _("%(file)s: %(problem)s") % {"file": path, "problem": error.strerror}
            ) from error

    def parse_dates(self, value):
        if not value:
            return []
        try:
            return [
                datetime.date.fromisoformat(part.strip())
                for part in value.split(",")
                if part.strip()
            ]
        except ValueError as error:
            raise CommandError(
                _("--dates: expected dates such as 2020-11-13,2020-11-20")
            ) from error

    def assign_dates(self, editions, dates):
        undated = [edition for edition in editions if edition.date is None]
        if not dates:
            return
        if len(dates) != len(undated):
            raise CommandError(
                _("--dates: %(given)s date(s) given for %(needed)s undated edition(s)")
                % {"given": len(dates), "needed": len(undated)}
            )
        for edition, date in zip(undated, dates, strict=True):
            edition.date = date

    def default_dates(self, editions, writer):
        """Undated new editions of a file: consecutive Fridays up to its mtime."""
        by_file = {}
        for edition in editions:
            if edition.date is None and writer.existing_page(edition) is None:
                by_file.setdefault(getattr(edition, "source_path", None), []).append(
                    edition
                )
        for path, undated in by_file.items():
            day = datetime.date.today()
            if path is not None:
                day = datetime.date.fromtimestamp(path.stat().st_mtime)
            for edition, date in zip(
                undated, fridays_until(day, len(undated)), strict=True
            ):
                edition.date = date
                edition.warnings.append(SourceWarning("no_date", str(date)))

    def get_series(self, slug, title, report):
        """The target series: by slug (created if missing) or the only one."""
        if slug:
            matches = list(RecapSeriesPage.objects.filter(slug=slug))
            if len(matches) > 1:
                raise CommandError(
                    _("Several series have the slug “%(slug)s”: %(paths)s")
                    % {"slug": slug, "paths": ", ".join(p.url_path for p in matches)}
                )
            if matches:
                return matches[0]
            return self.create_series(slug, title, report)
        matches = list(RecapSeriesPage.objects.all()[:2])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise CommandError(
                _("There is no series yet: give --series SLUG to create one.")
            )
        raise CommandError(
            _("There are several series: choose one with --series SLUG (%(slugs)s).")
            % {
                "slugs": ", ".join(
                    RecapSeriesPage.objects.values_list("slug", flat=True)
                )
            }
        )

    def create_series(self, slug, title, report):
        root = default_root()
        series = create_series(
            root, slug=slug, title=title or slug.replace("-", " ").capitalize()
        )
        report.notes.append(
            _("series “%(title)s” created under “%(parent)s”")
            % {"title": series.title, "parent": root.title}
        )
        return series

    def print_report(self, report, series, options):
        if options["verbosity"] == 0:
            return
        write = self.stdout.write
        if options["dry_run"]:
            write(self.style.WARNING(_("Dry run: nothing was written.")))
        for source in report.sources:
            if source["format"] == "wxr":
                write(
                    _(
                        "%(file)s: WordPress export WXR %(wxr)s, WordPress "
                        "%(wordpress)s, %(posts)s post(s)"
                    )
                    % {
                        "file": source["file"],
                        "wxr": source["wxr_version"],
                        "wordpress": source["wordpress_version"] or "?",
                        "posts": source["posts"],
                    }
                )
                others = ", ".join(
                    f"{kind}: {count}"
                    for kind, count in sorted(source["other_items"].items())
                )
                if others:
                    write(
                        _("  other items, not imported: %(items)s") % {"items": others}
                    )
        write(_("Series: %(title)s") % {"title": series.title})
        write(
            _(
                "Editions created: %(created)s, updated: %(updated)s, "
                "skipped: %(skipped)s"
            )
            % {
                "created": len(report.of("created")),
                "updated": len(report.of("updated")),
                "skipped": len(report.of("skipped")),
            }
        )
        write(
            _(
                "Editions unchanged: %(unchanged)s, kept as edited in the admin: "
                "%(kept)s"
            )
            % {
                "unchanged": len(report.of("unchanged")),
                "kept": len(report.of("kept")),
            }
        )
        labels = {
            "created": _("created"),
            "updated": _("updated"),
            "unchanged": _("unchanged"),
            "kept": _("kept"),
            "skipped": _("skipped"),
        }
        for entry in report.editions:
            if options["verbosity"] < 2 and entry["status"] not in {"skipped", "kept"}:
                continue
            line = f"  {labels[entry['status']]}: {entry['edition']}"
            write(f"{line} ({entry['reason']})" if entry["reason"] else line)
        section_names = section_labels()
        write(_("Items per section kind:"))
        for kind, count in sorted(report.items.items()):
            write(f"  {section_names.get(kind, kind)} ({kind}): {count}")
        write(_("Total items: %(count)s") % {"count": sum(report.items.values())})
        if any(report.media.values()):
            write(
                _(
                    "Media: %(images)s image(s), %(documents)s document(s), "
                    "%(links)s kept as links"
                )
                % {
                    "images": report.media["images"],
                    "documents": report.media["documents"],
                    "links": report.media["links"],
                }
            )
        if report.media["featured"]:
            write(
                _(
                    "Featured images: %(count)s, each the first section of its "
                    "edition (editions have no image of their own)"
                )
                % {"count": report.media["featured"]}
            )
        self.print_site_migration(report)
        self.print_balances(options)
        for note in report.notes:
            write(note)
        warnings = report.grouped_warnings()
        if warnings:
            write(self.style.WARNING(_("Warnings:")))
            for row in warnings:
                write(
                    _("  %(message)s (%(count)s×: %(editions)s)")
                    % {
                        "message": row["message"],
                        "count": row["count"],
                        "editions": ", ".join(row["editions"][:3])
                        + ("…" if len(row["editions"]) > 3 else ""),
                    }
                )

    def print_site_migration(self, report):
        """Redirects from the old addresses, links between posts, formats."""
        write = self.stdout.write
        if any(report.redirects.values()):
            write(
                _(
                    "Redirects from the old addresses: %(created)s created, "
                    "%(unchanged)s unchanged, %(taken)s already leading elsewhere "
                    "(kept), %(removed)s removed (edition not published)"
                )
                % {
                    key: report.redirects[key]
                    for key in ("created", "unchanged", "taken", "removed")
                }
            )
        if report.redirects["not_installed"]:
            write(
                _(
                    "No redirect from the old addresses: the site does not have "
                    "wagtail.contrib.redirects in INSTALLED_APPS"
                )
            )
        if any(report.links.values()):
            write(
                _(
                    "Links to the old site: %(to_editions)s made links to editions, "
                    "%(kept)s kept as they were"
                )
                % {key: report.links[key] for key in ("to_editions", "kept")}
            )
        if report.formats.get(""):
            write(
                _(
                    "Format: %(count)s edition(s) say neither “visio”, “présentiel” "
                    "nor a venue: marked “%(default)s” (give --format)"
                )
                % {"count": report.formats[""], "default": MeetingFormat.VISIO.label}
            )

    def print_balances(self, options):
        """Words in, kept, set aside and lost: in total, then per post."""
        if not self.balances:
            return
        write = self.stdout.write
        line = _(
            "Words: %(words_in)s in the source(s), %(kept)s kept, %(set_aside)s "
            "set aside, %(lost)s lost"
        )
        write(
            line
            % {
                "words_in": sum(entry.words_in for entry in self.balances),
                "kept": sum(entry.kept for entry in self.balances),
                "set_aside": sum(entry.set_aside_count for entry in self.balances),
                "lost": sum(entry.lost_count for entry in self.balances),
            }
        )
        write(
            _(
                "Links: %(links_in)s in the source(s), %(kept)s kept, %(rewritten)s "
                "made links to editions or documents, %(set_aside)s set aside, "
                "%(lost)s lost"
            )
            % {
                "links_in": sum(entry.links_in for entry in self.balances),
                "kept": sum(entry.links_kept for entry in self.balances),
                "rewritten": sum(entry.links_rewritten for entry in self.balances),
                "set_aside": sum(
                    len(links)
                    for entry in self.balances
                    for links in entry.links_set_aside.values()
                ),
                "lost": sum(len(entry.links_lost) for entry in self.balances),
            }
        )
        for entry in self.balances:
            if options["verbosity"] < 2 and not (
                entry.set_aside or entry.losing or entry.links_set_aside
            ):
                continue
            write(
                "  "
                + _(
                    "%(post)s: %(words_in)s in, %(kept)s kept, %(set_aside)s set "
                    "aside, %(lost)s lost"
                )
                % {
                    "post": entry.label,
                    "words_in": entry.words_in,
                    "kept": entry.kept,
                    "set_aside": entry.set_aside_count,
                    "lost": entry.lost_count,
                }
            )
            for code, aside in entry.set_aside.items():
                write(
                    "    "
                    + _("set aside (%(reason)s): %(text)s")
                    % {
                        "reason": REASONS[code],
                        "text": " / ".join(aside["text"])[:200],
                    }
                )
            for code, links in entry.links_set_aside.items():
                write(
                    "    "
                    + _("links set aside (%(reason)s): %(links)s")
                    % {"reason": REASONS[code], "links": " ".join(links)[:200]}
                )
            if entry.links_lost:
                write(
                    "    "
                    + _("links lost: %(links)s")
                    % {"links": " ".join(entry.links_lost)[:200]}
                )
