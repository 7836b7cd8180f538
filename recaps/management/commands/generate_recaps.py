"""``manage.py generate_recaps``: realistic French editions in bulk, for load tests."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from recaps.db import bulk_write
from recaps.generator.writer import BulkEditionWriter
from recaps.management.base import TranslatedCommand
from recaps.management.progress import Progress
from recaps.management.series import add_series_argument, create_series, default_root
from recaps.models import RecapSeriesPage

DEFAULT_SERIES = "petites-ebullitions-du-vendredi"
SERIES_TITLE = "Les petites ébullitions du Vendredi"
#: Children a page can have in Wagtail's tree (four base-36 digits per level).
MAX_CHILDREN = 36**Page.steplen - 1


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Generate realistic published editions (8 to 12 sections, themes, links) "
        "in a series, in bulk. The same seed gives the same editions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--editions",
            type=int,
            required=True,
            metavar="N",
            help=gettext_lazy("Number of editions to add."),
        )
        parser.add_argument(
            "--seed",
            default="1",
            metavar="S",
            help=gettext_lazy("Seed of the content (default: 1)."),
        )
        add_series_argument(parser, default=DEFAULT_SERIES)

    def handle(self, *args, **options):
        count = options["editions"]
        if count <= 0:
            raise CommandError(
                _("--editions must be a positive number, not %(count)s.")
                % {"count": count}
            )
        slug = options["series"]
        try:
            validate_slug(slug)
        except ValidationError as error:
            raise CommandError(
                _("“%(slug)s” is not a valid series slug (letters, digits, - and _).")
                % {"slug": slug}
            ) from error

        started = time.monotonic()
        # Once committed, the written tables are vacuumed and analysed: the
        # site reads them at full speed right away, not after autovacuum.
        with transaction.atomic(), bulk_write():
            series = self.get_or_create_series(slug)
            free = MAX_CHILDREN - series.numchild
            if count > free:
                raise CommandError(
                    _("The series “%(slug)s” can take only %(free)s more editions.")
                    % {"slug": slug, "free": free}
                )
            progress = Progress(
                self.stdout,
                count,
                self.stdout.isatty() and options["verbosity"] > 0,
                label=_("Editions written"),
            )
            BulkEditionWriter(series, options["seed"], progress).write(count)
        if options["verbosity"] > 0:
            self.stdout.write(
                _(
                    "%(count)s editions generated in the series “%(series)s” in "
                    "%(seconds).1f s."
                )
                % {
                    "count": count,
                    "series": series.title,
                    "seconds": time.monotonic() - started,
                }
            )

    def get_or_create_series(self, slug):
        """The series ``slug`` of the default site, created if missing."""
        root = default_root()
        series = RecapSeriesPage.objects.descendant_of(root).filter(slug=slug).first()
        if series is not None:
            return series
        if Page.objects.child_of(root).filter(slug=slug).exists():
            raise CommandError(
                _("A page that is not a series already uses the slug “%(slug)s”.")
                % {"slug": slug}
            )
        series = create_series(
            root,
            title=SERIES_TITLE,
            slug=slug,
            organiser="Fédération des Centres Sociaux de Loire-Atlantique",
            presentation="<p>Un espace d’échange entre bénévoles et "
            "professionnel·le·s du réseau.</p>",
        )
        series.refresh_from_db()
        return series
