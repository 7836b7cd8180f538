"""``manage.py check --deploy --fail-level WARNING`` passes in production."""

import subprocess
import sys

from tests.production.services import PROJECT, production_environment


def check_deploy(env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_deploy_check_passes_with_production_settings(static_root, tmp_path):
    env = production_environment(f"sqlite:///{tmp_path}/db.sqlite3", "", static_root)
    result = check_deploy(env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_says_when_static_files_are_not_collected(tmp_path):
    env = production_environment(
        f"sqlite:///{tmp_path}/db.sqlite3", "", tmp_path / "static"
    )
    result = check_deploy(env)
    assert result.returncode == 1
    assert "cms.W001" in result.stderr and "collectstatic" in result.stderr
