"""``manage.py import_recaps``: import legacy recaps into a series."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from recaps.blocks import section_labels
from recaps.importers.archive import (
    ArchiveError,
    is_archive,
    read_archive,
    restore_archive,
)
from recaps.importers.document import SourceError
from recaps.importers.html import parse_html
from recaps.importers.text import parse_text
from recaps.importers.writer import EditionWriter, Report, deferred_indexing
from recaps.importers.wxr import parse_wxr
from recaps.management.progress import Progress
from recaps.models import RecapSeriesPage

SNIFF_BYTES = 4096
FRIDAY = 4


def detect_format(head):
    """``wxr``, ``html`` or ``text`` from the first bytes of a file."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<?xml", b"<rss")):
        if b"<rss" in start and b"wordpress.org/export" in start:
            return "wxr"
        if b"<html" in start:
            return "html"
        return "xml"
    # A file that starts with a tag is a page or a fragment of one (“<h2>…”).
    if start.startswith(b"<"):
        return "html"
    return "text"


def fridays_until(day, count):
    """``count`` consecutive Fridays, the last one on or before ``day``."""
    last = day - datetime.timedelta(days=(day.weekday() - FRIDAY) % 7)
    return [last - datetime.timedelta(weeks=count - 1 - n) for n in range(count)]


class Command(BaseCommand):
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
            help=gettext_lazy("WordPress export (.xml), HTML page or text file."),
        )
        parser.add_argument(
            "--series",
            metavar="SLUG",
            help=gettext_lazy(
                "Slug of the target series; created under the site's root page if "
                "it does not exist. Optional when the site has a single series."
            ),
        )
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

    def handle(self, *args, **options):
        archive = self.archive_source(options["sources"])
        if archive is not None:
            return self.restore(archive)
        dates = self.parse_dates(options["dates"])
        report = Report()
        editions, series_title = [], ""
        for source in options["sources"]:
            found, title = self.read_source(Path(source), report)
            editions += found
            series_title = series_title or title
        self.assign_dates(editions, dates)

        with transaction.atomic():
            series = self.get_series(options["series"], series_title, report)
            writer = EditionWriter(series, report, publish=options["publish"])
            self.default_dates(editions, writer)
            progress = Progress(
                self.stderr,
                len(editions),
                self.stderr.isatty() and options["verbosity"] > 0,
            )
            with deferred_indexing(update=not options["dry_run"]) as written:
                for done, edition in enumerate(editions, start=1):
                    written.add(writer.write(edition).pk)
                    progress(done)
            if options["dry_run"]:
                transaction.set_rollback(True)
        self.print_report(report, series, options)

    def archive_source(self, sources):
        """The path of an ``export_recaps`` archive given alone, else None."""
        path = Path(sources[0])
        try:
            with path.open("rb") as handle:
                head = handle.read(4)
        except OSError:
            return None
        if not is_archive(head):
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

    def read_source(self, path, report):
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
                export = parse_wxr(str(path), name=path.name)
                report.skipped += export.skipped
                return export.editions, export.title
            data = path.read_bytes()
            if kind == "html":
                editions = parse_html(data, name=path.name)
            else:
                editions = parse_text(data, name=path.name)
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
                edition.warnings.append(
                    _("no date in the source, dated %(date)s") % {"date": date}
                )

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
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            raise CommandError(_("No default site: cannot create the series."))
        series = RecapSeriesPage(
            slug=slug, title=title or slug.replace("-", " ").capitalize()
        )
        site.root_page.add_child(instance=series)
        series.save_revision().publish()
        report.warnings.append(
            _("series “%(title)s” created under “%(parent)s”")
            % {"title": series.title, "parent": site.root_page.title}
        )
        return series

    def print_report(self, report, series, options):
        if options["verbosity"] == 0:
            return
        write = self.stdout.write
        if options["dry_run"]:
            write(self.style.WARNING(_("Dry run: nothing was written.")))
        write(_("Series: %(title)s") % {"title": series.title})
        write(
            _(
                "Editions created: %(created)s, updated: %(updated)s, "
                "skipped: %(skipped)s"
            )
            % {
                "created": len(report.created),
                "updated": len(report.updated),
                "skipped": len(report.skipped),
            }
        )
        if options["verbosity"] > 1:
            for label in report.created:
                write(_("  created: %(edition)s") % {"edition": label})
            for label in report.updated:
                write(_("  updated: %(edition)s") % {"edition": label})
        for label, reason in report.skipped:
            write(
                _("  skipped: %(edition)s (%(reason)s)")
                % {"edition": label, "reason": reason}
            )
        labels = section_labels()
        write(_("Items per section kind:"))
        for kind, count in sorted(report.items.items()):
            write(f"  {labels.get(kind, kind)} ({kind}): {count}")
        write(_("Total items: %(count)s") % {"count": sum(report.items.values())})
        if report.warnings:
            write(self.style.WARNING(_("Warnings:")))
            for warning in report.warnings:
                write(f"  {warning}")
