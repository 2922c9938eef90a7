"""Pseudo-relevance feedback (RM3), as a second pass over the first pass's best documents.

The top documents of the first pass are taken as relevant; each word's weight is
its share of those documents' text, weighted by their scores (a relevance
model). The strongest words then re-score the pool of first-pass candidates:
their BM25 in each candidate's body joins the original score at
`Weights.feedback_weight`. Word counts come from term vectors written at index
time (the backend keeps them: the Whoosh backend in its arrays files), so nothing is analysed per query,
and the widened query is never run against the whole index (on news, its common
words would match nearly every article). It runs only for plain-word queries long
enough to describe a topic: short queries (a name, an acronym) keep the precision
of their own words.
Measured in bench/EVAL.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from typing import Protocol

import numpy as np

from search.documents import VECTOR_FIELD
from search.query import SEARCH_FIELDS, ParsedQuery
from search.query.tree import Term
from search.rank import Weights

FEEDBACK_FIELD = VECTOR_FIELD


class FeedbackSource(Protocol):
    """What feedback reads of the index, for the documents of one pool."""

    def term_counts(self, ref: Hashable) -> dict[str, float]:
        """How often each term of the feedback field occurs in the document."""

    def term_scores(self, terms: list[str], refs: list[Hashable]) -> list[np.ndarray]:
        """Each term's BM25 in the feedback field of each document (0 where it is absent); all
        the terms at once, so that a backend across a network asks once."""


def applies(parsed: ParsedQuery, weights: Weights) -> bool:
    """Feedback is for plain-word queries of at least `feedback_min_terms` distinct words."""
    return weights.feedback_docs > 0 and parsed.plain and parsed.distinct_terms >= weights.feedback_min_terms


def relevance_model(source: FeedbackSource, top: list[tuple[Hashable, float]]) -> Counter:
    """P(word | relevant) over the top documents, each weighted by exp(score)."""
    if not top:
        return Counter()
    best = top[0][1]
    priors = [math.exp(score - best) for _, score in top]
    total = sum(priors)
    model: Counter = Counter()
    for (ref, _), prior in zip(top, priors, strict=True):
        counts = source.term_counts(ref)
        length = sum(counts.values()) or 1
        for word, count in counts.items():
            model[word] += (prior / total) * count / length
    return model


def original_scale(parsed: ParsedQuery, weights: Weights) -> float:
    """What the user's own words weigh beside feedback: (1 - feedback weight) over their count."""
    query_size = sum(leaf.boost for leaf in parsed.tree.leaves()
                     if type(leaf) is Term and leaf.field in SEARCH_FIELDS) / len(SEARCH_FIELDS)
    return (1 - weights.feedback_weight) / max(query_size, 1.0)


def expansion(model: Counter, weights: Weights) -> dict[str, float]:
    """The model's strongest words and what each weighs (together, `feedback_weight`)."""
    chosen = model.most_common(weights.feedback_terms)
    mass = sum(value for _, value in chosen) or 1.0
    return {word: weights.feedback_weight * value / mass for word, value in chosen}


def rerank(pool: list[tuple[Hashable, float]], source: FeedbackSource, weights: Weights,
           scale: float) -> list[tuple[Hashable, float]]:
    """The pool's rows (ref, score) re-scored with feedback, in no particular order: the user's
    words at `scale` (see `original_scale`), plus each feedback word's BM25 at its weight."""
    model = relevance_model(source, pool[:weights.feedback_docs])
    refs = [ref for ref, _ in pool]
    extra = np.zeros(len(refs))
    field_weight = weights.field_weight(FEEDBACK_FIELD)
    chosen = expansion(model, weights)
    for weight, scores in zip(chosen.values(), source.term_scores(list(chosen), refs), strict=True):
        extra += weight * field_weight * scores
    return [(ref, scale * score + float(more)) for (ref, score), more in zip(pool, extra, strict=True)]
