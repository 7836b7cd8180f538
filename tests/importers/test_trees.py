import random

import pytest
from bs4 import BeautifulSoup, Comment

from recaps.importers import trees

from .test_sanitize import _fragment

NAMES = [["p"], ["a", "b", "strong"], ["ul", "ol", "li"], ["script", "iframe", "hr"]]


@pytest.mark.parametrize("seed", range(4))
def test_the_tree_readers_find_what_find_all_finds(seed):
    """Property (300 seeded fragments per seed, with comments): the one-walk
    readers list the same elements, in the same order, as Beautiful Soup."""
    rng = random.Random(seed)
    for _ in range(300):
        html = _fragment(rng).replace("Ligne", "<!-- note -->Ligne")
        soup = BeautifulSoup(html, "html.parser")
        assert trees.tags(soup) == soup.find_all(True), html
        for names in NAMES:
            found = soup.find_all(names)
            assert [id(t) for t in trees.tags(soup, names)] == [id(t) for t in found]
            assert trees.contains(soup, names) == bool(found), html
        assert trees.comments(soup) == soup.find_all(
            string=lambda s: isinstance(s, Comment)
        )


def test_text_reads_words_single_spaced():
    soup = BeautifulSoup("<p> Un  <b>mot</b>\n et&nbsp;deux </p>", "html.parser")
    assert trees.text(soup) == "Un mot et deux"
