"""The OpenSearch backend's indexing sink (search/backends/opensearch/sink.py) on the session's real
cluster, driven by `search.indexer.update_index` as `search index` drives a backend.

Each test writes under an alias of its own (`sink-<hex>`) and reads OpenSearch directly: what the
alias points at, which documents it holds, the state and lock documents. A first build must hold
what the embedded index holds for the same folder, and later runs (edits, deletions, rebuilds,
cancelled runs, a second writer) must leave it as the embedded index would be left.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS, HOLR, SEEDS, TELEGRAPH_PRINT, TELEGRAPH_WEB
from index_reading import EachRead, index_state, stored_by_id
from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError

from search.backends import open_sink as open_registered_sink
from search.backends.opensearch import sink as sink_module
from search.backends.opensearch.mapping import EMBEDDED_BM25_PLUGIN
from search.backends.opensearch.sink import STALE_LOCK_SECONDS, OpenSearchSink, open_sink
from search.backends.opensearch.store import FORMAT_VERSION, LOCK_DOC, Address, read_state
from search.errors import BackendUnavailable, IndexBusy, IndexIncompatible, InvalidParameter, SearchError
from search.indexer import UpdateReport, update_index
from search.tables import fingerprint

pytestmark = pytest.mark.opensearch

USER_ALIASES = "Storm Shadow\tWidowmaker\n"
USER_VARIANTS = "shapps\tschapps shaps\n"
EVERY = 1000  # more documents than any index here holds
RECORD_A = {"id": "wire-a", "title": "Grain prices", "date": "2022-11-02",
            "text": "Grain prices fell in Chicago as exports resumed from Odesa."}
RECORD_B = {"id": "wire-b", "title": "Oil steady", "date": "2022-11-03",
            "text": "Oil prices held steady as OPEC kept its output unchanged."}


# --- reading OpenSearch directly -------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(opensearch_cluster) -> OpenSearch:
    return OpenSearch(hosts=opensearch_cluster.urls, timeout=60)


def alias_of(location: str) -> str:
    """The alias a location names (its path)."""
    return Address.parse(location).alias


def target(client: OpenSearch, location: str) -> str:
    """The index the location's alias points at (exactly one)."""
    found = client.indices.get_alias(name=alias_of(location))
    assert len(found) == 1, found
    return next(iter(found))


def versioned_indices(client: OpenSearch, location: str) -> list[str]:
    """Every versioned index of the location's alias, pointed at or not."""
    rows = client.cat.indices(index=f"{alias_of(location)}-v*", format="json", h="index")
    return sorted(row["index"] for row in rows)


def stored(client: OpenSearch, location: str) -> list[dict]:
    """Every document the alias finds: its stored record, `_id` and `_routing` (twice if held twice)."""
    hits = client.search(index=alias_of(location), body={"size": EVERY, "query": {"match_all": {}}})
    return [{**hit["_source"]["stored"], "_id": hit["_id"], "_routing": hit["_routing"]}
            for hit in hits["hits"]["hits"]]


def held_ids(client: OpenSearch, location: str) -> list[str]:
    """The ids the alias finds, sorted, a document held twice listed twice."""
    return sorted(record["id"] for record in stored(client, location))


def body_of(client: OpenSearch, location: str, doc_id: str) -> str:
    """The stored body of one document, as a hit would show it."""
    return next(record["body"] for record in stored(client, location) if record["id"] == doc_id)


def count(client: OpenSearch, location: str) -> int:
    """How many documents the alias finds (`_count`)."""
    return client.count(index=alias_of(location))["count"]


def generation(client: OpenSearch, location: str) -> int:
    """The state's generation, which every commit raises."""
    return read_state(client, Address.parse(location))[1]


def lock_document(client: OpenSearch, location: str) -> dict | None:
    """The writer lock's document (None: nobody holds the lock)."""
    try:
        return client.get(index=Address.parse(location).state_index, id=LOCK_DOC)["_source"]
    except NotFoundError:
        return None


def counts(report: UpdateReport) -> tuple[int, int, int, int, int]:
    """What a run reports, as one comparable tuple."""
    return report.added, report.updated, report.removed, report.unchanged, report.failed


