"""One timed step of the benchmark, run by `bench/run.py` in a fresh process; writes a JSON report.

    worker.py build ENGINE CORPUS INDEX --out OUT.json
    worker.py query ENGINE INDEX QUERIES [--limit 10] [--max-queries N] [--time-cap S] --out OUT.json
    worker.py relevance ENGINE COLLECTION WORKDIR --out OUT.json
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import peers
from corpus_io import folder_bytes
from querylog import read_log
from timing import latency_summary, max_rss_bytes, write_report

from search.evaluate import read_qrels, read_queries, run_queries, score_run


def build(args: argparse.Namespace) -> dict:
    engine = peers.adapter(args.engine)
    shutil.rmtree(args.index, ignore_errors=True)
    args.index.mkdir(parents=True)
    started = time.perf_counter()
    docs = engine.build(args.corpus, args.index)
    seconds = time.perf_counter() - started
    return {"docs": docs, "seconds": seconds, "docs_per_second": docs / seconds if seconds else None,
            "index_bytes": folder_bytes(args.index), "self_max_rss_bytes": max_rss_bytes()}


def query(args: argparse.Namespace) -> dict:
    engine = peers.adapter(args.engine)
    queries = read_log(args.queries)[:args.max_queries]
    started = time.perf_counter()
    engine.open(args.index)
    open_seconds = time.perf_counter() - started
    latencies, kinds, hits, partial, errors = [], [], [], 0, []
    deadline = time.perf_counter() + args.time_cap if args.time_cap else None
    for kind, text in queries:
        if deadline and time.perf_counter() > deadline:  # the log is shuffled: a prefix is a sample
            break
        began = time.perf_counter_ns()
        try:
            found = engine.top(text, args.limit)
        except Exception as error:  # a peer's parser may refuse a query; count it, go on
            errors.append(f"{text!r}: {type(error).__name__}: {error}"[:300])
            continue
        latencies.append((time.perf_counter_ns() - began) / 1e6)
        kinds.append(kind)
        hits.append(len(found))
        partial += int(getattr(engine, "partial", False))
    by_kind = {kind: latency_summary([ms for ms, k in zip(latencies, kinds, strict=True) if k == kind])
               for kind in sorted(set(kinds))}
    return {"open_seconds": open_seconds, **latency_summary(latencies), "by_kind": by_kind,
            "log_queries": len(queries), "time_capped": len(latencies) + len(errors) < len(queries),
            "latencies_ms": [round(ms, 4) for ms in latencies], "mean_hits": sum(hits) / max(len(hits), 1),
            "empty_results": hits.count(0), "partial": partial, "errors": len(errors),
            "error_samples": errors[:5], "self_max_rss_bytes": max_rss_bytes()}


def relevance(args: argparse.Namespace) -> dict:
    engine = peers.adapter(args.engine)
    index = args.workdir / args.engine
    shutil.rmtree(index, ignore_errors=True)
    index.mkdir(parents=True)
    engine.build(args.collection / "corpus.jsonl", index)
    engine.open(index)
    queries = read_queries(args.collection / "queries.tsv")
    scores = score_run(run_queries(engine.rank, queries), read_qrels(args.collection / "qrels.txt"))
    return {"queries": len(queries), **scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    step = steps.add_parser("build")
    step.add_argument("engine", choices=sorted(peers.ADAPTERS))
    step.add_argument("corpus", type=Path)
    step.add_argument("index", type=Path)
    step = steps.add_parser("query")
    step.add_argument("engine", choices=sorted(peers.ADAPTERS))
    step.add_argument("index", type=Path)
    step.add_argument("queries", type=Path)
    step.add_argument("--limit", type=int, default=10)
    step.add_argument("--max-queries", type=int, default=None)
    step.add_argument("--time-cap", type=float, default=None, help="stop after this many seconds")
    step = steps.add_parser("relevance")
    step.add_argument("engine", choices=sorted(peers.ADAPTERS))
    step.add_argument("collection", type=Path)
    step.add_argument("workdir", type=Path)
    for step in steps.choices.values():
        step.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    report = {"build": build, "query": query, "relevance": relevance}[args.step](args)
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
