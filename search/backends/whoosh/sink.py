"""An indexing run's writes to an index in a folder (search.backends.base.IndexSink).

The run (search/indexer.py) decides what to read, add and delete; this sink holds Whoosh's
writer and its lock, commits at each checkpoint with the run's state beside the index, and
merges segments when a run leaves too many.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import sys
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, LockError, clean_files
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from search.aliases import name_stem_inputs
from search.analysis import nltk_stem, nltk_stemmer, stem_inputs
from search.backends.whoosh.lockowner import describe_owner, record_owner
from search.backends.whoosh.merging import ParallelMerge
from search.backends.whoosh.mpwriter import CheckedMpWriter
from search.backends.whoosh.pool import ColumnSegmentWriter, use_column_pool
from search.backends.whoosh.ranking import commit_columns, content_terms, facet_table
from search.backends.whoosh.schema import ColumnValues, array_codec
from search.backends.whoosh.store import (
    INDEX_NAME,
    REBUILD_FOLDER,
    WRITE_LOCK,
    create_index,
    index_entries,
    is_whoosh_index,
    kept_names,
    move_into,
    open_index,
    read_kept,
    read_state,
    write_kept,
    write_state,
)
from search.documents import PHRASE_FIELDS, Enrichment, IndexedFile, document_fields
from search.errors import VARIANTS_DIFFER, IndexBusy, IndexIncompatible
from search.facets import FacetTable
from search.ingest import Article
from search.state import IndexState
from search.stems import STEMS_FILE, update_stem_table
from search.workers import fresh_workers

MAX_SEGMENTS = 10


def open_sink(directory: Path, rebuild: bool, user_variants: list[tuple[str, str]],
              upgrade: bool = False, lock_timeout: float = 30.0, workers: int = 1) -> WhooshSink:
    """The index to write to: a new one when asked or absent (or, with `upgrade`, when built by
    another version or with other variants than the ones given); else an error for other
    variants."""
    directory = Path(directory)
    if not is_whoosh_index(directory):
        return WhooshSink(create_index(directory, user_variants), lock_timeout, workers)
    if rebuild:
        return _rebuilding(directory, user_variants, lock_timeout, workers)
    try:
        ix = open_index(directory)
    except IndexIncompatible as error:
        if not upgrade:
            raise
        print(f"note: {error.message.split(';')[0]}; rebuilding it", file=sys.stderr)
        return _rebuilding(directory, user_variants, lock_timeout, workers)
    sink = WhooshSink(ix, lock_timeout, workers)
    if user_variants and [list(pair) for pair in user_variants] != sink.state.user_variants:
        if not upgrade:
            raise IndexIncompatible(f"{VARIANTS_DIFFER}; add --rebuild")
        print(f"note: {VARIANTS_DIFFER}; rebuilding it", file=sys.stderr)
        return _rebuilding(directory, user_variants, lock_timeout, workers)
    return sink


def _rebuilding(live: Path, user_variants: list[tuple[str, str]], lock_timeout: float,
                workers: int) -> WhooshSink:
    """A sink that builds a new index beside the live one (in its REBUILD_FOLDER, a crashed
    rebuild's files cleared) and moves it in at the end: searches answer from the old index
    until then, and the live folder must hold nothing but an index."""
    index_entries(live)
    return WhooshSink(create_index(live / REBUILD_FOLDER, user_variants), lock_timeout, workers, live)


class WhooshSink:
    """Writes to one Whoosh index (see the module's docstring). `live`: for a rebuild, the folder
    whose index the one written here replaces at `finish`."""

    def __init__(self, ix: Index, lock_timeout: float, workers: int, live: Path | None = None):
        self.ix = ix
        self.live = live
        self.live_lock = None
        self.directory = Path(ix.storage.folder)
        self.location = str(live or self.directory)
        self.state: IndexState = read_state(self.directory)
        self.lock_timeout, self.workers = lock_timeout, workers
        self.writer: SegmentWriter | None = None
        self.parallel = False  # whether the run analyses in worker processes
        self.frozen_before = 0

    def indexed_files(self) -> dict[str, IndexedFile]:
        """Every file the index holds (as the writer sees it once the run has begun), from the
        key, signature and id columns."""
        return self._read(_indexed_files)

    def story_signatures(self, leaving: set[str]) -> list[tuple[str, str, bytes]]:
        """(id, story, signature) of every indexed document not in `leaving`."""
        return self._read(lambda reader: _story_signatures(reader, leaving))

    def _read(self, read):
        if self.writer is not None:
            return read(self.writer.reader())
        with self.ix.reader() as reader:
            return read(reader)

    def begin(self, parallel: bool) -> None:
        """Take the index's lock (waiting for another run to finish first). `parallel`: analyse
        in worker processes (Whoosh's multiprocess writer), which pays from a few megabytes on
        (bench/parallel_index.py)."""
        self.parallel = parallel and self.workers > 1
        self.frozen_before = gc.get_freeze_count()
        if self.live is not None:
            self.live_lock = self._lock_live()
        self.writer = self._writer(self.parallel)

    def _lock_live(self):
        """A rebuild holds the live index's lock from its start, as any run writing to it does."""
        lock = FileStorage(str(self.live)).lock(WRITE_LOCK)
        if not try_for(lambda: lock.acquire(blocking=False), self.lock_timeout, 0.25):
            raise _busy(self.lock_timeout, self.live)
        record_owner(self.live / WRITE_LOCK)
        return lock

    def _writer(self, parallel: bool, timeout: float | None = None) -> SegmentWriter:
        """A writer holding the lock; `parallel`: Whoosh's multiprocess writer, a process a worker.

        Segments are written as separate files, not Whoosh's compound file: a reader of a
        compound segment takes its size in memory (260 MB for Reuters), separate files none.
        The scored fields' postings are written as arrays (`codec.ArrayCodec`), for scoring.
        A multiprocess writer forks its processes as documents arrive: what this process
        holds by then (every story signature of the run) is frozen out of the garbage
        collector, whose passes in each fork would otherwise copy it page by page. Each writer
        keeps its postings as columns in memory until the segment is written (`pool.ColumnPool`;
        Whoosh's own pool kept a tuple per posting and spilled them to disk past a size), a
        document's positional field handed over in one call (`pool.ColumnSegmentWriter`).
        """
        use_column_pool()
        options = {}
        if parallel:
            nltk_stemmer()  # loaded once here, not in each writer process forked next
            gc.freeze()
            options = {"procs": self.workers, "multisegment": True}
        timeout = self.lock_timeout if timeout is None else timeout
        make = CheckedMpWriter if options else ColumnSegmentWriter
        try:
            writer = make(self.ix, timeout=timeout, delay=0.25, compound=False, codec=array_codec(),
                          **options)
        except LockError:
            raise _busy(timeout, self.directory) from None
        record_owner(self.directory / WRITE_LOCK)
        return writer

    def delete_file(self, key: str) -> None:
        self.writer.delete_by_term("file_key", key)

    def delete_document(self, doc_id: str) -> None:
        self.writer.delete_by_term("id", doc_id)

    def add(self, article: Article, file_key: str, signature: str, enrichment: Enrichment) -> None:
        self.writer.add_document(**document_fields(article, file_key, signature, enrichment))

    def checkpoint(self) -> None:
        """Commit what the writer holds, the state with it, and open the next writer."""
        self._commit()
        self.writer = self._writer(self.parallel)

    def _commit(self) -> None:
        self.writer.commit(merge=False)  # merging here would redo the growing index at every checkpoint
        self.save_state()

    def _save_reading_aids(self) -> None:
        """Keep with the last commit what every process that opens it would otherwise build: the
        stem table, the per-document columns and the facet table. Written when a run ends (a
        commit of a run still under way is read without them, as an index built before them is).
        After a run in worker processes the stem table is made in a process of its own while
        this one builds the facet table: at a hundred thousand articles each takes several
        seconds of one core."""
        with self.ix.reader() as reader:
            if not self.parallel:
                save_stems(self.directory, self.state, reader)
                self._save_columns_and_facets(reader)
                return
            with fresh_workers(1) as pool:
                stems = pool.submit(save_stems, self.directory, self.state)
                self._save_columns_and_facets(reader)
                stems.result()

    def _save_columns_and_facets(self, reader) -> None:
        generation = reader.generation()
        columns = read_kept(self.directory, generation)
        if columns is None:
            columns = {**commit_columns(reader), "content_terms": np.array(content_terms(reader))}
            write_kept(self.directory, generation, "columns", columns)
        if not self._keeps_facets(generation):
            write_kept(self.directory, generation, "facets",
                       facet_table(reader, columns["story_codes"]).arrays())

    def _keeps_facets(self, generation: int) -> bool:
        return FacetTable.is_kept_in(kept_names(self.directory, generation, "facets"))

    def _keeps_reading_aids(self, reader) -> bool:
        """Whether the commit `reader` reads has its columns and facet table kept."""
        generation = reader.generation()
        return read_kept(self.directory, generation) is not None and self._keeps_facets(generation)

    def save_state(self) -> None:
        write_state(self.directory, self.state)

    def finish(self, changed: bool) -> None:
        """Commit the last changes (or give the writer up when there were none), then merge
        segments when the run left more than MAX_SEGMENTS (a large run writes a segment per
        worker and checkpoint). Every query pays a little per segment; a merge rewrites the
        whole index, which would lengthen a run that left a few by half. A large merge is split
        over the workers (`merging.ParallelMerge`), leaving a segment per worker."""
        try:
            if changed or self.live is not None:
                self._commit()
            else:
                self.writer.cancel()
        except BaseException:
            _give_up(self.writer)
            raise
        finally:
            self._release()
        self._merge_if_due()
        self._save_reading_aids()
        if self.live is not None:
            try:
                move_into(self.ix, self.live, self.state)
            finally:
                self._release_live()

    def settle(self) -> None:
        """A run killed during its final merge, or before it kept its reading aids, left more
        than MAX_SEGMENTS segments or a commit without aids: finish both now, unless another
        run holds the lock (it will, at its end). A rebuild with nothing to read moves its empty
        index in, as asked."""
        if self.live is not None:
            self.begin(parallel=False)
            self.finish(changed=True)
            return
        try:
            merged = self._merge_if_due(timeout=0.0)
        except IndexBusy:
            return
        with self.ix.reader() as reader:
            bare = reader.doc_count() and not self._keeps_reading_aids(reader)
        if merged or bare:
            self._save_reading_aids()

    def _merge_if_due(self, timeout: float | None = None) -> bool:
        """Merge segments when there are more than MAX_SEGMENTS (split over the workers),
        waiting `timeout` seconds for the lock (default: the sink's)."""
        with self.ix.reader() as reader:
            segments = len(reader.leaf_readers())
        if segments <= MAX_SEGMENTS:
            return False
        self._writer(False, timeout).commit(mergetype=ParallelMerge(self.workers))
        return True

    def cancel(self) -> None:
        """Give up what was not committed and remove its files (a rebuild: all of it; the live
        index stays): a run stopped by an error, a full disk among them, leaves the last commit
        as it was and no file of its own behind."""
        try:
            if self.writer is not None:
                _give_up(self.writer)
            self._release()
            self._remove_uncommitted()
        finally:
            self._release_live()

    def _remove_uncommitted(self) -> None:
        """Delete what was written past the last commit, holding the lock (when another run has
        it by now, that run's commit deletes them)."""
        if self.live is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            return
        lock = self.ix.storage.lock(WRITE_LOCK)
        if not lock.acquire(blocking=False):
            return
        try:
            with contextlib.suppress(Exception):  # an index too damaged to read keeps its files
                toc = self.ix._read_toc()
                clean_files(self.ix.storage, INDEX_NAME, toc.generation, toc.segments)
            for leftover in self.directory.glob(f"{INDEX_NAME}.tmp*"):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        finally:
            lock.release()

    def _release_live(self) -> None:
        if self.live_lock is not None:
            self.live_lock.release()
            self.live_lock = None

    def _release(self) -> None:
        """Drop the writer, and give the garbage collector back what `_writer` froze (unless
        something had frozen objects before the run)."""
        self.writer = None
        if not self.frozen_before:
            gc.unfreeze()


def save_stems(directory: Path, state: IndexState, reader=None) -> None:
    """Keep NLTK's stem of each word the last commit holds and each word of the names the query
    reader knows (search/stems.py), so that a query is analysed without loading NLTK. Without a
    `reader` (in a worker process), the index is opened here."""
    if reader is None:
        with open_index(directory).reader() as own:
            save_stems(directory, state, own)
        return
    tables = state.tables_for_index()
    words = {key for term in reader.field_terms(PHRASE_FIELDS[1]) for key in stem_inputs(term, tables)}
    words.update(name_stem_inputs(state, tables))
    update_stem_table(directory / STEMS_FILE, words, nltk_stem)


def _give_up(writer: SegmentWriter) -> None:
    """Cancel a writer; one that fails closing its files (a full disk) or committing is made to
    let go of its lock and temporary files all the same."""
    try:
        writer.cancel()
    except Exception:
        with contextlib.suppress(Exception):
            writer._finish()


def _busy(timeout: float, directory: Path) -> IndexBusy:
    """The error of a run that waited `timeout` seconds for the lock, naming the run holding it."""
    owner = describe_owner(directory / WRITE_LOCK)
    holder = f" ({owner})" if owner else ""
    return IndexBusy(f"another `search index` is writing to this index{holder}; "
                     f"gave up after {timeout:g} seconds")


def _indexed_files(reader) -> dict[str, IndexedFile]:
    if reader.doc_count() == 0:
        return {}
    keys, signatures, ids = (ColumnValues(reader, name) for name in ("file_key", "file_sig", "id"))
    found: dict[str, tuple[list, list]] = {}
    for docnum in reader.all_doc_ids():
        doc_ids, marks = found.setdefault(keys[docnum], ([], []))
        doc_ids.append(ids[docnum])
        marks.append(signatures[docnum])
    return {key: IndexedFile(marks[0], tuple(doc_ids), tuple(marks))
            for key, (doc_ids, marks) in found.items()}


def _story_signatures(reader, leaving: set[str]) -> list[tuple[str, str, bytes]]:
    if reader.doc_count() == 0:
        return []
    columns = [ColumnValues(reader, name) for name in ("id", "story", "minhash")]
    rows = ((columns[0][d], columns[1][d], columns[2][d]) for d in reader.all_doc_ids())
    return [row for row in rows if row[0] not in leaving]
