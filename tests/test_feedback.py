"""search.feedback: RM3 pseudo-relevance feedback, alone and through the engine."""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import build_jsonl_index as build

from search import feedback
from search.analysis import exact_analyzer, news_analyzer, terms
from search.backends import open_backend
from search.documents import name_key
from search.engine import Engine
from search.fields import query_analyzers
from search.query import QueryReader
from search.rank import DEFAULT_WEIGHTS, Weights

BUILDER = QueryReader(query_analyzers(), name_key)
WEIGHTS = Weights(feedback_docs=10, feedback_terms=20, feedback_min_terms=4)
MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


# --- when feedback applies --------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "drone strikes russia kyiv",
    "drone strikes deep inside Russia",
    "Pentagon meeting air defence systems Ukraine",
])
def test_applies_to_plain_queries_of_enough_words(text):
    assert feedback.applies(BUILDER.parse(text), WEIGHTS)


@pytest.mark.parametrize("text", [
    "drone",
    "drone strikes",
    "drone strikes russia",
    "drone drones strike strikes",               # two distinct words
    "nato nato nato nato",                       # one distinct word
    "the of and drone strikes russia",           # stopwords are not words of the topic
    '"drone strikes" russia kyiv pentagon',       # a phrase
    "title:wallace drone strikes russia",         # a field
    "source:telegraph drone strikes russia kyiv",
    "drone AND strikes AND russia AND kyiv",      # operators
    "drone strikes russia -kyiv pentagon",
    "+drone strikes russia kyiv pentagon",
    "(drone OR strikes) NOT russia kyiv pentagon",
    "drone* strikes russia kyiv",                 # a prefix
    "Zelensky~ strikes russia kyiv",              # a fuzzy term
    "drone strikes russia kyiv date:2022",        # a date filter
])
def test_does_not_apply_to_other_queries(text):
    assert not feedback.applies(BUILDER.parse(text), WEIGHTS)


def test_does_not_apply_without_feedback_documents():
    parsed = BUILDER.parse("drone strikes russia kyiv pentagon")
    assert feedback.applies(parsed, WEIGHTS)
    assert not feedback.applies(parsed, replace(WEIGHTS, feedback_docs=0))


def test_the_minimum_number_of_words_is_a_weight():
    parsed = BUILDER.parse("drone strikes")
    assert not feedback.applies(parsed, WEIGHTS)
    assert feedback.applies(parsed, replace(WEIGHTS, feedback_min_terms=2))
    assert not feedback.applies(parsed, replace(WEIGHTS, feedback_min_terms=3))


# --- the relevance model ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def greek_index(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("greek"), [
        {"id": "a", "text": "alpha alpha beta"},
        {"id": "b", "text": "gamma gamma delta"},
        {"id": "c", "text": "epsilon"},
    ])


def test_relevance_model_weights_words_of_better_documents_more(greek_index):
    engine = Engine(greek_index)
    view = engine.view()
    source = view.feedback_source(engine.weights, math.inf)
    a, b = view.ref("a"), view.ref("b")

    model = feedback.relevance_model(source, [(a, 2.0), (b, 1.0)])
    prior_a, prior_b = 1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1))
    expected = {"alpha": prior_a * 2 / 3, "beta": prior_a / 3, "gamma": prior_b * 2 / 3, "delta": prior_b / 3}
    assert set(model) == set(expected)
    for word, value in expected.items():
        assert model[word] == pytest.approx(value, rel=1e-9)
    assert sum(model.values()) == pytest.approx(1.0)
    assert model["alpha"] > model["gamma"] and model["beta"] > model["delta"]

    swapped = feedback.relevance_model(source, [(b, 2.0), (a, 1.0)])
    assert swapped["gamma"] == pytest.approx(model["alpha"]) and swapped["gamma"] > swapped["alpha"]

    equal = feedback.relevance_model(source, [(a, 1.0), (b, 1.0)])
    assert equal["alpha"] == pytest.approx(equal["gamma"]) == pytest.approx(1 / 3)


def test_relevance_model_of_nothing_is_empty(greek_index):
    engine = Engine(greek_index)
    source = engine.view().feedback_source(engine.weights, math.inf)
    assert feedback.relevance_model(source, []) == Counter()


# --- the expansion and the second pass ---------------------------------------------------------


def test_expansion_keeps_the_strongest_words_weighted_to_the_feedback_weight():
    model = Counter({"tank": 0.5, "drone": 0.3, "river": 0.2, "pilot": 0.1, "convoy": 0.05})
    weights = replace(WEIGHTS, feedback_terms=3, feedback_weight=0.4)
    words = feedback.expansion(model, weights)
    assert set(words) == {"tank", "drone", "river"}
    assert words["tank"] / words["river"] == pytest.approx(0.5 / 0.2)
    assert sum(words.values()) == pytest.approx(weights.feedback_weight)


@pytest.mark.parametrize("count", [0, 1, 5, 20])
def test_expansion_has_at_most_feedback_terms_words(count):
    model = Counter({f"word{i:02d}": 1.0 / (i + 1) for i in range(40)})
    assert set(feedback.expansion(model, replace(WEIGHTS, feedback_terms=count))) == {
        f"word{i:02d}" for i in range(count)}


