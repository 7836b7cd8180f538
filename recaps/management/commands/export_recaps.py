"""``manage.py export_recaps``: one portable archive of every series and edition."""

import datetime
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaps.importers.archive import export_archive
from recaps.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Write every series and edition (published or not, with drafts, themes, "
        "privacy and documents) to one zip archive; `import_recaps ARCHIVE` "
        "restores it into an empty site."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="FILE",
            help=gettext_lazy("Archive to write (default: recaps-YYYY-MM-DD.zip)."),
        )

    def handle(self, *args, **options):
        path = Path(
            options["output"] or f"recaps-{datetime.date.today().isoformat()}.zip"
        )
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as output:
                counts = export_archive(output)
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(
                _("%(file)s: %(problem)s")
                % {"file": path, "problem": error.strerror or error}
            ) from error
        self.stdout.write(
            _(
                "Archive %(file)s: %(series)s series, %(editions)s editions, "
                "%(themes)s themes, %(documents)s documents."
            )
            % {"file": path, **counts}
        )
