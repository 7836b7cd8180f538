"""The letter around a pasted e-mail (recaps/importers/letter.py)."""

from collections import Counter

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from recaps.importers.letter import sentence_case, set_aside_letter
from recaps.search import fold

BODY = """Beau moment pour cette édition.

Ce qui a été partagé :
- Un point
- À bientôt le jardin partagé, un autre point
"""


@pytest.mark.parametrize(
    "greeting",
    ["Bonjour à toutes et à tous,", "Bonjour,", "Chers tous,", "Chères toutes,"],
)
@pytest.mark.parametrize(
    "sign_off", ["Bien à vous,", "Cordialement,", "À bientôt !", "Belle journée à vous"]
)
def test_greeting_sign_off_and_signature_are_set_aside(greeting, sign_off):
    signature = ["Camille Martin", "Fédération des centres sociaux", "06 12 34 56 78"]
    text = "\n".join([greeting, "", BODY, sign_off, *signature])
    letter = set_aside_letter(text)
    assert letter.greeting == [greeting]
    assert letter.sign_off == [sign_off]
    assert letter.signature == signature
    assert letter.body.strip() == BODY.strip()


def test_text_without_letter_is_left_whole():
    letter = set_aside_letter(BODY)
    assert letter.set_aside() == []
    assert letter.body.strip() == BODY.strip()


def test_sign_off_words_inside_the_content_stay():
    """A bullet or a long sentence saying “à bientôt” is content, not a sign-off."""
    text = BODY + "\nOn se retrouve vite, à bientôt pour la suite de nos échanges."
    letter = set_aside_letter(text)
    assert letter.sign_off == []
    assert "À bientôt le jardin" in letter.body and "pour la suite" in letter.body


def test_signature_after_a_separator_is_set_aside():
    letter = set_aside_letter(BODY + "\n--\nCamille\n06 12 34 56 78")
    assert letter.sign_off == []
    assert letter.signature == ["Camille", "06 12 34 56 78"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("CE QUI A ÉTÉ PARTAGÉ :", "Ce qui a été partagé :"),
        ("  LES PÉPITES", "  Les pépites"),
        ("Ce qui a été partagé :", "Ce qui a été partagé :"),
        ("- UN POINT EN CAPITALES", "- UN POINT EN CAPITALES"),
        ("CSC", "CSC"),
    ],
)
def test_headings_in_capitals_are_put_in_sentence_case(line, expected):
    assert sentence_case(line) == expected


LINES = st.sampled_from(
    [
        "Bonjour,",
        "Chers tous,",
        "Bien à vous,",
        "Cordialement",
        "À bientôt",
        "Camille Martin",
        "06 12 34 56 78",
        "Ce qui a été partagé :",
        "LES PÉPITES :",
        "- Un point",
        "- Un point qui dit à bientôt",
        "    - un sous-point",
        "Une longue phrase du compte rendu, qui raconte la rencontre en détail.",
        "",
    ]
)


@seed(26)
@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, max_size=20))
def test_every_word_is_in_the_body_or_set_aside(lines):
    """Conservation: the words of the body and of what was set aside are the
    words of the text, whatever the lines."""
    text = "\n".join(lines)
    letter = set_aside_letter(text)
    kept = Counter(fold(letter.body).split()) + Counter(
        fold(letter.set_aside_text()).split()
    )
    assert kept == Counter(fold(text).split())
