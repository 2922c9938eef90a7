"""Completions as you type: entity names and headlines that start with what was typed,
then words of the vocabulary that finish its last word.

Names and headlines are indexed for this in the `completion` field (lowercased
text, kind, text as shown), so a prefix is a walk along the sorted lexicon.
"""

from __future__ import annotations

import re
from itertools import islice

from whoosh.reading import IndexReader

from search.analysis import normalize_text
from search.index import COMPLETION_SEPARATOR

MAX_CANDIDATES = 500
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
MIN_WORD_PREFIX = 2
MAX_COMPLETIONS = 20
DEFAULT_COMPLETIONS = 8


def completions(reader: IndexReader, typed: str, limit: int = DEFAULT_COMPLETIONS) -> list[dict]:
    """Up to `limit` completions of `typed`, as {text, kind}, the most common first."""
    prefix = " ".join(normalize_text(typed).split()).lower()
    if not prefix:
        return []
    found = _names(reader, prefix) + _words(reader, prefix)
    unique = {item["text"].lower(): item for item in reversed(found)}
    ordered = sorted(unique.values(), key=lambda item: (item["kind"] == "word", -item["count"], item["text"]))
    return [{"text": item["text"], "kind": item["kind"]} for item in ordered[:limit]]


def _names(reader: IndexReader, prefix: str) -> list[dict]:
    """Entity names and headlines that start with the prefix."""
    found = []
    for btext in islice(reader.expand_prefix("completion", prefix), MAX_CANDIDATES):
        _, kind, shown = btext.decode("utf-8").split(COMPLETION_SEPARATOR, 2)
        found.append({"text": shown, "kind": kind, "count": reader.doc_frequency("completion", btext)})
    return found


def _words(reader: IndexReader, prefix: str) -> list[dict]:
    """The prefix with its last word finished by a word of the vocabulary."""
    head, _, last = prefix.rpartition(" ")
    if len(last) < MIN_WORD_PREFIX:
        return []
    found = []
    for btext in islice(reader.expand_prefix("content_exact", last), MAX_CANDIDATES):
        word = btext.decode("utf-8")
        if word != last and WORD.fullmatch(word):
            text = f"{head} {word}" if head else word
            count = reader.doc_frequency("content_exact", btext)
            found.append({"text": text, "kind": "word", "count": count})
    return found
