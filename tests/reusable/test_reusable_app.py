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


#: The function-level imports recaps may have, each for a documented reason:
#: ``(file, function, imported module)``. None of them dodges an import cycle.
ALLOWED_FUNCTION_IMPORTS = {
    # Django's AppConfig.ready(): models cannot load before the app registry.
    ("recaps/apps.py", "ready", ".signal_handlers"),
    ("recaps/apps.py", "ready", ".pdf"),
    # WeasyPrint loads system libraries a bare machine may lack (recaps.pdf).
    ("recaps/pdf.py", "write_pdf", "weasyprint"),
    ("recaps/pdf.py", "write_pdf", "weasyprint.urls"),
}


def function_level_imports(path):
    """``(function name, module)`` of every import inside a function of
    ``path``; relative modules keep their leading dots."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield function.name, alias.name
            elif isinstance(node, ast.ImportFrom):
                yield function.name, "." * node.level + (node.module or "")


def test_function_level_imports_are_spotted(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import os\n\ndef f():\n    from .models import RecapPage\n"
        "    import recaps.pdf\n\nclass A:\n    async def g(self):\n"
        "        from ..sections import section_rows\n"
    )
    assert sorted(function_level_imports(module)) == [
        ("f", ".models"),
        ("f", "recaps.pdf"),
        ("g", "..sections"),
    ]


def test_recaps_has_no_function_level_imports_but_documented_ones():
    """No module of recaps imports inside a function to dodge an import cycle:
    a question two modules share belongs to the model that owns it."""
    found = {
        (str(path.relative_to(ROOT)), function, module)
        for path in (ROOT / "recaps").rglob("*.py")
        for function, module in function_level_imports(path)
    }
    assert found - ALLOWED_FUNCTION_IMPORTS == set()


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
            # The stored-count property runs its 20 seeds in both legs of the
            # suite; here one seed shows that it holds without the site apps.
            "-k",
            "not recount_after_every_operation or recount_after_every_operation[0]",
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


def names_by_dotted_path(path):
    """Lines of ``path`` that use ``import_string``, which names code by a
    dotted path resolved at run time: an import cycle dodged, unseen by
    tools and by the tests above."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "import_string")
        or (isinstance(node, ast.Attribute) and node.attr == "import_string")
        or (isinstance(node, ast.alias) and node.name.endswith("import_string"))
    )


def test_dotted_paths_are_spotted(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from django.utils.module_loading import import_string\n"
        "import django.utils.module_loading as loading\n\n"
        "view = import_string('recaps.pdf.theme_digest')\n"
        "other = loading.import_string('recaps.feeds')\n"
    )
    assert names_by_dotted_path(module) == [1, 4, 5]


def test_recaps_names_no_code_by_dotted_path():
    """Modules of recaps import what they use (the letters' routes are given
    to the pages by ``recaps.pdf``, which imports the models)."""
    found = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "recaps").rglob("*.py")
        if (lines := names_by_dotted_path(path))
    }
    assert found == {}
