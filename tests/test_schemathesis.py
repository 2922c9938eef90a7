"""The OpenAPI document against the running server (issue 22, §6): schemathesis, with all its
checks, reads /api/openapi.json from `search serve` on loopback over an index of corpus/ on disk
and sends every operation generated requests, valid and invalid, then walks the document's links
(a search's first hit to its article and related stories). Any answer the document does not
allow (a 500, a valid request refused, an invalid one accepted, a body off its schema) fails.

A bounded run here (SCHEMATHESIS_EXAMPLES per operation, a fixed seed so a failure is
reproducible); `make fuzz` runs it longer with a random seed. On the OpenSearch backend too where
the session's cluster runs (marker `opensearch`), with a quarter of the examples, after a first
search that opens the engine (11.6 s on a cluster of a loaded machine: past the run's 10 s limit).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from browser_support import LiveServer, get_json, require_search_command
from conftest import CORPUS, ROOT, backend_location
from web_support import served_document

from search.indexer import update_index

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))
# The cluster answers the same web layer several times slower: a quarter of the examples there.
BACKEND_EXAMPLES = {"opensearch": max(EXAMPLES // 4, 5)}
SEED = os.environ.get("SCHEMATHESIS_SEED", "22")  # "random": a new seed each run (make fuzz)
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
TIMEOUT_SECONDS = 900 + EXAMPLES * 3
SCHEMA_OPERATION = "GET /api/openapi.json"  # the document schemathesis reads is not among what it tests


@pytest.fixture(scope="module")
def served(backend_name, request, tmp_path_factory):
    """`search serve` over corpus/ indexed into the backend under test, until the module ends."""
    require_search_command()
    folder = tmp_path_factory.mktemp(f"schemathesis-{backend_name}")
    location = backend_location(backend_name, request, folder / "index", "schemathesis")
    update_index(location, [CORPUS], backend=backend_name)
    server = LiveServer(location, folder / "serve.log", backend=backend_name)
    status, found = get_json(server.url("/api/search?q=Amraam"), timeout=120)  # the first search
    assert status == 200 and found["total"] >= 1, found  # builds the query side: not timed by the run
    yield server, folder
    server.stop()


def schemathesis_command(server: LiveServer, junit: Path, examples: int) -> list[str]:
    """The schemathesis run: every check, every phase, a bounded number of examples."""
    seed = [] if SEED == "random" else ["--seed", SEED]
    return [str(SCHEMATHESIS), "run", server.url("/api/openapi.json"), "--checks", "all",
            "--max-examples", str(examples), *seed, "--workers", "1", "--continue-on-failure",
            "--generation-database", "none", "--no-color", "--request-timeout", "30",
            "--report", "junit", "--report-junit-path", str(junit)]


def run_schemathesis(server: LiveServer, folder: Path,
                     examples: int) -> tuple[subprocess.CompletedProcess, Path]:
    """Run schemathesis with the project's hooks (tests/schemathesis_hooks.py); its output and report."""
    junit = folder / "junit.xml"
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
                   "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    completed = subprocess.run(schemathesis_command(server, junit, examples), cwd=folder, env=environment,
                               capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    return completed, junit


def operations_in_report(junit: Path) -> dict[str, int]:
    """Each operation of the JUnit report with how many problems (failures, errors) it had."""
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    return {case.get("name", ""): len(case.findall("failure")) + len(case.findall("error")) for case in cases}


def test_the_server_answers_as_its_openapi_document_says(served, backend_name):
    server, folder = served
    completed, junit = run_schemathesis(server, folder, BACKEND_EXAMPLES.get(backend_name, EXAMPLES))
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-20000:]
    operations = operations_in_report(junit)
    documented = {f"GET {path}" for path in served_document()["paths"]} - {SCHEMA_OPERATION}
    assert set(operations) == documented | {"Stateful tests"}, (sorted(operations), output[-5000:])
    assert not any(operations.values()), operations
    assert "No issues found" in output and "3 covered / 3 selected" in output, output[-5000:]
