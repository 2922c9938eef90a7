"""Facets: how the matching stories divide by source, author, entity and month.

Each value counts stories, not documents, like the total: a count is the number
of results its filter would leave. Values come from columns, read into arrays once
per index commit, so counting never loads a stored article.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh.reading import IndexReader

from search.index import UNDATED, ColumnValues, read_facet_values

FACET_NAMES = ("source", "author", "entity", "month")
MAX_FACET_VALUES = 10


def month_of(reader: IndexReader, raw_date: int) -> str | None:
    """`YYYY-MM` of a raw date column value, or None when undated."""
    if raw_date == UNDATED:
        return None
    return reader.schema["date"].from_column_value(raw_date).strftime("%Y-%m")


class FacetTable:
    """Every document's facet values as (document, value code) pairs, read once per commit,
    so that counting the matches of a search is a few array operations."""

    def __init__(self, reader: IndexReader, stories: np.ndarray):
        self.stories = stories
        self.story_span = int(stories.max()) + 1 if len(stories) else 1  # (value, story) pairs as one number
        self.keys: dict[str, list[tuple]] = {}
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        codes: dict[str, dict[tuple, int]] = {name: {} for name in FACET_NAMES}
        docs: dict[str, list[int]] = {name: [] for name in FACET_NAMES}
        values: dict[str, list[int]] = {name: [] for name in FACET_NAMES}
        for docnum, keys in _document_keys(reader):
            for name, key in keys:
                docs[name].append(docnum)
                values[name].append(codes[name].setdefault(key, len(codes[name])))
        for name in FACET_NAMES:
            self.keys[name] = list(codes[name])
            self.pairs[name] = (np.array(docs[name], dtype=np.int64), np.array(values[name], dtype=np.int64))

    def count(self, docnums: np.ndarray) -> dict[str, list[dict]]:
        """The most frequent sources, authors and entities, and every month, with story counts."""
        matching = np.zeros(len(self.stories), dtype=bool)
        matching[docnums] = True
        counts = {name: self._story_counts(name, matching) for name in FACET_NAMES}
        months = sorted((self.keys["month"][code][0], int(n)) for code, n in enumerate(counts["month"]) if n)
        return {
            "source": self._top("source", counts["source"]),
            "author": self._top("author", counts["author"]),
            "entity": self._top("entity", counts["entity"], ("value", "type")),
            "month": [{"value": month, "count": n} for month, n in months],
        }

    def _story_counts(self, name: str, matching: np.ndarray) -> np.ndarray:
        """For each value, how many distinct stories among the matching documents hold it."""
        docs, values = self.pairs[name]
        held = matching[docs]
        span = self.story_span
        pairs = np.unique(values[held] * span + self.stories[docs[held]])
        return np.bincount(pairs // span, minlength=len(self.keys[name]))

    def _top(self, name: str, counts: np.ndarray, names: tuple[str, ...] = ("value",)) -> list[dict]:
        """The most frequent values (ties by value), each as its named parts and a count."""
        keys = self.keys[name]
        ranked = sorted(np.flatnonzero(counts).tolist(),
                        key=lambda code: (-counts[code], keys[code]))[:MAX_FACET_VALUES]
        return [{**dict(zip(names, keys[code], strict=True)), "count": int(counts[code])} for code in ranked]


def _document_keys(reader: IndexReader) -> Iterator[tuple[int, list[tuple[str, tuple]]]]:
    """Each document's facet keys: (facet, key) pairs, from the columns."""
    values, dates = ColumnValues(reader, "facets"), ColumnValues(reader, "date", translate=False)
    for docnum in range(reader.doc_count_all()):
        doc = read_facet_values(values[docnum])
        keys = [("source", (doc["source"],))] if doc["source"] else []
        keys += [("author", (author,)) for author in doc["author"]]
        keys += [("entity", (name, kind)) for kind, name in doc["entity"]]
        month = month_of(reader, dates[docnum])
        if month:
            keys.append(("month", (month,)))
        yield docnum, keys
