"""Search helpers shared by the reader search and the API.

Both use Wagtail's search backend for editions, and the same accent- and
case-insensitive matching for the text of single sections.
"""

import re

from anyascii import anyascii

MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def clean_query(raw):
    """Make any user input safe to hand to a search backend.

    Cuts very long input, drops NUL bytes and lone surrogates, and keeps words
    only, so that FTS operators and quotes are searched as plain words.
    """
    text = str(raw or "")[:MAX_QUERY_LENGTH]
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return " ".join(_WORD.findall(text))


def normalise(text):
    """Fold case and accents: “Numérique” and “numerique” compare equal."""
    return anyascii(str(text or "")).casefold()


def query_terms(query):
    return [term for term in normalise(clean_query(query)).split() if term]


def text_matches(text, query):
    """True when every word of the query appears in ``text`` (prefix match)."""
    terms = query_terms(query)
    if not terms:
        return False
    words = set(_WORD.findall(normalise(text)))
    return all(any(word.startswith(term) for word in words) for term in terms)


def search_editions(queryset, query):
    """Full-text search of editions with the configured Wagtail backend."""
    cleaned = clean_query(query)
    if not cleaned:
        return queryset.none()
    return queryset.search(cleaned, operator="and")