def index_into(location: str, folder: Path, **options) -> UpdateReport:
    """A run of `search index --backend opensearch` over one folder."""
    return update_index(location, [folder], backend="opensearch", **options)


def drop(client: OpenSearch, location: str) -> None:
    """Delete the alias's indices (versioned and state)."""
    client.indices.delete(index=f"{alias_of(location)}-*", ignore_unavailable=True)


@pytest.fixture
def location(opensearch_cluster, client, monkeypatch):
    """A fresh alias on the session's cluster, deleted after the test; its indices without replicas
    (quicker to make: these tests are about the runs, the built index and a rebuild about the shape)."""
    monkeypatch.setenv("SEARCH_OPENSEARCH_REPLICAS", "0")
    place = f"{opensearch_cluster.url}/sink-{uuid.uuid4().hex[:8]}"
    yield place
    drop(client, place)


# --- one build, read by several tests -------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    location: str
    report: UpdateReport
    embedded: Path  # the Whoosh index of the same folder, aliases and variants


@pytest.fixture(scope="module")
def built(opensearch_cluster, client, tmp_path_factory) -> Built:
    """The sample corpus indexed once into OpenSearch, with a user alias and variant file, and the
    same into the embedded index."""
    folder = tmp_path_factory.mktemp("sink-build")
    options = {"alias_files": [folder / "aliases.tsv"], "variant_files": [folder / "variants.tsv"]}
    options["alias_files"][0].write_text(USER_ALIASES, encoding="utf-8")
    options["variant_files"][0].write_text(USER_VARIANTS, encoding="utf-8")
    location = f"{opensearch_cluster.url}/sink-{uuid.uuid4().hex[:8]}"
    report = index_into(location, CORPUS, **options)
    update_index(folder / "embedded", [CORPUS], **options)
    yield Built(location, report, folder / "embedded")
    drop(client, location)


def test_a_first_build_holds_each_record_once_as_the_embedded_index_does(built, client):
    assert counts(built.report) == (len(SEEDS), 0, 0, 0, 0) and built.report.committed
    assert held_ids(client, built.location) == sorted(stored_by_id(built.embedded))
    assert count(client, built.location) == len(SEEDS)
    assert versioned_indices(client, built.location) == [target(client, built.location)]


def test_each_document_is_routed_by_its_story(built, client):
    records = stored(client, built.location)
    assert all(record["_routing"] == record["story"] for record in records)
    assert {record["id"]: record["story"] for record in records} == {
        doc_id: document["story"] for doc_id, document in stored_by_id(built.embedded).items()}
    story = next(record["story"] for record in records if record["id"] == TELEGRAPH_PRINT)
    found = client.get(index=alias_of(built.location), id=TELEGRAPH_WEB, routing=story)
    assert found["_source"]["stored"]["story"] == story, "both versions of a story on its shard"


def test_a_second_run_with_nothing_changed_writes_nothing(built, client):
    before = (generation(client, built.location), target(client, built.location))
    report = index_into(built.location, CORPUS)
    assert counts(report) == (0, 0, 0, len(SEEDS), 0) and not report.committed
    assert (generation(client, built.location), target(client, built.location)) == before
    assert count(client, built.location) == len(SEEDS)


def test_the_state_a_fresh_sink_reads_is_the_state_the_run_kept(built):
    ours, embedded = open_sink(built.location, False, []).state, index_state(built.embedded)
    assert (ours.format, ours.tables) == (FORMAT_VERSION, fingerprint())
    assert ours.learned == embedded.learned and ours.learned
    assert ours.aliases == embedded.aliases and "Widowmaker" in ours.aliases["Storm Shadow"]
    assert ours.user_variants == embedded.user_variants == [["schapps", "shapps"], ["shaps", "shapps"]]


def test_other_variants_are_refused_without_a_rebuild(built):
    with pytest.raises(IndexIncompatible, match="--variants differ"):
        open_sink(built.location, False, [("grey", "gray")])


def test_the_index_scores_with_the_embedded_backends_bm25_where_every_node_has_it(built, client):
    name = target(client, built.location)
    similarity = client.indices.get_settings(index=name)[name]["settings"]["index"]["similarity"]
    assert similarity["news_bm25"]["type"] == "embedded_bm25"
    sink = open_sink(built.location, False, [])
    assert sink._every_node_has(EMBEDDED_BM25_PLUGIN)
    assert not sink._every_node_has("org.example.ImaginaryPlugin"), "a cluster without it gets Lucene's BM25"


