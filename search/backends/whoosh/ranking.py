"""Ranking in the Whoosh backend: a request's trees evaluated over the whole index with numpy.

The query (and the all-words tier) is evaluated by the array scorer into one score and one
match flag per document (or, pruned, per document of the windows that can hold the best rows:
topk.py); the top rows are the best documents (one a story when grouped), ties broken by date
and id so every page agrees with one long list. A short query's tier ranks first; a long
query's pool is re-scored by feedback (search/feedback.py). The counts and facets come from
the query's matches; whether a shown row's versions match and which optional words each holds
is evaluated for those documents alone (`Details`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from search.backends.base import EXACT, LOWER_BOUND, Feedback, Ranking, RankRequest, Row
from search.backends.whoosh.arrays import looked_up
from search.backends.whoosh.compile import compile_tree
from search.backends.whoosh.schema import UNDATED, ColumnValues, date_values
from search.backends.whoosh.scoring import ArrayScorer, Domain, Postings, common_ascending
from search.backends.whoosh.topk import Matches, matching, top_matches, whole
from search.documents import content_of, read_facet_values
from search.facets import FacetTable
from search.feedback import FEEDBACK_FIELD, rerank
from search.query import tree as qt
from search.rank import Weights, bm25, idf
from search.results import SCORE_DECIMALS
from search.settings import SETTINGS


def story_codes(reader) -> np.ndarray:
    """Each document's story id as a number, by document number."""
    codes: dict[str, int] = {}
    values = []
    for leaf, _ in reader.leaf_readers():
        values.extend(codes.setdefault(story, len(codes)) for story in leaf.column_reader("story"))
    return np.fromiter(values, dtype=np.int64, count=len(values))


def first_per_story_of(ordered: np.ndarray, documents: np.ndarray, stories: np.ndarray) -> np.ndarray:
    """Of places in `documents` in rank order, the first (best) of each story, in order."""
    _, first = np.unique(stories[documents[ordered]], return_index=True)
    return ordered[np.sort(first)]


def commit_columns(reader) -> dict[str, np.ndarray]:
    """The per-document arrays a commit's readers rank with, built from its stored columns: each
    document's date and place in id order (RankColumns) and its story (story_codes). Kept with
    the commit by the sink (store.write_kept), built here for a commit that has none."""
    ids, count = ColumnValues(reader, "id"), reader.doc_count_all()
    id_ranks = np.empty(count, dtype=np.int64)
    id_ranks[sorted(range(count), key=ids.__getitem__)] = np.arange(count)
    return {"dates": date_values(reader), "id_ranks": id_ranks, "story_codes": story_codes(reader)}


WHOOSH_DAY = 86_400_000_000  # Whoosh keeps a datetime as microseconds since 0001-01-01: a day is this many


def facet_table(reader, stories: np.ndarray) -> FacetTable:
    """The commit's facet table (search/facets.py), from each document's facet values and date
    column. Kept with the commit by the sink, built here for a commit that has none."""
    values, dates = ColumnValues(reader, "facets"), ColumnValues(reader, "date", translate=False)
    date_field = reader.schema["date"]
    days: dict[int, date] = {}  # a million articles fall on a few thousand

    def day_of(raw_date: int) -> date | None:
        if raw_date == UNDATED:
            return None
        day = raw_date // WHOOSH_DAY
        if day not in days:
            days[day] = date_field.from_column_value(day * WHOOSH_DAY).date()
        return days[day]

    return FacetTable.build(((docnum, read_facet_values(values[docnum]), day_of(dates[docnum]))
                             for docnum in range(reader.doc_count_all())), stories)


def content_terms(reader) -> int:
    """How many distinct terms headline and body hold (`search stats`)."""
    return sum(1 for _ in reader.lexicon("content"))


class RankColumns:
    """What ties are broken by, per document: newer date (undated last), then id."""

    def __init__(self, reader, columns: dict[str, np.ndarray]):
        self.dates, self.id_ranks = columns["dates"], columns["id_ranks"]
        self.ids = ColumnValues(reader, "id")  # read for the few documents shown

    def order(self, docnums: np.ndarray, scores: np.ndarray | None, oldest: bool = False) -> np.ndarray:
        """The positions of `docnums` in rank order: higher score (rounded), then newer (older
        with `oldest`; undated last either way), then id."""
        dates = self.dates[docnums]
        keys = [self.id_ranks[docnums], dates if oldest else np.uint64(UNDATED) - dates, dates == UNDATED]
        if scores is not None:
            keys.append(-np.round(scores, SCORE_DECIMALS))
        return np.lexsort(keys)

    def key(self, docnum: int, score: float) -> tuple:
        """A row's sort key: score, then newer date (undated last), then id (by its rank among
        the ids: an id itself is read from a compressed column)."""
        date = int(self.dates[docnum])
        return (-round(score, SCORE_DECIMALS), date == UNDATED, -date, int(self.id_ranks[docnum]))


