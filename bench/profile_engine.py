"""Where `Engine.search` spends its time: pyinstrument over a query log, summarised.

    .venv/bin/python bench/profile_engine.py --index INDEX --queries LOG.tsv [--count 200] --out OUT.json

The engine is opened first (not profiled); then the first `count` queries of the log run through
`Engine.search(q, limit=10)` under pyinstrument (1 ms sampling). The report lists the functions
with the most time of their own (self time) and, for the engine's own code, inclusive time;
the full call tree goes to OUT.txt beside the JSON.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from pyinstrument import Profiler
from querylog import read_log
from timing import write_report

from search.engine import Engine

TOP = 20


def _walk(frame, visit, stack: tuple[str, ...] = ()) -> None:
    key = _key(frame)
    visit(frame, key, stack)
    for child in frame.children:
        _walk(child, visit, (*stack, key))


def _key(frame) -> str:
    path = (frame.file_path_short or frame.file_path or "?").replace("\\", "/")
    for marker in ("site-packages/", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    while path.startswith("../"):
        path = path[3:]
    return f"{frame.function} ({path}:{frame.line_no})"


def summarise(root, total: float) -> dict:
    """Self time per function, and inclusive time per function of our code (counted once per stack)."""
    own: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)

    by_package: dict[str, float] = defaultdict(float)

    def visit(frame, key: str, stack: tuple[str, ...]) -> None:
        if frame.is_synthetic:  # pyinstrument's "[self]" leaf: its time is its parent's self time
            return
        own[key] += frame.total_self_time
        by_package[_package(key)] += frame.total_self_time
        if "search/" in key and key not in stack:
            inclusive[key] += frame.time

    _walk(root, visit)

    def table(values: dict[str, float]) -> list[dict]:
        rows = sorted(values.items(), key=lambda kv: -kv[1])[:TOP]
        return [{"function": k, "seconds": round(v, 4), "percent": round(100 * v / total, 1)}
                for k, v in rows]

    return {"self": table(own), "ours_inclusive": table(inclusive), "by_package": table(by_package)}


def _package(key: str) -> str:
    """`whoosh`, `search` (ours), `built-in` or the top module of a function key."""
    where = key.rsplit("(", 1)[-1]
    if where.startswith("<built-in>"):
        return "built-in (C functions called from Python)"
    where = where.lstrip("./")
    return where.split("/", 1)[0].split(".", 1)[0] if "/" in where else where.split(":", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    queries = [text for _, text in read_log(args.queries)[:args.count]]
    engine = Engine(args.index)
    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    for text in queries:
        engine.search(text, limit=10)
    profiler.stop()
    wall = time.perf_counter() - started
    session = profiler.last_session
    root = session.root_frame()
    total = root.time if root else wall
    report = {"queries": len(queries), "wall_seconds": wall, "profiled_seconds": total,
              "ms_per_query": 1000 * wall / max(len(queries), 1), **summarise(root, total)}
    args.out.with_suffix(".txt").write_text(
        profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
