"""The golden file: the top ten of 500 generated queries over a generated 2,000-article corpus
(tests/golden_corpus.py), as the engine answered when it was written. A change meant to move
code, not results, must leave every id, score and total as it was."""

from __future__ import annotations

import json

import pytest
from conftest import open_engine
from golden_corpus import GOLDEN, build, golden_queries, golden_records, top_ten

from search.engine import Engine

EXPECTED = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def golden_engine(backend_name, tmp_path_factory) -> Engine:
    """The golden corpus in the backend under test (every backend must answer as the file says)."""
    return open_engine(backend_name, build(tmp_path_factory.mktemp("golden"), backend_name))


def test_the_golden_queries_are_the_ones_generated():
    assert [entry["query"] for entry in EXPECTED] == golden_queries(golden_records())


def test_every_golden_query_answers_as_it_did(golden_engine):
    changed = []
    for expected in EXPECTED:
        found = top_ten(golden_engine, expected["query"])
        pairs = zip(found["scores"], expected["scores"], strict=False)
        same_scores = all(abs(found_score - score) <= 1e-6 for found_score, score in pairs)
        if found["ids"] != expected["ids"] or not same_scores or found["total"] != expected["total"] \
                or found["all_words_total"] != expected["all_words_total"]:
            changed.append((expected["query"], expected["ids"][:3], found["ids"][:3]))
    assert not changed, f"{len(changed)} of {len(EXPECTED)} queries changed, e.g. {changed[:5]}"
