"""Serve the site for ``make run`` and end with what a newcomer needs to start."""

from django.contrib.staticfiles.management.commands.runserver import (
    Command as RunserverCommand,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from home.demo_accounts import logins
from recaps.links import set_default_site_url


class Command(RunserverCommand):
    help = (
        "runserver, whose start banner is a short French block: the site and admin "
        "URLs, the demo accounts with their passwords and how to stop the server. "
        "The default Wagtail site is set to the address served, so that every "
        "absolute URL (API, feeds, sitemap, canonical) answers."
    )

    def get_handler(self, *args, **options):
        """The site without runserver's static files handler: WhiteNoise serves
        them (``WHITENOISE_USE_FINDERS`` in cms.settings.dev), and a missing
        file gets the site's French 404, not the handler's English debug page."""
        return super().get_handler(*args, **{**options, "use_static_handler": False})

    def on_bind(self, server_port):
        site_url = served_url(self.addr, server_port, ipv6=self._raw_ipv6)
        try:
            set_default_site_url(site_url)
        except ValidationError as error:
            self.stderr.write(" ".join(error.messages))
        self.stdout.write(welcome_block(site_url))


def served_url(addr, port, ipv6=False):
    """The base URL a browser on this machine reaches the server at."""
    if addr in ("0.0.0.0", "::", ""):  # noqa: S104 (all interfaces: this machine)
        addr, ipv6 = "127.0.0.1", False
    host = f"[{addr}]" if ipv6 else addr
    return f"http://{host}:{port}/"


def welcome_block(site_url):
    """The lines that close ``make run``."""
    accounts = logins()
    width = max((len(login.role) for login in accounts), default=0)
    lines = [
        "",
        _("The site is ready: %(url)s") % {"url": site_url},
        _("Administration: %(url)s") % {"url": f"{site_url}admin/"},
    ]
    if accounts:
        lines.append(_("Accounts (login / password):"))
        lines += [
            f"  {login.role.ljust(width)}  {login.username} / {login.password}"
            for login in accounts
        ]
    else:
        lines.append(_("No demo account yet: run `manage.py create_demo_accounts`."))
    lines += [_("To stop the server: Ctrl+C"), ""]
    return "\n".join(lines)
