"""Relevance evaluation: a TREC run scored against qrels by ir-measures.

The measures are computed by ir-measures (pytrec_eval underneath), a library
the IR community trusts, never by code of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import ir_measures
from ir_measures import AP, P, R, nDCG

MEASURES = {"MAP": AP, "nDCG@10": nDCG @ 10, "P@10": P @ 10, "Recall@100": R @ 100}
RUN_DEPTH = 1000
NO_RESULT = "-no-result-"

Ranker = Callable[[str, int], list[tuple[str, float]]]


def read_queries(path: Path) -> list[tuple[str, str]]:
    """`qid<TAB>text` lines of a queries file."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        qid, sep, text = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{number}: expected qid<TAB>query")
        queries.append((qid.strip(), text.strip()))
    return queries


def read_qrels(path: Path) -> list[ir_measures.Qrel]:
    """TREC qrels: `qid 0 docid rel` lines."""
    qrels = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 4 or not fields[3].lstrip("-").isdigit():
            raise ValueError(f"{path}:{number}: expected qid 0 docid rel")
        qrels.append(ir_measures.Qrel(fields[0], fields[2], int(fields[3])))
    return qrels


def run_queries(ranker: Ranker, queries: Iterable[tuple[str, str]],
                depth: int = RUN_DEPTH) -> list[ir_measures.ScoredDoc]:
    """A run: every query's ranked documents, ungrouped."""
    run = []
    for qid, text in queries:
        if text:
            run.extend(ir_measures.ScoredDoc(qid, doc_id, score) for doc_id, score in ranker(text, depth))
    return run


def score_run(run: list[ir_measures.ScoredDoc], qrels: list[ir_measures.Qrel]) -> dict[str, float]:
    """MAP, nDCG@10, P@10 and Recall@100, averaged over the judged queries."""
    judged = {qrel.query_id for qrel in qrels}
    run = [doc for doc in run if doc.query_id in judged]
    answered = {doc.query_id for doc in run}
    run += [ir_measures.ScoredDoc(qid, NO_RESULT, 0.0) for qid in judged - answered]
    values = ir_measures.calc_aggregate(list(MEASURES.values()), qrels, run)
    return {name: values.get(measure, 0.0) for name, measure in MEASURES.items()}


def evaluate(ranker: Ranker, queries_path: Path, qrels_path: Path) -> dict[str, float]:
    """Score a ranker on a test collection's queries and judgments."""
    return score_run(run_queries(ranker, read_queries(queries_path)), read_qrels(qrels_path))
