"""The cluster going away (issue 22 §7): a search through `search serve` answers 503
`backend_unavailable` within twice the time budget whether the cluster refuses connections or
stops answering, and answers again once it is back, without a restart; an indexing run cut off
mid-file ends in one line, exit 2, and the next run completes it with every record once.

The fault is a gate (tests/tcp_gate.py) between the engine and the session's real cluster: the
cluster itself stays up for the other tests.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import uuid
from urllib.parse import urlsplit

import pytest
from browser_support import (
    SEARCH,
    Background,
    LiveServer,
    free_port,
    get_json,
    is_listening,
    require_search_command,
)
from conftest import CORPUS
from opensearchpy import OpenSearch
from tcp_gate import Gate

from search.indexer import update_index
from search.settings import SETTINGS

pytestmark = pytest.mark.opensearch

BUDGET = SETTINGS.time_budget_seconds
RECORDS = 1500
COMMIT_EVERY = 300


@pytest.fixture
def alias(opensearch_cluster, monkeypatch):
    """A fresh alias on the session's cluster (no replicas), deleted after the test."""
    monkeypatch.setenv("SEARCH_OPENSEARCH_REPLICAS", "0")
    name = f"gate-{uuid.uuid4().hex[:8]}"
    yield name
    OpenSearch([opensearch_cluster.url]).indices.delete(index=f"{name}-*", ignore_unavailable=True)


@pytest.fixture
def gate(opensearch_cluster):
    """A gate to the cluster's first node."""
    opened = Gate(urlsplit(opensearch_cluster.url).port)
    yield opened
    opened.close()


def gated(gate: Gate, alias: str) -> str:
    return f"http://127.0.0.1:{gate.port}/{alias}"


def timed_search(server: LiveServer, query: str) -> tuple[float, int, dict]:
    started = time.monotonic()
    status, body = get_json(server.url(f"/api/search?q={urllib.parse.quote(query)}"), timeout=60)
    return time.monotonic() - started, status, body


def test_searches_answer_503_within_the_budget_while_the_cluster_is_gone_then_recover(
        opensearch_cluster, alias, gate, tmp_path):
    require_search_command()
    update_index(f"{opensearch_cluster.url}/{alias}", [CORPUS], backend="opensearch")
    server = LiveServer(gated(gate, alias), tmp_path / "serve.log", backend="opensearch",
                        options=("--workers", "1", "--threads", "2"))
    try:
        assert timed_search(server, "Amraam")[1] == 200
        for fault in (gate.hang, gate.shut):
            fault()
            elapsed, status, body = timed_search(server, "Amraam")
            assert status == 503 and body["error"]["code"] == "backend_unavailable", (fault, body)
            assert elapsed < 2 * BUDGET + 1, (fault, elapsed)
            gate.open()
            elapsed, status, body = timed_search(server, "Amraam")
            assert status == 200 and body["total"] > 0, (fault, body)
    finally:
        server.stop()


@pytest.mark.parametrize("fault", ["shut", "hang"])
def test_a_server_started_while_the_cluster_is_gone_answers_503_then_serves_once_it_is_back(
        opensearch_cluster, alias, gate, tmp_path, fault):
    require_search_command()
    update_index(f"{opensearch_cluster.url}/{alias}", [CORPUS], backend="opensearch")
    getattr(gate, fault)()
    port = free_port()
    server = Background([str(SEARCH), "serve", "--index", gated(gate, alias), "--backend", "opensearch",
                         "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2"],
                        tmp_path / "serve.log", env={"NO_COLOR": "1"})
    try:
        deadline = time.monotonic() + 60
        while not is_listening(port):
            assert server.process.poll() is None and time.monotonic() < deadline, server.describe()
            time.sleep(0.2)
        for path in ("/api/health", "/api/search?q=Amraam"):
            started = time.monotonic()
            status, body = get_json(f"http://127.0.0.1:{port}{path}", timeout=60)
            assert status == 503 and body["error"]["code"] == "backend_unavailable", (path, body)
            assert time.monotonic() - started < 2 * BUDGET + 1, path
        gate.open()
        assert server.wait_healthy(port, 30)["documents"] > 0
        status, body = get_json(f"http://127.0.0.1:{port}/api/search?q=Amraam", timeout=60)
        assert status == 200 and body["total"] > 0, body
    finally:
        server.stop()


def records_file(folder) -> str:
    """RECORDS small articles in one JSON Lines file of more than 1 MB (read in stretches)."""
    path = folder / "export.jsonl"
    text = "The delivery of air defence systems was discussed at length by the ministers. " * 10
    with path.open("w", encoding="utf-8") as out:
        for number in range(RECORDS):
            out.write(json.dumps({"id": f"export-{number}", "title": f"Report {number}",
                                  "text": f"{text} Item {number}.", "source": "Test Wire"}) + "\n")
    return str(path)


def index_command(location: str, path: str) -> list[str]:
    return [str(SEARCH), "index", "--backend", "opensearch", "--index", location, "--commit-every",
            str(COMMIT_EVERY), path]


def test_an_indexing_run_cut_off_mid_file_ends_in_one_line_and_the_next_run_completes_it(
        opensearch_cluster, alias, gate, tmp_path):
    require_search_command()
    path, client = records_file(tmp_path), OpenSearch([opensearch_cluster.url])
    run = subprocess.Popen(index_command(gated(gate, alias), path), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline and not _held(client, alias):
        time.sleep(0.2)
    assert run.poll() is None and _held(client, alias), "no checkpoint landed before the run ended"
    gate.shut()
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 2 and stderr.strip().count("\n") == 0 and "reached" in stderr, stderr
    gate.open()
    finished = subprocess.run(index_command(gated(gate, alias), path), capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stderr
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, body={"size": RECORDS + 10, "_source": ["stored.id"],
                                            "query": {"match_all": {}}})["hits"]["hits"]
    ids = sorted(hit["_source"]["stored"]["id"] for hit in hits)
    assert ids == sorted(f"export-{number}" for number in range(RECORDS))


def _held(client: OpenSearch, alias: str) -> int:
    """How many documents the alias finds (0 before it exists)."""
    if not client.indices.exists_alias(name=alias):
        return 0
    return client.count(index=alias)["count"]
