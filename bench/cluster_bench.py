"""`make bench-cluster`: the engine on a 3-node OpenSearch cluster of this machine, written to
bench/CLUSTER.md (and CLUSTER.json).

For each synthetic corpus (bench/corpus_gen.py, the same as `make bench`'s) it starts a fresh
3-node cluster on free ports (bench/work/cluster, deleted after), indexes the corpus with
`search index --backend opensearch` as a user would (`update_index`: our analysis in Python, `_bulk`
into 2 shards x 1 replica), and reports build time, documents per second and the index's size
(primaries, and with the replicas), then the latency of the corpus's query log (bench/queries/):
ranked and grouped without snippets (`Engine.stories`, what the latency targets measure) and with
snippets (`Engine.search`), and of typed words did-you-mean corrects (bench/data/spelling-typos.tsv,
`Engine.search`: the ranking, then the suggester's look-up), each query once, beside the embedded
backend's figures of the last `make bench` (bench/RESULTS.json). The two searches of the log take
turns query by query, the first of them alternating, each on a fresh engine (its view's caches of
term statistics, stored articles and story versions empty) after the shards' caches are cleared and
the same warm-up over queries of the log that are not measured: neither inherits more from the
other, and the cluster's drift after the load falls on both. The three JVMs share the machine's
cores with the Python process that analyses and asks.

    .venv/bin/python bench/cluster_bench.py --shared ../shared              # syn-100k
    .venv/bin/python bench/cluster_bench.py --shared ../shared --large      # and syn-1m
    .venv/bin/python bench/cluster_bench.py --shared ../shared --only syn-1m

A corpus not run keeps its figures of the last run (CLUSTER.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

from corpus_gen import generate
from opensearch_eval import started_cluster
from querylog import read_log

from search.backends import open_backend
from search.engine import Engine
from search.indexer import update_index

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
SIZES = {"syn-100k": 100_000, "syn-1m": 1_000_000}
QUERIES_PER_CORPUS = 300  # of the committed log, in its (shuffled) order
WARM_UP_QUERIES = 50  # of the log after the measured ones, before each pass
TYPOS = 100  # of bench/data/spelling-typos.tsv, in its order


def typos() -> list[str]:
    """Typed words did-you-mean corrects (one edit from a word Reuters prints; see spelling_eval.py)."""
    lines = (HERE / "data" / "spelling-typos.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines if line and not line.startswith("#")][:TYPOS]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latencies(location: str, methods: tuple[str, ...], texts: list[str], warm_up: list[str]) -> dict:
    """p50 and p99 (ms) of each `Engine.<method>` over the same queries (top 10), each method on a
    fresh engine of its own after the warm-up, the methods taking turns within each query and the
    first of them alternating from one query to the next: what one leaves warm for the other, and
    the cluster's drift (its merges after a load), fall on both alike."""
    calls = {method: getattr(Engine(open_backend("opensearch", location)), method) for method in methods}
    view = Engine(open_backend("opensearch", location)).view()
    view.client.indices.clear_cache(index=view.index)  # the shards' request, query and field caches
    for call in calls.values():
        for text in warm_up:
            call(text, limit=10)
    times: dict[str, list[float]] = {method: [] for method in methods}
    for at, text in enumerate(texts):
        for method in methods if at % 2 == 0 else methods[::-1]:
            started = time.perf_counter()
            calls[method](text, limit=10)
            times[method].append((time.perf_counter() - started) * 1000)
    return {method: {"p50_ms": round(statistics.median(found), 1),
                     "p99_ms": round(percentile(found, 0.99), 1), "queries": len(found)}
            for method, found in times.items()}


def index_size(engine: Engine) -> dict:
    view = engine.view()
    stats = view.client.indices.stats(index=view.index, metric="store")["_all"]
    return {"primaries_bytes": stats["primaries"]["store"]["size_in_bytes"],
            "total_bytes": stats["total"]["store"]["size_in_bytes"]}


def bench_corpus(shared: Path, name: str, docs: int, url: str) -> dict:
    folder = WORK / "corpora" / name
    generate(shared / "data" / "reuters" / "corpus.jsonl", docs, folder)
    location = f"{url}/bench-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    report = update_index(location, [folder], backend="opensearch")
    seconds = time.perf_counter() - started
    logged = [text for _, text in read_log(HERE / "queries" / f"{name}.tsv")]
    texts, warm_up = logged[:QUERIES_PER_CORPUS], logged[QUERIES_PER_CORPUS:][:WARM_UP_QUERIES]
    timed = latencies(location, ("stories", "search"), texts, warm_up)
    return {
        "documents": report.added, "build_seconds": round(seconds, 1),
        "docs_per_second": round(report.added / seconds, 1),
        **index_size(Engine(open_backend("opensearch", location))),
        "ranked_grouped": timed["stories"], "with_snippets": timed["search"],
        "typos": latencies(location, ("search",), typos(), warm_up)["search"],
    }


