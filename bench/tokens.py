"""Tokenizers the benchmark shares: plain words, the generator's tokens, and a stemmed bag of words."""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import STOP_WORDS

WORD = re.compile(r"[a-z0-9]+")
# An acronym (U.S.), a word or number (1,750; 5.93; don't; AT&T), a punctuation mark, a paragraph break.
TOKEN = re.compile(r"[A-Za-z]\.(?:[A-Za-z]\.)+|[A-Za-z0-9]+(?:['&-][A-Za-z0-9]+)*(?:[.,][0-9]+)*|[.,;:?!]|\n")
SENTENCE_END = frozenset({".", "?", "!"})
STOPWORDS = frozenset(STOP_WORDS)


def words(text: str) -> list[str]:
    """Lowercased runs of letters and digits."""
    return WORD.findall(text.lower())


def tokens(text: str) -> list[str]:
    """Words, numbers, acronyms, punctuation marks and paragraph breaks, case kept."""
    return TOKEN.findall(text)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stemmed_terms(text: str) -> list[str]:
    """Lowercased words less English stopwords, Snowball-stemmed (the bag-of-words peers' analyzer)."""
    return _stemmer().stemWords([w for w in words(text) if w not in STOPWORDS])
