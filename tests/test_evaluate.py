"""search.evaluate: reading test collections, scoring runs, and `search eval`."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import ir_measures
import pytest

from search.evaluate import read_qrels, read_queries, run_queries, score_run
from search.indexer import update_index

Q, S = ir_measures.Qrel, ir_measures.ScoredDoc


# --- reading ----------------------------------------------------------------------------------


def test_read_queries(tmp_path):
    path = tmp_path / "queries.tsv"
    path.write_text("q1\tdrone strikes\n\n  \nq2\t Amraam \nq3\t\n", encoding="utf-8")
    assert read_queries(path) == [("q1", "drone strikes"), ("q2", "Amraam"), ("q3", "")]


@pytest.mark.parametrize(("text", "line"), [
    ("q1 drone strikes\n", 1),
    ("q1\tdrone\nq2 no tab here\n", 2),
    ("q1\tdrone\n\nq3\n", 3),
])
def test_read_queries_reports_the_malformed_line(tmp_path, text, line):
    path = tmp_path / "queries.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}:{line}:"):
        read_queries(path)


def test_read_qrels(tmp_path):
    path = tmp_path / "qrels.txt"
    path.write_text("q1 0 d1 1\nq1 0 d2 0\n\nq2\t0\td5\t2\n", encoding="utf-8")
    qrels = read_qrels(path)
    assert [(q.query_id, q.doc_id, q.relevance) for q in qrels] == [
        ("q1", "d1", 1), ("q1", "d2", 0), ("q2", "d5", 2)]


@pytest.mark.parametrize(("text", "line"), [
    ("q1 0 d1\n", 1),                     # a field missing
    ("q1 0 d1 1\nq1 0 d2 1 extra\n", 2),  # a field too many
    ("q1 0 d1 1\n\nq2 0 d2 yes\n", 3),    # relevance that is not a number
])
def test_read_qrels_reports_the_malformed_line(tmp_path, text, line):
    path = tmp_path / "qrels.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}:{line}:"):
        read_qrels(path)


# --- scoring ----------------------------------------------------------------------------------

QRELS = [Q("q1", "d1", 1), Q("q1", "d2", 1), Q("q1", "d3", 0), Q("q2", "d5", 1)]
RUN = [S("q1", "d1", 3.0), S("q1", "dx", 2.0), S("q1", "d2", 1.0),
       S("q2", "d6", 2.0), S("q2", "d5", 1.0)]


def test_score_run_by_hand():
    scores = score_run(RUN, QRELS)
    assert set(scores) == {"MAP", "nDCG@10", "P@10", "Recall@100"}
    # q1: relevant at ranks 1 and 3 -> AP (1/1 + 2/3) / 2; q2: relevant at rank 2 -> AP 1/2
    ap1, ap2 = (1 + 2 / 3) / 2, 1 / 2
    assert scores["MAP"] == pytest.approx((ap1 + ap2) / 2)
    assert scores["P@10"] == pytest.approx((2 / 10 + 1 / 10) / 2)
    assert scores["Recall@100"] == pytest.approx(1.0)
    ndcg1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    ndcg2 = (1 / math.log2(3)) / 1
    assert scores["nDCG@10"] == pytest.approx((ndcg1 + ndcg2) / 2)


def test_graded_relevance_counts_in_ndcg():
    qrels = [Q("q", "a", 2), Q("q", "b", 1)]
    scores = score_run([S("q", "b", 2.0), S("q", "a", 1.0)], qrels)
    assert scores["nDCG@10"] == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert scores["MAP"] == pytest.approx(1.0)


def test_a_judged_query_without_results_counts_as_zero():
    only_q1 = [doc for doc in RUN if doc.query_id == "q1"]
    alone = score_run(only_q1, [q for q in QRELS if q.query_id == "q1"])
    both = score_run(only_q1, QRELS)
    assert alone["MAP"] == pytest.approx((1 + 2 / 3) / 2)
    assert both["MAP"] == pytest.approx(alone["MAP"] / 2)
    assert both["P@10"] == pytest.approx(alone["P@10"] / 2)
    assert both["Recall@100"] == pytest.approx(alone["Recall@100"] / 2)
    assert both["nDCG@10"] == pytest.approx(alone["nDCG@10"] / 2)
    assert score_run([], QRELS) == {"MAP": 0.0, "nDCG@10": 0.0, "P@10": 0.0, "Recall@100": 0.0}


def test_unjudged_queries_do_not_count():
    extra = RUN + [S("q9", "d1", 5.0), S("q9", "d9", 4.0)]
    assert score_run(extra, QRELS) == pytest.approx(score_run(RUN, QRELS))


def test_run_queries_ranks_every_query_and_skips_empty_text():
    asked = []

    def ranker(text: str, depth: int) -> list[tuple[str, float]]:
        asked.append((text, depth))
        return [(f"{text}-1", 2.0), (f"{text}-2", 1.0)]

    run = run_queries(ranker, [("q1", "alpha"), ("q2", ""), ("q3", "beta")], depth=7)
    assert asked == [("alpha", 7), ("beta", 7)]
    assert [(d.query_id, d.doc_id, d.score) for d in run] == [
        ("q1", "alpha-1", 2.0), ("q1", "alpha-2", 1.0), ("q3", "beta-1", 2.0), ("q3", "beta-2", 1.0)]


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def collection(tmp_path) -> tuple[Path, Path, Path]:
    """An index of four articles, three judged queries (one finds nothing) and one unjudged."""
    root = tmp_path / "articles"
    root.mkdir()
    records = [
        {"id": "a", "text": "amraam missiles were delivered to the front"},
        {"id": "b", "text": "the weather forecast is sunny for the weekend"},
        {"id": "c", "text": "drone strikes in kyiv overnight"},
        {"id": "d", "text": "drone footage of the harbour"},
    ]
    (root / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    update_index(tmp_path / "index", [root])
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tamraam\nq2\tforecast\nq3\tqzxwv\nq4\tdrone\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("q1 0 a 1\nq1 0 b 0\nq2 0 b 1\nq3 0 c 1\n", encoding="utf-8")
    return tmp_path / "index", queries, qrels


EXPECTED = {"MAP": 2 / 3, "nDCG@10": 2 / 3, "P@10": (0.1 + 0.1 + 0) / 3, "Recall@100": 2 / 3}


def test_search_eval_prints_the_four_measures(run_cli, collection):
    index, queries, qrels = collection
    result = run_cli("eval", "--queries", str(queries), "--qrels", str(qrels), "--index", str(index))
    assert result.code == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines() if line.strip()]
    printed = {name: value for name, value in lines}
    assert list(printed) == ["MAP", "nDCG@10", "P@10", "Recall@100"]
    for name, value in EXPECTED.items():
        assert printed[name] == f"{value:.4f}"


def test_search_eval_json(run_cli, collection):
    index, queries, qrels = collection
    result = run_cli("eval", "--json", "--queries", str(queries), "--qrels", str(qrels),
                     "--index", str(index))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == pytest.approx(EXPECTED)


def test_search_eval_reports_a_malformed_qrels_line(run_cli, collection):
    index, queries, qrels = collection
    qrels.write_text("q1 0 a 1\nq2 0 b\n", encoding="utf-8")
    result = run_cli("eval", "--queries", str(queries), "--qrels", str(qrels), "--index", str(index))
    assert result.code == 2
    assert f"{qrels}:2" in result.stderr
    assert result.stdout == ""