def embedded_figures(name: str) -> dict | None:
    """The embedded backend's build and latency on the same corpus, from the last `make bench`."""
    path = HERE / "RESULTS.json"
    if not path.exists():
        return None
    engines = json.loads(path.read_text(encoding="utf-8")).get("corpora", {}).get(name, {}).get("engines", {})
    ours = engines.get("ours", {}).get("aggregate")
    grouped = engines.get("ours-grouped", {}).get("aggregate")
    if not ours or not grouped:
        return None
    return {"build_seconds": round(ours["build_seconds"]),
            "docs_per_second": round(ours["build_docs_per_second"]),
            "index_bytes": ours["build_index_bytes"], "ranked_grouped": tail_latency(grouped),
            "with_snippets": tail_latency(ours)}


def tail_latency(aggregate: dict) -> dict:
    """p50 and p99 (ms) of an aggregate of bench/RESULTS.json."""
    return {"p50_ms": round(aggregate["search_p50_ms"], 1), "p99_ms": round(aggregate["search_p99_ms"], 1)}


def markdown(results: dict) -> str:
    lines = ["# The engine on a 3-node OpenSearch cluster", "",
             f"Written by `make bench-cluster` (`bench/cluster_bench.py`) on {platform.machine()}, "
             f"{os.cpu_count()} cores; OpenSearch 2.19, 3 JVMs of 512 MB heap and one processor each on this "
             "machine, 2 primary shards x 1 replica. Query latency is one request at a time, from Python, "
             "over HTTP on loopback.", "",
             "| corpus | documents | build (s) | docs/s | index (primaries / with replicas) "
             "| ranked+grouped p50 / p99 (ms) | with snippets p50 / p99 (ms) | typos p50 / p99 (ms) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, result in results.items():
        size = f"{result['primaries_bytes'] / 1e6:.0f} / {result['total_bytes'] / 1e6:.0f} MB"
        grouped, snippets = result["ranked_grouped"], result["with_snippets"]
        typed = result.get("typos")
        typed_cell = f"{typed['p50_ms']} / {typed['p99_ms']}" if typed else "not measured"
        lines.append(f"| {name}, OpenSearch | {result['documents']:,} | {result['build_seconds']:.0f} | "
                     f"{result['docs_per_second']:.0f} | {size} | {grouped['p50_ms']} / {grouped['p99_ms']} "
                     f"| {snippets['p50_ms']} / {snippets['p99_ms']} | {typed_cell} |")
    for name, result in results.items():
        embedded = result.get("embedded")
        if embedded:
            grouped, snippets = embedded["ranked_grouped"], embedded["with_snippets"]
            lines.append(f"| {name}, embedded (last `make bench`) | | {embedded['build_seconds']} | "
                         f"{embedded['docs_per_second']} | {embedded['index_bytes'] / 1e6:.0f} MB | "
                         f"{grouped['p50_ms']} / {grouped['p99_ms']} | "
                         f"{snippets['p50_ms']} / {snippets['p99_ms']} | |")
    lines.append("")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--large", action="store_true", help="add the 1M-document corpus")
    parser.add_argument("--only", choices=sorted(SIZES), help="run this corpus alone")
    args = parser.parse_args()
    names = [args.only] if args.only else ["syn-100k", "syn-1m"] if args.large else ["syn-100k"]
    last = HERE / "CLUSTER.json"
    results = json.loads(last.read_text(encoding="utf-8")) if last.exists() else {}
    for name in names:
        folder = WORK / "cluster"
        shutil.rmtree(folder, ignore_errors=True)
        cluster = started_cluster(folder)
        finished = False
        try:
            results[name] = bench_corpus(args.shared, name, SIZES[name], cluster.url)
            results[name]["embedded"] = embedded_figures(name)
            finished = True
        finally:  # a failed run keeps the nodes' data and logs to read (the 1M run's cost an hour)
            cluster.stop(wipe=finished)
            if not finished:
                print(f"{name} failed: the nodes' data and logs are kept in {folder}", file=sys.stderr)
        print(f"{name}: {json.dumps(results[name])}", file=sys.stderr)
    (HERE / "CLUSTER.md").write_text(markdown(results), encoding="utf-8")
    last.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {HERE / 'CLUSTER.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
