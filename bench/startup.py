"""How long the `search` command takes from start to exit (issue 19): the start-up table of
`make bench`, in bench/RESULTS.md ("Command start-up") and RESULTS.json (`startup`).

Each command runs RUNS times in a fresh interpreter, as a user or a script runs it; the median
is reported, with `python -c pass` as the floor no command can go under. The sample index is
built from corpus/, the Reuters one from ../shared (or given with --reuters-index); the 1M row
searches the index `make bench-large` leaves in bench/work, when it is there.
Run alone: `python bench/startup.py --shared ../shared`; `--source DIR` times another checkout
of the project (its `search` package first on the path) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval import publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = 10
SECTION = "## Command start-up (issue 19)"
MILLION_INDEX = HERE / "work" / "index" / "syn-1m" / "ours"  # kept by `make bench-large` (bench/run.py)
TARGETS = {"help": (0.25, 0.15), "search_sample": (0.5, 0.3), "search_reuters": (0.7, 0.4)}  # must, stretch


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    """The median wall time, in seconds, of `runs` runs of the command (each must succeed)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build(index: Path, source: Path, env: dict[str, str] | None = None) -> None:
    """`search index` of `source` into `index`, unless it is there already."""
    if not index.exists():
        subprocess.run([sys.executable, "-m", "search.cli", "index", "--index", str(index), str(source)],
                       env=env, stdout=subprocess.DEVNULL, check=True)


def measure(shared: Path, work: Path, source: Path, runs: int, reuters_index: Path | None) -> dict:
    """Median seconds of each command, by name."""
    env = {**os.environ, "PYTHONPATH": str(source), "NO_COLOR": "1"}
    search = [sys.executable, "-m", "search.cli"]
    sample = work / "sample"
    build(sample, ROOT / "corpus", env)
    commands = {
        "floor": [sys.executable, "-c", "pass"],
        "help": [*search, "--help"],
        "search_sample": [*search, "--index", str(sample), "Amraam"],
    }
    reuters = reuters_index or work / "reuters"
    if reuters_index or (shared / "data" / "reuters" / "corpus.jsonl").exists():
        build(reuters, shared / "data" / "reuters" / "corpus.jsonl", env)
        commands["search_reuters"] = [*search, "--index", str(reuters), "oil prices"]
        commands["stats_reuters"] = [*search, "stats", "--index", str(reuters)]
    if MILLION_INDEX.exists():
        commands["search_million"] = [*search, "--index", str(MILLION_INDEX), "oil prices"]
    return {name: round(timed(argv, env, runs), 3) for name, argv in commands.items()}


def verdict(seconds: float, bound: float | None) -> str:
    return "" if bound is None else "met" if seconds <= bound else "missed"


def section(result: dict, runs: int) -> str:
    labels = {"floor": "`python -c pass` (the floor)", "help": "`search --help`",
              "search_sample": '`search "Amraam"`, the five-article sample',
              "search_reuters": '`search "oil prices"`, Reuters (21,577 articles)',
              "stats_reuters": "`search stats`, Reuters",
              "search_million": '`search "oil prices"`, syn-1m (1,000,000 articles)'}
    lines = [SECTION, "",
             f"Wall time from start to exit, median of {runs} runs in a fresh interpreter each "
             f"(`bench/startup.py`), on this 2-core machine.", "",
             "| command | seconds | must | verdict | stretch | verdict |", "|---|---:|---:|---|---:|---|"]
    for name, seconds in result.items():
        must, stretch = TARGETS.get(name, (None, None))
        lines.append(f"| {labels[name]} | {seconds:.3f} | {must or ''} | {verdict(seconds, must)} | "
                     f"{stretch or ''} | {verdict(seconds, stretch)} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose `search` is timed")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--reuters-index", type=Path, help="an index of Reuters already built")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md", help="'-': print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="startup-") as work:
        result = measure(args.shared, Path(work), args.source.resolve(), args.runs, args.reuters_index)
    text = section(result, args.runs)
    return publish(args.out, text, "startup", result)


if __name__ == "__main__":
    sys.exit(main())
