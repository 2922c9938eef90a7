"""`search serve` as worker processes (web/server.py; issue 19): every worker answers after a
re-index, a killed worker is replaced, and a query as long as the app allows passes gunicorn.

Real parts only: the `search` command on a loopback port with two workers, the index on disk
written by the indexer while the server runs, `kill -9` on a worker.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import json
import os
import signal
import socket
import time
import urllib.parse

import pytest
from browser_support import LiveServer, get_json, require_search_command, wait_for_workers, workers_of

from search.indexer import update_index
from search.settings import SETTINGS
from web.server import COLLECTOR_THRESHOLDS, MAX_HEADER_BYTES, collect_less
from web.worker import HEAD_BYTES, LINGER_SECONDS

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


def raw_answer(server: LiveServer, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes no HTTP client library would, and read the answer's status, headers and body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(request)
        answer = connection.makefile("rb").read()  # to the end: the server closes after a refusal
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *fields = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (field.partition(":") for field in fields)}
    return status, headers, body


REFUSED_BEFORE_THE_APP = {
    "a NUL in the request line": (b"GET /api/search?q=a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "a negative Content-Length": (b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    "a header over the limit": (b"GET /api/search?q=a HTTP/1.1\r\nHost: x\r\nX-Big: "
                                + b"a" * (MAX_HEADER_BYTES + 8000) + b"\r\n\r\n", 431),
    "a page's path": (b"GET /search?q=a\rb HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "a request line over the limit": (b"GET /api/search?q=" + b"a" * HEAD_BYTES + b" HTTP/1.1\r\n\r\n", 414),
    "headers over the limit together": (b"GET /api/search?q=a HTTP/1.1\r\n" + b"".join(
        b"X-%d: %s\r\n" % (number, b"a" * 30_000) for number in range(HEAD_BYTES // 30_000 + 1)), 431),
}


@pytest.mark.parametrize("case", REFUSED_BEFORE_THE_APP)
def test_a_request_the_server_refuses_before_the_app_gets_the_json_error_envelope(served, case):
    server, _, _ = served
    request, expected_status = REFUSED_BEFORE_THE_APP[case]
    status, headers, body = raw_answer(server, request)
    assert status.split()[1] == str(expected_status), status
    assert headers["content-type"] == "application/json", headers
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert error["code"] == ("request_too_large" if expected_status in (414, 431) else "bad_request"), error
    assert error["message"] and len(error["message"]) < 400, error
    assert search(server, "Amraam")[0] == 200, "the worker that refused it still answers"


@contextlib.contextmanager
def more_connections_than_threads(server: LiveServer):
    """Three connections for each of the server's threads, closed at the end."""
    address = ("127.0.0.1", server.port)
    opened = [socket.create_connection(address, timeout=30) for _ in range(3 * WORKERS * 2)]
    try:
        yield opened
    finally:
        for connection in opened:
            connection.close()


def finish_searches(connections: list[socket.socket], rest: bytes) -> None:
    """Send the rest of each connection's search (`Connection: close`): each is answered whole."""
    for connection in connections:
        connection.sendall(rest + b"Connection: close\r\n\r\n")
    answers = [connection.makefile("rb").read() for connection in connections]
    assert all(answer.startswith(b"HTTP/1.1 200") and b'"total"' in answer for answer in answers), answers


def test_clients_that_stall_inside_their_headers_or_never_close_do_not_starve_the_workers(served):
    """Three times as many half-sent requests as the server has threads: a search is still
    answered at once, and each stalled request is answered when its headers are finished, though
    none of those clients closes its end (gunicorn's own worker waits up to 2 s for each)."""
    server, _, _ = served
    with more_connections_than_threads(server) as stalled:
        for connection in stalled:
            connection.sendall(b"GET /api/search?q=Amraam HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        status, body = get_json(server.url("/api/search?q=Amraam"), timeout=5)
        assert status == 200 and body["total"] >= 1
        started = time.monotonic()
        finish_searches(stalled, b"b\r\n")
        assert time.monotonic() - started < len(stalled) * LINGER_SECONDS / 4, "closings waited on one by one"


def test_a_next_request_half_sent_behind_a_kept_alive_one_does_not_hold_a_thread(served):
    """The start of a second request sent with the first (pipelined) waits for the rest of its
    head in the event loop, like any head: more such connections than threads starve no one."""
    server, _, _ = served
    with more_connections_than_threads(server) as pipelined:
        for connection in pipelined:
            connection.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/sea")
        for connection in pipelined:  # the first is answered: the second's start is read ahead
            first = http.client.HTTPResponse(connection)
            first.begin()
            assert first.status == 200 and b'"status"' in first.read()
        status, body = get_json(server.url("/api/search?q=Amraam"), timeout=5)
        assert status == 200 and body["total"] >= 1
        finish_searches(pipelined, b"rch?q=Amraam HTTP/1.1\r\nHost: x\r\n")


def test_serve_refuses_an_address_in_use_in_one_line(served, run_cli):
    server, index, _ = served
    result = run_cli("serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(server.port))
    assert result.code == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "cannot listen" in result.stderr


@pytest.mark.parametrize("host", ["256.1.1.1", "no-such-host.invalid", "10.255.255.1"])
def test_serve_refuses_a_host_it_cannot_listen_on_in_one_line(run_cli, host):
    result = run_cli("serve", "--host", host, "--port", "8999")
    assert result.code == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert f"cannot listen on {host}:8999" in result.stderr


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
