"""``serve_demo``: the block that closes ``make run`` lists the URLs and logins."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from home import demo_accounts
from home.management.commands.serve_demo import Command

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_accounts, "CREDENTIALS_FILE", tmp_path / "demo.json")
    for variable in ["ADMIN_USERNAME", "ADMIN_PASSWORD", "MODERATOR_PASSWORD"]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("EDITOR_PASSWORD", "plume-2020")


def banner(port=8000):
    command = Command(stdout=io.StringIO())
    command.addr, command._raw_ipv6, command.protocol = "127.0.0.1", False, "http"
    command.on_bind(port)
    return command.stdout.getvalue()


def test_block_lists_the_urls_the_three_logins_and_how_to_stop(credentials, series):
    call_command("create_demo_accounts", stdout=io.StringIO())
    stored = demo_accounts.read_stored()
    users = get_user_model().objects
    assert users.get(username="admin").check_password(stored["admin"])
    assert users.get(username="moderateur").check_password(stored["moderateur"])

    lines = banner(8123).splitlines()
    assert "Le site est prêt : http://127.0.0.1:8123/" in lines
    assert "Administration : http://127.0.0.1:8123/admin/" in lines
    assert "Comptes (identifiant / mot de passe) :" in lines
    assert f"  administrateur  admin / {stored['admin']}" in lines
    assert "  rédacteur       redacteur / plume-2020" in lines
    assert f"  modérateur      moderateur / {stored['moderateur']}" in lines
    assert "Pour arrêter le serveur : Ctrl+C" in lines
    # Short: a newcomer sees it whole, and nothing of Django's English banner.
    assert len([line for line in lines if line]) == 7
    assert "Django version" not in "\n".join(lines)


def test_a_deactivated_or_unknown_account_is_not_offered(credentials, series):
    call_command("create_demo_accounts", stdout=io.StringIO())
    get_user_model().objects.filter(username="moderateur").update(is_active=False)
    text = banner()
    assert "moderateur" not in text
    assert "redacteur / plume-2020" in text


def test_without_accounts_it_says_how_to_create_them(credentials, db):
    text = banner()
    assert "Le site est prêt : http://127.0.0.1:8000/" in text
    assert "lancez `manage.py create_demo_accounts`" in text
    assert "Comptes" not in text
