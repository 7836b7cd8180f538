"""Create the demo accounts and print their credentials (never asks for input)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from home.demo_accounts import (
    EDITOR_USERNAME,
    MODERATOR_USERNAME,
    admin_username,
    read_stored,
    write_stored,
)
from recaps.admin.moderation import setup_moderation
from recaps.models import RecapSeriesPage


class Command(BaseCommand):
    help = (
        "Create the admin account (login and password from ADMIN_USERNAME and "
        "ADMIN_PASSWORD, or generated and kept in .demo-credentials.json), the "
        "moderation groups and workflow of the series, an editor (EDITOR_PASSWORD) "
        "and a moderator (MODERATOR_PASSWORD), and print the credentials."
    )

    def handle(self, *args, **options):
        stored = read_stored()
        admin_url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/admin/"
        username = admin_username()
        password = self.ensure_account(
            stored,
            username,
            "ADMIN_PASSWORD",
            os.environ.get("ADMIN_EMAIL", "admin@example.org"),
            superuser=True,
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Admin account: login “%(login)s”, password “%(password)s” (%(url)s)")
                % {"login": username, "password": password, "url": admin_url}
            )
        )

        series = RecapSeriesPage.objects.order_by("path").first()
        if series is None:
            self.stdout.write(
                _(
                    "No series page yet: run `manage.py load_demo` first to get the "
                    "editor and moderator accounts."
                )
            )
        else:
            editors, moderators, _workflow = setup_moderation(series)
            for message, username, variable, group in [
                (
                    _(
                        "Editor account: login “%(login)s”, password "
                        "“%(password)s” (%(url)s)"
                    ),
                    EDITOR_USERNAME,
                    "EDITOR_PASSWORD",
                    editors,
                ),
                (
                    _(
                        "Moderator account: login “%(login)s”, password "
                        "“%(password)s” (%(url)s)"
                    ),
                    MODERATOR_USERNAME,
                    "MODERATOR_PASSWORD",
                    moderators,
                ),
            ]:
                password = self.ensure_account(
                    stored, username, variable, f"{username}@example.org", group=group
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        message
                        % {"login": username, "password": password, "url": admin_url}
                    )
                )
        write_stored(stored)

    def ensure_account(
        self, stored, username, variable, email, superuser=False, group=None
    ):
        """Create or update one account; returns its password."""
        password = (
            os.environ.get(variable)
            or stored.get(username)
            or secrets.token_urlsafe(12)
        )
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": email}
        )
        user.is_active = True
        user.is_staff = superuser
        user.is_superuser = superuser
        if created or not user.check_password(password):
            user.set_password(password)
        user.save()
        if group is not None:
            user.groups.add(group)
        stored[username] = password
        return password
