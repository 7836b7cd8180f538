"""Serve the site for ``make run`` and end with what a newcomer needs to start."""

from django.contrib.staticfiles.management.commands.runserver import (
    Command as RunserverCommand,
)
from django.utils.translation import gettext as _

from home.demo_accounts import logins


class Command(RunserverCommand):
    help = (
        "runserver, whose start banner is a short French block: the site and admin "
        "URLs, the demo accounts with their passwords and how to stop the server."
    )

    def on_bind(self, server_port):
        host = f"[{self.addr}]" if self._raw_ipv6 else self.addr
        site_url = f"{self.protocol}://{host}:{server_port}/"
        self.stdout.write(welcome_block(site_url))


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
