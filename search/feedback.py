"""Pseudo-relevance feedback (RM3), as a second pass over the first pass's best documents.

The top documents of the first pass are taken as relevant; each word's weight is
its share of those documents' text, weighted by their scores (a relevance
model). The strongest words then re-score the pool of first-pass candidates:
their BM25 in each candidate's body joins the original score at
`Weights.feedback_weight`. Word counts come from term vectors written at index
time (in the arrays file, `search/codec.py`), so nothing is analysed per query,
and the widened query is never run against the whole index (on news, its common
words would match nearly every article). It runs only for plain-word queries long
enough to describe a topic: short queries (a name, an acronym) keep the precision
of their own words.
Measured in bench/EVAL.md.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search.backends.whoosh.scoring import Postings
from search.documents import VECTOR_FIELD, content_of
from search.query import SEARCH_FIELDS, ParsedQuery
from search.rank import Weights, bm25, idf

FEEDBACK_FIELD = VECTOR_FIELD


def applies(parsed: ParsedQuery, weights: Weights) -> bool:
    """Feedback is for plain-word queries of at least `feedback_min_terms` distinct words."""
    return weights.feedback_docs > 0 and parsed.plain and parsed.distinct_terms >= weights.feedback_min_terms


def word_counts(postings: Postings, docnum: int) -> dict[str, float]:
    """How often each term occurs in a document's headline and body: its term vector, or,
    in a segment written without one (an older index), its stored text analysed again."""
    counts = postings.word_counts(FEEDBACK_FIELD, docnum)
    if counts is None:
        stored = postings.searcher.stored_fields(docnum)
        text = content_of(stored.get("title"), stored.get("body") or "")[0]
        counts = Counter(token.text for token in postings.searcher.schema[FEEDBACK_FIELD].analyzer(text))
    return counts


def relevance_model(postings: Postings, top: list[tuple[int, float]]) -> Counter:
    """P(word | relevant) over the top documents, each weighted by exp(score)."""
    if not top:
        return Counter()
    best = top[0][1]
    priors = [math.exp(score - best) for _, score in top]
    total = sum(priors)
    model: Counter = Counter()
    for (docnum, _), prior in zip(top, priors, strict=True):
        counts = word_counts(postings, docnum)
        length = sum(counts.values()) or 1
        for word, count in counts.items():
            model[word] += (prior / total) * count / length
    return model


def original_scale(parsed: ParsedQuery, weights: Weights) -> float:
    """What the user's own words weigh beside feedback: (1 - feedback weight) over their count."""
    query_size = sum(leaf.boost for leaf in parsed.query.leaves()
                     if isinstance(leaf, wq.Term) and leaf.fieldname in SEARCH_FIELDS) / len(SEARCH_FIELDS)
    return (1 - weights.feedback_weight) / max(query_size, 1.0)


def expansion(model: Counter, weights: Weights) -> dict[str, float]:
    """The model's strongest words and what each weighs (together, `feedback_weight`)."""
    chosen = model.most_common(weights.feedback_terms)
    mass = sum(value for _, value in chosen) or 1.0
    return {word: weights.feedback_weight * value / mass for word, value in chosen}


def rerank(searcher: Searcher, pool: list[tuple], parsed: ParsedQuery, weights: Weights,
           postings: Postings | None = None, deadline: float = math.inf) -> list[tuple]:
    """The pool's rows (docnum, score) re-scored with feedback, in no particular order.

    Each feedback word's counts come from its postings (cached per searcher), looked up for
    the pool's documents at once. Raises TimeLimit past the deadline.
    """
    postings = postings or Postings(searcher)
    model = relevance_model(postings, [(row[0], row[1]) for row in pool[:weights.feedback_docs]])
    docnums = np.array([row[0] for row in pool], dtype=np.int64)
    lengths = postings.lengths(FEEDBACK_FIELD)[docnums]
    avg_length = searcher.avg_field_length(FEEDBACK_FIELD) or 1.0
    scale = weights.field_weight(FEEDBACK_FIELD)
    doc_count = searcher.doc_count_all()
    extra = np.zeros(len(docnums))
    for word, weight in expansion(model, weights).items():
        btext = word.encode("utf-8")
        ids, counts = postings.term(FEEDBACK_FIELD, btext, deadline)
        if not len(ids):
            continue
        at = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
        held = ids[at] == docnums
        word_idf = idf(doc_count, postings.doc_frequency(FEEDBACK_FIELD, btext))
        scores = bm25(counts[at].astype(np.float64), lengths, avg_length, word_idf, weights.k1, weights.b)
        extra += np.where(held, weight * scale * scores, 0.0)
    original = original_scale(parsed, weights)
    return [(docnum, original * score + float(more))
            for (docnum, score), more in zip(pool, extra, strict=True)]
