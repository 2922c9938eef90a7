"""`make fuzz`'s coverage-guided part: each atheris target (fuzz/harness.py) for a bounded time.

Each target starts from its committed corpus (fuzz/corpus/TARGET, read only) and keeps what it
finds in build/fuzz/corpus/TARGET; a crash is written to build/fuzz/crashes/ and ends that
target's run. `--merge` then adds to the committed corpus only the found inputs that reach code
it does not (libFuzzer's -merge=1), which keeps it small.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = ROOT / "build" / "fuzz"
TARGETS = ("query", "plaintext", "json_records")
MAX_LEN = {"query": 1024, "plaintext": 32768, "json_records": 32768}  # bytes an input may grow to
OPTIONS = ("-timeout=20", "-rss_limit_mb=3072", "-print_final_stats=1")


def fuzz(target: str, seconds: int) -> int:
    """Run one target for `seconds`; its exit code (0: no crash)."""
    found, crashes = WORK / "corpus" / target, WORK / "crashes"
    found.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(HERE / "harness.py"), target, str(found), str(HERE / "corpus" / target),
               f"-max_total_time={seconds}", f"-max_len={MAX_LEN[target]}",
               f"-artifact_prefix={crashes}/{target}-", f"-dict={HERE / 'dicts' / f'{target}.dict'}",
               *OPTIONS]
    print(f"fuzzing {target} for {seconds} s", flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


def merge(target: str) -> int:
    """Add to the committed corpus the inputs found that reach new code."""
    command = [sys.executable, str(HERE / "harness.py"), target, str(HERE / "corpus" / target),
               str(WORK / "corpus" / target), "-merge=1", f"-max_len={MAX_LEN[target]}", *OPTIONS]
    return subprocess.run(command, cwd=ROOT).returncode


def main() -> int:
    """Fuzz (or merge) every target asked for; 1 when any crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=180, help="time per target (default 180)")
    parser.add_argument("--merge", action="store_true", help="merge found inputs into fuzz/corpus")
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help=f"of {', '.join(TARGETS)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target {sorted(unknown)[0]!r}: the targets are {', '.join(TARGETS)}")
    failed = [target for target in args.targets or TARGETS
              if (merge(target) if args.merge else fuzz(target, args.seconds)) != 0]
    if failed:
        print(f"crashed: {', '.join(failed)} (inputs in {WORK / 'crashes'})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
