"""recaps is a reusable app: it imports no site package and runs on its own."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE_PACKAGES = {"cms", "home", "search"}


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_recaps_imports_nothing_from_the_site():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "recaps").rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in SITE_PACKAGES
    ]
    assert offenders == []


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the bare project runs on in-memory SQLite; once per suite is enough",
)
def test_recaps_migrates_and_passes_its_model_tests_without_the_site_apps():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.reusable.bare_settings"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds=tests.reusable.bare_settings",
            "tests/models",
            "tests/test_blocks.py",
            "tests/test_stream.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
