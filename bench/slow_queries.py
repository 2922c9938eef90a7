"""The regression list of queries that were ever slow, timed through `Engine.search` (issue 7).

    .venv/bin/python bench/slow_queries.py --index INDEX [--queries bench/slow_queries.txt] --out OUT.json

Each query runs once, in list order, in this fresh process; the report has its time, whether the
time budget cut it short (`partial`), its total, and any error (a typed refusal such as a query
over the length limit counts as answered).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from timing import write_report

from search.engine import TIME_BUDGET_SECONDS, Engine
from search.errors import SearchError

HERE = Path(__file__).resolve().parent
BOUND = 10  # each query must answer within this many time budgets


def read_list(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def run(index: Path, queries: list[str]) -> dict:
    engine = Engine(index)
    rows = []
    for text in queries:
        started = time.perf_counter()
        row: dict = {"query": text}
        try:
            response = engine.search(text, limit=10)
            row.update(partial=bool(response["partial"]), total=response["total"],
                       warnings=len(response.get("warnings") or []))
        except SearchError as error:
            row.update(partial=False, total=None, refused=error.message)
        except Exception as error:  # reported, never fatal: the list exists to find such failures
            row.update(partial=False, total=None, error=f"{type(error).__name__}: {error}"[:300])
        row["ms"] = (time.perf_counter() - started) * 1000
        row["within_bound"] = row["ms"] <= BOUND * TIME_BUDGET_SECONDS * 1000
        rows.append(row)
    return {"time_budget_seconds": TIME_BUDGET_SECONDS, "bound_seconds": BOUND * TIME_BUDGET_SECONDS,
            "queries": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=HERE / "slow_queries.txt")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_report(args.out, run(args.index, read_list(args.queries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
