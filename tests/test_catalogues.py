"""The compiled French catalogues say what their ``.po`` files say.

``.po`` files merge by union (``.gitattributes``); their ``.mo`` are binary and
``compilemessages`` skips a ``.mo`` newer than its ``.po``, so a merge can leave
a stale catalogue behind and readers with English text. Every translated entry
of every ``.po`` must read the same through the committed ``.mo``.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(ROOT.glob("*/locale/fr/LC_MESSAGES/*.po"))


def entries(po_path):
    """``(context, msgid, plural, [msgstr…])`` of each translated, non-fuzzy
    entry of a ``.po`` file."""
    found, entry, key, fuzzy = [], {}, None, False

    def close():
        nonlocal entry, fuzzy
        strings = [entry[k] for k in sorted(entry) if k.startswith("msgstr")]
        if entry.get("msgid") and not fuzzy and all(strings):
            found.append(
                (
                    entry.get("msgctxt"),
                    entry["msgid"],
                    entry.get("msgid_plural"),
                    strings,
                )
            )
        entry, fuzzy = {}, False

    for line in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            close()
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, text = line.partition(" ")
            if key.startswith("msgid") and "msgstr" in entry:
                close()
            entry[key] = ast.literal_eval(text)
    return found


def test_every_catalogue_has_entries():
    assert len(CATALOGUES) >= 4
    assert all(entries(path) for path in CATALOGUES)
    assert sum(len(entries(path)) for path in CATALOGUES) > 300


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_holds_every_translation(po_path):
    with po_path.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for context, msgid, plural, strings in entries(po_path):
        if plural is None:
            got = [
                catalogue.pgettext(context, msgid)
                if context
                else catalogue.gettext(msgid)
            ]
        else:
            got = [
                catalogue.npgettext(context, msgid, plural, n)
                if context
                else catalogue.ngettext(msgid, plural, n)
                for n in (1, 2)
            ]
        if got != strings[: len(got)]:
            stale.append(msgid)
    assert not stale, f"{len(stale)} entries not compiled, e.g. {stale[:5]}"


#: The gettext functions whose literal arguments are messages to translate.
GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
#: The project's packages whose messages people read.
PACKAGES = ["cms", "home", "recaps", "search"]
#: A string literal in the Python-like text ``templatize`` makes of a template.
_LITERAL = r"u?('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_TEMPLATE_CALL = re.compile(rf"\b(n?p?gettext)\({_LITERAL}(?:,\s*{_LITERAL})?")


def catalogue_key(function, args):
    """The key of a message in Django's merged catalogue: ``msgid``,
    ``"context\\x04msgid"``, and ``(…, 0)`` for plural forms."""
    name = function.removesuffix("_lazy").removesuffix("_noop").lstrip("_")
    if name.startswith("np"):
        return (f"{args[0]}\x04{args[1]}", 0)
    if name.startswith("p"):
        return f"{args[0]}\x04{args[1]}"
    key = args[0]
    return (key, 0) if name.startswith("n") else key


def python_messages(path):
    """``(line, key)`` of each gettext call with literal arguments in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        function = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if function not in GETTEXT_FUNCTIONS:
            continue
        needed = 2 if function.lstrip("_").startswith(("p", "np")) else 1
        args = [
            arg.value
            for arg in node.args[:needed]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if len(args) == needed:
            yield node.lineno, catalogue_key(function, args)


def template_messages(path):
    """``(line, key)`` of each ``trans``/``blocktrans`` message of a template,
    as ``makemessages`` reads them (Django's ``templatize``, which keeps the
    template's lines)."""
    from django.utils.translation.template import templatize

    text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _TEMPLATE_CALL.finditer(text):
        function, first, second = match.groups()
        args = [ast.literal_eval(first)]
        if second:
            args.append(ast.literal_eval(second))
        yield text.count("\n", 0, match.start()) + 1, catalogue_key(function, args)


def test_every_message_people_read_has_its_french_translation():
    """Each message marked for translation in the project's code and templates
    is in a French catalogue (the project's, or Wagtail's and Django's when it
    is theirs): a message nobody added to a ``.po`` shows in English (the
    admin's “Guide for editors” did, issue 26)."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("fr")._catalog
    checked, missing = 0, []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                messages = python_messages(path)
            elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
                messages = template_messages(path)
            else:
                continue
            for line, key in messages:
                checked += 1
                if catalogue.get(key) is None:
                    missing.append(f"{path.relative_to(ROOT)}:{line}: {key!r}")
    assert checked > 500
    assert not missing, "\n".join(missing)
