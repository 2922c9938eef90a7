"""Completions as you type: entity names and headlines that start with what was typed, and the
commonest word of the vocabulary that finishes its last word (`coff`: coffee), ranked together by
how many articles hold each; then the other words that finish it.

Names and headlines are indexed for this in the `completion` field (lowercased
text, kind, text as shown), so a prefix is a range of the field's sorted terms, each with
its count beside it (`View.prefix_counts`). A headline comes with the id of the newest article
it heads, so choosing it can open the article.
"""

from __future__ import annotations

import re

from search.analysis import normalize_text
from search.backends.base import RankRequest, View
from search.documents import COMPLETION_SEPARATOR, completion_term
from search.query import tree as qt
from search.settings import SETTINGS

MAX_CANDIDATES = 500
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
MIN_WORD_PREFIX = 2
HEADLINE_DEPTH = 5  # articles read per headline shown, to find one under each (wire headlines repeat)
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
    # the commonest finished word ranks with the names by how many articles hold it (`coff`: coffee,
    # before the coffee boards), the other words after them
    chosen = sorted(words[:1] + names, key=lambda item: (-item["count"], item["text"])) + words[1:]
    shown = [{"text": item["text"], "kind": item["kind"]} for item in chosen[:limit]]
    articles = _headline_articles(view, [item["text"] for item in shown if item["kind"] == "headline"])
    return [{**item, "id": articles[item["text"]]} if item["text"] in articles else item for item in shown]


def _headline_articles(view: View, headlines: list[str]) -> dict[str, str]:
    """The id of the newest article under each headline: one ranking of every headline's term,
    each found article's headline read back to tell which it heads."""
    if not headlines:
        return {}
    terms = {completion_term("headline", headline): headline for headline in headlines}
    tree = qt.Or(tuple(qt.Term("completion", term) for term in terms))
    ranking = view.rank(RankRequest(tree, sort="newest", depth=HEADLINE_DEPTH * len(terms), grouped=False,
                                    count=False))
    found: dict[str, str] = {}
    refs = [row.ref for row in ranking.rows]
    for doc_id, stored in zip(view.ids(refs), view.documents(refs), strict=True):
        headline = terms.get(completion_term("headline", stored.get("title") or ""))
        if headline is not None:
            found.setdefault(headline, doc_id)
    return found


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
