"""An indexing run's writes to an OpenSearch index (search.backends.base.IndexSink).

The run (search/indexer.py) decides what to read, add and delete; this sink holds the index's
writer lock (a document in the state index, store.py), keeps the run's adds and deletes in memory
and writes them at each checkpoint: the deleted files' documents by query, the new ones in bulk,
a refresh, then the state with a higher generation. Readers see checkpoints, as with the embedded
index, and `cancel` gives up exactly what was not checkpointed.

Documents live in a versioned index behind the alias readers search. A first build creates one
and points the alias at it at its first checkpoint. A rebuild (or an upgrade) writes a new one,
without replicas or refreshes while it loads, and only at `finish` points the alias at it (one
`_aliases` request) and deletes the old one: until then readers search the old index, and the
state (its variants, its learned definitions) stays the old index's too. The alias moves only
once every shard of the new index has all its copies (or, on a cluster with too few nodes for
them, every primary), so a node lost at any moment leaves readers on the old index or a whole new
one; a new index that lost a shard's only copy before that is not swapped in. The old index is
deleted twice the time budget after the swap, so that a search which read the old state just
before it still finds its index. Versioned indices of the alias that it does not point at (a
crashed rebuild's) are deleted when a run takes the lock.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, TransportError

from search.backends.opensearch.documents import DocumentMaker, bulk_actions
from search.backends.opensearch.mapping import (
    DEFAULT_REPLICAS,
    DEFAULT_SHARDS,
    EMBEDDED_BM25_PLUGIN,
    index_body,
)
from search.backends.opensearch.store import (
    FORMAT_VERSION,
    LOCK_DOC,
    UNFINISHED_DOC,
    Address,
    alias_target,
    call,
    connect,
    owner,
    owner_is_gone,
    read_state,
    write_state,
)
from search.documents import Enrichment, IndexedFile, document_fields
from search.errors import (
    REBUILD_HINT,
    VARIANTS_DIFFER,
    BackendUnavailable,
    IndexBusy,
    IndexIncompatible,
    InvalidParameter,
    SearchError,
)
from search.ingest import Article
from search.rank import DEFAULT_WEIGHTS
from search.settings import SETTINGS
from search.state import IndexState
from search.tables import fingerprint, is_current_analysis
from search.workers import in_order

SHARDS_VARIABLE, REPLICAS_VARIABLE = "SEARCH_OPENSEARCH_SHARDS", "SEARCH_OPENSEARCH_REPLICAS"
STALE_LOCK_SECONDS = 120.0  # a lock whose heartbeat is older was left by a run that died
HEARTBEAT_SECONDS = 20.0
LOCK_POLL_SECONDS = 0.25
WRITE_SECONDS = 300.0  # a bulk chunk or a delete by query may take longer than one search
BULK_DOCUMENTS = 500  # documents per `_bulk` request
ANALYSED_AHEAD = 2  # chunks of BULK_DOCUMENTS analysed ahead of the one being sent
BULK_RETRIES = 3  # of a chunk OpenSearch refused with 429 (too busy), with a growing pause
DELETE_TERMS = 10_000  # file keys or ids per delete by query (OpenSearch takes 65,536)
SCAN_PAGE = 2000
COPIES_SECONDS = 120.0  # how long a rebuild's end waits for its new index's replicas
OLD_INDEX_GRACE_SECONDS = 2 * SETTINGS.time_budget_seconds  # for searches begun before a swap
TRANSIENT = frozenset({429, 502, 503, 504})  # statuses that say "not now", not "never"
CONFLICT = "version_conflict_engine_exception"  # the lock document exists, or changed since we read it
EXISTS = "resource_already_exists_exception"  # the state index, made meanwhile by another run
FORBIDDEN = "security_exception"  # a request the cluster's security plugin does not allow us
UNFINISHED = "0:0:unfinished"  # the signature of a file whose writes a checkpoint did not finish


def open_sink(location, rebuild: bool, user_variants: list[tuple[str, str]], upgrade: bool = False,
              lock_timeout: float = 30.0, workers: int = 1, *, shards: int | None = None,
              replicas: int | None = None) -> OpenSearchSink:
    """The index to write to at `location` (a cluster URL, its path the alias): a new one when
    asked or absent (or, with `upgrade`, when built by another version); an error when built with
    other variants than the ones given. `shards` and `replicas` (default: SEARCH_OPENSEARCH_SHARDS
    and SEARCH_OPENSEARCH_REPLICAS, else mapping.py's) shape an index this run creates. `workers`
    is taken for the protocol's sake: analysis here is light beside the cluster's work."""
    address = Address.parse(location)
    layout = (_setting(SHARDS_VARIABLE, shards, DEFAULT_SHARDS, 1),
              _setting(REPLICAS_VARIABLE, replicas, DEFAULT_REPLICAS, 0))
    client = connect(address)
    found = read_state(client, address)
    generation = found[1] if found else 0
    fresh = IndexState(FORMAT_VERSION, fingerprint(), [list(pair) for pair in user_variants])
    if found is None or rebuild:
        return OpenSearchSink(client, address, fresh, generation, layout, rebuild, lock_timeout)
    state = found[0]
    if state.format != FORMAT_VERSION or not is_current_analysis(state.tables):
        message = f"the index {address.alias!r} at {address.url} was built by another version of this program"
        if not upgrade:
            raise IndexIncompatible(f"{message}; {REBUILD_HINT}")
        print(f"note: {message}; rebuilding it", file=sys.stderr)
        return OpenSearchSink(client, address, fresh, generation, layout, True, lock_timeout)
    if user_variants and [list(pair) for pair in user_variants] != state.user_variants:
        if not upgrade:
            raise IndexIncompatible(f"{VARIANTS_DIFFER}; add --rebuild")
        print(f"note: {VARIANTS_DIFFER}; rebuilding it", file=sys.stderr)
        return OpenSearchSink(client, address, fresh, generation, layout, True, lock_timeout)
    return OpenSearchSink(client, address, state, generation, layout, False, lock_timeout)


def _setting(variable: str, given: int | None, default: int, least: int) -> int:
    """A whole-number option: given, else from the environment, else the default."""
    raw = given if given is not None else os.environ.get(variable, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{variable} is a whole number, got {raw!r}") from None
    if value < least:
        raise InvalidParameter(f"{variable} is at least {least}, got {value}")
    return value


class OpenSearchSink:
    """Writes to one alias's index (see the module's docstring)."""

    def __init__(self, client: OpenSearch, address: Address, state: IndexState, generation: int,
                 layout: tuple[int, int], rebuild: bool, lock_timeout: float):
        self.client, self.address = client, address
        self.location = str(address)
        self.state = state
        self.generation = generation
        self.shards, self.replicas = layout
        self.rebuild, self.lock_timeout = rebuild, lock_timeout
        self.maker = DocumentMaker(state.tables_for_index())
        self.lock = WriterLock(client, address)
        self.index: str | None = None if rebuild else alias_target(client, address)  # written to
        self.visible = self.index is not None  # whether the alias points at self.index
        self.replacing: str | None = None  # a rebuild's old index, swapped out at finish
        self.added: dict[str, list[dict]] = {}  # file key -> fields of documents not yet written
        self.deleted: set[str] = set()  # file keys whose written documents go at the checkpoint
        self.deleted_ids: set[str] = set()  # ids of written documents that go at the checkpoint
        self.unfinished: set[str] = set()  # file keys whose writes were begun and not finished

    # --- what the index holds -------------------------------------------------------------------

    def indexed_files(self) -> dict[str, IndexedFile]:
        """Every file the index being written holds, from the stored key, signature and id. A file
        whose writes a checkpoint began and did not finish (a run stopped by a failing cluster: a
        bulk is not atomic) has the signature UNFINISHED, so the run reads it again whole."""
        self.unfinished = self._read_unfinished()
        found: dict[str, tuple[str, list[str]]] = {}
        for record in self._stored("id", "file_key", "file_sig"):
            doc_ids, marks = found.setdefault(record["file_key"], ([], []))
            doc_ids.append(record["id"])
            marks.append(record["file_sig"])
        return {key: IndexedFile(UNFINISHED if key in self.unfinished else marks[0], tuple(doc_ids),
                                 tuple(marks))
                for key, (doc_ids, marks) in found.items()}

    def story_signatures(self, leaving: set[str]) -> list[tuple[str, str, bytes]]:
        """(id, story, signature) of every indexed document not in `leaving`."""
        return [(record["id"], record["story"], base64.b64decode(record["minhash"]))
                for record in self._stored("id", "story", "minhash") if record["id"] not in leaving]

    def _stored(self, *names: str) -> list[dict]:
        """These stored fields of every document of the index being written (none before it exists)."""
        if self.index is None or not self._call(self.client.indices.exists, index=self.index):
            return []
        return self._call(lambda: [hit["_source"]["stored"] for hit in helpers.scan(
            self.client, index=self.index, query={"query": {"match_all": {}}}, size=SCAN_PAGE,
            _source_includes=[f"stored.{name}" for name in names])])

    # --- a run ----------------------------------------------------------------------------------

    def begin(self, parallel: bool) -> None:
        """Take the lock (waiting for another run first), drop a crashed rebuild's index, and
        settle what this run writes to: the alias's index, or a new one for a first build or
        a rebuild. `parallel` changes nothing here: the cluster does the heavy work."""
        self._ensure_state_index()
        self.lock.take(self.lock_timeout)
        try:
            self._settle()
        except BaseException:
            self.lock.release()
            raise

    def _settle(self) -> None:
        """Decide the index written to, as the cluster stands now that the lock is ours."""
        current = alias_target(self.client, self.address)
        self._drop_orphans(keep=current)
        if current is not None and not self.rebuild:
            self.index, self.visible = current, True
            return
        self.replacing = current
        self.index, self.visible = self._create_index(bulk_load=current is not None), False

    def delete_file(self, key: str) -> None:
        """Drop the file's documents added since the last checkpoint, and its written ones at the next."""
        self.added.pop(key, None)
        self.deleted.add(key)

    def delete_document(self, doc_id: str) -> None:
        """Drop a written document at the next checkpoint (before that checkpoint's writes)."""
        self.deleted_ids.add(doc_id)

    def add(self, article: Article, file_key: str, signature: str, enrichment: Enrichment) -> None:
        """Keep one article's fields until the next checkpoint."""
        self.added.setdefault(file_key, []).append(document_fields(article, file_key, signature, enrichment))

    def checkpoint(self) -> None:
        """Write what was deleted and added, refresh, and (but for a rebuild, which shows at
        `finish`) point the alias at the index and keep the state with a new generation."""
        self.lock.check()
        touched = set(self.added) | self.deleted
        if touched:
            self._write_unfinished(self.unfinished | touched)
        self._delete_files()
        self._write_documents()
        self._call(self.client.indices.refresh, index=self.index)
        if self.replacing is None:
            if not self.visible:
                self._update_aliases({"add": {"index": self.index, "alias": self.address.alias}})
                self.visible = True
            self._write_state()
        if touched:
            self._write_unfinished(self.unfinished - touched)

    def save_state(self) -> None:
        """Keep the state alone. A rebuild asked of a run with nothing to add does happen: an
        empty index replaces the old one, as the state now describes."""
        if self.rebuild and self.index is None:
            self.begin(parallel=False)
            self.finish(changed=True)
            return
        self._ensure_state_index()
        self._write_state()

    def finish(self, changed: bool) -> None:
        """The last checkpoint (also when a first build or a rebuild wrote nothing: the index it
        made is the index now), a rebuild's swap, and the lock given back."""
        try:
            if changed or not self.visible:
                self.checkpoint()
            if self.replacing is not None:
                self._swap()
        except BaseException:
            self.cancel()
            raise
        self.lock.release()

    def settle(self) -> None:
        """Nothing to finish: OpenSearch merges segments itself, and a rebuild stopped before its
        swap is dropped by the next run that takes the lock."""

    def cancel(self) -> None:
        """Give up what was not checkpointed: the pending writes, and an index this run made
        that the alias does not point at. Best effort: a cluster gone now leaves the index to
        the next run's cleanup and the lock to go stale."""
        self.added.clear()
        self.deleted.clear()
        self.deleted_ids.clear()
        try:
            if self.index is not None and not self.visible and self.lock.version is not None:
                self._call(self.client.indices.delete, index=self.index, ignore_unavailable=True)
        except SearchError:
            pass
        finally:
            self.lock.release()

    # --- the steps ------------------------------------------------------------------------------

    def _delete_files(self) -> None:
        """Delete the documents of the files named since the last checkpoint (by file key) and the
        documents named (by id). Refreshed, so the bulk that follows and the next plan see them gone."""
        queries = [{"terms": {name: values[start:start + DELETE_TERMS]}}
                   for name, values in (("file_key", sorted(self.deleted)), ("id", sorted(self.deleted_ids)))
                   for start in range(0, len(values), DELETE_TERMS)]
        for query in queries:
            answer = self._call(self.client.delete_by_query, index=self.index, body={"query": query},
                                refresh=True, conflicts="proceed", request_timeout=WRITE_SECONDS)
            if answer.get("failures"):
                raise BackendUnavailable(f"OpenSearch at {self.address.url} failed to delete documents "
                                         f"({_reason(answer['failures'][0])}); try again")
        self.deleted.clear()
        self.deleted_ids.clear()

    def _write_documents(self) -> None:
        """Write the added documents in bulk (each routed by its story), every item checked."""
        _, failed = self._call(helpers.bulk, self.client, self._actions(), chunk_size=BULK_DOCUMENTS,
                               max_retries=BULK_RETRIES, raise_on_error=False, request_timeout=WRITE_SECONDS)
        self.added.clear()
        if failed:
            _, item = next(iter(failed[0].items()))
            message = (f"OpenSearch refused {len(failed)} document(s), the first {item.get('_id')!r} "
                       f"({item.get('status')}: {_reason(item.get('error'))})")
            if item.get("status") in TRANSIENT:
                raise BackendUnavailable(f"{message}; try again")
            raise SearchError(f"{message}; the run stopped, its earlier checkpoints kept")

    def _actions(self) -> Iterator[dict]:
        """The bulk helper's actions for the added documents, analysed in a thread a few chunks
        ahead of the one being sent, so that the cluster indexes a chunk while Python analyses
        the next (taken in turn, a checkpoint spent about as long analysing as waiting)."""
        documents = [fields for batch in self.added.values() for fields in batch]
        chunks = (documents[at:at + BULK_DOCUMENTS] for at in range(0, len(documents), BULK_DOCUMENTS))
        with ThreadPoolExecutor(1) as analyst:
            for actions in in_order(analyst, self._chunk_actions, chunks, ANALYSED_AHEAD):
                yield from actions

    def _chunk_actions(self, documents: list[dict]) -> list[dict]:
        """One chunk's actions for the bulk helper (each document analysed into its fields)."""
        lines = bulk_actions(self.index, documents, self.maker)
        return [{**meta["index"], "_source": source}
                for meta, source in zip(lines[::2], lines[1::2], strict=True)]

    def _swap(self) -> None:
        """A rebuild's end: the new index's replicas and refreshes as for any index, then the
        alias moved to it in one request, the state written, and the old index deleted."""
        settings = {"index": {"number_of_replicas": self.replicas, "refresh_interval": None}}
        self._call(self.client.indices.put_settings, index=self.index, body=settings)
        self._wait_for_copies()
        self._call(self.client.indices.refresh, index=self.index)
        alias = self.address.alias
        self._update_aliases({"remove": {"index": self.replacing, "alias": alias}},
                             {"add": {"index": self.index, "alias": alias}})
        self.visible = True
        self._write_state()
        time.sleep(OLD_INDEX_GRACE_SECONDS)  # searches that read the old state still use the old index
        self._call(self.client.indices.delete, index=self.replacing, ignore_unavailable=True)
        self.replacing = None

    def _wait_for_copies(self) -> None:
        """Wait until the new index is green (yellow where the cluster has no more data nodes than
        replicas), so that losing one node after the swap leaves it whole. Refused, the old index
        still searched, when it is red (a node left with a shard's only copy) or stays short."""
        deadline = time.monotonic() + COPIES_SECONDS
        while True:
            health = self._call(self.client.cluster.health, index=self.index)
            wanted = ("green",) if health["number_of_data_nodes"] > self.replicas else ("green", "yellow")
            if health["status"] in wanted:
                return
            if health["status"] == "red" or time.monotonic() > deadline:
                raise BackendUnavailable(
                    f"the rebuilt index {self.index!r} at {self.address.url} is {health['status']} (a node "
                    f"left before its shards were copied); readers still search the old index; run again")
            time.sleep(LOCK_POLL_SECONDS)

    def _read_unfinished(self) -> set[str]:
        """The file keys a checkpoint began writing and did not finish (kept in the state index)."""
        try:
            found = self._call(self.client.get, index=self.address.state_index, id=UNFINISHED_DOC)
        except NotFoundError:
            return set()
        return set(found["_source"].get("keys", []))

    def _write_unfinished(self, keys: set[str]) -> None:
        """Say which files' writes are under way, before they start and once they are done."""
        self._call(self.client.index, index=self.address.state_index, id=UNFINISHED_DOC,
                   body={"keys": sorted(keys)}, refresh=True)
        self.unfinished = keys

    def _write_state(self) -> None:
        """Keep the state with the next generation (past any another run wrote meanwhile)."""
        found = read_state(self.client, self.address)
        self.generation = max(self.generation, found[1] if found else 0) + 1
        write_state(self.client, self.address, self.state, self.generation)

    def _create_index(self, bulk_load: bool) -> str:
        """A new versioned index for our documents; for a bulk load (a rebuild nobody searches
        yet), without replicas or refreshes until `_swap`."""
        name = self.address.new_index_name()
        body = index_body(self.shards, 0 if bulk_load else self.replicas, weights=DEFAULT_WEIGHTS,
                          meta={"format": FORMAT_VERSION, "tables": self.state.tables},
                          embedded_bm25=self._every_node_has(EMBEDDED_BM25_PLUGIN))
        if bulk_load:
            body["settings"]["refresh_interval"] = "-1"
        self._call(self.client.indices.create, index=name, body=body)
        return name

    def _every_node_has(self, plugin: str) -> bool:
        """Whether every node lists the plugin; a cluster that will not say (no monitor
        permission) is taken not to have it."""
        answer = self._call(tolerating, FORBIDDEN, self.client.nodes.info, metric="plugins",
                            filter_path="nodes.*.plugins.name")
        nodes = (answer or {}).get("nodes", {}).values()
        return bool(nodes) and all(plugin in {entry["name"] for entry in node.get("plugins", [])}
                                   for node in nodes)

    def _drop_orphans(self, keep: str | None) -> None:
        """Delete this alias's versioned indices other than `keep` (a crashed run's)."""
        alias = self.address.alias
        versioned = re.compile(rf"{re.escape(alias)}-v\d+-[0-9a-f]+-\d+")
        listed = self._call(self.client.cat.indices, index=f"{alias}-v*", format="json", h="index")
        orphans = [name for name in (row["index"] for row in listed)
                   if versioned.fullmatch(name) and name != keep]
        if orphans:
            self._call(self.client.indices.delete, index=",".join(orphans), ignore_unavailable=True)

    def _ensure_state_index(self) -> None:
        """The small index of the state and the lock: one shard, the state kept whole, not mapped."""
        if not self._call(self.client.indices.exists, index=self.address.state_index):
            self._call(tolerating, EXISTS, self.client.indices.create, index=self.address.state_index,
                       body=state_index_body(self.replicas))

    def _update_aliases(self, *actions: dict) -> None:
        self._call(self.client.indices.update_aliases, body={"actions": list(actions)})

    def _call(self, request, *args, **kwargs):
        """One request, its failures said as ours (store.call)."""
        return call(self.address, request, *args, **kwargs)


