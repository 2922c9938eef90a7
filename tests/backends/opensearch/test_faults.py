"""Faults of the cluster under load (issue 18 §4): `kill -9` of a data node, and separately of the
elected cluster-manager, while an indexing run writes and searches are answered.

During the failover every search must answer within twice the time budget, either with the
results it gave before the fault or marked `partial: true` (a shard failed), never a partial
answer presented as complete. After it, a re-run of the indexing (the interrupted one may have
stopped with an error) leaves every document of the corpus exactly once, the killed node
restarts and rejoins, and the cluster is green again. The engine talks to a node that is not
killed (the location names one node; the cluster's other nodes serve its shards' copies).
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from pathlib import Path

import pytest
from corpus_generator import write_corpus
from opensearchpy import OpenSearch

from search.backends import open_backend
from search.engine import Engine
from search.errors import SearchError
from search.indexer import update_index
from search.settings import SETTINGS

pytestmark = pytest.mark.opensearch

FILES, PER_FILE = 20, 100  # the corpus indexed while a node dies: 2,000 records
COMMIT_EVERY = 200  # small commits: several bulks before and after the kill
QUERIES = ("market prices", "oil", "missile drone strike", "border talks", "bank loans")
LOAD_SECONDS_AFTER_KILL = 8.0
SEARCH_BOUND = 2 * SETTINGS.time_budget_seconds
SURVIVOR = 2  # the node the engine talks to, never killed


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """2,000 generated records in 20 files, and their ids."""
    root = tmp_path_factory.mktemp("fault-corpus")
    for number in range(FILES):
        write_corpus(root / f"part-{number:02}.jsonl", PER_FILE, seed=100 + number)
    return root


def corpus_ids(root: Path) -> list[str]:
    import json

    return [json.loads(line)["id"] for path in sorted(root.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def searched(opensearch_cluster, tmp_path_factory) -> str:
    """A small index that the query load reads while the faults happen (its alias's location,
    through node 3's address)."""
    root = tmp_path_factory.mktemp("fault-searched")
    write_corpus(root / "wire.jsonl", 300, seed=5)
    location = f"{opensearch_cluster.urls[SURVIVOR]}/faults-read-{uuid.uuid4().hex[:8]}"
    update_index(location, [root], backend="opensearch")
    return location


class QueryLoad:
    """Searches answered one after another in a thread, each timed and compared with the answer
    the same query gave before the fault."""

    def __init__(self, location: str):
        self.engine = Engine(open_backend("opensearch", location))
        self.expected = {text: self.ids(self.engine.search(text)) for text in QUERIES}
        self.answers: list[tuple[str, float, bool, list[str] | None, str | None, int | None]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @staticmethod
    def ids(answer: dict) -> list[str]:
        return [hit["id"] for hit in answer["results"]]

    def run(self) -> None:
        turn = 0
        while not self.stopping.is_set():
            text = QUERIES[turn % len(QUERIES)]
            started = time.monotonic()
            try:
                answer = self.engine.search(text)
                record = (text, time.monotonic() - started, answer["partial"], self.ids(answer), None,
                          answer["total"])
            except SearchError as error:
                record = (text, time.monotonic() - started, True, None, f"{error.code}: {error}", None)
            except Exception as error:  # a bug: recorded with where it happened, so the load goes on
                where = traceback.format_exc(limit=-4)
                record = (text, time.monotonic() - started, True, None, f"crash: {error!r} {where}", None)
            self.answers.append(record)
            turn += 1

    def wrong(self) -> list[tuple]:
        """Answers that were slow, an error, or complete but not what the query gave before the fault."""
        return [answer for answer in self.answers if answer[1] > SEARCH_BOUND or answer[4] is not None
                or (not answer[2] and answer[3] != self.expected[answer[0]])]


def client_of(url: str) -> OpenSearch:
    return OpenSearch([url], timeout=60)


def kill_during_load(cluster, victim: int, corpus: Path, searched: str) -> tuple[QueryLoad, object]:
    """Index the corpus through a surviving node while a search load runs; kill -9 the victim
    once the run has committed, keep the load going, then restart the victim. Returns the load
    and what the interrupted run gave (its report, or the error it stopped with)."""
    survivor = cluster.nodes[SURVIVOR]
    location = f"{survivor.url}/faults-{uuid.uuid4().hex[:8]}"
    load = QueryLoad(searched)
    outcome: dict = {}

    def index() -> None:
        try:
            outcome["report"] = update_index(location, [corpus], backend="opensearch",
                                             commit_every=COMMIT_EVERY)
        except Exception as error:  # the run may stop at the fault; the re-run must finish it
            outcome["error"] = error

    writer = threading.Thread(target=index, daemon=True)
    load.thread.start()
    writer.start()
    client = client_of(survivor.url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and writer.is_alive() and not counted(client, location):
        time.sleep(0.2)
    cluster.kill_node(victim)
    time.sleep(LOAD_SECONDS_AFTER_KILL)
    writer.join(timeout=300)
    load.stopping.set()
    load.thread.join(timeout=60)
    cluster.restart_node(victim)
    return load, (location, outcome)


def counted(client: OpenSearch, location: str) -> int:
    alias = location.rsplit("/", 1)[1]
    try:
        return client.count(index=alias)["count"]
    except Exception:  # the alias appears at the first checkpoint
        return 0


def assert_recovered(cluster, location: str, corpus: Path) -> None:
    """A re-run completes the index: every record exactly once; the cluster green again."""
    update_index(location, [corpus], backend="opensearch", commit_every=COMMIT_EVERY)
    client = client_of(location.rsplit("/", 1)[0])
    alias = location.rsplit("/", 1)[1]
    client.indices.refresh(index=alias)
    expected = corpus_ids(corpus)
    hits = client.search(index=alias, body={"query": {"match_all": {}}, "size": len(expected) + 10,
                                            "_source": ["stored.id"]})["hits"]["hits"]
    found = [hit["_source"]["stored"]["id"] for hit in hits]
    assert len(found) == len(set(found)) == len(expected), (len(found), len(set(found)), len(expected))
    assert set(found) == set(expected)
    deadline = time.monotonic() + 120
    health = client.cluster.health()
    while health["status"] != "green" and time.monotonic() < deadline:
        time.sleep(1)
        health = client.cluster.health()
    assert health["status"] == "green" and health["number_of_nodes"] == len(cluster.nodes), health


def test_kill_nine_of_a_data_node_under_indexing_and_searching(opensearch_cluster, corpus, searched):
    manager = opensearch_cluster.manager_index()
    victim = next(node.index for node in opensearch_cluster.nodes if node.index not in (manager, SURVIVOR))
    load, (location, outcome) = kill_during_load(opensearch_cluster, victim, corpus, searched)
    assert load.answers and not load.wrong(), load.wrong()[:5]
    assert_recovered(opensearch_cluster, location, corpus)


def test_kill_nine_of_the_elected_manager_under_indexing_and_searching(opensearch_cluster, corpus, searched):
    manager = opensearch_cluster.manager_index()
    if manager == SURVIVOR:  # the engine's node: make another node the manager
        opensearch_cluster.kill_node(SURVIVOR)
        opensearch_cluster.restart_node(SURVIVOR)
        manager = opensearch_cluster.manager_index()
    load, (location, outcome) = kill_during_load(opensearch_cluster, manager, corpus, searched)
    assert load.answers and not load.wrong(), load.wrong()[:5]
    assert_recovered(opensearch_cluster, location, corpus)


def kill_a_primary_holder_when_the_swap_begins(cluster, client: OpenSearch, alias: str, old: str) -> dict:
    """Wait until a rebuild's new index is given its replicas (the swap's first step), then kill -9
    a node (not the engine's) holding one of its primaries. What was seen: the index and node."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        settings = client.indices.get_settings(index=f"{alias}-v*", name="index.number_of_replicas")
        growing = [name for name, found in settings.items()
                   if name != old and found["settings"]["index"]["number_of_replicas"] != "0"]
        if growing:
            shards = client.cat.shards(index=growing[0], format="json", h="prirep,node")
            holders = {shard["node"] for shard in shards if shard["prirep"] == "p"}
            others = [node for node in cluster.nodes if node.index != SURVIVOR]
            victim = next((node for node in others if node.name in holders), others[0])
            cluster.kill_node(victim.index)
            return {"index": growing[0], "victim": victim.index, "alias_then": alias_target_of(client, alias)}
        time.sleep(0.05)
    raise AssertionError("the rebuild never reached its swap")


def alias_target_of(client: OpenSearch, alias: str) -> list[str]:
    return sorted(client.indices.get_alias(name=alias))


def totals_of(location: str) -> dict[str, int]:
    engine = Engine(open_backend("opensearch", location))
    return {text: engine.search(text)["total"] for text in QUERIES}


def test_kill_nine_of_a_node_during_the_alias_swap_leaves_searches_on_the_old_or_a_whole_new_index(
        opensearch_cluster, tmp_path):
    """A rebuild's end waits for its new index's copies before the alias moves; a node holding one
    of its primaries is killed then. Every search meanwhile answers from the old index or from a
    whole new one (its total one or the other, or marked partial), never from neither, and the
    rebuild either swapped or stopped with the old index still searched; a re-run finishes it."""
    survivor = opensearch_cluster.nodes[SURVIVOR]
    alias = f"swap-{uuid.uuid4().hex[:8]}"
    location = f"{survivor.url}/{alias}"
    root = tmp_path / "swap-corpus"
    write_corpus(root / "old.jsonl", 300, seed=7)
    update_index(location, [root], backend="opensearch")
    client = client_of(survivor.url)
    old = alias_target_of(client, alias)[0]
    old_totals = totals_of(location)
    write_corpus(root / "new.jsonl", 300, seed=8)
    load = QueryLoad(location)
    outcome: dict = {}

    def rebuild() -> None:
        try:
            outcome["report"] = update_index(location, [root], backend="opensearch", rebuild=True)
        except SearchError as error:
            outcome["error"] = error

    writer = threading.Thread(target=rebuild, daemon=True)
    load.thread.start()
    writer.start()
    seen = kill_a_primary_holder_when_the_swap_begins(opensearch_cluster, client, alias, old)
    writer.join(timeout=300)
    time.sleep(2)
    load.stopping.set()
    load.thread.join(timeout=60)
    assert not writer.is_alive() and seen["alias_then"] == [old], (outcome, seen)
    if "error" in outcome:  # refused: the new index lost a shard's only copy
        assert "readers still search the old index" in str(outcome["error"]), outcome
        assert alias_target_of(client, alias) == [old]
    opensearch_cluster.restart_node(seen["victim"])
    update_index(location, [root], backend="opensearch", rebuild="error" in outcome)
    new_totals = totals_of(location)
    assert new_totals != old_totals and alias_target_of(client, alias) != [old]
    neither = [answer for answer in load.answers if answer[4] is not None or answer[1] > SEARCH_BOUND
               or (not answer[2] and answer[5] not in (old_totals[answer[0]], new_totals[answer[0]]))]
    without_ids = [answer[:3] + answer[4:] for answer in neither]
    assert load.answers and not neither, (old_totals, new_totals, seen, outcome, without_ids)
