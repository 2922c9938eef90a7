"""Pruned top-k (search/backends/whoosh/topk.py) against scoring every posting, on a real index of
several segments with deletions whose common posting lists run to more than 50 blocks and windows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from corpus_generator import records

from search.backends.base import EXACT, LOWER_BOUND
from search.backends.whoosh.ranking import Ranker, held_in_sorted
from search.backends.whoosh.scoring import ArrayScorer
from search.backends.whoosh.topk import Bounder, top_matches, window_size
from search.engine import Engine
from search.indexer import update_index

BENCH = Path(__file__).resolve().parents[3] / "bench"
sys.path.insert(0, str(BENCH))
from querylog import make_log, read_log  # noqa: E402

DOCS = 7_000
FILES = 7
WHOOSH_BLOCK = 128  # postings per block of Whoosh's posting lists
COMMITTED_LOGS = sorted((BENCH / "queries").glob("*.tsv"))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("topk") / "corpus"
    root.mkdir()
    generated = list(records(DOCS, seed=11))
    for part in range(FILES):
        write_jsonl(root / f"part{part}.jsonl", generated[part::FILES])
    return root


@pytest.fixture(scope="module")
def large_engine(corpus_dir) -> Engine:
    """The generated corpus in several segments; then one file cut and changed, so its old
    documents are deleted and the rest added again."""
    index = corpus_dir.parent / "index"
    update_index(index, [corpus_dir], commit_every=2_000)
    changed = [json.loads(line) for line in (corpus_dir / "part3.jsonl").read_text().splitlines()][:700]
    for record in changed[::7]:
        record["text"] += " Time time time."
    write_jsonl(corpus_dir / "part3.jsonl", changed)
    report = update_index(index, [corpus_dir], commit_every=2_000)
    assert report.removed and report.updated
    return Engine(index)


@pytest.fixture(scope="module")
def new_seed_log(corpus_dir, tmp_path_factory) -> list[tuple[str, str]]:
    """A query log drawn from this corpus (a file of it) with a seed no committed log uses."""
    return make_log(corpus_dir / "part0.jsonl", count=300, seed=20261204)


def ranked(engine: Engine, text: str, pruned: bool, depth: int = 10, count_up_to: int | None = None,
           facets: bool = False):
    view = engine.view()
    request = engine._request(engine._parse(view, text), None, "relevance", depth, facets=facets)
    ranker = Ranker(view, request, pruned=pruned, count_up_to=count_up_to)
    return ranker.rank(), ranker


def assert_same_top(engine: Engine, text: str, depth: int = 10) -> None:
    pruned, _ = ranked(engine, text, pruned=True, depth=depth)
    exhaustive, _ = ranked(engine, text, pruned=False, depth=depth)
    assert [row.ref for row in pruned.rows] == [row.ref for row in exhaustive.rows], text
    assert np.allclose([row.score for row in pruned.rows], [row.score for row in exhaustive.rows],
                       rtol=0, atol=1e-6), text
    assert (pruned.total, pruned.total_relation) == (exhaustive.total, EXACT), text
    assert pruned.all_words_total == exhaustive.all_words_total, text


def test_the_common_posting_lists_run_to_more_than_fifty_blocks_and_windows(large_engine):
    view = large_engine.view()
    ids, _ = view.postings.term("content", b"time", float("inf"))
    assert len(ids) >= 50 * WHOOSH_BLOCK
    window = window_size(view.postings.doc_count)
    assert len(np.unique(ids // window)) >= 50
    assert len(view.searcher.reader().leaf_readers()) > 1 and not view.postings.live.all()


@pytest.mark.parametrize("log", COMMITTED_LOGS, ids=[log.stem for log in COMMITTED_LOGS])
def test_the_top_ten_equals_exhaustive_scoring_on_every_committed_query(large_engine, log):
    for _, text in read_log(log):
        assert_same_top(large_engine, text)


def test_the_top_ten_equals_exhaustive_scoring_on_a_log_of_a_new_seed(large_engine, new_seed_log):
    assert len(new_seed_log) == 300
    for _, text in new_seed_log:
        assert_same_top(large_engine, text)


@pytest.mark.parametrize("depth", [1, 25, 100])
def test_deeper_pages_and_the_feedback_pool_are_exact_too(large_engine, new_seed_log, depth):
    for _, text in new_seed_log[:60]:
        assert_same_top(large_engine, text, depth)


def test_pruning_skips_at_least_half_the_postings_of_common_word_queries(large_engine):
    for text in ("time", "people", "year", "time OR year"):
        pruned, pruning = ranked(large_engine, text, pruned=True)
        exhaustive, whole = ranked(large_engine, text, pruned=False)
        assert [row.ref for row in pruned.rows] == [row.ref for row in exhaustive.rows]
        assert pruning.scorer.run.postings_scored <= whole.scorer.run.postings_scored / 2, text


def test_a_bound_is_at_least_every_score_in_its_window(large_engine):
    view = large_engine.view()
    scorer = ArrayScorer(view.searcher, view.postings, large_engine.weights, float("inf"))
    window = window_size(view.postings.doc_count)
    for text in ("time", "people year", '"time time"', "tim*", "year -day", "way OR thing"):
        query = Ranker(view, large_engine._request(large_engine._parse(view, text), None, "relevance", 10)) \
            .filtered(large_engine._parse(view, text).tree)
        bound = Bounder(scorer, window).of(query)
        scored = scorer.evaluate(query)
        matched = np.flatnonzero(scored.hit)
        assert len(matched), text
        windows = matched // window
        assert bound.may[windows].all(), text
        assert (scored.score[matched] <= bound.score[windows] * (1 + 1e-9)).all(), text


def test_ties_at_the_threshold_are_kept(tmp_path):
    """Identical articles score alike: which rows show is decided by date, then id, as without
    pruning, however the windows fall."""
    rows = [{"id": f"same-{n:04d}", "title": "Grain port reopens", "text": "Grain ships leave the port.",
             "date": f"20{10 + n % 12:02d}-0{1 + n % 9}-1{n % 10}", "source": f"Outlet {n}"}
            for n in range(1_200)]
    root = tmp_path / "corpus"
    root.mkdir()
    write_jsonl(root / "same.jsonl", rows)
    update_index(tmp_path / "index", [root])
    engine = Engine(tmp_path / "index")
    assert window_size(engine.view().postings.doc_count) * 17 < 1_200  # more windows than the first pass
    for text in ("grain", "port reopens", '"grain ships"'):
        for depth in (10, 30):
            pruned, _ = ranked(engine, text, pruned=True, depth=depth)
            exhaustive, _ = ranked(engine, text, pruned=False, depth=depth)
            assert [row.ref for row in pruned.rows] == [row.ref for row in exhaustive.rows]


def test_counts_are_exact_up_to_the_bound_then_a_lower_bound(large_engine):
    common, _ = ranked(large_engine, "time", pruned=True, count_up_to=100)
    every, _ = ranked(large_engine, "time", pruned=False)
    assert (common.total, common.total_relation) == (100, LOWER_BOUND)
    assert every.total > 100 and every.total_relation == EXACT
    rare_text = next(text for _, text in read_log(COMMITTED_LOGS[-1])
                     if 0 < ranked(large_engine, text, pruned=False)[0].total < 100)
    rare, _ = ranked(large_engine, rare_text, pruned=True, count_up_to=100)
    exact, _ = ranked(large_engine, rare_text, pruned=False)
    assert (rare.total, rare.total_relation) == (exact.total, EXACT)


def test_facets_count_every_match_even_past_the_bound(large_engine):
    pruned, _ = ranked(large_engine, "people", pruned=True, count_up_to=100, facets=True)
    exhaustive, _ = ranked(large_engine, "people", pruned=False, facets=True)
    assert pruned.facets == exhaustive.facets
    assert (pruned.total, pruned.total_relation) == (exhaustive.total, EXACT)


def test_a_shown_story_knows_which_versions_match_and_hold_each_word(large_engine):
    view = large_engine.view()
    for text in ("time people", "year -day", '"time time" way'):
        pruned, _ = ranked(large_engine, text, pruned=True, count_up_to=100)
        exhaustive, _ = ranked(large_engine, text, pruned=False)
        for row in pruned.rows:
            assert view.versions(pruned, row.ref) == view.versions(exhaustive, row.ref)
            assert view.holds(pruned, row.ref) == view.holds(exhaustive, row.ref)


def test_top_matches_of_a_query_without_bounds_scores_the_whole_index(large_engine):
    view = large_engine.view()
    scorer = ArrayScorer(view.searcher, view.postings, large_engine.weights, float("inf"))
    query = Ranker(view, large_engine._request(large_engine._parse(view, "x"), None, "relevance", 10)) \
        .filtered(large_engine._parse(view, '"time people"~3').tree)
    found = top_matches(scorer, query, 10, None)
    assert found.evaluated is None and found.complete


def test_a_shown_version_is_looked_up_in_the_matches_as_numpy_isin_would():
    rng = np.random.default_rng(21)
    for _ in range(500):
        ascending = np.unique(rng.integers(0, 300, rng.integers(0, 80))).astype(np.int64)
        values = rng.integers(-5, 310, rng.integers(0, 40)).astype(np.int64)
        assert (held_in_sorted(ascending, values) == np.isin(values, ascending)).all()
