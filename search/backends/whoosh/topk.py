"""The best k stories without scoring every posting: block-max MaxScore over windows of documents,
in numpy, and counts that stop at a bound.

The index is cut into windows of consecutive document numbers (about WINDOWS of them). Each query
term's best score in each window is found once per commit, the first time the term is searched,
by scoring its postings (`Bounder.term_maxima`, kept in the commit's cache). A query's bound in a
window is the sum of its parts' bounds (each part adds a score of at least 0 where it matches),
and which windows may match at all follows its AND / OR structure (`Bounder`). (A bound from the
highest count and the shortest field of a window, which a codec could store, was tried first: on
news, some document of every window has each, so it bounded nothing.)

`top_matches` scores the windows with the highest bounds first, as one domain of the scorer,
takes the k-th best story's score there as a threshold (stories, not documents: several versions
of one story can fill the top documents), then scores, as a second domain, every other window
whose bound can still reach it. What is skipped cannot enter the top k: each of its documents
scores below the threshold by more than the rounding that orders ties. A query with a part that
has no bound here (a range, a sloppy phrase, a lone NOT, a prefix of many expansions, a negative
weight) is scored whole, as before.

`matching` counts like Elasticsearch's `track_total_hits`: matches are found window by window
(without scores) until `enough` stories are known, and the count past it is a lower bound.

Not on by default (`Ranker(pruned=True)` asks for it): measured on 275,000 articles of syn-1m, the
pruned ranking took p50 22 ms against 12.7 ms for scoring the whole index. A window's bound is
found by scoring the term's postings the first time it is searched in a commit (as much work as
scoring it whole), two-word queries of common words seldom fall below the threshold (the sum of
two words' best scores in a window stands far above any one document's), and each pass over
windows costs the scorer's walk of the query tree again. What it needs: bounds the codec writes
(each block's competitive pairs of count and length, as Lucene's impacts) and fewer passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit

from search.backends.whoosh.scoring import ArrayScorer, Domain
from search.results import SCORE_DECIMALS

WINDOWS = 128  # windows the index is cut into (each of MIN_WINDOW documents or more)
MIN_WINDOW = 64
FIRST_WINDOWS = 8  # windows of the highest bounds scored first for a threshold (then 16, 32, ...)
COUNT_CHUNK = 8  # windows counted first past the ranking's own, before a rate is known
MAX_BOUNDED_EXPANSIONS = 64  # a prefix, wildcard or fuzzy word of more expansions is scored whole
_EMPTY, _EMPTY_SCORES = np.zeros(0, dtype=np.int64), np.zeros(0)
BOUND_SLACK = 1e-9  # relative: floating-point sums in another order can differ by this much
TIE_MARGIN = 10.0 ** -SCORE_DECIMALS  # scores are rounded to order them: a bound this close may tie


def window_size(doc_count: int) -> int:
    """Documents per window: a power of two, MIN_WINDOW or more, giving at most WINDOWS windows."""
    size = MIN_WINDOW
    while size * WINDOWS < doc_count:
        size *= 2
    return size


@dataclass
class Bound:
    """Per window: an upper bound of a query's score there, and whether it may match there."""

    score: np.ndarray
    may: np.ndarray