def state_index_body(replicas: int) -> dict:
    """The state index: one shard, a replica on another node when there is one, the state an
    unmapped object (learned definitions are keys without number), and the lock's fields."""
    return {
        "settings": {"number_of_shards": 1, "auto_expand_replicas": f"0-{replicas}"},
        "mappings": {"dynamic": False, "properties": {
            "state": {"type": "object", "enabled": False}, "generation": {"type": "long"},
            "owner": {"type": "keyword"}, "heartbeat": {"type": "double"}}},
    }


def tolerating(reason: str, request, *args, **kwargs):
    """The request's answer, or None when OpenSearch refuses it for this reason (the error's type):
    a refusal that is an answer, not a failure (store.call reports every other one)."""
    try:
        return request(*args, **kwargs)
    except TransportError as error:
        if error.error == reason:
            return None
        raise


def _reason(error) -> str:
    """The one-line reason of an error OpenSearch reported for an item or a shard."""
    if isinstance(error, dict):
        cause = error.get("cause", error)
        return str(cause.get("reason") or cause.get("type") or error)
    return str(error)


class WriterLock:
    """The index's writer lock: a document in the state index created only when absent, its
    heartbeat kept fresh by a thread; one left stale (by a run that died) is taken over. Every
    write to it is conditional on the version we last wrote, so a run never frees or refreshes
    a lock another has taken."""

    def __init__(self, client: OpenSearch, address: Address):
        self.client, self.address = client, address
        self.version: tuple[int, int] | None = None  # (seq_no, primary_term) of our lock document
        self.holder = ""  # who held the lock when we last found it taken
        self.lost = False
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def take(self, timeout: float) -> None:
        """Hold the lock, waiting up to `timeout` seconds for the run that holds it."""
        deadline = time.monotonic() + timeout
        while not self._try_take():
            if time.monotonic() >= deadline:
                holder = f" ({self.holder})" if self.holder else ""
                raise IndexBusy(f"another `search index`{holder} is writing to this index; "
                                f"gave up after {timeout:g} seconds")
            time.sleep(LOCK_POLL_SECONDS)
        self.lost = False
        self._stop.clear()
        self._beating = threading.Thread(target=self._beat, name="opensearch-lock-heartbeat", daemon=True)
        self._beating.start()

    def _try_take(self) -> bool:
        answer = call(self.address, tolerating, CONFLICT, self.client.create, index=self.address.state_index,
                      id=LOCK_DOC, body=self._body())
        if answer is None:
            return self._take_stale()
        self._keep(answer)
        return True

    def _take_stale(self) -> bool:
        """Take the lock over when its holder has not beaten for STALE_LOCK_SECONDS, or at once when
        it was a process of this machine that has ended (a run the cluster cut off, or killed)."""
        try:
            found = call(self.address, self.client.get, index=self.address.state_index, id=LOCK_DOC)
        except NotFoundError:
            return False  # freed meanwhile: the next try creates it
        self.holder = str(found["_source"].get("owner", "?"))
        silent = time.time() - float(found["_source"].get("heartbeat", 0))
        gone = owner_is_gone(self.holder)
        if silent < STALE_LOCK_SECONDS and not gone:
            return False
        answer = self._write(found["_seq_no"], found["_primary_term"])
        if answer is None:
            return False  # another run took it over first
        self._keep(answer)
        why = "whose process has ended" if gone else f"silent for {silent:.0f} s"
        print(f"note: took over the index's lock from {self.holder}, {why}", file=sys.stderr)
        return True

    def check(self) -> None:
        """Raise IndexBusy when another run has taken the lock over (our heartbeat stopped)."""
        if self.lost:
            raise IndexBusy(f"another `search index` took this run's lock over (no heartbeat for "
                            f"{STALE_LOCK_SECONDS:g} seconds); this run stops")

    def release(self) -> None:
        """Stop the heartbeat and free the lock if it is still ours (best effort)."""
        self._stop.set()
        if self._beating is not None:
            self._beating.join()
            self._beating = None
        if self.version is None:
            return
        seq_no, term = self.version
        self.version = None
        with contextlib.suppress(SearchError, NotFoundError):  # taken over, or the cluster gone
            call(self.address, self.client.delete, index=self.address.state_index, id=LOCK_DOC,
                 if_seq_no=seq_no, if_primary_term=term)

    def _beat(self) -> None:
        """Refresh the heartbeat until stopped; a conflict means another run took the lock."""
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                answer = self._write(*self.version)
            except NotFoundError:
                answer = None
            except SearchError:
                continue  # the cluster may answer at the next beat
            if answer is None:
                self.lost = True
                return
            self._keep(answer)

    def _write(self, seq_no: int, term: int) -> dict | None:
        """Our lock document, written over the version given (None: it has changed since)."""
        return call(self.address, tolerating, CONFLICT, self.client.index, index=self.address.state_index,
                    id=LOCK_DOC, body=self._body(), if_seq_no=seq_no, if_primary_term=term)

    def _keep(self, answer: dict) -> None:
        self.version = (answer["_seq_no"], answer["_primary_term"])

    @staticmethod
    def _body() -> dict:
        return {"owner": owner(), "heartbeat": time.time()}
