"""The OpenSearch row of `make eval`: the same engine on a real 3-node cluster beside the embedded
backend, on the judged collections (MAP and the rest, by ir-measures) and on Reuters (how often
the first page of results is the same stories, in the same order).

The cluster is started on free ports in a temporary folder and stopped at the end, whatever
happens (search/backends/opensearch/cluster.py; the launcher is built by Maven when missing).
Run alone: `python bench/opensearch_eval.py --shared ../shared` (prints the section).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

from search.backends import open_backend
from search.backends.opensearch import cluster as cluster_control
from search.engine import Engine
from search.evaluate import read_qrels, read_queries, run_queries, score_run
from search.indexer import update_index

HERE = Path(__file__).resolve().parent
COLLECTIONS = ("cranfield", "cisi")
REUTERS_QUERIES = HERE / "queries" / "reuters.tsv"
MEASURES = ("MAP", "nDCG@10", "P@10", "Recall@100")
MAP_TOLERANCE = 0.02  # the target: OpenSearch's MAP within 2% of the embedded backend's
SAME_TOP_TEN_TARGET = 0.95  # and the same first page for 95% of the Reuters queries


def free_ports(count: int, avoid: set[int] = frozenset()) -> int:
    """The first of `count` consecutive free ports on 127.0.0.1."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        block = set(range(base, base + count))
        if base + count < 65000 and not block & avoid \
                and all(cluster_control.port_free("127.0.0.1", port) for port in block):
            return base
    raise RuntimeError("no free ports")


def started_cluster(folder: Path) -> cluster_control.Cluster:
    http = free_ports(3)
    transport = free_ports(3, set(range(http, http + 3)))
    return cluster_control.start(nodes=3, http_base=http, transport_base=transport, data_dir=folder)


def both_engines(corpus: Path, work: Path, url: str, name: str) -> tuple[Engine, Engine, dict]:
    """The corpus indexed by each backend, and how long each build took."""
    seconds = {}
    embedded = work / f"{name}-embedded"
    started = time.perf_counter()
    update_index(embedded, [corpus])
    seconds["embedded"] = time.perf_counter() - started
    location = f"{url}/eval-{name}-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    update_index(location, [corpus], backend="opensearch")
    seconds["opensearch"] = time.perf_counter() - started
    return Engine(embedded), Engine(open_backend("opensearch", location)), seconds


def judged(shared: Path, name: str, work: Path, url: str) -> dict:
    """MAP and the rest on one judged collection, for each backend."""
    data = shared / "data" / name
    queries, qrels = read_queries(data / "queries.tsv"), read_qrels(data / "qrels.txt")
    embedded, cluster, seconds = both_engines(data / "corpus.jsonl", work, url, name)
    rows = {label: score_run(run_queries(engine.ranked_ids, queries), qrels)
            for label, engine in (("embedded", embedded), ("opensearch", cluster))}
    return {"queries": len(queries), "rows": rows, "build_seconds": seconds}


def same_pages(shared: Path, work: Path, url: str) -> dict:
    """How often the first page of the Reuters query log is the same stories in the same order."""
    corpus = shared / "data" / "reuters" / "corpus.jsonl"
    embedded, cluster, seconds = both_engines(corpus, work, url, "reuters")
    texts = [line.split("\t", 1)[1] for line in REUTERS_QUERIES.read_text(encoding="utf-8").splitlines()]
    same = same_set = same_total = 0
    for text in texts:
        mine, theirs = embedded.search(text, limit=10), cluster.search(text, limit=10)
        ids, other = [h["id"] for h in mine["results"]], [h["id"] for h in theirs["results"]]
        same += ids == other
        same_set += set(ids) == set(other)
        same_total += mine["total"] == theirs["total"]
    count = len(texts)
    return {"queries": count, "same_order": same / count, "same_stories": same_set / count,
            "same_total": same_total / count, "build_seconds": seconds}


def markdown(judged_results: dict, reuters: dict | None) -> str:
    lines = [
        "## OpenSearch beside the embedded backend",
        "",
        "The same engine on a 3-node OpenSearch 2.19 cluster on this machine (2 shards, 1 replica; "
        "`bench/opensearch_eval.py`). The differences that remain are the scoring's (README: "
        "\"What differs between the backends\").",
        "",
        "| collection | backend | MAP | nDCG@10 | P@10 | Recall@100 | build (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in judged_results.items():
        for label, row in result["rows"].items():
            cells = " | ".join(f"{row[m]:.4f}" for m in MEASURES)
            lines.append(f"| {name} | {label} | {cells} | {result['build_seconds'][label]:.1f} |")
    lines.append("")
    for name, result in judged_results.items():
        embedded, cluster = result["rows"]["embedded"]["MAP"], result["rows"]["opensearch"]["MAP"]
        verdict = "within" if abs(cluster / embedded - 1) <= MAP_TOLERANCE else "outside"
        lines.append(f"- {name}: OpenSearch's MAP is {(cluster / embedded - 1) * 100:+.2f}% of the embedded "
                     f"backend's ({verdict} the 2% target).")
    if reuters:
        lines += [
            f"- Reuters-21578, the {reuters['queries']} queries of `bench/queries/reuters.tsv` (first "
            f"page, ten stories): the same stories in the same order for {reuters['same_order']:.1%} "
            f"(target {SAME_TOP_TEN_TARGET:.0%}), the same stories in any order for "
            f"{reuters['same_stories']:.1%}, the same total for {reuters['same_total']:.1%}. Build: "
            f"embedded {reuters['build_seconds']['embedded']:.0f} s, OpenSearch "
            f"{reuters['build_seconds']['opensearch']:.0f} s.",
        ]
    return "\n".join(lines) + "\n"


def section(shared: Path, work: Path) -> tuple[str, dict]:
    """The section and its figures (empty when no judged collection is found)."""
    names = [name for name in COLLECTIONS if (shared / "data" / name / "qrels.txt").exists()]
    if not names:
        return "", {}
    folder = Path(tempfile.mkdtemp(prefix="eval-cluster-", dir=work))
    cluster = started_cluster(folder)
    try:
        results = {name: judged(shared, name, work, cluster.url) for name in names}
        reuters = None
        if (shared / "data" / "reuters" / "corpus.jsonl").exists():
            reuters = same_pages(shared, work, cluster.url)
    finally:
        cluster.stop(wipe=True)
    return markdown(results, reuters), {"judged": results, "reuters": reuters}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        text, _ = section(args.shared, Path(work))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
