"""``manage.py set_site_url [URL]``: the public base URL of every absolute link."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from recaps.links import set_default_site_url


class Command(BaseCommand):
    help = (
        "Set the default Wagtail site's hostname and port from a public base URL "
        "(default: the WAGTAILADMIN_BASE_URL setting). Every absolute URL of the "
        "pages, feeds, sitemap and API is built from it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "url",
            nargs="?",
            help="e.g. https://example.org (default: WAGTAILADMIN_BASE_URL)",
        )

    def handle(self, *args, url=None, **options):
        url = url or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
        if not url:
            raise CommandError(_("No base URL: give one or set WAGTAILADMIN_BASE_URL."))
        try:
            site = set_default_site_url(url)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(_("Public base URL: %(url)s") % {"url": site.root_url})
