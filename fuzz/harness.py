"""One atheris target, coverage-guided over the engine's own modules:

    python fuzz/harness.py TARGET [corpus folder ...] [libFuzzer options]

TARGET is `query` (the query parser), `plaintext` (the plain-text reader) or `json_records`
(the JSON record reader); fuzz/checks.py says what each asserts. An input that raises is a crash:
libFuzzer writes it beside `-artifact_prefix` and stops. `make fuzz` runs every target (fuzz/run.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["search"]):
    import checks


def query_input(data: bytes) -> None:
    """The query parser on the input as text."""
    checks.check_query(checks.as_text(data))


TARGETS: dict[str, Callable[[bytes], object]] = {
    "query": query_input,
    "plaintext": checks.check_plain_text,
    "json_records": checks.check_json_records,
}


def main(argv: list[str]) -> None:
    """Fuzz the target named first; the rest of the arguments are libFuzzer's."""
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: {argv[0]} {'|'.join(TARGETS)} [corpus ...] [-libfuzzer_option=value ...]")
    itself = f"{sys.executable} {Path(__file__).resolve()} {argv[1]}"  # how -merge=1 runs it again
    atheris.Setup([itself, *argv[2:]], TARGETS[argv[1]])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
