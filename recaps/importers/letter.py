"""The letter around a recap sent by e-mail.

A pasted e-mail opens with a greeting (“Bonjour à toutes et à tous,”) and ends
with a sign-off (“Bien à vous,”) and a signature (name, federation, phone): none
of them belongs in the published recap. :func:`set_aside_letter` takes them out
of the text before it is read, and returns them so that the editor is shown what
was set aside. Headings typed in capitals (“CE QUI A ÉTÉ PARTAGÉ :”) are put in
sentence case.
"""

import re
from dataclasses import dataclass, field

from ..search import fold
from .mapping import HEADING_LINE_MAX_LENGTH, clean_heading, section_kind

#: Folded first words of a greeting line.
GREETING = re.compile(
    r"^(?:bonjour|bonsoir|hello|salut|coucou|cher|chers|chere|cheres|madame"
    r"|monsieur|a toutes et a tous|a tous)\b"
)
#: Folded words of a sign-off line.
SIGN_OFF = re.compile(
    r"^(?:bien a (?:vous|toi|tous|toutes)|(?:tres |bien )?cordialement"
    r"|(?:merci et )?a (?:tres )?bientot|amicalement|salutations|bises"
    r"|(?:tres )?(?:belle|bonne) (?:journee|soiree|semaine|fin de semaine"
    r"|continuation|week end)(?: a (?:vous|tous|toutes))?)\b"
)
#: The conventional line opening a signature.
SIGNATURE_SEPARATOR = {"--", "-- ", "—", "__"}
#: A greeting, sign-off or signature line is short; a longer one is content.
LETTER_LINE_MAX_WORDS = 12
_BULLET = re.compile(r"^\s*[•●▪◦‣*-]\s+\S")


@dataclass
class Letter:
    """A pasted text without its letter: ``body`` and the lines set aside."""

    body: str
    greeting: list[str] = field(default_factory=list)
    sign_off: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)

    def set_aside(self):
        """``[(kind, lines)]`` of what was taken out, in the order of the text."""
        parts = [
            ("greeting", self.greeting),
            ("sign_off", self.sign_off),
            ("signature", self.signature),
        ]
        return [(kind, lines) for kind, lines in parts if lines]

    def set_aside_text(self):
        return "\n".join(line for _kind, lines in self.set_aside() for line in lines)


def _short(line):
    return len(line.split()) <= LETTER_LINE_MAX_WORDS


def _is_heading(line):
    return line.endswith(":") or section_kind(clean_heading(line)) is not None


def _closing_at(lines):
    """Index of the sign-off line (or signature separator), or ``None``: a short
    line after which only short lines follow, none a bullet or a heading."""
    found = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index].strip()
        if not line:
            continue
        if _BULLET.match(lines[index]) or not _short(line) or _is_heading(line):
            break
        if line in SIGNATURE_SEPARATOR or SIGN_OFF.match(fold(line)):
            found = index
    return found


def sentence_case(line):
    """A heading typed in capitals, in sentence case: “CE QUI A ÉTÉ PARTAGÉ :” →
    “Ce qui a été partagé :”. Other lines are returned unchanged."""
    letters = [char for char in line if char.isalpha()]
    if (
        len(letters) < 4
        or not all(char.isupper() for char in letters)
        or _BULLET.match(line)
        or len(line.strip()) > HEADING_LINE_MAX_LENGTH
    ):
        return line
    lowered = line.lower()
    first = next(index for index, char in enumerate(lowered) if char.isalpha())
    return lowered[:first] + lowered[first].upper() + lowered[first + 1 :]


def set_aside_letter(text):
    """The :class:`Letter` of a pasted e-mail: its greeting (the first lines),
    its sign-off and signature (the last lines) taken out of ``body``."""
    lines = text.splitlines()
    letter = Letter(body="")
    start = 0
    while start < len(lines):
        line = lines[start].strip()
        if line and not (_short(line) and GREETING.match(fold(line))):
            break
        if line and not _is_heading(line):
            letter.greeting.append(line)
        elif line:
            break
        start += 1
    end = _closing_at(lines[start:])
    if end is not None:
        end += start
        letter.sign_off.append(lines[end].strip())
        letter.signature = [line.strip() for line in lines[end + 1 :] if line.strip()]
        if letter.sign_off[0] in SIGNATURE_SEPARATOR:
            letter.sign_off = []
    else:
        end = len(lines)
    letter.body = "\n".join(sentence_case(line) for line in lines[start:end])
    return letter
