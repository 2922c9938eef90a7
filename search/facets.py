"""Facets: how the matching stories divide by source, author, entity type, tag and month.

Each value counts stories, not documents, like the total: a count is the number
of results its filter would leave. Values come from columns, read into arrays once
per index commit, so counting never loads a stored article.

The entity facets are one per type, named like the query fields (`person`, `org`,
`place`, `weapon`); acronyms the recogniser could not type (`GNP`, `AG`) have no
facet of their own: they stay on the article and behind `entity:`. One author
printed in several casings (`TED D'AFFLISIO`, `Ted D'Afflisio`) is one value,
shown in its most frequent casing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

from search.bylines import author_key
from search.documents import ENTITY_FILTERS, tag_term

ENTITY_FACETS = ENTITY_FILTERS  # person, org, place, weapon
FACET_NAMES = ("source", "author", *ENTITY_FACETS, "tag", "month")
MAX_FACET_VALUES = 10


def facet_keys(doc: dict, month: str | None) -> Iterator[tuple[str, str, str]]:
    """A document's (facet, key, value as printed): a key groups the printings of one value."""
    if doc["source"]:
        yield "source", doc["source"], doc["source"]
    for author in doc["author"]:
        yield "author", author_key(author), author
    for kind, name in doc["entity"]:
        if kind in ENTITY_FACETS:
            yield kind, name, name
    for tag in doc["tag"]:
        yield "tag", tag_term(tag), tag
    if month:
        yield "month", month, month


class FacetTable:
    """Every document's facet values as (document, value code) pairs, read once per commit,
    so that counting the matches of a search is a few array operations. `documents` gives each
    document's number, facet values (search.documents.facet_values read back) and month."""

    def __init__(self, documents: Iterable[tuple[int, dict, str | None]], stories: np.ndarray):
        self.stories = stories
        self.story_span = int(stories.max()) + 1 if len(stories) else 1  # (value, story) pairs as one number
        self.shown: dict[str, list[str]] = {}
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        codes: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
        printed: dict[str, list[Counter]] = {name: [] for name in FACET_NAMES}
        docs: dict[str, list[int]] = {name: [] for name in FACET_NAMES}
        values: dict[str, list[int]] = {name: [] for name in FACET_NAMES}
        for docnum, doc, month in documents:
            for name, key, shown in facet_keys(doc, month):
                code = codes[name].setdefault(key, len(codes[name]))
                if code == len(printed[name]):
                    printed[name].append(Counter())
                printed[name][code][shown] += 1
                docs[name].append(docnum)
                values[name].append(code)
        for name in FACET_NAMES:
            self.shown[name] = [_most_printed(forms) for forms in printed[name]]
            self.pairs[name] = (np.array(docs[name], dtype=np.int64), np.array(values[name], dtype=np.int64))

    def count(self, docnums: np.ndarray) -> dict[str, list[dict]]:
        """The most frequent values of each facet, and every month, with story counts."""
        matching = np.zeros(len(self.stories), dtype=bool)
        matching[docnums] = True
        counts = {name: self._story_counts(name, matching) for name in FACET_NAMES}
        found = {name: self._top(name, counts[name]) for name in FACET_NAMES if name != "month"}
        months = self.shown["month"]
        found["month"] = sorted(({"value": months[code], "count": int(n)}
                                 for code, n in enumerate(counts["month"]) if n), key=lambda m: m["value"])
        return found

    def _story_counts(self, name: str, matching: np.ndarray) -> np.ndarray:
        """For each value, how many distinct stories among the matching documents hold it."""
        docs, values = self.pairs[name]
        held = matching[docs]
        span = self.story_span
        pairs = np.unique(values[held] * span + self.stories[docs[held]])
        return np.bincount(pairs // span, minlength=len(self.shown[name]))

    def _top(self, name: str, counts: np.ndarray) -> list[dict]:
        """The most frequent values (ties by value), each with its count."""
        shown = self.shown[name]
        ranked = sorted(np.flatnonzero(counts).tolist(),
                        key=lambda code: (-counts[code], shown[code]))[:MAX_FACET_VALUES]
        return [{"value": shown[code], "count": int(counts[code])} for code in ranked]


def _most_printed(forms: Counter) -> str:
    """The most frequent printing of a value (ties: the first in order)."""
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]
