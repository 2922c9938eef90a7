"""Building an index at scale (issue 20): the indexing table of `make bench`, in
bench/RESULTS.md ("Indexing at scale") and RESULTS.json (`indexing`).

Reuters is built the ways people bring it: as a folder of JSON Lines files of 100 records (as
bench/run.py gives it to every engine), as one JSON Lines export, and as that export gzipped;
beside stock Whoosh storing only ids (its documented setup) and storing headline and body (what
an engine that shows snippets must keep). Each build runs in a fresh child process
(`worker.py build`) whose process tree's memory is sampled (timing.run_child); the median of
ROUNDS rounds is reported, the rounds interleaved so a slow spell of the machine hits every row.
Run alone: `make bench-index` or `python bench/index_bench.py --shared ../shared`.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from corpus_io import split_jsonl
from eval import publish
from timing import run_child

HERE = Path(__file__).resolve().parent
SECTION = "## Indexing at scale (issue 20)"
ROUNDS = 2
TIMEOUT_SECONDS = 1800
MUST = {"folder": 0.8, "one_file": 0.95, "size": 4.0}  # ÷ stock Whoosh; one file ÷ our folder
STRETCH = {"folder": 1.0, "size": 3.0}


def inputs(source: Path, work: Path) -> dict[str, tuple[str, Path]]:
    """Each row's engine and input, by row name."""
    folder, export = work / "folder", work / "reuters.jsonl"
    split_jsonl(source, folder)
    shutil.copyfile(source, export)
    gzipped = work / "reuters.jsonl.gz"
    with export.open("rb") as plain, gzip.open(gzipped, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(plain, packed)
    return {"ours, folder": ("ours", folder), "ours, one file": ("ours", export),
            "ours, one file gzipped": ("ours", gzipped), "stock Whoosh": ("whoosh", folder),
            "stock Whoosh, storing headline and body": ("whoosh-stored", folder)}


def measure(source: Path, work: Path, rounds: int) -> dict:
    """Median build seconds, docs/s, peak memory (all processes) and index size of each row."""
    rows = inputs(source, work)
    runs: dict[str, list] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, (engine, corpus) in rows.items():
            index = work / "index"
            run = run_child("worker.py", ["build", engine, str(corpus), str(index)], work / "build.json",
                            TIMEOUT_SECONDS, work / "build.log")
            if not run.ok:
                raise RuntimeError(f"{name}: {run.error}")
            runs[name].append(run)
            shutil.rmtree(index, ignore_errors=True)
    result = {}
    for name, found in runs.items():
        docs = found[0].report["docs"]
        seconds = statistics.median(run.seconds for run in found)
        result[name] = {"docs": docs, "seconds": round(seconds, 2),
                        "docs_per_second": round(docs / seconds, 1),
                        "peak_memory_mb": round(max(run.peak_memory_bytes for run in found) / 2**20),
                        "index_mb": round(found[0].report["index_bytes"] / 2**20, 1)}
    return result


def verdicts(result: dict) -> list[str]:
    """The issue's targets, each with the measured ratio."""
    stock, ours = result["stock Whoosh"], result["ours, folder"]
    folder = ours["docs_per_second"] / stock["docs_per_second"]
    one_file = result["ours, one file"]["docs_per_second"] / ours["docs_per_second"]
    size = ours["index_mb"] / stock["index_mb"]
    return [
        f"- Reuters as a folder: {folder:.2f}× stock Whoosh's rate (must ≥ {MUST['folder']}×, "
        f"stretch ≥ {STRETCH['folder']}×): {'met' if folder >= MUST['folder'] else 'missed'}.",
        f"- Reuters as one file: {one_file:.2f}× our folder rate (must ≥ {MUST['one_file']}×): "
        f"{'met' if one_file >= MUST['one_file'] else 'missed'}.",
        f"- Index size: {size:.1f}× stock Whoosh's (must ≤ {MUST['size']}×, stretch ≤ {STRETCH['size']}×): "
        f"{'met' if size <= MUST['size'] else 'missed'}; "
        f"{ours['index_mb'] / result['stock Whoosh, storing headline and body']['index_mb']:.1f}× "
        "stock Whoosh's storing headline and body.",
    ]


def section(result: dict, rounds: int) -> str:
    lines = [SECTION, "",
             f"Reuters-21578 ({result['ours, folder']['docs']:,} records), built from nothing, median of "
             f"{rounds} interleaved rounds; peak memory is the largest sum of PSS over the build's processes "
             "(`make bench-index`, bench/index_bench.py).", "",
             "| build | s | docs/s | peak MB | index MB |", "|---|---:|---:|---:|---:|"]
    for name, row in result.items():
        lines.append(f"| {name} | {row['seconds']:.1f} | {row['docs_per_second']:,.0f} | "
                     f"{row['peak_memory_mb']:,} | {row['index_mb']:,.1f} |")
    return "\n".join([*lines, "", *verdicts(result), ""])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="'-': print only")
    args = parser.parse_args()
    source = args.shared / "data" / "reuters" / "corpus.jsonl"
    if not source.exists():
        print(f"no Reuters corpus at {source}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="index-bench-") as work:
        result = measure(source, Path(work), args.rounds)
    text = section(result, args.rounds)
    return publish(args.out, text, "indexing", result)


if __name__ == "__main__":
    sys.exit(main())
