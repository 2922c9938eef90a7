"""Whoosh query classes of our own: expansions capped, a phrase of one repeated word matched
fast, and a date range read from the date column."""

from __future__ import annotations

from datetime import datetime
from itertools import islice

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, Matcher, NullMatcher, WrappingMatcher
from whoosh.util.times import datetime_to_long

from search.backends.whoosh.schema import UNDATED, date_values
from search.settings import SETTINGS

MAX_EXPANSIONS = SETTINGS.max_expansions


class CappedExpansion:
    """A prefix, wildcard or fuzzy query that expands to at most MAX_EXPANSIONS terms, and keeps
    the expansions it found for the last reader it was asked with: a request expands each word
    once, though its ranking, counts, shown rows and highlights each ask (a fuzzy word's
    expansion compares every term of the lexicon with it: a tenth of a second and more)."""

    def _btexts(self, ixreader):
        kept = getattr(self, "_kept", None)
        if kept is None or kept[0] is not ixreader:
            kept = self._kept = (ixreader, list(islice(super()._btexts(ixreader), MAX_EXPANSIONS)))
        return kept[1]


class CappedPrefix(CappedExpansion, wq.Prefix):
    """A prefix query (see CappedExpansion)."""


class CappedWildcard(CappedExpansion, wq.Wildcard):
    """A wildcard query (see CappedExpansion)."""


class CappedFuzzyTerm(CappedExpansion, wq.FuzzyTerm):
    """A fuzzy term (see CappedExpansion)."""


class RepeatedWordMatcher(WrappingMatcher):
    """The documents where one term stands `length` times in a row.

    What Whoosh's phrase matcher finds for `"time time … time"`, scored the same (the
    term's score once per word), but by looking for a run in the term's positions:
    Whoosh's matcher compares the spans of every copy of the word in every document that
    has the word, while it is built, before any time budget can stop it (about 10 s for
    ten words over 20,000 articles).
    """

    def __init__(self, child, length: int, boost: float = 1.0):
        super().__init__(child, boost)
        self.length = length
        self._find()

    def copy(self):
        return RepeatedWordMatcher(self.child.copy(), self.length, self.boost)

    def _replacement(self, newchild):
        return RepeatedWordMatcher(newchild, self.length, self.boost)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    all_ids = Matcher.all_ids  # the child's ids are not all ours

    def supports_block_quality(self) -> bool:
        return False

    def _has_run(self) -> bool:
        if self.child.value_as("frequency") < self.length:
            return False
        run, last = 0, None
        for position in self.child.value_as("positions"):
            run = run + 1 if last is not None and position == last + 1 else 1
            if run >= self.length:
                return True
            last = position
        return False

    def _find(self) -> None:
        while self.child.is_active() and not self._has_run():
            self.child.next()

    def next(self):
        self.child.next()
        self._find()

    def skip_to(self, id):
        self.child.skip_to(id)
        self._find()

    def reset(self):
        self.child.reset()
        self._find()


class NewsPhrase(wq.Phrase):
    """A phrase; one word repeated (`"time time time"`) is matched by RepeatedWordMatcher."""

    def matcher(self, searcher, context=None):
        if self.slop != 1 or len(self.words) < 2 or len(set(self.words)) != 1 \
                or self.fieldname not in searcher.schema:
            return super().matcher(searcher, context)
        field = searcher.schema[self.fieldname]
        if not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)
        try:
            word = field.to_bytes(self.words[0])
        except ValueError:
            return NullMatcher()
        if (self.fieldname, word) not in searcher.reader():
            return NullMatcher()
        term = wq.Term(self.fieldname, word).matcher(searcher, context)
        return RepeatedWordMatcher(term, len(self.words), boost=len(self.words) * self.boost)


class DateSpan(wq.Query):
    """The documents dated from `start` to `end` (both included; None: open on that side), each
    scoring `boost` as Whoosh's constant-score DateRange does, found in the date column (Whoosh's
    microseconds since year 1, UNDATED when a document has none). The date field keeps no index
    terms: Whoosh's range walked eight tiers of them a document, a Python call a match (a month
    of Reuters took a third of a second), and writing them was the most terms of any field."""

    def __init__(self, fieldname: str, start: datetime | None, end: datetime | None, boost: float = 1.0):
        self.fieldname, self.start, self.end, self.boost = fieldname, start, end, boost

    def __eq__(self, other: object) -> bool:
        return (type(other) is DateSpan and (self.fieldname, self.start, self.end, self.boost)
                == (other.fieldname, other.start, other.end, other.boost))

    def __hash__(self) -> int:
        return hash((DateSpan, self.fieldname, self.start, self.end, self.boost))

    def __repr__(self) -> str:
        return f"DateSpan({self.fieldname!r}, {self.start!r}, {self.end!r}, boost={self.boost})"

    def holds(self, dates: np.ndarray) -> np.ndarray:
        """Which of some date column values fall in the span (an undated one never does)."""
        low = datetime_to_long(self.start) if self.start is not None else 0
        high = datetime_to_long(self.end) if self.end is not None else UNDATED - 1
        return (dates >= np.uint64(low)) & (dates <= np.uint64(high))

    def estimate_size(self, ixreader) -> int:
        return ixreader.doc_count_all()

    def matcher(self, searcher, context=None):
        """The span's live documents in one segment (the scorer reads the whole index's column
        at once instead: scoring.ArrayScorer)."""
        reader = searcher.reader()
        docnums = np.flatnonzero(self.holds(date_values(reader))).tolist()
        if reader.has_deletions():
            docnums = [docnum for docnum in docnums if not reader.is_deleted(docnum)]
        return ListMatcher(docnums, all_weights=self.boost) if docnums else NullMatcher()
