"""Sentence splitting without NLTK's punkt data: a regular expression and an
abbreviations table (`data/abbreviations.txt`), so `U.S.` and `Mr.` do not end
a sentence."""

from __future__ import annotations

import re
from functools import lru_cache

from search.tables import read_words

BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|\n\s*\n|\n")
WORD_BEFORE = re.compile(r"([\w.]+)\.$")


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    return frozenset(read_words("abbreviations.txt"))


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the full stop ending at `end` closes an abbreviation or initial."""
    match = WORD_BEFORE.search(text[max(0, end - 20):end])
    if not match:
        return False
    word = match.group(1).lower()
    return word in abbreviations() or len(word) == 1 or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`(start, end)` character spans of the sentences in `text`, whitespace trimmed."""
    spans = []
    start = 0
    for match in BOUNDARY.finditer(text):
        stop = match.group()
        if stop.startswith(".") and stop.strip() == "." and _is_abbreviation(text, match.start() + 1):
            continue
        _append_span(text, start, match.end(), spans)
        start = match.end()
    _append_span(text, start, len(text), spans)
    return spans


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        left = start + len(chunk) - len(chunk.lstrip())
        spans.append((left, left + len(stripped)))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`."""
    return [text[start:end] for start, end in sentence_spans(text)]
