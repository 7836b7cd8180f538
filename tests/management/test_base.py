"""Every management command of the project answers ``--help`` (issue 25)."""

import io

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

PROJECT_APPS = ("cms", "home", "recaps", "search")
PROJECT_COMMANDS = sorted(
    (name, app) for name, app in get_commands().items() if app in PROJECT_APPS
)


def test_the_project_has_commands():
    names = [name for name, _app in PROJECT_COMMANDS]
    assert {"import_recaps", "generate_recaps", "export_recaps"} <= set(names)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("name", "app"), PROJECT_COMMANDS)
def test_help_of_every_command(name, app, language):
    command = load_command_class(app, name)
    out = io.StringIO()
    with translation.override(language):
        parser = command.create_parser("manage.py", name)
        parser.print_help(out)
    text = out.getvalue()
    assert text.startswith("usage: manage.py " + name)
    assert "--help" in text
