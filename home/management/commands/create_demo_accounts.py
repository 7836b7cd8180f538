"""Create the demo accounts and print their credentials (never asks for input)."""

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".demo-credentials.json"


class Command(BaseCommand):
    help = (
        "Create the admin account (login and password from ADMIN_USERNAME and "
        "ADMIN_PASSWORD, or generated and kept in .demo-credentials.json) and print "
        "the credentials."
    )

    def handle(self, *args, **options):
        stored = self.read_stored()
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        password = (
            os.environ.get("ADMIN_PASSWORD")
            or stored.get(username)
            or secrets.token_urlsafe(12)
        )
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"email": os.environ.get("ADMIN_EMAIL", "admin@example.org")},
        )
        user.is_staff = user.is_superuser = user.is_active = True
        if created or not user.check_password(password):
            user.set_password(password)
        user.save()
        stored[username] = password
        self.write_stored(stored)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin account: login “{username}”, password “{password}” "
                f"(http://127.0.0.1:{os.environ.get('PORT', '8000')}/admin/)"
            )
        )

    def read_stored(self):
        try:
            return json.loads(CREDENTIALS_FILE.read_text())
        except (OSError, ValueError):
            return {}

    def write_stored(self, stored):
        CREDENTIALS_FILE.write_text(json.dumps(stored, indent=2))
        CREDENTIALS_FILE.chmod(0o600)
