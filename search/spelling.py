"""Did-you-mean: corrections for query words the index has never seen.

Corrections come from the index's own vocabulary of words as printed (the
unstemmed `content_exact` field), so a suggestion is always a word some
article used, shown in the case the user typed it.
"""

from __future__ import annotations

import re
import time

from nltk.metrics.distance import edit_distance
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from search.analysis import normalize_text

VOCABULARY_FIELD = "content_exact"
MIN_WORD_CHARS = 4
MAX_EDITS = 2
MAX_LOOKUPS = 8  # unknown words looked up per query
LOOKUP_SECONDS = 0.3  # and no lookup starts after this long


def _in_case_of(typed: str, word: str) -> str:
    if typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def corrections(searcher: Searcher, words: list[str]) -> dict[str, str]:
    """Each unknown word of the query mapped to the closest, most frequent known word.

    Each lookup scans the vocabulary (about 10 ms on 20,000 articles) outside the search's
    time budget, so only the first MAX_LOOKUPS unknown words are looked up, and none once
    LOOKUP_SECONDS have passed: 400 unknown words would otherwise take seconds.
    """
    reader = searcher.reader()
    found: dict[str, str] = {}
    closest: dict[str, str | None] = {}
    deadline = time.perf_counter() + LOOKUP_SECONDS
    for typed in words:
        word = normalize_text(typed).lower()
        if len(word) < MIN_WORD_CHARS or not word.isalpha() or (VOCABULARY_FIELD, word) in reader:
            continue
        if word not in closest:
            if len(closest) >= MAX_LOOKUPS or time.perf_counter() > deadline:
                break
            closest[word] = closest_word(reader, word)
        best = closest[word]
        if best:
            found[typed] = _in_case_of(typed, best)
    return found


def closest_word(reader: IndexReader, word: str) -> str | None:
    """The known word fewest edits away (a swap of two letters is one), then the most frequent.

    Whoosh's own corrector ranks by frequency alone, so `Amram` would get `array`.
    """
    candidates = [
        (edit_distance(word, known, transpositions=True), -reader.frequency(VOCABULARY_FIELD, known), known)
        for known in reader.terms_within(VOCABULARY_FIELD, word, MAX_EDITS, prefix=1)
        if known != word
    ]
    return min(candidates)[2] if candidates else None


def corrected_query(text: str, fixes: dict[str, str]) -> str | None:
    """The query with every misspelled word replaced, syntax kept; None if nothing changed."""
    if not fixes:
        return None
    for typed, fixed in fixes.items():
        text = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", fixed, text)
    return text