def unseen(rows: list[tuple], seen: list[tuple], stories: np.ndarray | None) -> list[tuple]:
    """`rows` less the documents (or, with story codes, the stories) already in `seen`."""
    seen_docs = {row[0] for row in seen}
    if stories is None:
        return [row for row in rows if row[0] not in seen_docs]
    seen_stories = {int(stories[docnum]) for docnum in seen_docs}
    return [row for row in rows if row[0] not in seen_docs and int(stories[row[0]]) not in seen_stories]


def required(query: qt.Node, filter_tree: qt.Node | None) -> qt.Node:
    """The query restricted to the filter's documents, scored by the query alone.

    A filter in the query itself (not a FilterCollector) holds under every collector wrapped
    around it: Whoosh's collapsing and time-limit collectors call the inner `collect` directly
    and would skip a FilterCollector's check. (Whoosh's `Require` trips an assertion when top-k
    pruning skips blocks; an `And` with a zero-scored filter prunes correctly.)
    """
    if filter_tree is None:
        return query
    return qt.And((query, qt.ConstantScore(filter_tree, 0.0)))


@dataclass
class Details:
    """What the Whoosh backend keeps of a ranking to answer for its rows: the query's matches as
    far as they were counted, the optional words' queries, each phrase's matches (by the id of
    its Whoosh query), and the compiled queries by tree (so highlights reuse them). Whether a
    document matches or holds each optional word is asked of it (and its story's other versions)
    when a row is shown: windows the count did not reach are looked at there and then."""

    scorer: ArrayScorer | None = None
    query: wq.Query | None = None
    matches: Matches | None = None
    clauses: list[wq.Query] = field(default_factory=list)
    phrase_hits: dict[int, np.ndarray] = field(default_factory=dict)
    compiled: dict = field(default_factory=dict)
    shown: list[int] = field(default_factory=list)  # the rows, looked at together on first need
    rows: frozenset[int] = frozenset()  # every row of the ranking
    members: Callable[[int], list[int]] | None = None  # a document's story's versions
    deadline: float = float("inf")  # for looking at the shown rows: one more time budget
    _known: dict[int, tuple[bool, tuple[bool, ...]]] = field(default_factory=dict)

    def matched(self, docnums: list[int]) -> list[tuple[bool, tuple[bool, ...]]]:
        """Whether each document matches, and which optional words it holds (all True when the
        ranking was not counted)."""
        if self.scorer is None or self.query is None:
            return [(True, ()) for _ in docnums]
        if any(docnum not in self._known for docnum in docnums):
            self._learn([*docnums, *self._neighbours()])
        return [self._known[docnum] for docnum in docnums]

    def _neighbours(self) -> list[int]:
        """The rows and their stories' other versions, unless already looked at."""
        shown, self.shown = self.shown, []
        return [member for row in shown for member in (self.members(row) if self.members else [row])]

    def _learn(self, docnums: list[int]) -> None:
        """Look at some documents: whether they match (from the count where it covered them),
        and the optional words they hold (evaluated there, unscored)."""
        docnums = sorted(set(docnums) - self._known.keys())
        domain = Domain.of_documents(docnums)
        scorer = ArrayScorer(self.scorer.searcher, self.scorer.postings, self.scorer.weights,
                             self.deadline, domain, scoring=False)
        if self.matches is not None and self.matches.evaluated is None:  # the whole index: ascending
            hit = held_in_sorted(self.matches.documents, np.asarray(docnums, dtype=np.int64))
        else:
            hit = scorer.evaluate(self.query).hit
        clause_hits = [scorer.evaluate(clause).hit & hit for clause in self.clauses]
        for at, docnum in enumerate(docnums):
            self._known[docnum] = (bool(hit[at]), tuple(bool(held[at]) for held in clause_hits))


