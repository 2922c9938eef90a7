"""Reading an index whole in tests, through the backend protocol (any backend, no search library)."""

from __future__ import annotations

from pathlib import Path

from search.backends import DEFAULT_BACKEND, open_backend, open_sink
from search.backends.base import IndexSink
from search.errors import SearchError
from search.state import IndexState


def stored_documents(index_dir: Path) -> list[dict]:
    """Every stored document of the index, in index order (a document indexed twice shows twice)."""
    return list(open_backend(DEFAULT_BACKEND, index_dir).view().every_document())


def stored_by_id(index_dir: Path) -> dict[str, dict]:
    return {document["id"]: document for document in stored_documents(index_dir)}


def document_count(index_dir: Path) -> int:
    return open_backend(DEFAULT_BACKEND, index_dir).health()["documents"]


def generation(index_dir: Path) -> int:
    """The index's commit generation (-1 while it cannot be read)."""
    try:
        return open_backend(DEFAULT_BACKEND, index_dir).health()["generation"]
    except SearchError:
        return -1


def holding_the_lock(index_dir: Path) -> IndexSink:
    """A sink that has begun a run, so holds the index as a running indexer does (cancel() it)."""
    sink = open_sink(DEFAULT_BACKEND, index_dir, rebuild=False, user_variants=[])
    sink.begin(parallel=False)
    return sink


def index_state(index_dir: Path) -> IndexState:
    """What the index keeps beside its documents (search/state.py), as its backend reads it."""
    return open_backend(DEFAULT_BACKEND, index_dir).state()


def change_state(index_dir: Path, **changes) -> None:
    """Write the index's state with some values changed (as another version of the program
    would have written it: another `format`, other analysis `tables`)."""
    sink = open_sink(DEFAULT_BACKEND, index_dir, rebuild=False, user_variants=[])
    for name, value in changes.items():
        setattr(sink.state, name, value)
    sink.save_state()


class EachRead:
    """A run's progress (search.indexer.RunProgress) that calls `action(reads)` once each file (or
    stretch of a big file) is read and added, before the run's checkpoint."""

    def __init__(self, action):
        self.action, self.reads = action, 0

    def start(self, documents, stored_bytes) -> None:
        pass

    def advance(self, documents, stored_bytes) -> None:
        self.reads += 1
        self.action(self.reads)

    def close(self, documents, seconds) -> None:
        pass
