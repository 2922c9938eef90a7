"""What a search asks of the cluster (search/backends/opensearch/backend.py) on the session's real
cluster: the requests are counted at the client's transport, the answers compared with the
embedded backend's."""

from __future__ import annotations

import json
import uuid
from unittest.mock import ANY

import pytest
from conftest import CORPUS, ids
from opensearchpy import Transport

from search.backends import open_backend
from search.engine import Engine
from search.indexer import update_index

pytestmark = pytest.mark.opensearch

# Many runs of words that may be a reporter's or a source's name, and words spelling checks.
MANY_RUNS = "Ben Wallace says Zelenskiy wants Amraam missiles for Ukraine air defence"


@pytest.fixture(scope="module")
def cluster_engine(opensearch_cluster) -> Engine:
    location = f"{opensearch_cluster.url}/view-{uuid.uuid4().hex[:10]}"
    update_index(location, [CORPUS], backend="opensearch")
    return Engine(open_backend("opensearch", location))


def record_requests(monkeypatch, kept) -> list[str]:
    """What `kept(url, params, body)` makes of each request the OpenSearch client sends from now
    on (None: nothing)."""
    made: list[str] = []
    sent = Transport.perform_request

    def recorded(transport, method, url, *args, params=None, body=None, **kwargs):
        if (record := kept(url, params or {}, body)) is not None:
            made.append(record)
        return sent(transport, method, url, *args, params=params, body=body, **kwargs)

    monkeypatch.setattr(Transport, "perform_request", recorded)
    return made


@pytest.fixture
def requests_made(monkeypatch) -> list[str]:
    """The paths (with their parameters) of the requests the OpenSearch client sends from now on."""
    return record_requests(monkeypatch, lambda url, params, _body: url + "?" + "&".join(
        f"{key}={value}" for key, value in sorted(params.items())))


def term_counts(requests: list[str]) -> list[str]:
    """The requests that count one term's documents (`has_name`'s counts stop at the first)."""
    return [request for request in requests if "/_count?" in request and "terminate_after" not in request]


def test_the_counts_a_query_needs_are_asked_at_once(cluster_engine, seed_index, requests_made):
    """A query asks whether each run of its words names a reporter or a source, and spelling
    how often each word is printed: every such count in one `_msearch` per stage, never one
    `_count` a term (15 runs of words here, each in two name fields)."""
    found = cluster_engine.search(MANY_RUNS)

    assert term_counts(requests_made) == [] and requests_made.count("/_msearch?") >= 2, requests_made
    expected = Engine(open_backend("whoosh", seed_index)).search(MANY_RUNS)
    assert [hit["id"] for hit in found["results"]] == [hit["id"] for hit in expected["results"]]
    assert found["total"] == expected["total"]


def test_learnt_counts_are_one_request_remembered_and_the_embedded_backends(cluster_engine, seed_index,
                                                                            requests_made):
    view, embedded = cluster_engine.view(), Engine(open_backend("whoosh", seed_index)).view()
    terms = [("content", "missil"), ("content", "amraam"), ("title", "zelenskiy"), ("content", "nosuchword"),
             ("byline", "ben wallac"), ("source", "the telegraph")]
    requests_made.clear()
    view.learn_frequencies(terms)
    assert [request.split("?")[0] for request in requests_made] == ["/_msearch"]

    vocabulary, embedded_vocabulary = view.vocabulary(), embedded.vocabulary()
    for fieldname, term in terms:
        assert vocabulary.frequency(fieldname, term) == embedded_vocabulary.frequency(fieldname, term), term
        assert view.has_term(fieldname, term) == embedded.has_term(fieldname, term), term
    assert len(requests_made) == 1
    assert any(vocabulary.frequency(fieldname, term) for fieldname, term in terms)


# Typed words did-you-mean corrects, or must leave alone, on the spelling corpus (tests/test_spelling.py).
SPELLING_CHECKS = ("govermnet", "holdr", "reutrs", "amram", "zelenskky", "holmer", "grobbin", "amram tanker",
                   "Tony Holmer", "mexico loan by tony holmer", "Kyiv", "place:kyiv", "zorblet")


@pytest.fixture(scope="module")
def cluster_spelling_engine(opensearch_cluster, tmp_path_factory) -> Engine:
    from fixtures_corpora import SPELLING_RECORDS

    root = tmp_path_factory.mktemp("spelling-corpus")
    lines = "".join(json.dumps(record) + "\n" for record in SPELLING_RECORDS)
    (root / "docs.jsonl").write_text(lines, encoding="utf-8")
    location = f"{opensearch_cluster.url}/spelling-{uuid.uuid4().hex[:10]}"
    update_index(location, [root], backend="opensearch")
    return Engine(open_backend("opensearch", location))


@pytest.fixture
def bodies_sent(monkeypatch) -> list[str]:
    """The bodies (as JSON) of the searches the OpenSearch client sends from now on."""
    return record_requests(monkeypatch, lambda url, _params, body:
                           json.dumps(body) if url.endswith("/_search") else None)


def test_did_you_mean_asks_the_suggester_and_offers_the_embedded_backends_corrections(
        cluster_spelling_engine, spelling_engine, bodies_sent):
    """The spelling fields' terms near a typed word come from the term suggester (one request a
    word, whatever the index's size), never from a read of the whole vocabulary."""
    offered = 0
    for text in SPELLING_CHECKS:
        found, expected = cluster_spelling_engine.search(text), spelling_engine.search(text)
        offered += expected["suggestion"] is not None
        assert (found["suggestion"], found["corrected_query"]) == (
            expected["suggestion"], expected["corrected_query"]), text
        assert [hit["id"] for hit in found["results"]] == [hit["id"] for hit in expected["results"]], text
    assert offered >= 6, "most of the checks are typos"
    assert any('"suggest"' in body for body in bodies_sent)
    assert not any('"composite"' in body for body in bodies_sent), "no read of the whole vocabulary"


def test_a_story_whose_versions_a_failing_shard_left_unread_is_shown_and_the_answer_partial(
        cluster_engine, monkeypatch):
    """A shard failing over (a node killed) can answer a ranking and then fail the read of its
    stories' versions: each hit is still shown, the answer is marked partial, and the short read
    is not remembered for the next search. (The cluster's answer to that read is made short.)"""
    from opensearchpy import OpenSearch

    expected = cluster_engine.search("Amraam missiles")
    cluster_engine.view().story_versions.clear()
    asked = OpenSearch.search

    def versions_unanswered(client, *args, body=None, **kwargs):
        answer = asked(client, *args, body=body, **kwargs)
        if '{"terms": {"story": [' in json.dumps(body):
            shards = {**answer["_shards"], "failed": 1}
            return {**answer, "hits": {**answer["hits"], "hits": []}, "_shards": shards}
        return answer

    monkeypatch.setattr(OpenSearch, "search", versions_unanswered)
    found = cluster_engine.search("Amraam missiles")
    assert found["partial"] and ids(found) == ids(expected) != []
    assert cluster_engine.view().story_versions == {}
    monkeypatch.undo()
    assert cluster_engine.search("Amraam missiles") == {**expected, "took_ms": ANY}
