"""Ranking in the OpenSearch backend: a request's trees as searches of the cluster.

The query, with the filter, and the all-words tier (ranked first) are two searches of one
`_msearch`, each collapsed on the story id when grouped and sorted by score, then newer date
(undated last), then id; rows are put in our order again with scores rounded as the embedded
backend rounds them. A long query's pool is re-scored by feedback (RM3) in Python, since
OpenSearch refuses `collapse` with `rescore`. The counts and facets are one search of
aggregations (aggregations.py); which optional words each row holds comes from named queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from search.backends.base import EXACT, LOWER_BOUND, Ranking, RankRequest, Ref, Row, Version
from search.backends.opensearch.aggregations import (
    facet_aggs,
    facet_counts,
    story_count,
    story_count_aggs,
    story_count_paths,
    time_aggs,
    time_counts,
)
from search.backends.opensearch.compile import Compiler, with_named_clauses
from search.backends.opensearch.mapping import STORED_FIELD
from search.documents import content_of
from search.facets import finer_unit
from search.feedback import FEEDBACK_FIELD, rerank
from search.query import tree as qt
from search.rank import Weights
from search.results import SCORE_DECIMALS

SEARCH_TYPE = "dfs_query_then_fetch"  # every shard's statistics: a score does not depend on the shard
ROW_SOURCE = [f"{STORED_FIELD}.id", f"{STORED_FIELD}.story", f"{STORED_FIELD}.date"]
UNDATED_LAST = {"missing": "_last"}


class OutOfTime(Exception):
    """The request's time budget ran out between two requests to the cluster."""


@dataclass(frozen=True)
class Known:
    """What a view remembers of a document it has seen: id, story and date (ISO, or None)."""

    doc_id: str
    story: str
    date: str | None

    def key(self, score: float) -> tuple:
        """The row order: score, then newer date (undated last), then id."""
        dated = self.date is not None
        stamp = datetime.fromisoformat(self.date).timestamp() if dated else 0.0
        return (-round(score, SCORE_DECIMALS), not dated, -stamp, self.doc_id)


@dataclass
class Details:
    """What a ranking keeps to answer for its rows: the compiled query and filter (what "matches"
    means), the optional words' compiled clauses by name, which of them each seen document holds,
    and the versions read of the rows' stories."""

    query: dict
    clauses: dict[str, dict]
    holds: dict[Ref, tuple[bool, ...]] = field(default_factory=dict)
    versions: dict[str, list[Version]] = field(default_factory=dict)
    stories: list[str] = field(default_factory=list)


class Ranker:
    """One request ranked by the cluster through one view (see the module's docstring)."""

    def __init__(self, view, request: RankRequest):
        self.view, self.request = view, request
        self.compiler = Compiler(request.weights)
        query = filtered(self.compiler.compile(request.query), self.compiler, request.filter)
        clauses = {f"clause{i}": self.compiler.compile(clause) for i, clause in enumerate(request.clauses)}
        self.details = Details(query, clauses)

    def rank(self) -> Ranking:
        request, details = self.request, self.details
        tiered = request.tier is not None and request.sort == "relevance"
        searches = []
        if tiered:
            tier = filtered(self.compiler.compile(request.tier), self.compiler, request.filter)
            searches.append(self.top_body(tier, request.depth))
        pool = max(request.depth, request.feedback.pool) if request.feedback else request.depth * 2
        searches.append(self.top_body(details.query, pool))
        count, kept = self.count_body() if request.count else (None, [])
        answers = self.view.multi_search(searches, request.deadline, count=count, count_paths=kept)
        counted = answers.pop() if count else None
        partial = any(answer_partial(answer) for answer in answers)
        results = [self.rows_of(answer) for answer in answers]
        rows, rest = (results[0] if tiered else []), results[-1]
        if request.feedback and not partial:
            try:
                rest = self.with_feedback(rest)
            except OutOfTime:
                partial = True
        rows = (rows + unseen(rest, rows, self.view.known if request.grouped else None))[:request.depth]
        ranking = Ranking([Row(ref, score) for ref, score in rows], details=details, partial=partial)
        if counted is not None:
            ranking.partial |= self.read_count(ranking, counted)
        details.stories = [self.view.known[row.ref].story for row in ranking.rows]
        return ranking

    def top_body(self, query: dict, size: int) -> dict:
        """The search for the best `size` rows (one a story when grouped), each saying which
        optional words it holds."""
        sort = self.request.sort
        body = {"query": with_named_clauses(query, self.details.clauses), "size": size,
                "sort": sort_order(sort), "_source": ROW_SOURCE, "track_total_hits": False,
                "track_scores": sort == "relevance"}
        if self.request.grouped:
            body["collapse"] = {"field": "story"}
        return body

    def rows_of(self, answer: dict) -> list[tuple[Ref, float]]:
        """An answer's rows (ref, score) in our order, the words each holds kept in the details."""
        details, rows = self.details, []
        for hit in answer["hits"]["hits"]:
            ref = self.view.remember(hit)
            held = set(hit.get("matched_queries") or ())
            details.holds[ref] = tuple(name in held for name in details.clauses)
            rows.append((ref, float(hit.get("_score") or 0.0)))
        if rows and answer["hits"]["hits"][0].get("_score") is not None:
            rows.sort(key=self.order)  # rounded scores tie by date, then id
        return rows

    def order(self, row: tuple[Ref, float]) -> tuple:
        return self.view.known[row[0]].key(row[1])

    def with_feedback(self, rest: list[tuple[Ref, float]]) -> list[tuple[Ref, float]]:
        """The pool re-scored by feedback (search/feedback.py), in our order."""
        request = self.request
        self.view.documents(ref for ref, _ in rest[:request.weights.feedback_docs])  # one read, not one each
        source = self.view.feedback_source(request.weights, request.deadline)
        return sorted(rerank(rest, source, request.weights, request.feedback.original_scale), key=self.order)

    def count_body(self) -> tuple[dict, list[str]]:
        """The search that counts the ranking's matches and stories (and facets when asked),
        sent with the ranking's own searches, and the paths of its aggregations to keep (the
        story buckets themselves are dropped)."""
        request, details = self.request, self.details
        aggs: dict = {}
        paths = []
        if request.grouped:
            aggs.update(story_count_aggs())
            paths += story_count_paths()
        if details.clauses:
            every = {"bool": {"filter": list(details.clauses.values())}}
            aggs["all_words"] = {"filter": every, "aggs": story_count_aggs()}
            paths += story_count_paths("aggregations.all_words") + ["aggregations.all_words.doc_count"]
        if request.facets:
            aggs.update(facet_aggs())
            paths.append("aggregations.facet_*")
        return {"query": details.query, "size": 0, "track_total_hits": True, "aggs": aggs}, paths

    def read_count(self, ranking: Ranking, answer: dict) -> bool:
        """The counts (and facets) of the ranking from its count's answer; whether they are partial."""
        request, details = self.request, self.details
        found = answer.get("aggregations", {})
        documents = answer["hits"]["total"]["value"]
        total, exact = story_count(found, documents) if request.grouped else (documents, True)
        ranking.total, ranking.total_relation = max(total, len(ranking.rows)), relation(exact)
        if details.clauses:
            every = found["all_words"]
            documents = every["doc_count"]
            counted, exact = story_count(every, documents) if request.grouped else (documents, True)
            ranking.all_words_total, ranking.all_words_relation = counted, relation(exact)
        if request.facets:
            ranking.facets = facet_counts(found, self.view.surname_owners())
            unit = finer_unit(ranking.facets["month"])
            if unit:  # a short span: its weeks or days too, counted only then
                body = with_timeout({"query": details.query, "size": 0, "aggs": time_aggs(unit)},
                                    request.deadline)
                ranking.facets[unit] = time_counts(self.view.search(body, filter_path="aggregations")
                                                   .get("aggregations", {}), unit)
        return answer_partial(answer)


