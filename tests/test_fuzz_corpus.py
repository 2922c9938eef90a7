"""The committed fuzz corpus (fuzz/corpus/, issue 22 §6) replayed through what each atheris target
asserts (fuzz/checks.py): the seeds, and every input the fuzzer kept because it reached new code,
still read without an error. A crash atheris finds is fixed with a test of its own beside the
component's tests (none yet: about 15 minutes a target found none)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import ROOT

from search.ingest import FileContents, Problem

FUZZ = ROOT / "fuzz"


def load_checks():
    """fuzz/checks.py as a module (fuzz/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("fuzz_checks", FUZZ / "checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKS = load_checks()
TARGETS = {
    "query": lambda data: CHECKS.check_query(CHECKS.as_text(data)),
    "plaintext": CHECKS.check_plain_text,
    "json_records": CHECKS.check_json_records,
}


def corpus(target: str) -> list[Path]:
    return sorted(path for path in (FUZZ / "corpus" / target).iterdir() if path.is_file())


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_corpus_input_passes_its_targets_checks(target):
    inputs = corpus(target)
    assert len(inputs) >= 5, f"fuzz/corpus/{target} has lost its seeds"
    for path in inputs:
        TARGETS[target](path.read_bytes())


def test_the_corpus_stays_small():
    total = sum(path.stat().st_size for target in TARGETS for path in corpus(target))
    assert total < 400_000, f"fuzz/corpus holds {total} bytes: merge it down (fuzz/run.py --merge)"


def test_the_checks_catch_what_they_are_for():
    contents = CHECKS.check_json_records(b'{"id": "a b", "text": "words"}')[0]
    assert contents.articles[0].id != "a b"  # an unsafe id is made safe before the check sees it
    broken = FileContents(problems=[Problem("x:1", "cannot read the record (KeyError: 'x')")])
    with pytest.raises(AssertionError):
        CHECKS.check_contents(broken)
    assert not CHECKS.writable("\ud800") and CHECKS.writable(["a", None])