def test_rerank_scales_the_first_pass_and_adds_what_the_best_documents_share(greek_index):
    engine = Engine(greek_index)
    view = engine.view()
    a, b, c = (view.ref(doc_id) for doc_id in "abc")
    parsed = engine.reader.parse("alpha")
    weights = replace(WEIGHTS, feedback_docs=1, feedback_weight=0.5)
    pool = [(a, 2.0), (b, 1.0), (c, 1.0)]
    scale = feedback.original_scale(parsed, weights)
    rescored = dict(feedback.rerank(pool, view.feedback_source(weights, math.inf), weights, scale))
    assert rescored[a] > scale * 2.0, "a holds the words its own model chose"
    assert rescored[b] == pytest.approx(scale * 1.0) and rescored[c] == pytest.approx(scale * 1.0)
    unweighted = replace(weights, feedback_weight=0.0)
    without = feedback.rerank(pool, view.feedback_source(unweighted, math.inf), unweighted,
                              feedback.original_scale(parsed, unweighted))
    assert [score for _, score in without] == pytest.approx([2.0, 1.0, 1.0])


# --- through the engine -----------------------------------------------------------------------

QUERY = "drone strikes deep inside Russia"


def same_index_without_feedback(engine: Engine) -> Engine:
    """An engine over the same index in the same backend, with feedback turned off."""
    weights = replace(DEFAULT_WEIGHTS, feedback_docs=0)
    backend = open_backend(engine.backend.name, engine.backend.location, weights=weights)
    return Engine(backend, weights=weights)


def user_terms(engine: Engine, text: str) -> set[str]:
    return set(engine.analyzers["content"](text, False)) | set(engine.analyzers["content_exact"](text, False))


def test_feedback_runs_for_a_long_query_and_adds_words_the_results_contain(engine):
    parsed = engine.reader.parse(QUERY)
    assert feedback.applies(parsed, engine.weights)
    plain = same_index_without_feedback(engine)
    with_feedback = {h["id"]: h["score"] for h in engine.search(QUERY, limit=10)["results"]}
    without = {h["id"]: h["score"] for h in plain.search(QUERY, limit=10)["results"]}
    assert with_feedback != without


def test_feedback_words_are_not_highlighted_or_matched(engine):
    assert feedback.applies(engine.reader.parse(QUERY), engine.weights)
    plain = same_index_without_feedback(engine)
    wanted = user_terms(engine, QUERY)
    typed = {w.lower() for w in QUERY.split()}
    analyzer, exact = news_analyzer(), exact_analyzer()

    # the words feedback adds are printed in the results, so highlighting them would show
    view = engine.view()
    best = plain.ranked_ids(QUERY, engine.weights.feedback_docs)
    first = [(view.ref(doc_id), score) for doc_id, score in best]
    model = feedback.relevance_model(view.feedback_source(engine.weights, math.inf), first)
    assert set(feedback.expansion(model, engine.weights)) - wanted

    answer = engine.search(QUERY, limit=10)
    baseline = {h["id"]: h for h in plain.search(QUERY, limit=10)["results"]}
    assert answer["results"]
    for hit in answer["results"]:
        for match in hit["matched"]:
            assert match["query"].lower() in typed, match
        explained = {match["found"] for match in hit["matched"]}  # the typed words' forms, aliases too
        for marked in MARK.findall(hit["snippet"]):
            text = html.unescape(marked)
            assert (set(terms(text, analyzer)) | set(terms(text, exact))) & wanted or text in explained, \
                (hit["id"], marked)
        if hit["id"] in baseline:
            assert hit["snippet"] == baseline[hit["id"]]["snippet"]
            assert hit["matched"] == baseline[hit["id"]]["matched"]


def test_feedback_does_not_widen_a_filtered_query(tmp_path):
    """A date filter restricts every result, also those feedback words found."""
    records = [
        {"id": "in0", "date": "2022-10-10",
         "text": "drone strikes hit the power grid near kyiv as russia launched missiles at dawn"},
        {"id": "in1", "date": "2022-10-11",
         "text": "russia sent more drone strikes towards kyiv and the power grid failed again"},
        {"id": "in2", "date": "2022-10-12",
         "text": "kyiv says drone strikes by russia damaged the power grid and water supply"},
        {"id": "out0", "date": "2021-05-10",
         "text": "the power grid near the city failed at dawn and missiles were reported"},
        {"id": "out1", "date": "2021-05-11", "text": "engineers repaired the power grid after the storm"},
        {"id": "out2", "date": "2021-05-12", "text": "missiles and a power grid upgrade were discussed"},
    ]
    engine = Engine(build(tmp_path, records))
    assert {h["id"] for h in engine.search("power grid missiles", limit=50)["results"]} >= {
        "out0", "out1", "out2"}  # the feedback words would find the old articles
    answer = engine.search("drone strikes russia kyiv date:2022-10", limit=50)
    assert {hit["id"] for hit in answer["results"]} == {"in0", "in1", "in2"}
