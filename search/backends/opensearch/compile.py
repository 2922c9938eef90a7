"""The query tree as OpenSearch's query DSL, node for node, scored as the embedded backend scores it.

    Term         term on the field: BM25 (our similarity) times the field's weight and the boost;
                 a keyword filter field (`tag`, `entity`) scores its boost, as Whoosh's weight 1
                 does; an `entity_keys` term is a `rank_feature` (the salience, linear)
    Phrase       bool: the words' terms in `must` (a phrase scores the sum of its words, a repeated
                 word once per time), the phrase itself in `filter`: `match_phrase` over our
                 positions when adjacent, else `span_near` nested from the right, in order, slop
                 (ours - 1) at each step, which is Whoosh's rule (each word at most `slop`
                 positions after the one before) and not Lucene's phrase slop (a total, in any order)
    Prefix, Wildcard, Fuzzy
                 bool: the multi-term query with `rewrite: top_terms_1000` (a sum of the first 1,000
                 expansions' BM25 scores; Lucene scores them constant by default), and a term of the
                 field that no document holds (see statistics_anchor). Whoosh takes the first 1,000
                 expansions in term order, as top_terms does when every expansion weighs 1; a fuzzy
                 expansion weighs 1 - edits/length in Lucene, so its score is lower than ours. Given
                 `expansions` (the terms a vocabulary expands the node to), the node becomes an Or of
                 those terms instead, scored exactly as Whoosh scores it.
    DateRange    range on `date` (constant score: the boost)
    Everything   match_all, or exists in the field but for the ABSENT term (constant score: the boost)
    Nothing      match_none
    And, Or      bool must / bool should (minimum_should_match 1): each the sum of its parts' scores
    Not          bool: match_all (score 1) and must_not
    AndNot       bool: must and must_not
    AndMaybe     bool: must and should (minimum_should_match 0)
    ConstantScore  constant_score with the score as boost

`named` gives a query a `_name`, and `with_named_clauses` adds named clauses that do not score, so
that each hit's `matched_queries` says which of them it holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from search.backends.opensearch.mapping import (
    ABSENT,
    DATE,
    FEATURES,
    GAP,
    KEYWORD,
    POSITION_SEPARATOR,
    SCORED_KINDS,
    TEXT,
    TOKENS_ANALYZER,
    feature_name,
    field_kind,
)
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights

MAX_EXPANSIONS = 1000  # as search/backends/whoosh/queries.py caps prefix, wildcard and fuzzy terms
EXPANDING_REWRITE = f"top_terms_{MAX_EXPANSIONS}"
FIELD_KEYED = frozenset({"term", "prefix", "wildcard", "fuzzy", "range", "match_phrase"})

Expansions = Callable[[qt.Node], Sequence[str]]


class Compiler:
    """Compiles trees with one set of weights (field weights, the entity boost's scale) and,
    optionally, a vocabulary that expands prefix, wildcard and fuzzy terms."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS, expansions: Expansions | None = None):
        self.weights = weights
        self.expansions = expansions
        self.compilers: dict[type, Callable] = {
            qt.Term: self.term, qt.Phrase: self.phrase, qt.Prefix: self.multi_term,
            qt.Wildcard: self.multi_term, qt.Fuzzy: self.multi_term, qt.DateRange: self.date_range,
            qt.Everything: self.everything, qt.Nothing: lambda node: match_none(),
            qt.And: self.group, qt.Or: self.group, qt.Not: self.negation, qt.AndNot: self.and_not,
            qt.AndMaybe: self.and_maybe, qt.ConstantScore: self.constant_score,
        }

    def compile(self, node: qt.Node) -> dict:
        """The DSL query asking what `node` asks, scored as the embedded backend scores it."""
        return self.compilers[type(node)](node)

    def term(self, node: qt.Term) -> dict:
        kind = field_kind(node.field)
        if kind == FEATURES:
            return {"rank_feature": {"field": f"{node.field}.{feature_name(node.text)}", "linear": {},
                                     "boost": node.boost * self.weights.entity_boost}}
        if kind not in SCORED_KINDS and kind != KEYWORD:
            return match_none()
        return {"term": {node.field: {"value": node.text, "boost": self.boost(node)}}}

    def boost(self, node: qt.Leaf) -> float:
        """A leaf's boost, times its field's weight where the field is scored by BM25."""
        if field_kind(node.field) in SCORED_KINDS:
            return node.boost * self.weights.field_weight(node.field)
        return node.boost

    def phrase(self, node: qt.Phrase) -> dict:
        if field_kind(node.field) != TEXT or not node.words or (node.slop < 1 and len(node.words) > 1):
            return match_none()  # only text fields keep positions; no two words are 0 positions apart
        counts = Counter(node.words)
        scores = [self.term(qt.Term(node.field, word, node.boost * count)) for word, count in counts.items()]
        return {"bool": {"filter": [phrase_filter(node.field, node.words, node.slop)], "must": scores}}

    def multi_term(self, node: qt.Prefix | qt.Wildcard | qt.Fuzzy) -> dict:
        kind = field_kind(node.field)
        if kind not in SCORED_KINDS and kind != KEYWORD:
            return match_none()
        if self.expansions is not None:
            return self.expanded(node, list(self.expansions(node))[:MAX_EXPANSIONS])
        parts = [self.expanding(node), statistics_anchor(node.field)]
        return {"bool": {"should": parts, "minimum_should_match": 1}}

    def expanding(self, node: qt.Prefix | qt.Wildcard | qt.Fuzzy) -> dict:
        """The multi-term query itself, its expansions' BM25 scores summed."""
        params = {"rewrite": EXPANDING_REWRITE, "boost": self.boost(node)}
        if isinstance(node, qt.Prefix):
            return {"prefix": {node.field: {"value": node.text, **params}}}
        if isinstance(node, qt.Wildcard):
            return {"wildcard": {node.field: {"value": lucene_wildcard(node.pattern), **params}}}
        return {"fuzzy": {node.field: {"value": node.text, "fuzziness": node.maxdist,
                                       "prefix_length": node.prefixlength, "transpositions": False,
                                       "max_expansions": MAX_EXPANSIONS, **params}}}

    def expanded(self, node: qt.Leaf, terms: list[str]) -> dict:
        """A multi-term node over its expansions: one expansion scores as that term alone (the
        node's boost dropped, as Whoosh drops it), several as their sum times the boost."""
        if not terms:
            return match_none()
        if len(terms) == 1:
            return self.term(qt.Term(node.field, terms[0]))
        parts = [self.term(qt.Term(node.field, text)) for text in terms]
        return {"bool": {"should": parts, "minimum_should_match": 1, "boost": node.boost}}

    def date_range(self, node: qt.DateRange) -> dict:
        if field_kind(node.field) != DATE:
            return match_none()
        bounds = {"gte": iso(node.start), "lte": iso(node.end)}
        limits = {key: value for key, value in bounds.items() if value is not None}
        return {"range": {node.field: {**limits, "boost": node.boost}}}

    def everything(self, node: qt.Everything) -> dict:
        if node.field is None:
            return {"match_all": {"boost": node.boost}}
        kind = field_kind(node.field)
        if kind is None:
            return match_none()
        present: dict = {"bool": {"filter": [{"exists": {"field": node.field}}]}}
        if kind in SCORED_KINDS:
            present["bool"]["must_not"] = [{"term": {node.field: ABSENT}}]
        return {"constant_score": {"filter": present, "boost": node.boost}}

    def group(self, node: qt.And | qt.Or) -> dict:
        if not node.parts:
            return match_none()
        if len(node.parts) == 1:  # Whoosh runs a lone part without the group's boost
            return self.compile(node.parts[0])
        parts = [self.compile(part) for part in node.parts]
        if isinstance(node, qt.And):
            return {"bool": {"must": parts, "boost": node.boost}}
        return {"bool": {"should": parts, "minimum_should_match": 1, "boost": node.boost}}

    def negation(self, node: qt.Not) -> dict:
        return {"bool": {"must": [{"match_all": {}}], "must_not": [self.compile(node.child)]}}

    def and_not(self, node: qt.AndNot) -> dict:
        return {"bool": {"must": [self.compile(node.positive)], "must_not": [self.compile(node.negative)]}}

    def and_maybe(self, node: qt.AndMaybe) -> dict:
        return {"bool": {"must": [self.compile(node.required)], "should": [self.compile(node.optional)],
                         "minimum_should_match": 0}}

    def constant_score(self, node: qt.ConstantScore) -> dict:
        return {"constant_score": {"filter": self.compile(node.child), "boost": node.score}}


def phrase_filter(field: str, words: Sequence[str], slop: int) -> dict:
    """The documents where the words stand in order, each at most `slop` positions after the one
    before (1: adjacent), as Whoosh's phrase finds them."""
    if slop <= 1 or len(words) == 1:
        stream = POSITION_SEPARATOR.join(words)
        return {"match_phrase": {field: {"query": stream, "analyzer": TOKENS_ANALYZER}}}
    spans: dict = {"span_term": {field: words[-1]}}
    for word in reversed(words[:-1]):
        spans = {"span_near": {"clauses": [{"span_term": {field: word}}, spans], "slop": slop - 1,
                               "in_order": True}}
    return spans


def match_none() -> dict:
    """A query no document matches (a new dict each time: callers may add a `_name`)."""
    return {"match_none": {}}


def statistics_anchor(field: str) -> dict:
    """A term no document holds, scored beside a multi-term query so that every shard reads the
    field's statistics: a shard where the query expands to nothing reads none, and
    dfs_query_then_fetch would then add up the others' document counts and lengths only."""
    return {"term": {field: {"value": GAP}}}


def lucene_wildcard(pattern: str) -> str:
    """Our glob (`*` any characters, `?` one) as Lucene's wildcard syntax, where `\\` escapes."""
    return pattern.replace("\\", "\\\\")


def iso(moment: datetime | None) -> str | None:
    """A naive UTC datetime as OpenSearch reads it."""
    return None if moment is None else moment.isoformat()


def compile_tree(node: qt.Node, weights: Weights = DEFAULT_WEIGHTS,
                 expansions: Expansions | None = None) -> dict:
    """The DSL query asking what `node` asks (see the module's docstring)."""
    return Compiler(weights, expansions).compile(node)


def named(query: dict, name: str) -> dict:
    """The query with a `_name`, so a hit's `matched_queries` says whether it holds the query."""
    kind, body = next(iter(query.items()))
    if kind in FIELD_KEYED:
        field, params = next(iter(body.items()))
        if not isinstance(params, dict):
            params = {"value": params}
        return {kind: {field: {**params, "_name": name}}}
    return {kind: {**body, "_name": name}}


def with_named_clauses(query: dict, clauses: Mapping[str, dict]) -> dict:
    """The query, scored and matching as before, with each clause by its name in a filter that
    every document passes: `matched_queries` then lists, per hit, the clauses it holds (OpenSearch
    runs named queries on the hits wherever they stand)."""
    if not clauses:
        return query
    holders = [named(clause, name) for name, clause in clauses.items()]
    every = {"bool": {"must": [{"match_all": {}}], "should": holders, "minimum_should_match": 0}}
    return {"bool": {"must": [query], "filter": [every]}}
