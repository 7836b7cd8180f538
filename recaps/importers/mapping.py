"""Match section headings of legacy recaps to section kinds.

Legacy headings vary in wording and spelling (“Les réflexions de fonds”, “Les
constats et remontés d’habitants”, “Retour sur...”). A heading is reduced to
French word stems (:func:`recaps.search.stem`: accents, case and endings
folded), near misses are corrected against the known vocabulary, then the first
rule whose stems all appear gives the kind.
"""

import difflib

from ..search import fold, normalise, stem

#: (kind, alternatives); each alternative is a tuple of words whose French stems
#: must all appear. Order matters: “pistes d’action” are nuggets, not actions,
#: and “retours sur ce format” is feedback, not highlights.
RULES = [
    ("feedback", [("apprécié",), ("retours", "format"), ("avis", "format")]),
    ("takeaways", [("retenez",), ("retenu",), ("dont", "parlé")]),
    ("nuggets", [("pépites",), ("pistes",)]),
    ("observations", [("constats",), ("remontées",)]),
    ("reflections", [("réflexions",)]),
    ("questions", [("interrogations",), ("questions",), ("questionnements",)]),
    ("openings", [("ouvertures",), ("ouvert",)]),
    ("resources", [("ressources",), ("liens",), ("aller", "loin")]),
    ("actions", [("actions",), ("fait",), ("initiatives",)]),
    ("highlights", [("retour", "sur"), ("partagé",), ("temps", "forts")]),
]
_RULE_STEMS = [
    (kind, [tuple(stem(word) for word in option) for option in options])
    for kind, options in RULES
]

#: The section kinds a heading can name (every list section).
RECOGNISED_KINDS = {kind for kind, _options in RULES}

_VOCABULARY = sorted(
    {part for _kind, options in _RULE_STEMS for option in options for part in option}
)
_FUZZY_MIN_LENGTH = 6
_FUZZY_CUTOFF = 0.85
#: The rules' words, folded: near misses (“reflextions”) are corrected to them.
_FUZZY_WORDS = sorted(
    {
        normalise(word)
        for _kind, options in RULES
        for option in options
        for word in option
        if len(word) >= _FUZZY_MIN_LENGTH
    }
)


def heading_stems(heading):
    """Stems of the words of a heading, accents and case folded, typos corrected."""
    words = fold(heading).split()
    stems = []
    for word in words:
        stemmed = stem(word)
        if len(stemmed) >= _FUZZY_MIN_LENGTH and stemmed not in _VOCABULARY:
            close = difflib.get_close_matches(
                word, _FUZZY_WORDS, n=1, cutoff=_FUZZY_CUTOFF
            )
            if close:
                stemmed = stem(close[0])
        stems.append(stemmed)
    return stems


def section_kind(heading):
    """The section kind a heading names, or ``None`` if it names none."""
    stems = set(heading_stems(heading))
    for kind, options in _RULE_STEMS:
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