def test_the_registry_opens_this_sink(built):
    assert isinstance(open_registered_sink("opensearch", built.location, rebuild=False, user_variants=[]),
                      OpenSearchSink)


# --- runs that change the index --------------------------------------------------------------------


def write_records(path: Path, *records: dict) -> None:
    """A JSON Lines file of these records (one file, several documents)."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def test_an_edited_file_replaces_its_documents_and_a_deleted_file_removes_them(location, corpus_copy, client):
    seeds = sorted(path.stem for path in SEEDS)
    wire = corpus_copy / "wire.jsonl"
    write_records(wire, RECORD_A, RECORD_B)
    index_into(location, corpus_copy)
    with (corpus_copy / f"{HOLR}.txt").open("a", encoding="utf-8") as text:
        text.write("\nZanzibar was mentioned too.\n")
    write_records(wire, {**RECORD_A, "text": "Grain prices fell again in Chicago on Tuesday."})
    assert counts(index_into(location, corpus_copy)) == (0, 2, 1, len(SEEDS) - 1, 0)
    assert held_ids(client, location) == sorted([*seeds, RECORD_A["id"]])
    assert "Zanzibar" in body_of(client, location, HOLR)
    assert "Tuesday" in body_of(client, location, RECORD_A["id"])

    (corpus_copy / f"{TELEGRAPH_WEB}.txt").unlink()
    wire.unlink()
    assert counts(index_into(location, corpus_copy)) == (0, 0, 2, len(SEEDS) - 1, 0)
    assert held_ids(client, location) == [doc_id for doc_id in seeds if doc_id != TELEGRAPH_WEB]


def test_a_rebuild_swaps_the_alias_to_a_new_index_and_deletes_the_old(location, client, monkeypatch):
    monkeypatch.delenv("SEARCH_OPENSEARCH_REPLICAS")  # the default, one, restored after the bulk load
    index_into(location, CORPUS)
    old = target(client, location)
    seen_while_rebuilding = []

    def watch(reads: int) -> None:
        seen_while_rebuilding.append((target(client, location), count(client, location)))

    report = index_into(location, CORPUS, rebuild=True, progress=EachRead(watch))
    assert counts(report) == (len(SEEDS), 0, 0, 0, 0)
    assert set(seen_while_rebuilding) == {(old, len(SEEDS))}, "readers keep the old index until the end"
    new = target(client, location)
    assert new != old and versioned_indices(client, location) == [new]
    assert held_ids(client, location) == sorted(path.stem for path in SEEDS)
    settings = client.indices.get_settings(index=new)[new]["settings"]["index"]
    assert settings["number_of_replicas"] == "1" and "refresh_interval" not in settings


def test_upgrade_rebuilds_an_index_another_version_built(location, client, capsys):
    index_into(location, CORPUS)
    sink = open_sink(location, False, [])
    sink.state.format = FORMAT_VERSION + 1
    sink.save_state()
    with pytest.raises(IndexIncompatible, match="another version"):
        open_sink(location, False, [])
    old = target(client, location)
    assert counts(index_into(location, CORPUS, upgrade=True)) == (len(SEEDS), 0, 0, 0, 0)
    assert "note:" in capsys.readouterr().err
    assert target(client, location) != old
    assert open_sink(location, False, []).state.format == FORMAT_VERSION


def test_an_orphaned_versioned_index_goes_when_a_run_takes_the_lock(location, corpus_copy, client):
    index_into(location, corpus_copy)
    alias = alias_of(location)
    orphan, unrelated = f"{alias}-v1-0123456789abcdef-1", f"{alias}-vintage"
    for name in (orphan, unrelated):
        client.indices.create(index=name, body={"settings": {"number_of_replicas": 0}})
    (corpus_copy / f"{HOLR}.txt").unlink()
    index_into(location, corpus_copy)
    assert not client.indices.exists(index=orphan)
    assert client.indices.exists(index=unrelated), "only names of our versioned form are ours"


def test_index_shape_comes_from_the_environment(location, client, monkeypatch):
    monkeypatch.setenv("SEARCH_OPENSEARCH_SHARDS", "1")
    monkeypatch.setenv("SEARCH_OPENSEARCH_REPLICAS", "0")
    index_into(location, CORPUS)
    settings = client.indices.get_settings(index=target(client, location))
    shape = settings[target(client, location)]["settings"]["index"]
    assert (shape["number_of_shards"], shape["number_of_replicas"]) == ("1", "0")
    monkeypatch.setenv("SEARCH_OPENSEARCH_SHARDS", "none")
    with pytest.raises(InvalidParameter, match="SEARCH_OPENSEARCH_SHARDS"):
        open_sink(location, False, [])


def test_a_document_the_cluster_refuses_ends_the_run_in_one_line_keeping_the_earlier_checkpoints(
        location, corpus_copy, client, monkeypatch):
    index_into(location, CORPUS)
    kept = held_ids(client, location)
    refused = OpenSearchSink._actions

    def with_a_bad_date(sink):
        for action in refused(sink):
            yield {**action, "_source": {**action["_source"], "date": "not a date"}}

    monkeypatch.setattr(OpenSearchSink, "_actions", with_a_bad_date)
    (corpus_copy / "late.jsonl").write_text('{"id": "late-1", "title": "Late", "text": "Late news."}\n',
                                            encoding="utf-8")
    with pytest.raises(SearchError, match="OpenSearch refused 1 document.*'late-1'.*400") as raised:
        index_into(location, corpus_copy)
    assert "\n" not in raised.value.message and not isinstance(raised.value, BackendUnavailable)
    assert held_ids(client, location) == kept


# --- cancelled runs and the lock --------------------------------------------------------------------


class Interrupted(Exception):
    pass


def interrupt_at(file_number: int) -> EachRead:
    """A run's progress that stops the run once `file_number` files have been added."""

    def stop(reads: int) -> None:
        if reads == file_number:
            raise Interrupted

    return EachRead(stop)