class ClusterFeedback:
    """Feedback's reads (search.feedback.FeedbackSource): a document's terms from its stored
    text analysed again, a word's BM25 in the pool's documents from the cluster."""

    def __init__(self, view, weights: Weights, deadline: float):
        self.view, self.weights, self.deadline = view, weights, deadline
        self.analyzer = view.span_finder.analyzers[FEEDBACK_FIELD]

    def term_counts(self, ref: Ref) -> dict[str, float]:
        stored = self.view.documents([ref])[0]
        text = content_of(stored.get("title"), stored.get("body") or "")[0]
        return {term: float(len(places)) for term, places in self.analyzer.occurrences(text).items()}

    def term_scores(self, terms: list[str], refs: list[Ref]) -> list[np.ndarray]:
        """Each term's BM25 in the pool's documents, from one search: each term a named query
        whose score every hit reports (`include_named_queries_score`, OpenSearch 2.13; with
        every shard's statistics, the score the term alone gets). Twenty searches of a term
        each, one `_msearch`, were most of a headline query's time on the cluster."""
        if time.monotonic() > self.deadline:
            raise OutOfTime
        names = [f"term{i}" for i in range(len(terms))]
        should = [{"term": {FEEDBACK_FIELD: {"value": term, "_name": name}}}
                  for term, name in zip(terms, names, strict=True)]
        body = {"query": {"bool": {"should": should, "filter": [{"ids": {"values": list(refs)}}]}},
                "size": len(refs), "_source": False}
        answer = self.view.search(with_timeout(body, self.deadline), search_type=SEARCH_TYPE,
                                  params={"include_named_queries_score": "true"})
        scores = {hit["_id"]: hit.get("matched_queries") or {} for hit in answer["hits"]["hits"]}
        return [np.array([scores.get(ref, {}).get(name, 0.0) for ref in refs]) for name in names]


def filtered(query: dict, compiler: Compiler, filter_tree: qt.Node | None) -> dict:
    """The query restricted to the filter's documents, scored by the query alone."""
    if filter_tree is None:
        return query
    return {"bool": {"must": [query], "filter": [compiler.compile(filter_tree)]}}


def sort_order(sort: str) -> list:
    """Rows by score (or date), then newer date (undated last), then id."""
    by_date = [{"date": {"order": "asc" if sort == "oldest" else "desc", **UNDATED_LAST}}, {"id": "asc"}]
    return [{"_score": "desc"}, *by_date] if sort == "relevance" else by_date


def with_timeout(body: dict, deadline: float) -> dict:
    """A search body bounded by the time left before `deadline` (a search's own `timeout`)."""
    left = deadline - time.monotonic()
    return body if left == float("inf") else {**body, "timeout": f"{max(int(left * 1000), 1)}ms"}


def relation(exact: bool) -> str:
    return EXACT if exact else LOWER_BOUND


def unseen(rows: list[tuple], seen: list[tuple], known: dict[Ref, Known] | None) -> list[tuple]:
    """`rows` less the documents (or, knowing their stories, the stories) already in `seen`."""
    seen_refs = {row[0] for row in seen}
    if known is None:
        return [row for row in rows if row[0] not in seen_refs]
    seen_stories = {known[ref].story for ref in seen_refs}
    return [row for row in rows if row[0] not in seen_refs and known[row[0]].story not in seen_stories]


def answer_partial(answer: dict) -> bool:
    """Whether an answer lacks part of the index: timed out, or a shard failed."""
    return bool(answer.get("timed_out")) or bool(answer.get("_shards", {}).get("failed"))
