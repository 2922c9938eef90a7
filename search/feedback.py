"""Pseudo-relevance feedback (RM3): widen a long query with the words of its best answers.

The top documents of a first pass are taken as relevant; each word's weight is
its share of those documents' text, weighted by their scores (a relevance
model). The strongest words join the query at `Weights.feedback_weight`. It
runs only for plain-word queries long enough to describe a topic: short
queries (a name, an acronym) keep the precision of their own words. Measured
in bench/EVAL.md.
"""

from __future__ import annotations

import math
from collections import Counter

from whoosh import query as wq
from whoosh.searching import Searcher

from search.query import SEARCH_FIELDS, ParsedQuery
from search.rank import Weights


def applies(parsed: ParsedQuery, weights: Weights) -> bool:
    """Feedback is for plain-word queries of at least `feedback_min_terms` distinct words."""
    return weights.feedback_docs > 0 and parsed.plain and parsed.distinct_terms >= weights.feedback_min_terms


def relevance_model(searcher: Searcher, top: list[tuple[int, float]]) -> Counter:
    """P(word | relevant) over the top documents, each weighted by exp(score).

    Word counts come from the content field's term vectors, written at index
    time: nothing is analysed again per query.
    """
    if not top:
        return Counter()
    best = top[0][1]
    priors = [math.exp(score - best) for _, score in top]
    total = sum(priors)
    model: Counter = Counter()
    for (docnum, _), prior in zip(top, priors, strict=True):
        if not searcher.has_vector(docnum, "content"):
            continue
        counts = dict(searcher.vector_as("frequency", docnum, "content"))
        length = sum(counts.values()) or 1
        for word, count in counts.items():
            model[word] += (prior / total) * count / length
    return model


def original_scale(parsed: ParsedQuery, weights: Weights) -> float:
    """What the user's own words weigh in the expanded query: (1 - feedback weight) over their count."""
    query_size = sum(leaf.boost for leaf in parsed.query.leaves()
                     if isinstance(leaf, wq.Term) and leaf.fieldname in SEARCH_FIELDS) / len(SEARCH_FIELDS)
    return (1 - weights.feedback_weight) / max(query_size, 1.0)


def expand(parsed: ParsedQuery, model: Counter, weights: Weights) -> tuple[wq.Query, set[str]]:
    """The query with the model's strongest words added, and those added words."""
    original_terms = {leaf.text for leaf in parsed.query.leaves() if isinstance(leaf, wq.Term)}
    chosen = model.most_common(weights.feedback_terms)
    mass = sum(v for _, v in chosen) or 1.0
    original = parsed.query.with_boost(original_scale(parsed, weights))
    added = [
        wq.Term(field, word, boost=weights.feedback_weight * value / mass)
        for word, value in chosen
        for field in SEARCH_FIELDS
    ]
    new_words = {word for word, _ in chosen} - original_terms
    return wq.Or([original, *added]), new_words
