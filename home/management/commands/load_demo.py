"""Load the demo content: the site tree and the three editions of the legacy page."""

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from home.models import HomePage
from recaps.importers.structured import StructuredDataError, load_series

DEMO_FILE = (
    Path(__file__).resolve().parents[2] / "demo_data" / "petites-ebullitions.yaml"
)


class Command(BaseCommand):
    help = (
        "Create the home page, the series “Les petites ébullitions du Vendredi” and "
        "its editions from the demo data file. Running it again updates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="YAML data file.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise CommandError(self.problem(path, error)) from error
        try:
            with transaction.atomic():
                home = self.ensure_home(data.get("home") or {})
                series, created, updated = load_series(data, parent=home)
        except KeyError as error:
            problem = _("missing field %(field)s") % {"field": error}
            raise CommandError(self.problem(path, problem)) from error
        except (
            StructuredDataError,
            ValidationError,
            TypeError,
            AttributeError,
        ) as error:
            raise CommandError(self.problem(path, error)) from error
        call_command("update_index", verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo content ready: %(series)s (%(created)d editions created, "
                    "%(updated)d updated)."
                )
                % {"series": series.title, "created": created, "updated": updated}
            )
        )

    @staticmethod
    def problem(path, problem):
        if isinstance(problem, ValidationError) and hasattr(problem, "error_dict"):
            problem = "; ".join(
                f"{field} : {' '.join(messages)}"
                for field, messages in problem.message_dict.items()
            )
        return _("%(file)s: %(problem)s") % {"file": path, "problem": problem}

    def ensure_home(self, data):
        """Make a HomePage the default site root (replaces the welcome page)."""
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            welcome = Page.objects.filter(depth=2, content_type__model="page").first()
            slug = "home"
            if welcome is not None:
                welcome.slug = "welcome-to-wagtail"
                welcome.save_revision().publish()
            home = HomePage(title=data.get("title", "Accueil"), slug=slug)
            root.add_child(instance=home)
            site = Site.objects.filter(is_default_site=True).first()
            if site is None:
                Site.objects.create(
                    hostname="localhost",
                    root_page=home,
                    is_default_site=True,
                    site_name=data.get("title", ""),
                )
            else:
                site.root_page = home
                site.site_name = data.get("title", site.site_name)
                site.save()
            if welcome is not None:
                welcome.delete()
        home.title = data.get("title", home.title)
        home.tagline = data.get("tagline", home.tagline)
        home.save_revision().publish()
        return home
