"""The server on every core (issue 19): `search serve` on Reuters under 1 and 8 clients sending
distinct searches, and 16 clients sending the mixed load; bench/RESULTS.md ("The server on every
core") and RESULTS.json (`serve`), each target with its figure and verdict.

Clients are processes of their own (bench/load.py), so they do not queue behind one interpreter
lock, and their CPU is reported: on 2 cores it is taken from the server. The searches come from a
log of 8,000 distinct Reuters queries drawn with a seed of their own (bench/querylog.py); each
client sends its share once, so no query repeats within a run (the runs take separate parts of
the log, after a 10-second warm-up on another part: each worker reads the index's arrays, and
the postings of words met before are kept, at its first searches). 8 clients run before one.
Memory is the PSS of the arbiter and its workers together (pages they share counted once).
Run alone: `python bench/serve_bench.py --shared ../shared` (about 2 minutes with an index).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import load
from corpus_io import split_jsonl
from eval import publish
from querylog import make_log, read_log, write_log
from startup import build

HERE = Path(__file__).resolve().parent
SECTION = "## The server on every core (issue 19)"
QUERY_COUNT, QUERY_SEED = 8000, 19
SEARCH_SECONDS, LOAD_SECONDS, WARM_SECONDS = 20.0, 30.0, 10.0
# name: (what is measured, must, stretch, whether lower is better)
TARGETS = {
    "rps_8": ("8 clients, requests/s", 150, 250, False),
    "p50_8": ("8 clients, p50 ms", 50, 30, True),
    "p99_8": ("8 clients, p99 ms", 200, 150, True),
    "scaling": ("8 clients' throughput over 1 client's", 1.7, None, False),
    "load_errors": ("16 clients, 30 s mixed load: errors and dropped connections", 0, None, True),
}


def queries(shared: Path, work: Path) -> list[str]:
    """The distinct searches: a seeded log drawn from all of Reuters."""
    path = work / "serve-queries.tsv"
    if not path.exists():
        folder = work / "reuters-files"
        split_jsonl(shared / "data" / "reuters" / "corpus.jsonl", folder, None)
        write_log(path, make_log(folder, QUERY_COUNT, QUERY_SEED, sample_docs=10**9))
    return [text for _, text in read_log(path)]


def reuters_index(shared: Path, work: Path) -> Path:
    index = work / "reuters-index"
    build(index, shared / "data" / "reuters" / "corpus.jsonl")
    return index


def measure(index: Path, searches: list[str], log: Path) -> dict:
    """One server for every run, warmed first (each worker reads the index's arrays at its first
    search); each run gets its own part of the log."""
    server = load.Server(index, log)
    try:
        problem = server.wait_healthy()
        if problem:
            return {"one_client": {"skipped": problem}}
        ids = load.index_ids(index)

        def run(part: slice, clients: int, seconds: float, mix: dict[str, int]) -> dict:
            found = load.run_load("127.0.0.1", server.port, searches[part], ids, clients, seconds, mix,
                                  distinct=True)
            return {**found, **load.server_memory(server.proc.pid)}

        searching = {"search": 1}
        run(slice(6000, None), 8, WARM_SECONDS, searching)
        eight = run(slice(0, 4000), 8, SEARCH_SECONDS, searching)
        one = run(slice(4000, 6000), 1, SEARCH_SECONDS, searching)
        return {"one_client": one, "eight_clients": eight,
                "mixed_load": run(slice(None), 16, LOAD_SECONDS, load.parse_mix(load.DEFAULT_MIX))}
    finally:
        server.stop()


def figures(result: dict) -> dict:
    one, eight, mixed = result["one_client"], result["eight_clients"], result["mixed_load"]
    return {"rps_8": eight["throughput_rps"], "p50_8": eight["p50_ms"], "p99_8": eight["p99_ms"],
            "scaling": eight["throughput_rps"] / one["throughput_rps"],
            "load_errors": mixed["errors"] + mixed["dropped"]}


def verdict(value: float, bound: float | None, lower_is_better: bool) -> str:
    if bound is None:
        return ""
    return "met" if (value <= bound if lower_is_better else value >= bound) else "missed"


def section(result: dict) -> str:
    found = figures(result)
    lines = [SECTION, "",
             f"`search serve` on Reuters with its default workers (one per core); clients are processes "
             f"(`bench/serve_bench.py`, `bench/load.py`); {QUERY_COUNT:,} distinct queries (seed "
             f"{QUERY_SEED}), none sent twice in a run.", "",
             "| target | measured | must | verdict | stretch | verdict |", "|---|---:|---:|---|---:|---|"]
    for name, (label, must, stretch, lower) in TARGETS.items():
        value = found[name]
        lines.append(f"| {label} | {value:.2f} | {must} | {verdict(value, must, lower)} | "
                     f"{'' if stretch is None else stretch} | {verdict(value, stretch, lower)} |")
    lines += ["", "| run | requests/s | p50 ms | p99 ms | errors | client CPU s | server processes | "
              "server memory (PSS) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, label in (("one_client", "1 client, searches"), ("eight_clients", "8 clients, searches"),
                        ("mixed_load", "16 clients, searches, suggestions, articles")):
        run = result[name]
        lines.append(f"| {label}, {run['seconds']:.0f} s | {run['throughput_rps']:.1f} | "
                     f"{run['p50_ms']:.1f} | {run['p99_ms']:.1f} | {run['errors'] + run['dropped']} | "
                     f"{run['client_cpu_seconds']:.1f} | {run['server_processes']} | "
                     f"{run['server_pss_bytes'] / 2**20:.0f} MB |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--work", type=Path, help="where the index and query log are kept")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="'-': print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-") as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        result = measure(reuters_index(args.shared, work), queries(args.shared, work), work / "serve.log")
    if any(run.get("skipped") for run in result.values()):
        print(json.dumps(result, indent=1), file=sys.stderr)
        return 1
    text = section(result)
    return publish(args.out, text, "serve", result)


if __name__ == "__main__":
    sys.exit(main())
