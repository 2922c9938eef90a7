"""Completions as you type: the commonest word of the vocabulary that finishes the last word typed
(`coff`: coffee), then entity names and headlines that start with what was typed, then the other
words that finish it.

Names and headlines are indexed for this in the `completion` field (lowercased
text, kind, text as shown), so a prefix is a range of the field's sorted terms, each with
its count beside it (`View.prefix_counts`).
"""

from __future__ import annotations

import re

from search.analysis import normalize_text
from search.backends.base import View
from search.documents import COMPLETION_SEPARATOR
from search.settings import SETTINGS

MAX_CANDIDATES = 500
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
MIN_WORD_PREFIX = 2
MAX_COMPLETIONS = SETTINGS.max_completions
DEFAULT_COMPLETIONS = SETTINGS.completions


def completions(view: View, typed: str, limit: int = DEFAULT_COMPLETIONS) -> list[dict]:
    """Up to `limit` completions of `typed`, as {text, kind}, the most common first."""
    prefix = " ".join(normalize_text(typed).split()).lower()
    if not prefix:
        return []
    found = _names(view, prefix) + _words(view, prefix)
    unique = {item["text"].lower(): item for item in reversed(found)}
    ordered = sorted(unique.values(), key=lambda item: (-item["count"], item["text"]))
    words = [item for item in ordered if item["kind"] == "word"]
    names = [item for item in ordered if item["kind"] != "word"]
    chosen = words[:1] + names + words[1:]  # the word being typed, finished, then names and headlines
    return [{"text": item["text"], "kind": item["kind"]} for item in chosen[:limit]]


def _names(view: View, prefix: str) -> list[dict]:
    """Entity names and headlines that start with the prefix."""
    found = []
    for term, count in view.prefix_counts("completion", prefix, MAX_CANDIDATES):
        _, kind, shown = term.split(COMPLETION_SEPARATOR, 2)
        found.append({"text": shown, "kind": kind, "count": count})
    return found


def _words(view: View, prefix: str) -> list[dict]:
    """The prefix with its last word finished by a word of the vocabulary."""
    head, _, last = prefix.rpartition(" ")
    if len(last) < MIN_WORD_PREFIX:
        return []
    found = []
    for word, count in view.prefix_counts("content_exact", last, MAX_CANDIDATES):
        if word != last and WORD.fullmatch(word):
            found.append({"text": f"{head} {word}" if head else word, "kind": "word", "count": count})
    return found