def test_a_cancelled_first_build_keeps_its_checkpoints_only(location, corpus_copy, client):
    with pytest.raises(Interrupted):
        index_into(location, corpus_copy, commit_every=1, progress=interrupt_at(3))
    assert held_ids(client, location) == [path.stem for path in SEEDS[:2]], "files 1-2 checkpointed"
    assert lock_document(client, location) is None
    assert counts(index_into(location, corpus_copy)) == (len(SEEDS) - 2, 0, 0, 2, 0)


def wire_export(path: Path, numbers: range) -> None:
    """Records `numbers` of a gzipped JSON Lines export (read in stretches, whatever its size),
    appended as a gzip member of their own when the file exists: a daily export."""
    lines = "".join(json.dumps({"id": f"wire-{n:04d}", "title": f"Berth {n} report",
                                "text": f"Dockers at berth {n} unloaded {n * 7} tonnes of grain."}) + "\n"
                    for n in numbers)
    with path.open("ab") as export:
        export.write(gzip.compress(lines.encode("utf-8")))


def test_a_run_stopped_inside_a_big_file_reads_on_from_its_last_checkpoint(location, tmp_path, client):
    export = tmp_path / "wire.jsonl.gz"
    wire_export(export, range(600))
    with pytest.raises(Interrupted):
        index_into(location, export, commit_every=100, progress=interrupt_at(4))
    assert count(client, location) == 300, "three stretches of 100 checkpointed"
    assert open_sink(location, False, []).state.streams, "the state records how far it got"

    assert counts(index_into(location, export, commit_every=100)) == (300, 0, 0, 300, 0)
    assert held_ids(client, location) == [f"wire-{n:04d}" for n in range(600)]

    wire_export(export, range(600, 650))
    assert counts(index_into(location, export)) == (50, 0, 0, 600, 0)
    assert count(client, location) == 650


def test_a_cancelled_run_gives_up_its_deletes_and_adds(location, corpus_copy, client):
    index_into(location, corpus_copy)
    before = generation(client, location)
    (corpus_copy / f"{TELEGRAPH_WEB}.txt").unlink()
    (corpus_copy / f"{HOLR}.txt").write_text("Replaced\n\nNothing of the old text.\n", encoding="utf-8")
    with pytest.raises(Interrupted):
        index_into(location, corpus_copy, progress=interrupt_at(1))
    assert held_ids(client, location) == sorted(path.stem for path in SEEDS)
    assert "Nothing of the old text" not in body_of(client, location, HOLR)
    assert generation(client, location) == before and lock_document(client, location) is None


