"""search.rank: the BM25 formula, Lucene's IDF and the weights (tests/backends/whoosh/test_weighting.py
checks the Whoosh backend's scores against rank-bm25 on a real index)."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest

from search.rank import DEFAULT_WEIGHTS, Weights, bm25, idf

REL = 1e-6
CONTENT_ONLY = {"title": 0.0, "content": 1.0, "title_exact": 0.0, "content_exact": 0.0}


def bm25_weights(**settings) -> Weights:
    """Weights that leave BM25 on `content` alone: no headline, no feedback, no tiers, no other boosts."""
    no_boosts = {f.name: 0.0 for f in fields(Weights) if f.name.endswith("_boost")}
    return Weights(**{"field_weights": CONTENT_ONLY, "feedback_docs": 0, "all_words_max_terms": 0,
                      **no_boosts, **settings})

# --- the pure functions -----------------------------------------------------------------------


@pytest.mark.parametrize(("doc_count", "doc_frequency", "expected"), [
    (10, 2, math.log(4.4)),            # 1 + 8.5 / 2.5
    (10, 0, math.log(22.0)),           # 1 + 10.5 / 0.5
    (1, 1, math.log(4 / 3)),           # 1 + 0.5 / 1.5
    (10, 10, math.log(1 + 0.5 / 10.5)),
    (1000, 1, math.log(1 + 999.5 / 1.5)),
])
def test_idf_is_lucenes(doc_count, doc_frequency, expected):
    assert idf(doc_count, doc_frequency) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("doc_count", "doc_frequency"), [(10, 10), (10, 9), (2, 2), (1, 1), (100_000, 100_000)]
)
def test_idf_is_positive_even_for_a_term_in_every_document(doc_count, doc_frequency):
    assert idf(doc_count, doc_frequency) > 0
    # the classic Robertson-Sparck Jones IDF is negative here; Lucene's is not
    if doc_frequency > doc_count / 2:
        assert math.log((doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5)) < 0


def test_idf_falls_as_a_term_becomes_common():
    values = [idf(100, n) for n in range(0, 101)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


@pytest.mark.parametrize(("args", "expected"), [
    # norm = 1.2 * (1 - .75 + .75 * 10 / 5) = 2.1; 1.0 * 2 * 2.2 / (2 + 2.1)
    ((2, 10, 5, 1.0, 1.2, 0.75), 4.4 / 4.1),
    # a document of average length: norm = k1; 0.5 * 3 * 2.2 / 4.2
    ((3, 7, 7, 0.5, 1.2, 0.75), 3.3 / 4.2),
    # b = 0: length does not matter; 2.0 * 1 * 2.5 / 2.5
    ((1, 100, 5, 2.0, 1.5, 0.0), 2.0),
    # b = 1: full length normalisation; norm = 1.5 * 4 / 8 = 0.75; 1 * 1 * 2.5 / 1.75
    ((1, 4, 8, 1.0, 1.5, 1.0), 2.5 / 1.75),
    # a short document: norm = 1.5 * (.25 + .75 * 2 / 8) = 0.65625; 3 * 2.5 / 3.65625
    ((3, 2, 8, 1.0, 1.5, 0.75), 7.5 / 3.65625),
    # tf 0 scores nothing
    ((0, 5, 5, 3.0, 1.2, 0.75), 0.0),
])
def test_bm25_by_hand(args, expected):
    assert bm25(*args) == pytest.approx(expected, rel=1e-12)


def test_bm25_saturates_at_idf_times_k1_plus_1():
    k1 = 1.2
    assert bm25(1e9, 5, 5, 1.7, k1, 0.75) == pytest.approx(1.7 * (k1 + 1), rel=1e-6)
    scores = [bm25(tf, 5, 5, 1.0, k1, 0.75) for tf in range(1, 20)]
    gains = [b - a for a, b in zip(scores, scores[1:], strict=False)]
    assert all(g > 0 for g in gains) and all(a > b for a, b in zip(gains, gains[1:], strict=False))


def test_bm25_prefers_shorter_documents():
    assert bm25(1, 3, 10, 1.0, 1.2, 0.75) > bm25(1, 10, 10, 1.0, 1.2, 0.75) > bm25(1, 30, 10, 1.0, 1.2, 0.75)


# --- the weights ------------------------------------------------------------------------------


def test_weights_hold_every_number_with_defaults():
    names = {f.name for f in fields(Weights)}
    assert {"k1", "b", "field_weights", "feedback_docs", "feedback_terms", "feedback_weight",
            "feedback_min_terms"} <= names
    assert Weights() == DEFAULT_WEIGHTS
    assert DEFAULT_WEIGHTS.k1 > 0 and 0 <= DEFAULT_WEIGHTS.b <= 1
    assert {"title", "content"} <= set(DEFAULT_WEIGHTS.field_weights)


def test_field_weight_reads_the_table():
    w = Weights(field_weights={"title": 0.3, "content": 2.0})
    assert w.field_weight("title") == 0.3
    assert w.field_weight("content") == 2.0