class Bounder:
    """A Whoosh query's bound in every window (None where a part has no bound here)."""

    def __init__(self, scorer: ArrayScorer, window: int):
        self.scorer, self.window = scorer, window
        self.count = -(-scorer.postings.doc_count // window)
        weights = scorer.weights
        self.usable = weights.entity_boost >= 0 and min(weights.field_weights.values(), default=0) >= 0

    def of(self, query: wq.Query) -> Bound | None:
        if not self.usable:
            return None
        try:
            return self._node(query)
        except TimeLimit:
            self.scorer.partial = True
            return None

    def _none(self) -> Bound:
        return Bound(np.zeros(self.count), np.zeros(self.count, dtype=bool))

    def _node(self, query: wq.Query) -> Bound | None:
        if getattr(query, "boost", 1.0) < 0:
            return None
        if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            return self._none()
        if type(query) is wq.Term:
            return self._term(query.fieldname, query.text, query.boost)
        if isinstance(query, wq.MultiTerm):
            return self._expanded(query)
        if type(query) in (wq.Or, wq.And, wq.DefaultOr, wq.PreloadedOr) and not getattr(query, "scale", None):
            return self._compound(query)
        if type(query) is wq.AndMaybe:
            required, optional = self._node(query.a), self._node(query.b)
            if required is None or optional is None:
                return None
            return Bound(required.score + optional.score, required.may)
        if type(query) is wq.AndNot:
            return self._node(query.a)
        if isinstance(query, wq.Phrase) and query.slop == 1 and self.scorer._has_positions(query.fieldname):
            return self._phrase(query)
        if type(query) is wq.ConstantScoreQuery and query.score >= 0:
            child = self._node(query.child)
            may = child.may if child is not None else np.ones(self.count, dtype=bool)
            return Bound(np.full(self.count, float(query.score)), may)
        return None

    def _term(self, fieldname: str, text, boost: float) -> Bound:
        bound = self._none()
        btext = self.scorer._btext(fieldname, text)
        if btext is not None:
            windows, maxima = self.term_maxima(fieldname, btext)
            bound.score[windows] = maxima * boost
            bound.may[windows] = True
        return bound

    def _terms_ored(self, query: wq.CompoundQuery) -> Bound:
        """An OR of terms (one word in several fields, most often): its best score in each window,
        each document's terms summed, found once per commit (far below the sum of each term's
        best, which seldom stand in one document)."""
        weights = self.scorer.weights
        terms = tuple((sub.fieldname, sub.text, sub.boost) for sub in query.subqueries)
        key = (terms, query.boost, self.window, weights.k1, weights.b, weights.entity_boost,
               tuple(weights.field_weight(fieldname) for fieldname, _, _ in terms))
        cache = self.scorer.postings.cache.window_maxima
        found = cache.get(key)
        if found is None:
            found = self._best_in_windows(*self._summed_postings(terms))
            cache.put(key, found, max(2 * len(found[0]), 1))
        bound = self._none()
        bound.score[found[0]] = found[1] * query.boost
        bound.may[found[0]] = True
        return bound

    def _summed_postings(self, terms: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding any of the terms, ascending, and the terms' scores summed in each."""
        ids, scores = [_EMPTY], [_EMPTY_SCORES]
        for fieldname, text, boost in terms:
            btext = self.scorer._btext(fieldname, text)
            if btext is not None:
                term_ids, term_scores = self._scored_postings(fieldname, btext)
                ids.append(term_ids)
                scores.append(term_scores * boost)
        documents, owner = np.unique(np.concatenate(ids), return_inverse=True)
        return documents, np.bincount(owner, weights=np.concatenate(scores), minlength=len(documents))

    def _scored_postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        scorer = self.scorer
        ids, counts = scorer.postings.term(fieldname, btext, scorer.deadline)
        return ids.astype(np.int64), scorer.term_scores(fieldname, btext, counts,
                                                        lambda: scorer.postings.lengths(fieldname)[ids])

    def _best_in_windows(self, ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The windows holding some of the (ascending) documents, and the best score in each."""
        windows = ids // self.window
        firsts = np.flatnonzero(np.diff(windows, prepend=-1))
        return windows[firsts], np.maximum.reduceat(scores, firsts) if len(ids) else scores

    def term_maxima(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The windows where a term occurs and its best score in each, from its postings scored
        once per commit (and kept while the ranking's numbers are the same)."""
        scorer, window = self.scorer, self.window
        weights = scorer.weights
        key = (fieldname, btext, window, weights.k1, weights.b, weights.field_weight(fieldname),
               weights.entity_boost)
        cache = scorer.postings.cache.window_maxima
        found = cache.get(key)
        if found is None:
            found = self._best_in_windows(*self._scored_postings(fieldname, btext))
            cache.put(key, found, max(2 * len(found[0]), 1))
        return found

    def _expanded(self, query: wq.MultiTerm) -> Bound | None:
        texts = [btext for btext in query._btexts(self.scorer.searcher.reader()) if btext]
        if len(texts) > MAX_BOUNDED_EXPANSIONS:
            return None
        if len(texts) == 1:  # as the scorer: a lone expansion without the query's boost
            return self._term(query.field(), texts[0], 1.0)
        return self._summed([self._term(query.field(), btext, 1.0) for btext in texts], query.boost, any)

    def _compound(self, query: wq.CompoundQuery) -> Bound | None:
        if not isinstance(query, wq.And) and len(query.subqueries) > 1 \
                and all(type(sub) is wq.Term for sub in query.subqueries):
            return self._terms_ored(query)
        parts = [self._node(sub) for sub in query.subqueries]
        if any(part is None for part in parts):
            return None
        if not parts:
            return self._none()
        if len(parts) == 1:
            return parts[0]
        return self._summed(parts, query.boost, all if isinstance(query, wq.And) else any)

    def _phrase(self, query: wq.Phrase) -> Bound:
        field = self.scorer.schema[query.fieldname]
        try:
            words = [field.to_bytes(word) for word in query.words]
        except ValueError:
            return self._none()
        if not words:
            return self._none()
        return self._summed([self._term(query.fieldname, word, 1.0) for word in words], query.boost, all)

    def _summed(self, parts: list[Bound], boost: float, joined: Callable) -> Bound:
        score = np.sum([part.score for part in parts], axis=0) * boost
        mays = [part.may for part in parts]
        may = np.logical_and.reduce(mays) if joined is all else np.logical_or.reduce(mays)
        return Bound(score, may)


@dataclass
class Matches:
    """A query's matching documents as far as they were evaluated (document numbers, ascending
    within each evaluation) and their scores (None when not scored), with which windows were
    evaluated and which may match at all (both None: the whole index was evaluated)."""

    documents: np.ndarray
    scores: np.ndarray | None
    window: int
    evaluated: np.ndarray | None = None
    may: np.ndarray | None = None

    @property
    def complete(self) -> bool:
        return self.evaluated is None or not (self.may & ~self.evaluated).any()


def evaluate_windows(scorer: ArrayScorer, query: wq.Query, windows: np.ndarray, window: int,
                     scoring: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The query's matches (document numbers) in some windows, and their scores when scoring."""
    size = scorer.postings.doc_count
    windows = np.sort(windows)
    if len(windows) * window >= size and len(windows) == -(-size // window):
        domain = Domain.everything(size)
    else:
        starts = windows.astype(np.int64) * window
        domain = Domain(starts, np.minimum(starts + window, size))
    places, scores = scorer.restricted(domain, scoring).matches(query)
    return (places if domain.whole else domain.documents[places]), scores


def whole(scorer: ArrayScorer, query: wq.Query, scoring: bool = True) -> Matches:
    """Every match of the query, scored when asked."""
    size = scorer.postings.doc_count
    documents, scores = scorer.restricted(Domain.everything(size), scoring).matches(query)
    return Matches(documents, scores, window_size(size))


def kth_best(documents: np.ndarray, scores: np.ndarray, k: int, stories: np.ndarray | None) -> float | None:
    """The k-th best story's score (each story scored by its best document; without story codes,
    the k-th best document's), rounded as rows are ordered; None when fewer than k are found."""
    rounded = np.round(scores, SCORE_DECIMALS)
    if stories is not None:
        order = np.argsort(-rounded, kind="stable")
        _, first = np.unique(stories[documents[order]], return_index=True)
        rounded = rounded[order[first]]
    if len(rounded) < k or k <= 0:
        return None
    return float(np.partition(rounded, len(rounded) - k)[len(rounded) - k])


def top_matches(scorer: ArrayScorer, query: wq.Query, k: int, stories: np.ndarray | None) -> Matches:
    """The query's matches, scored, in every window that can hold one of the best k stories
    (documents, without story codes); ties at the k-th are kept."""
    window = window_size(scorer.postings.doc_count)
    bound = Bounder(scorer, window).of(query)
    if bound is None:
        return whole(scorer, query)
    candidates = np.flatnonzero(bound.may)
    remaining = candidates[np.argsort(-bound.score[candidates], kind="stable")]
    evaluated = np.zeros(len(bound.may), dtype=bool)
    found, found_scores = [_EMPTY], [_EMPTY_SCORES]
    batch = FIRST_WINDOWS
    while len(remaining):
        taken, remaining = (remaining, remaining[:0]) if len(remaining) <= 2 * batch else \
            (remaining[:batch], remaining[batch:])
        documents, scores = evaluate_windows(scorer, query, taken, window, scoring=True)
        found.append(documents)
        found_scores.append(scores)
        evaluated[taken] = True
        threshold = kth_best(np.concatenate(found), np.concatenate(found_scores), k, stories) \
            if len(remaining) else None
        if threshold is not None:
            remaining = remaining[bound.score[remaining] * (1 + BOUND_SLACK) + TIE_MARGIN >= threshold]
        batch *= 2
    return Matches(np.concatenate(found), np.concatenate(found_scores), window, evaluated, bound.may)


def matching(scorer: ArrayScorer, query: wq.Query, known: Matches | None, enough: int | None,
             counted: Callable[[np.ndarray], int]) -> Matches:
    """The query's matches (unscored), those `known` included, found window by window until
    `counted` of them reaches `enough` (None: every window)."""
    window = window_size(scorer.postings.doc_count)
    if known is not None and known.complete:
        return known
    if known is None:
        if enough is None:
            return whole(scorer, query, scoring=False)
        bound = Bounder(scorer, window).of(query)
        count = -(-scorer.postings.doc_count // window)
        may = bound.may if bound is not None else np.ones(count, dtype=bool)
        known = Matches(np.zeros(0, dtype=np.int64), None, window, np.zeros(count, dtype=bool), may)
    found, evaluated = known.documents, known.evaluated.copy()
    remaining = np.flatnonzero(known.may & ~evaluated)
    so_far = counted(found) if enough is not None else 0
    while len(remaining) and (enough is None or so_far < enough):
        chunk = len(remaining) if enough is None else _windows_for(enough - so_far, so_far, evaluated)
        taken, remaining = remaining[:chunk], remaining[chunk:]
        found = np.concatenate([found, evaluate_windows(scorer, query, taken, window, scoring=False)[0]])
        evaluated[taken] = True
        so_far = counted(found) if enough is not None else 0
    return Matches(found, None, window, evaluated, known.may)


def _windows_for(wanted: int, so_far: int, evaluated: np.ndarray) -> int:
    """How many more windows to count in to find `wanted` more, at the rate found so far (a
    quarter more, for luck); COUNT_CHUNK when nothing has been counted yet."""
    done = int(evaluated.sum())
    if not done or not so_far:
        return COUNT_CHUNK
    return max(1, int(np.ceil(1.25 * wanted * done / so_far)))