def test_a_second_writer_waits_for_the_lock_then_gives_up(location, client):
    holder = open_sink(location, False, [])
    holder.begin(parallel=False)
    try:
        assert lock_document(client, location)["owner"]
        waiting = open_sink(location, False, [], lock_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(IndexBusy, match=r"another `search index` .*gave up after 0.5 seconds"):
            waiting.begin(parallel=False)
        assert 0.5 <= time.monotonic() - started < 5
    finally:
        holder.cancel()
    assert lock_document(client, location) is None
    assert versioned_indices(client, location) == [], "the index a cancelled first build made is gone"
    assert counts(index_into(location, CORPUS, lock_timeout=0.5)) == (len(SEEDS), 0, 0, 0, 0)


def test_a_stale_lock_is_taken_over(location, client, capsys):
    stale = {"owner": "gone-host:1", "heartbeat": time.time() - 2 * STALE_LOCK_SECONDS}
    client.index(index=Address.parse(location).state_index, id=LOCK_DOC, body=stale, refresh=True)
    assert counts(index_into(location, CORPUS, lock_timeout=0.5)) == (len(SEEDS), 0, 0, 0, 0)
    assert "gone-host:1" in capsys.readouterr().err
    assert lock_document(client, location) is None


@pytest.mark.parametrize("where", ["ended", "another machine"])
def test_a_fresh_lock_of_an_ended_process_here_is_taken_at_once_and_another_machines_is_not(
        location, client, capsys, where):
    host = socket.gethostname() if where == "ended" else "another-host"
    held = {"owner": f"{host}:{_pid_of_ended()}:1", "heartbeat": time.time()}
    client.index(index=Address.parse(location).state_index, id=LOCK_DOC, body=held, refresh=True)
    if where == "ended":
        assert counts(index_into(location, CORPUS, lock_timeout=0.5)) == (len(SEEDS), 0, 0, 0, 0)
        assert "whose process has ended" in capsys.readouterr().err
    else:
        with pytest.raises(IndexBusy, match="another-host"):
            index_into(location, CORPUS, lock_timeout=0.5)


def _pid_of_ended() -> int:
    """The number of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_run_keeps_its_lock_fresh_and_stops_when_another_took_it(location, client, monkeypatch):
    monkeypatch.setattr(sink_module, "HEARTBEAT_SECONDS", 0.05)
    holder = open_sink(location, False, [])
    holder.begin(parallel=False)
    try:
        first = lock_document(client, location)["heartbeat"]
        wait_for(lambda: lock_document(client, location)["heartbeat"] > first)
        client.index(index=Address.parse(location).state_index, id=LOCK_DOC,
                     body={"owner": "elsewhere:2", "heartbeat": time.time()}, refresh=True)
        wait_for(lambda: holder.lock.lost)
        with pytest.raises(IndexBusy, match="took this run's lock over"):
            holder.checkpoint()
    finally:
        holder.cancel()
    assert lock_document(client, location)["owner"] == "elsewhere:2", "not ours to free any more"


def wait_for(condition, seconds: float = 5.0) -> None:
    """Wait until the condition holds (the heartbeat runs in its own thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


# --- locations ------------------------------------------------------------------------------------


def free_port() -> int:
    """A local port nothing listens on (for a cluster that is not there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_cluster_is_unavailable_in_one_line_without_credentials(monkeypatch):
    monkeypatch.setenv("SEARCH_OPENSEARCH_USER", "indexer")
    monkeypatch.setenv("SEARCH_OPENSEARCH_PASSWORD", "s3cret-word")
    with pytest.raises(BackendUnavailable) as caught:
        index_into(f"http://127.0.0.1:{free_port()}/news", CORPUS)
    message = caught.value.message
    assert "cannot be reached" in message and "\n" not in message
    assert "s3cret-word" not in message and "indexer" not in message


def test_a_location_holding_credentials_is_refused():
    with pytest.raises(InvalidParameter, match="credentials do not go in the URL") as caught:
        open_sink("http://indexer:s3cret-word@127.0.0.1:9201/news", False, [])
    assert "s3cret-word" not in caught.value.message
