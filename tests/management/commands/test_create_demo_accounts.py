"""``create_demo_accounts``: admin, editor and moderator, groups and workflow."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import WorkflowPage

from home import demo_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    path = tmp_path / "credentials.json"
    monkeypatch.setattr(demo_accounts, "CREDENTIALS_FILE", path)
    for variable in ["ADMIN_PASSWORD", "EDITOR_PASSWORD", "MODERATOR_PASSWORD"]:
        monkeypatch.delenv(variable, raising=False)
    return path


def test_creates_editor_and_moderator_with_the_series_workflow(
    credentials, series, monkeypatch, capsys
):
    monkeypatch.setenv("EDITOR_PASSWORD", "plume-2020")
    call_command("create_demo_accounts")
    out = capsys.readouterr().out
    stored = json.loads(credentials.read_text())
    assert (
        "Compte rédacteur : identifiant « redacteur », mot de passe « plume-2020 »"
        in out
    )
    assert (
        f"Compte modérateur : identifiant « moderateur », mot de passe "
        f"« {stored['moderateur']} »" in out
    )
    users = get_user_model().objects
    editor = users.get(username="redacteur")
    moderator = users.get(username="moderateur")
    assert editor.check_password("plume-2020")
    assert not editor.is_superuser and not moderator.is_superuser
    assert [g.name for g in editor.groups.all()] == ["Rédacteurs"]
    assert [g.name for g in moderator.groups.all()] == ["Modérateurs"]
    assert series.permissions_for_user(moderator).can_publish()
    assert not series.permissions_for_user(editor).can_publish_subpage()
    assert series.permissions_for_user(editor).can_add_subpage()
    assert WorkflowPage.objects.get(page=series).workflow.name

    call_command("create_demo_accounts")  # idempotent, same passwords
    assert json.loads(credentials.read_text()) == stored
    assert users.count() == 3
    assert users.get(username="moderateur").check_password(stored["moderateur"])


def test_without_a_series_only_the_admin_is_created(credentials, db, capsys):
    call_command("create_demo_accounts")
    out = capsys.readouterr().out
    assert "Compte administrateur" in out and "load_demo" in out
    assert list(get_user_model().objects.values_list("username", flat=True)) == [
        "admin"
    ]
