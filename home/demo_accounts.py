"""The demo accounts of ``make run``: who they are and where their passwords live.

``manage.py create_demo_accounts`` creates them and keeps their passwords in
``.demo-credentials.json``; ``manage.py serve_demo`` lists them when the server
is ready.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".demo-credentials.json"

EDITOR_USERNAME = "redacteur"
MODERATOR_USERNAME = "moderateur"


@dataclass(frozen=True)
class Login:
    """One account as shown to a newcomer: role, login and password."""

    role: str
    username: str
    password: str


def admin_username():
    return os.environ.get("ADMIN_USERNAME") or "admin"


def read_stored():
    """Passwords by login, as written by ``create_demo_accounts`` ({} if none)."""
    try:
        return json.loads(CREDENTIALS_FILE.read_text())
    except (OSError, ValueError):
        return {}


def write_stored(stored):
    CREDENTIALS_FILE.write_text(json.dumps(stored, indent=2))
    CREDENTIALS_FILE.chmod(0o600)


def logins():
    """The demo accounts that exist and are active, with their stored password."""
    stored = read_stored()
    roles = [
        (_("administrator"), admin_username()),
        (_("editor"), EDITOR_USERNAME),
        (_("moderator"), MODERATOR_USERNAME),
    ]
    active = set(
        get_user_model()
        .objects.filter(username__in=[name for _role, name in roles], is_active=True)
        .values_list("username", flat=True)
    )
    return [
        Login(str(role), username, stored[username])
        for role, username in roles
        if username in active and username in stored
    ]
