"""The ranking formula and every weight it uses, in one place.

Scores are BM25 summed over fields, each field's contribution multiplied by
its weight (Whoosh's per-field BM25F), with Lucene's non-negative IDF:

    idf(N, n)  = log(1 + (N - n + 0.5) / (n + 0.5))
    bm25(tf)   = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg_len))

Each backend scores with these numbers (the Whoosh backend over its posting arrays,
`search/backends/whoosh/scoring.py`; its Whoosh weighting model for what Whoosh's own
matchers run). Boosts add to this score: `with_entity_boost` adds the salience of the
entities a query names, as a part of the query tree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from search.query.tree import NOTHING, AndMaybe, Node, Or, Term


@dataclass(frozen=True)
class Weights:
    """Every number that shapes the ranking. Defaults were chosen by `make eval`."""

    k1: float = 1.5
    b: float = 0.75
    field_weights: dict[str, float] = field(
        default_factory=lambda: {"title": 0.25, "content": 1.0, "title_exact": 0.25, "content_exact": 1.0}
    )
    feedback_docs: int = 10
    feedback_terms: int = 20
    feedback_weight: float = 0.5
    feedback_min_terms: int = 4
    feedback_pool: int = 100
    entity_boost: float = 1.0
    all_words_max_terms: int = 3

    def field_weight(self, fieldname: str) -> float:
        return self.field_weights.get(fieldname, 1.0)


DEFAULT_WEIGHTS = Weights()
ENTITY_FIELD = "entity_keys"
MAX_NAME_TERMS = 4


def idf(doc_count: int, doc_frequency: int) -> float:
    """Lucene's BM25 IDF: never negative, even for terms in most documents."""
    return math.log(1.0 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def bm25(tf: float, length: float, avg_length: float, term_idf: float, k1: float, b: float) -> float:
    """The BM25 contribution of one term in one field of one document."""
    norm = k1 * (1.0 - b + b * length / avg_length) if avg_length else k1
    return term_idf * tf * (k1 + 1.0) / (tf + norm)


def name_keys(terms: list[str]) -> list[str]:
    """Every run of up to MAX_NAME_TERMS query terms, as an entity key (`ben wallac`)."""
    return sorted({
        " ".join(terms[i:i + size])
        for size in range(1, MAX_NAME_TERMS + 1)
        for i in range(len(terms) - size + 1)
    })


def with_entity_boost(query: Node, terms: list[str], weights: Weights, scale: float = 1.0) -> Node:
    """The query, plus the salience of the entities it names, for documents it matches.

    An entity is named by its whole name, an alias's key, or (a person) the
    surname: an article where `Blinken` is a salient person outranks one that
    mentions him in passing. `scale` is what the user's words weigh in `query`
    (feedback scales them down); the boost is scaled alike.
    """
    if not terms or weights.entity_boost == 0 or query == NOTHING:
        return query
    boosts = Or(tuple(Term(ENTITY_FIELD, key) for key in name_keys(terms)), boost=scale)
    return AndMaybe(query, boosts)
