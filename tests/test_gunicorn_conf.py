"""``gunicorn.conf.py``: two instances on one host never share a control socket."""

import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def load(monkeypatch, **environ):
    """The settings gunicorn reads from the file, under ``environ``."""
    for name in ["BIND", "GUNICORN_CONTROL_SOCKET", "XDG_RUNTIME_DIR"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    values = runpy.run_path(str(CONF))
    config = Config()
    for name, value in values.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_each_address_has_its_own_control_socket(monkeypatch, tmp_path):
    first = load(monkeypatch, BIND="127.0.0.1:8001", XDG_RUNTIME_DIR=str(tmp_path))
    second = load(monkeypatch, BIND="127.0.0.1:8002", XDG_RUNTIME_DIR=str(tmp_path))
    assert first.control_socket != second.control_socket
    assert first.control_socket == str(tmp_path / "ebullitions-127.0.0.1-8001.ctl")
    assert not first.control_socket_disable


def test_without_a_runtime_folder_it_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load(monkeypatch)
    assert config.control_socket == str(
        tmp_path / ".gunicorn" / "ebullitions-127.0.0.1-8000.ctl"
    )


@pytest.mark.parametrize(
    "bind", ["unix:/run/ebullitions/a.sock", "[::1]:8000,127.0.0.1:8000"]
)
def test_any_address_gives_a_plain_file_name(monkeypatch, tmp_path, bind):
    config = load(monkeypatch, BIND=bind, XDG_RUNTIME_DIR=str(tmp_path))
    path = Path(config.control_socket)
    assert path.parent == tmp_path and path.suffix == ".ctl"
    assert path.name.startswith("ebullitions-") and "/" not in path.name[12:]


def test_the_environment_names_or_turns_off_the_control_socket(monkeypatch):
    named = load(monkeypatch, GUNICORN_CONTROL_SOCKET="/run/ebullitions/b.ctl")
    assert named.control_socket == "/run/ebullitions/b.ctl"
    assert load(monkeypatch, GUNICORN_CONTROL_SOCKET="off").control_socket_disable
