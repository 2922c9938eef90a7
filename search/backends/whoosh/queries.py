"""Whoosh query classes of our own: expansions capped, and a phrase of one repeated word matched fast."""

from __future__ import annotations

from itertools import islice

from whoosh import query as wq
from whoosh.matching import Matcher, NullMatcher, WrappingMatcher

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