def held_in_sorted(ascending: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each value is in an ascending array (a common word's half a million matches at 1M,
    for the page's 30 versions): `arrays.looked_up`."""
    return looked_up(ascending, values)[1]


class PostingsFeedback:
    """Feedback's reads of the index (search.feedback.FeedbackSource), from the posting arrays."""

    def __init__(self, searcher: Searcher, postings: Postings, weights: Weights, deadline: float):
        self.searcher, self.postings, self.weights, self.deadline = searcher, postings, weights, deadline

    def term_counts(self, docnum: int) -> dict[str, float]:
        """A document's term vector, or, in a segment written without one (an older index), its
        stored text analysed again."""
        counts = self.postings.word_counts(FEEDBACK_FIELD, docnum)
        if counts is None:
            stored = self.searcher.stored_fields(docnum)
            text = content_of(stored.get("title"), stored.get("body") or "")[0]
            counts = Counter(token.text for token in self.searcher.schema[FEEDBACK_FIELD].analyzer(text))
        return counts

    def term_scores(self, terms: list[str], docnums: list[int]) -> list[np.ndarray]:
        """Raises TimeLimit past the deadline. What every term shares (the documents in order,
        their lengths) is read once: feedback asks twenty terms of the same hundred documents."""
        postings, weights = self.postings, self.weights
        refs = np.array(docnums, dtype=np.int64)
        order = np.argsort(refs, kind="stable")
        ascending = refs[order]
        lengths = postings.lengths(FEEDBACK_FIELD)[refs]
        avg_length = self.searcher.avg_field_length(FEEDBACK_FIELD) or 1.0
        doc_count = self.searcher.doc_count_all()
        found = []
        for term in terms:
            btext = term.encode("utf-8")
            counts = np.empty(len(refs), dtype=np.float32)
            counts[order] = postings.weights_in(FEEDBACK_FIELD, btext, ascending, self.deadline)
            if not counts.any():
                found.append(np.zeros(len(refs)))
                continue
            word_idf = idf(doc_count, postings.doc_frequency(FEEDBACK_FIELD, btext))
            found.append(bm25(counts.astype(np.float64), lengths, avg_length, word_idf,
                              weights.k1, weights.b))
        return found


class Ranker:
    """One request ranked over one commit (see the module's docstring)."""

    def __init__(self, view, request: RankRequest, pruned: bool = False, count_up_to: int | None = None):
        self.view, self.request, self.pruned = view, request, pruned
        self.count_up_to = count_up_to or SETTINGS.exact_count_up_to
        self.weights = request.weights
        self.scorer = ArrayScorer(view.searcher, view.postings, self.weights, request.deadline)
        self.tier_found: Matches | None = None  # the all-words tier's matches, when it was ranked
        self.details = Details(self.scorer, members=view.story_members().of,
                               deadline=request.deadline + SETTINGS.time_budget_seconds)

    def compile(self, tree: qt.Node) -> wq.Query:
        return compile_tree(tree, self.details.compiled)

    def filtered(self, tree: qt.Node) -> wq.Query:
        return self.compile(required(tree, self.request.filter))

    def matches(self, tree: qt.Node, depth: int) -> Matches:
        """The tree's matches: by relevance, scored in every window that can hold one of the best
        `depth` rows; in date order, every match (unscored)."""
        query, request = self.filtered(tree), self.request
        if request.sort != "relevance":
            return whole(self.scorer, query, scoring=False)
        if not self.pruned:
            return whole(self.scorer, query)
        stories = self.view.story_codes() if request.grouped else None
        return top_matches(self.scorer, query, depth, stories)

    def rank(self) -> Ranking:
        request, view = self.request, self.view
        rows: list[tuple] = []
        if request.tier is not None and request.sort == "relevance":
            self.tier_found = self.matches(request.tier, request.depth)
            rows = self.top(self.tier_found, request.depth)
        found = None
        if len(rows) < request.depth:
            depth = request.depth + len(rows)
            if request.feedback:
                depth = max(request.depth, request.feedback.pool)
            found = self.matches(request.query, depth)
            rest = self.top(found, depth)
            if request.feedback and not self.scorer.partial:
                rest = self.with_feedback(rest, request.feedback)
            rows = rows + unseen(rest, rows, view.story_codes() if request.grouped else None)
        rows = rows[:request.depth]
        ranking = Ranking([Row(docnum, score) for docnum, score in rows], details=self.details)
        self.details.shown = [docnum for docnum, _ in rows]
        self.details.rows = frozenset(self.details.shown)
        if request.count:
            self.count(ranking, found)
        ranking.partial = self.scorer.partial
        self.details.phrase_hits = self.scorer.phrase_hits
        return ranking

    def with_feedback(self, rest: list[tuple], feedback: Feedback) -> list[tuple]:
        source = self.view.feedback_source(self.weights, self.request.deadline)
        try:
            rescored = rerank(rest, source, self.weights, feedback.original_scale)
        except TimeLimit:
            self.scorer.partial = True
            return rest
        columns = self.view.rank_columns()
        return sorted(rescored, key=lambda row: columns.key(row[0], row[1]))

    def count(self, ranking: Ranking, found: Matches | None) -> None:
        """How many stories (or documents) match and hold every optional word, and the facets.
        A pruned ranking counts exactly up to SETTINGS.exact_count_up_to (all of the query's
        matches when facets are asked); a whole one counts everything."""
        request, view, details = self.request, self.view, self.details
        enough = self.count_up_to if self.pruned else None

        def counted(docnums: np.ndarray) -> int:
            return view.count(docnums, request.grouped)

        details.query = self.filtered(request.query)
        details.matches = matching(self.scorer, details.query, found,
                                   None if request.facets else enough, counted)
        ranking.total, ranking.total_relation = self.bounded(counted(details.matches.documents),
                                                             details.matches, len(ranking.rows))
        details.clauses = [self.compile(clause) for clause in request.clauses]
        if details.clauses:
            ranking.all_words_total, ranking.all_words_relation = self.all_words(enough, counted)
        if request.facets:
            ranking.facets = view.facet_table().count(details.matches.documents)

    def all_words(self, enough: int | None, counted: Callable[[np.ndarray], int]) -> tuple[int, str]:
        """How many of the query's matches hold every optional word: among the matches when all
        were counted, else counted window by window like them."""
        details, tier = self.details, self.tier_found
        if details.matches.complete and tier is not None and tier.evaluated is None and not self.pruned:
            # the tier is every clause (and the filter) ANDed: its matches, among the query's
            return counted(common_ascending(tier.documents, details.matches.documents)), EXACT
        if details.matches.complete:
            whole_index = self.scorer.restricted(Domain.everything(self.scorer.size), scoring=False)
            matched = np.zeros(self.scorer.size, dtype=bool)
            matched[details.matches.documents] = True
            every = None
            for clause in details.clauses:
                places = whole_index.matches(clause)[0]  # ascending
                every = places[matched[places]] if every is None else common_ascending(every, places)
            return counted(every), EXACT
        found = matching(self.scorer, wq.And([details.query, *details.clauses]), None, enough, counted)
        return self.bounded(counted(found.documents), found)

    def bounded(self, count: int, matches: Matches, shown: int = 0) -> tuple[int, str]:
        """A count and its relation: exact when every window that may match was counted, else
        the bound it reached."""
        if matches.complete:
            return max(count, shown), EXACT
        return max(min(count, self.count_up_to), shown), LOWER_BOUND

    def top(self, found: Matches, depth: int) -> list[tuple]:
        """The first `depth` matching documents as (docnum, score), in rank order.

        Grouped, each story counts once: its best version stands for it. Only the documents that
        can reach the top are sorted: those scoring at least the k-th best score (ties included),
        k doubled until enough stories are found.
        """
        request, view = self.request, self.view
        candidates, all_scores = found.documents, found.scores
        columns = view.rank_columns()
        by_score = request.sort == "relevance"
        oldest = request.sort == "oldest"
        scores = np.round(all_scores, SCORE_DECIMALS) if by_score else None
        wanted = 2 * depth + 1 if request.grouped else depth
        while True:
            chosen = np.arange(len(candidates))
            if by_score and len(candidates) > wanted:
                cut = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
                chosen = np.flatnonzero(scores >= cut)
            chosen_scores = all_scores[chosen] if by_score else None
            ordered = chosen[columns.order(candidates[chosen], chosen_scores, oldest)]
            if request.grouped:
                ordered = first_per_story_of(ordered, candidates, view.story_codes())
            if len(ordered) >= depth or len(chosen) == len(candidates):
                break
            wanted *= 2
        return [(int(candidates[at]), float(all_scores[at]) if by_score else 0.0) for at in ordered[:depth]]
