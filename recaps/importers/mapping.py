"""Match section headings of legacy recaps to section kinds.

Legacy headings vary in wording and spelling (“Les réflexions de fonds”, “Les
constats et remontés d’habitants”, “Retour sur...”). A heading is reduced to
crude word stems (accents, case, plurals and feminine endings folded), near
misses are corrected against the known vocabulary, then the first rule whose
stems all appear gives the kind.
"""

import difflib
import re

from anyascii import anyascii

_WORD = re.compile(r"[a-z0-9]+")

#: (kind, alternatives); each alternative is a tuple of stems that must all appear.
#: Order matters: “pistes d’action” are nuggets, not actions, and “retours sur ce
#: format” is feedback, not highlights.
RULES = [
    ("feedback", [("appreci",), ("retour", "format"), ("avi", "format")]),
    ("takeaways", [("retenez",), ("retenu",), ("dont", "parl")]),
    ("nuggets", [("pepit",), ("pist",)]),
    ("observations", [("constat",), ("remont",)]),
    ("reflections", [("reflexion",)]),
    ("questions", [("interrogation",), ("question",), ("questionnement",)]),
    ("openings", [("ouvertur",), ("ouvert",)]),
    ("resources", [("ressourc",), ("lien",), ("aller", "loin")]),
    ("actions", [("action",), ("fait",), ("initiativ",)]),
    ("highlights", [("retour", "sur"), ("partag",), ("temp", "fort")]),
]

#: The section kinds a heading can name (every list section).
RECOGNISED_KINDS = {kind for kind, _options in RULES}

_VOCABULARY = sorted(
    {stem for _kind, options in RULES for option in options for stem in option}
)
_FUZZY_MIN_LENGTH = 6
_FUZZY_CUTOFF = 0.85


def stem(word):
    """Crude French stem: drop one plural ``s``/``x`` then any trailing ``e``."""
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    while len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def heading_stems(heading):
    """Stems of the words of a heading, accents and case folded, typos corrected."""
    words = _WORD.findall(anyascii(str(heading or "")).lower())
    stems = []
    for word in words:
        word = stem(word)
        if len(word) >= _FUZZY_MIN_LENGTH and word not in _VOCABULARY:
            close = difflib.get_close_matches(
                word,
                [v for v in _VOCABULARY if len(v) >= _FUZZY_MIN_LENGTH],
                n=1,
                cutoff=_FUZZY_CUTOFF,
            )
            if close:
                word = close[0]
        stems.append(word)
    return stems


def section_kind(heading):
    """The section kind a heading names, or ``None`` if it names none."""
    stems = set(heading_stems(heading))
    for kind, options in RULES:
        if any(all(part in stems for part in option) for option in options):
            return kind
    return None


def clean_heading(heading):
    """A heading as readers should see it: spaces collapsed, no trailing colon."""
    text = " ".join(str(heading or "").split())
    return text.rstrip(" :").strip() or text


#: A heading written as a line of text (“Ce qui a été partagé :”) is short.
HEADING_LINE_MAX_LENGTH = 90


def is_heading_line(text):
    """A short line ending with a colon: the only loose text read as a heading.

    A sentence that merely contains a section word (“… nos questions.”) is not.
    """
    text = " ".join(str(text or "").split())
    return 0 < len(text) <= HEADING_LINE_MAX_LENGTH and text.endswith(":")
