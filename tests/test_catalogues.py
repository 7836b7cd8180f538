"""The compiled French catalogues say what their ``.po`` files say.

``.po`` files merge by union (``.gitattributes``); their ``.mo`` are binary and
``compilemessages`` skips a ``.mo`` newer than its ``.po``, so a merge can leave
a stale catalogue behind and readers with English text. Every translated entry
of every ``.po`` must read the same through the committed ``.mo``.
"""

import ast
import gettext
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
