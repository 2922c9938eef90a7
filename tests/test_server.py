"""`search serve` as worker processes (web/server.py; issue 19): every worker answers after a
re-index, a killed worker is replaced, and a query as long as the app allows passes gunicorn.

Real parts only: the `search` command on a loopback port with two workers, the index on disk
written by the indexer while the server runs, `kill -9` on a worker.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import urllib.parse

import pytest
from browser_support import LiveServer, get_json, require_search_command, wait_for_workers, workers_of

from search.indexer import update_index
from search.settings import SETTINGS
from web.server import COLLECTOR_THRESHOLDS, collect_less

WORKERS = 2
NEW_WORD = "quokkafest"


@pytest.fixture
def served(tmp_path, corpus_copy):
    """The sample corpus indexed into tmp_path, served by two workers of two threads."""
    require_search_command()
    index = tmp_path / "index"
    update_index(index, [corpus_copy])
    server = LiveServer(index, tmp_path / "serve.log", options=("--workers", str(WORKERS), "--threads", "2"))
    wait_for_workers(server, lambda found: len(found) == WORKERS)  # health answers from the first
    yield server, index, corpus_copy
    server.stop()


def search(server: LiveServer, query: str) -> tuple[int, dict]:
    return get_json(server.url(f"/api/search?q={urllib.parse.quote(query)}"), timeout=30)


def test_the_server_runs_one_worker_per_requested_process(served):
    server, _, _ = served
    assert len(workers_of(server)) == WORKERS


def test_every_answer_after_a_re_index_holds_the_new_article(served):
    server, index, corpus = served
    for _ in range(10):  # both workers open their engines on the first commit
        assert search(server, NEW_WORD)[1]["total"] == 0
    record = {"id": "quokka-1", "title": "Quokkafest opens", "text": f"The {NEW_WORD} opened in Perth today.",
              "date": "2022-11-01", "source": "Test Wire"}
    (corpus / "new.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    update_index(index, [corpus])
    totals = [search(server, NEW_WORD)[1]["total"] for _ in range(20)]
    assert totals == [1] * 20


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(served):
    server, _, _ = served
    before = workers_of(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    now = wait_for_workers(server, lambda found: len(found) == WORKERS and victim not in found)
    assert len(now) == WORKERS and victim not in now, (before, now)
    statuses = [search(server, "Amraam")[0] for _ in range(10)]
    assert statuses == [200] * 10


def test_a_query_of_the_longest_allowed_length_passes_the_server(served):
    server, _, _ = served
    longest = ("éèêëà " * SETTINGS.max_query_chars)[:SETTINGS.max_query_chars - 1] + "é"
    assert len(longest) == SETTINGS.max_query_chars
    assert len(urllib.parse.quote(longest)) > 8190, "longer than gunicorn's largest request-line limit"
    status, body = search(server, longest)
    assert status == 200 and "results" in body, body
    status, body = search(server, longest + "é")
    assert status == 400 and str(SETTINGS.max_query_chars) in json.dumps(body), body


def test_serve_refuses_an_address_in_use_in_one_line(served, run_cli):
    server, index, _ = served
    result = run_cli("serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(server.port))
    assert result.code == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "cannot listen" in result.stderr


@pytest.mark.parametrize("address", ["news.example.org", "ftp://news.example.org", "https://x.org/?a=1"])
def test_serve_refuses_a_base_url_that_is_not_an_http_address_in_one_line(run_cli, address):
    result = run_cli("serve", "--base-url", address)
    assert result.code == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "expected an http(s) address" in result.stderr


def test_the_default_is_one_worker_per_core(run_cli):
    result = run_cli("serve", "--help")
    assert f"one per core, here {len(os.sched_getaffinity(0))})" in " ".join(result.stdout.split())


def test_a_serving_process_collects_garbage_less_often_and_never_walks_what_it_held_at_start():
    before = gc.get_threshold()
    try:
        collect_less()
        assert gc.get_threshold() == COLLECTOR_THRESHOLDS and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
