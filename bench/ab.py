"""An interleaved A/B of two checkouts of the engine on one machine: before, after, before, after.

    .venv/bin/python bench/ab.py --before ../main --after . --rounds 3 \\
        query INDEX bench/queries/reuters.tsv        # both sides query one index (same format)
    .venv/bin/python bench/ab.py --before ../main --after . --rounds 3 build CORPUS_FOLDER

Each step is a fresh child process of each checkout's own Python running its bench/worker.py, so
neither side inherits the other's caches; sides alternate within every round, so a drift of the
machine falls on both. Prints each side's rounds, medians and round-to-round spread (largest minus
smallest, as a share of the median) as Markdown for bench/NOTES.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

QUERY_KEYS = ("p50_ms", "p95_ms", "mean_ms")
BUILD_KEYS = ("seconds",)


def step(checkout: Path, args: list[str]) -> dict:
    """One worker step of `checkout`, in a child process of its own Python."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "report.json"
        subprocess.run([str(checkout / ".venv/bin/python"), str(checkout / "bench/worker.py"), *args,
                        "--out", str(out)], cwd=checkout, check=True, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text(encoding="utf-8"))


def rounds(sides: dict[str, Path], args: list[str], count: int) -> dict[str, list[dict]]:
    """`count` rounds, each running every side once, the sides' order alternating by round."""
    found: dict[str, list[dict]] = {name: [] for name in sides}
    order = list(sides)
    for number in range(count):
        for name in order if number % 2 == 0 else reversed(order):
            found[name].append(step(sides[name], args))
    return found


def table(found: dict[str, list[dict]], keys: tuple[str, ...]) -> str:
    """Each side's rounds and median per key, and the spread of its rounds."""
    lines = ["| side | " + " | ".join(f"{key} (rounds)" for key in keys) + " | median | spread |",
             "|---|" + "---|" * (len(keys) + 2)]
    for name, reports in found.items():
        cells = [", ".join(f"{report[key]:.2f}" for report in reports) for key in keys]
        values = [report[keys[0]] for report in reports]
        median = statistics.median(values)
        spread = (max(values) - min(values)) / median if median else 0.0
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {median:.2f} | {spread:.1%} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    steps = parser.add_subparsers(dest="step", required=True)
    query = steps.add_parser("query")
    query.add_argument("index", type=Path)
    query.add_argument("queries", type=Path)
    build = steps.add_parser("build")
    build.add_argument("corpus", type=Path)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    if args.step == "query":
        worker_args = ["query", "ours", str(args.index.resolve()), str(args.queries.resolve())]
        keys = QUERY_KEYS
    else:
        scratch = Path(tempfile.mkdtemp(prefix="ab-build-"))
        worker_args = ["build", "ours", str(args.corpus.resolve()), str(scratch / "index")]
        keys = BUILD_KEYS
    print(table(rounds(sides, worker_args, args.rounds), keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
