"""``scripts/ensure-services.sh`` on a machine without PostgreSQL and Redis.

The services' commands are hidden by running the script with a ``PATH`` made of
links to every other command of the machine. Nothing is ever installed: either
``apt-get`` is hidden too, or the script runs as a user who may not install, or
``apt-get`` is a recorder placed in ``PATH`` that fails like a broken mirror.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-services.sh"
SERVICE_COMMANDS = {
    "pg_isready",
    "pg_ctlcluster",
    "pg_lsclusters",
    "pg_createcluster",
    "pg_dropcluster",
    "psql",
    "redis-server",
    "redis-cli",
}
APT = {"apt-get", "apt"}
BASH = shutil.which("bash")


def path_without(tmp_path, hidden):
    """A PATH folder with links to every command of the machine but ``hidden``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    dirs = os.environ["PATH"].split(os.pathsep) + ["/usr/sbin", "/sbin"]
    for directory in dirs:
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            link = folder / entry.name
            if entry.name in hidden or link.exists() or link.is_symlink():
                continue
            if os.access(entry.path, os.X_OK) and not entry.is_dir():
                link.symlink_to(entry.path)
    return folder


def run(folder, *prefix, **env):
    return subprocess.run(  # noqa: S603
        [*prefix, BASH, str(SCRIPT)],
        env={"PATH": str(folder), "LANG": "C.UTF-8", "HOME": "/tmp", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_path_really_hides_the_services(tmp_path):
    folder = path_without(tmp_path, SERVICE_COMMANDS | APT)
    assert (folder / "bash").exists() and (folder / "awk").exists()
    for command in SERVICE_COMMANDS | APT:
        assert shutil.which(command, path=str(folder)) is None


def test_without_apt_get_it_explains_what_to_install_by_hand(tmp_path):
    result = run(path_without(tmp_path, SERVICE_COMMANDS | APT))
    assert result.returncode != 0
    assert "il manque postgresql redis-server" in result.stderr
    assert "ce système n'est pas une Debian ou une Ubuntu" in result.stderr
    assert "Sur un autre système, installez à la main" in result.stderr
    for package in ["PostgreSQL 13 ou plus", "Redis 6 ou plus", "Chromium", "Pango"]:
        assert package in result.stderr
    assert "Démarrage" not in result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to nobody")
def test_as_a_user_who_may_not_install_it_says_to_run_as_root():
    # pytest's tmp_path is private to root: use a folder nobody can read.
    with tempfile.TemporaryDirectory() as name:
        Path(name).chmod(0o755)
        folder = path_without(Path(name), SERVICE_COMMANDS)
        assert shutil.which("apt-get", path=str(folder))
        result = run(
            folder, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"
        )
    assert result.returncode != 0
    assert "seul root peut les installer" in result.stderr
    assert "sudo make test" in result.stderr
    assert "sudo apt-get install postgresql redis-server" in result.stderr
    assert "Installation des paquets" not in result.stdout


def test_as_root_it_tries_the_install_with_apt_get(tmp_path):
    folder = path_without(tmp_path, SERVICE_COMMANDS | APT)
    calls = tmp_path / "apt-get-calls"
    recorder = folder / "apt-get"
    recorder.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\necho "E: dépôt injoignable" >&2\nexit 100\n'
    )
    recorder.chmod(0o755)
    result = run(folder) if os.geteuid() == 0 else pytest.skip("needs root")
    assert result.returncode != 0
    assert "Installation des paquets Debian : postgresql redis-server" in result.stdout
    assert calls.read_text().splitlines()[0].endswith("update -qq")
    assert "apt-get n'a pas pu installer postgresql redis-server" in result.stderr
    assert "E: dépôt injoignable" in result.stderr


def test_nginx_is_installed_without_starting_a_system_nginx(tmp_path):
    """Only nginx's binary is used (by tests/production/test_nginx.py): while
    apt-get runs, a policy-rc.d forbids starting services; one that was there
    stays, one made for the install goes."""
    policy = Path("/usr/sbin/policy-rc.d")
    had_policy = policy.exists()
    folder = path_without(tmp_path, {"nginx"} | APT)
    calls = tmp_path / "apt-get-calls"
    recorder = folder / "apt-get"
    recorder.write_text(
        f'#!/bin/sh\necho "$@" >> {calls}\n'
        f'{policy} nginx start; echo "policy-rc.d: $?" >> {calls}\nexit 100\n'
    )
    recorder.chmod(0o755)
    if os.geteuid() != 0:
        pytest.skip("needs root")
    result = run(folder, NGINX_BIN=str(tmp_path / "no-nginx"))
    assert result.returncode != 0
    assert "Installation des paquets Debian : nginx" in result.stdout
    assert "policy-rc.d: 101" in calls.read_text().splitlines()
    assert policy.exists() == had_policy


def test_on_this_machine_both_services_answer():
    if shutil.which("pg_isready") is None or shutil.which("redis-cli") is None:
        pytest.skip("PostgreSQL or Redis is not installed here")
    result = subprocess.run(  # noqa: S603
        [BASH, str(SCRIPT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL : prêt sur 127.0.0.1:5432" in result.stdout
    assert "Redis : PONG" in result.stdout
