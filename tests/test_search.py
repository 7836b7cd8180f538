"""recaps.search: folding, query cleaning and word matching on the section index."""

import pytest
from anyascii import anyascii

from recaps.models import RecapSection
from recaps.search import (
    STOP_WORDS,
    clean_query,
    filter_by_words,
    fold,
    highlight,
    highlight_terms,
    normalise,
    search_words,
)
from tests.factories import section


def test_search_helpers_fold_accents_and_neutralise_operators():
    assert normalise("Numérique ÉTÉ") == "numerique ete"
    assert clean_query('"isolé" OR x\x00 AND (y* ' + "a" * 500).startswith("isolé OR x")
    assert len(clean_query("a" * 5000)) <= 200
    assert clean_query("\ud800bénévoles") == "bénévoles"


def test_normalise_is_anyascii_then_casefold_on_any_text():
    """Only non-ASCII runs go through anyascii: the result must be the same as
    transliterating the whole text, for every character, alone or in context."""
    samples = [chr(code) for code in range(0x20, 0x3100) if not 0xD800 <= code < 0xE000]
    samples.append("".join(samples))
    samples += [
        "Œuvre « collective » — l’été à Saint-Herblain",
        "ﬁn ½ Straße İstanbul ǅ 東京 naïve",
        "",
    ]
    for text in samples:
        assert normalise(text) == anyascii(text).casefold(), text


def test_fold_gives_the_folded_words_single_spaced():
    assert fold("  Édition 3 :\tRéflexions ! ") == "edition 3 reflexions"
    assert fold(None) == ""
    assert search_words("Les Aînés") == " les aines "


@pytest.mark.django_db
def test_filter_by_words_matches_word_prefixes_accents_and_case_ignored(
    make_edition,
):
    make_edition(body=[section("actions", "Actions", ["Les bénévoles du centre"])])
    rows = RecapSection.objects.all()
    assert filter_by_words(rows, "benevole").count() == 1
    assert filter_by_words(rows, "BÉNÉ cent").count() == 1
    assert filter_by_words(rows, "salariés").count() == 0
    assert filter_by_words(rows, "  ").count() == 0


def test_snippets_do_not_highlight_french_function_words():
    text = "Garder le lien avec les habitants, et le lien avec les bénévoles."
    html = str(highlight(text, "garder le lien"))
    assert html.count("<mark>") == 3
    assert "<mark>Garder</mark>" in html and html.count("<mark>lien</mark>") == 2
    assert "<mark>le</mark>" not in html and "<mark>les</mark>" not in html
    # A query of function words only still shows where they are.
    assert "<mark>les</mark>" in str(highlight(text, "les"))


def test_stop_words_are_folded_like_queries():
    # Compared after normalise(): every entry must be in that form.
    assert all(word == normalise(word) for word in STOP_WORDS)
    assert highlight_terms("Où sont LES ateliers ?") == ["ateliers"]
