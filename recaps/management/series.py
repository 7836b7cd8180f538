"""The ``--series`` option of the commands that write editions, and its series.

``import_recaps`` and ``generate_recaps`` both take ``--series SLUG`` and create
the series under the default site's root page when it does not exist.
"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from recaps.models import RecapSeriesPage


def add_series_argument(parser, default=None):
    """``--series SLUG``; without ``default``, optional when there is one series."""
    if default is None:
        help_text = gettext_lazy(
            "Slug of the series; created under the default site's root page if it "
            "does not exist. Optional when the site has a single series."
        )
    else:
        help_text = gettext_lazy(
            "Slug of the series; created under the default site's root page if it "
            "does not exist (default: %(default)s)."
        )
    parser.add_argument("--series", default=default, metavar="SLUG", help=help_text)


def default_root():
    """The root page of the default site, where new series go."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page")
    site = site.first()
    if site is None:
        raise CommandError(
            _("No default site: run “migrate” or create a site in the admin.")
        )
    return site.root_page


def create_series(root, **fields):
    """A new series under ``root``, published."""
    series = RecapSeriesPage(**fields)
    root.add_child(instance=series)
    series.save_revision().publish()
    return series
