"""Does reading and enriching articles in two worker processes pay? Times `search index` both ways.

    .venv/bin/python bench/parallel_index.py --reuters ../shared/data/reuters/corpus.jsonl [--docs 6000]

The corpus is split into files of 50 records (the indexer parallelises across files), then
indexed from scratch with one worker and with two; prints documents per second for each.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from search.backends import DEFAULT_BACKEND, open_sink
from search.indexer import Indexer

RECORDS_PER_FILE = 50


def split(corpus: Path, folder: Path, docs: int) -> int:
    lines = corpus.read_text(encoding="utf-8").splitlines()[:docs]
    for start in range(0, len(lines), RECORDS_PER_FILE):
        chunk = lines[start:start + RECORDS_PER_FILE]
        part = folder / f"part-{start // RECORDS_PER_FILE:05d}.jsonl"
        part.write_text("\n".join(chunk), encoding="utf-8")
    return len(lines)


def timed_run(folder: Path, index_dir: Path, workers: int) -> float:
    sink = open_sink(DEFAULT_BACKEND, index_dir, rebuild=True, user_variants=[], workers=workers)
    started = time.perf_counter()
    report = Indexer(sink, workers=workers).run([folder])
    assert report.failed == 0, report.problems[:3]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("INDEXING.md"))
    args = parser.parse_args()
    lines = [
        "# Indexing in parallel",
        "",
        f"Written by `bench/parallel_index.py`: the first {args.docs} Reuters-21578 articles in files of "
        f"{RECORDS_PER_FILE}, indexed from scratch with full analysis (entities, MinHash), "
        f"on {os.cpu_count()} cores. With two workers, files are read and enriched in a process pool "
        "and Whoosh's multiprocess writer analyses in two processes.",
        "",
        "| workers | seconds | documents per second |",
        "|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "corpus"
        folder.mkdir()
        count = split(args.reuters, folder, args.docs)
        for workers in (1, 2):
            seconds = timed_run(folder, Path(work) / f"index-{workers}", workers)
            lines.append(f"| {workers} | {seconds:.1f} | {count / seconds:.0f} |")
            print(lines[-1])
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
