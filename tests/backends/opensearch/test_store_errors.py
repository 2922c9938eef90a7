"""How `store.call` and `store.search_failure` say the cluster's failures, and which servers
`store.connect` refuses (no cluster needed: the errors are opensearch-py's, answers as the cluster
gives them, or a server on loopback that only says what it runs)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opensearchpy.exceptions import RequestError, TransportError

from search.backends.opensearch.store import Address, call, connect, search_failure, supported
from search.errors import BackendUnavailable, InvalidParameter

ADDRESS = Address("http://127.0.0.1:9200", "news")
FETCH_LOST = "[node-1][127.0.0.1:34880][indices:data/read/search[phase/fetch/id]] disconnected"
DROPPED = {"error": {"root_cause": [{"reason": FETCH_LOST}]}}
BAD_QUERY = {"error": {"root_cause": [{"reason": "failed to create query: maxClauseCount is set to 1024"}]}}


def failing(*errors):
    """A request that fails with each error in turn, then answers."""
    left = list(errors)

    def request():
        if left:
            raise left.pop(0)
        return {"answered": True}
    return request


def test_a_request_a_leaving_node_failed_is_tried_once_more():
    assert call(ADDRESS, failing(RequestError(400, "search_phase_execution_exception", DROPPED))) == \
        {"answered": True}


def test_a_request_failing_with_a_500_because_a_node_left_is_tried_once_more():
    """The cluster says a fetch phase whose node disconnected with status 500 too (a data-node
    kill in make test's fault run)."""
    dropped = TransportError(500, "search_phase_execution_exception", DROPPED)
    assert call(ADDRESS, failing(dropped)) == {"answered": True}
    with pytest.raises(BackendUnavailable, match="failed to answer"):
        call(ADDRESS, failing(dropped, dropped))
    with pytest.raises(BackendUnavailable, match="boom"):  # another failure is not asked again
        call(ADDRESS, failing(TransportError(500, "boom", {"error": {"root_cause": [{"reason": "boom"}]}})))


def test_a_search_failed_on_every_shard_with_no_cause_is_tried_once_more():
    """What a search answered while a killed node's shard copies were promoted (make test's
    data-node kill: `500: search_phase_execution_exception`, no root cause)."""
    all_failed = {"error": {"root_cause": [], "type": "search_phase_execution_exception",
                            "reason": "all shards failed"}, "status": 500}
    failed = TransportError(500, "search_phase_execution_exception", all_failed)
    assert call(ADDRESS, failing(failed)) == {"answered": True}
    with pytest.raises(BackendUnavailable, match="failed to answer"):
        call(ADDRESS, failing(failed, failed))


def test_twice_failed_by_leaving_nodes_it_is_unavailable_not_a_bad_query():
    dropped = RequestError(400, "search_phase_execution_exception", DROPPED)
    with pytest.raises(BackendUnavailable, match="lost a node"):
        call(ADDRESS, failing(dropped, dropped))


def test_a_query_the_cluster_refuses_is_a_bad_request_and_not_retried():
    with pytest.raises(InvalidParameter, match="maxClauseCount"):
        call(ADDRESS, failing(RequestError(400, "search_phase_execution_exception", BAD_QUERY)))


@pytest.mark.parametrize(("answer", "kind"), [
    ({"status": 400, **DROPPED}, BackendUnavailable),  # a node left while serving one search
    ({"status": 503, "error": {"root_cause": [], "reason": "all shards failed"}}, BackendUnavailable),
    ({"status": 400, **BAD_QUERY}, InvalidParameter),
])
def test_a_failed_search_of_a_multi_search_is_said_as_call_says_a_failed_request(answer, kind):
    assert isinstance(search_failure(ADDRESS, answer), kind)


@pytest.mark.parametrize(("number", "works"), [
    ("2.13.0", True), ("2.19.6", True), ("3.0.0", True), ("3.3.1", True), ("3.0.0-beta1", True),
    ("2.12.0", False), ("2.11.1", False), ("1.3.20", False), ("4.0.0", False), ("?", False), ("2", False),
])
def test_the_versions_the_backend_works_with_are_opensearch_2_13_up_to_3(number, works):
    assert supported(number) is works


def test_a_server_of_a_version_the_backend_cannot_use_is_refused_in_one_line():
    class SaysItsVersion(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            answer = json.dumps({"version": {"distribution": "opensearch", "number": "2.11.1"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), SaysItsVersion)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(BackendUnavailable) as refused:
            connect(Address(f"http://127.0.0.1:{server.server_port}", "news"), timeout=5)
    finally:
        server.shutdown()
    said = str(refused.value)
    assert "2.11.1" in said and "supports OpenSearch 2.13 to 3.x" in said and "\n" not in said
