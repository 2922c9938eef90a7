"""Bringing the index up to date with folders of articles, incrementally.

A run looks at each root's files, compares them with what the index holds
(per file: a key and a size/mtime/hash signature, stored in columns), and
re-reads only new and changed files. Documents of files gone from a root are
deleted; other roots are left alone. A run with nothing to do commits
nothing, so the index generation stays as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from search.aliases import load_alias_files
from search.analysis import valid_text
from search.backends import DEFAULT_BACKEND, open_sink
from search.backends.base import IndexSink
from search.documents import KEY_SEPARATOR, Enrichment, IndexedFile, file_key
from search.entities import acronym_definitions, extract_entities
from search.errors import DiskFull, InvalidParameter
from search.files import is_disk_full
from search.ingest import (
    JSON_LINES_SUFFIXES,
    Article,
    FileChanged,
    FileContents,
    Position,
    Problem,
    Stretch,
    article_suffix,
    begins_as_recorded,
    find_files,
    is_gzip,
    read_file,
    read_stretches,
    stream_kind,
)
from search.quotes import extract_quotes
from search.settings import SETTINGS
from search.sidecar import mark as sidecar_mark
from search.state import StreamRecord
from search.stories import StoryFinder, signature
from search.tables import variant_pairs
from search.workers import in_order, workers_die_with_this_process

LOCK_TIMEOUT_SECONDS = SETTINGS.lock_wait_seconds
COMMIT_EVERY_DOCS = SETTINGS.commit_every_docs
COMMIT_EVERY_SECONDS = 120.0
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 2_000_000
INDEX_BYTES_PER_TEXT_BYTE = 14  # an index's size over its text's: 12.5 on Reuters, 13.6 on syn-1m
READ_AHEAD = 64  # files (or a big file's chunks) read and enriched ahead of the writer, at most
BIG_FILE_BYTES = 1_000_000  # a JSON Lines file or JSON array this big (or gzipped) is read in stretches
ENRICH_CHUNK = 200  # articles per stretch of a big file: enriched as one task, committed after
STRETCH_PREFIX = "stretch:"


@dataclass
class UpdateReport:
    """What a run did, counted in documents (failed: files and records skipped)."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )


@dataclass(frozen=True)
class FileChange:
    """One file to read: whole (replacing what the index holds of it), or, for a big file a run
    has read before, on from where that run got (`start`), its documents past there dropped."""

    key: str
    path: Path
    relative: str
    signature: str
    stored_bytes: int = 0  # the file's size when the plan looked at it
    stream: str | None = None  # `lines` or `array` for a big file read in stretches
    start: Position | None = None
    dropped: tuple[str, ...] = ()  # ids of documents written past `start`, read again

    def replaced(self, indexed: dict[str, IndexedFile]) -> tuple[str, ...]:
        """Ids of documents this change removes from the index before it adds its own."""
        if self.start is not None:
            return self.dropped
        return indexed[self.key].ids if self.key in indexed else ()


class RunProgress(Protocol):
    """Someone told how a run advances: counted in documents where the plan can count them,
    else in the stored bytes read."""

    def start(self, documents: int | None, stored_bytes: int) -> None: ...
    def advance(self, documents: int, stored_bytes: int) -> None: ...
    def close(self, documents: int, seconds: float) -> None: ...


def load_user_variants(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """`variant -> canonical` pairs from the user's variant files."""
    pairs: list[tuple[str, str]] = []
    for path in paths:
        try:
            pairs.extend(variant_pairs(path))
        except (OSError, ValueError) as error:
            raise InvalidParameter(f"--variants {path}: {error}") from None
    return pairs


def signature_of(path: Path, stat: os.stat_result) -> str:
    """`size:mtime_ns:sha1` of a file, and its sidecar row's mark (search/sidecar.py) when it has one."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest}{sidecar_mark(path)}"


def is_unchanged(path: Path, stat: os.stat_result, indexed: IndexedFile) -> tuple[bool, str]:
    """Compare a file with its indexed signature: size, mtime and sidecar row, else content hash."""
    size, mtime, digest = indexed.signature.split(":", 2)
    _, plus, row = digest.partition("+")  # the sidecar row's mark, "+<hash>" (search/sidecar.py)
    if (size, mtime, plus + row) == (str(stat.st_size), str(stat.st_mtime_ns), sidecar_mark(path)):
        return True, indexed.signature
    signature = signature_of(path, stat)
    return signature.rsplit(":", 1)[1] == digest, signature


@dataclass
class Plan:
    """What a run has to do: files to read, files whose documents go."""

    indexed: dict[str, IndexedFile]
    changes: list[FileChange] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.removed_keys

    def replaced_ids(self) -> set[str]:
        """Ids of documents of files that change in this run, which the run removes."""
        return {doc_id for change in self.changes for doc_id in change.replaced(self.indexed)}

    def removed_ids(self) -> set[str]:
        return {doc_id for key in self.removed_keys for doc_id in self.indexed[key].ids}


def plan_update(indexed: dict[str, IndexedFile], roots: list[Path],
                streams: dict[str, StreamRecord] | None = None) -> Plan:
    """Compare the roots' files with what the index holds: new, changed, grown, removed,
    unchanged. `streams`: how far earlier runs read each big file."""
    plan = Plan(indexed)
    for root in roots:
        root = root.resolve()
        base = root.parent if root.is_file() else root
        seen, root_key = set(), valid_text(str(root))
        for path in find_files(root, plan.problems):
            relative = valid_text(path.relative_to(base).as_posix())
            key = file_key(root_key, relative)
            seen.add(key)
            _compare(plan, FileChange(key, path, relative, ""), (streams or {}).get(key))
        prefix = file_key(root_key, "")
        plan.removed_keys.extend(
            key for key in plan.indexed if key.startswith(prefix) and key not in seen
        )
    return plan


def _compare(plan: Plan, change: FileChange, recorded: StreamRecord | None) -> None:
    try:
        stat = change.path.stat()
        change = replace(change, stored_bytes=stat.st_size)
        big = recorded or is_gzip(change.path) or stat.st_size >= BIG_FILE_BYTES
        kind = stream_kind(change.path) if big else None
        if kind:
            _compare_stream(plan, replace(change, stream=kind), stat, recorded)
            return
        indexed = plan.indexed.get(change.key)
        if indexed is None:
            plan.changes.append(replace(change, signature=signature_of(change.path, stat)))
            return
        unchanged, signature = is_unchanged(change.path, stat, indexed)
    except OSError as error:
        plan.problems.append(Problem(change.relative, f"cannot read: {error.strerror}"))
        return
    if unchanged:
        plan.unchanged += len(indexed.ids)
    else:
        plan.changes.append(replace(change, signature=signature))


def _compare_stream(plan: Plan, change: FileChange, stat: os.stat_result,
                    recorded: StreamRecord | None) -> None:
    """A big file: unchanged when it is as a run that read it to the end left it; read on from
    a recorded position when the file still begins as it did there (a run stopped inside it,
    or the file only grew); else read whole. A JSON array is read on only when unchanged."""
    indexed = plan.indexed.get(change.key, IndexedFile("", ()))
    if recorded and (recorded.stored_bytes, recorded.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        plan.unchanged += len(indexed.ids)
        return
    if change.stream == "array":
        change = replace(change, signature=signature_of(change.path, stat))
    start = Position(recorded.offset, recorded.line, recorded.sha1) if recorded else None
    if start is None or not _reads_on(change, recorded, start):
        plan.changes.append(change)
        return
    dropped = tuple(doc_id for doc_id, mark in zip(indexed.ids, indexed.marks, strict=True)
                    if stretch_line(mark) > recorded.line)
    plan.unchanged += len(indexed.ids) - len(dropped)
    plan.changes.append(replace(change, start=start, dropped=dropped))


def _reads_on(change: FileChange, recorded: StreamRecord, start: Position) -> bool:
    """Whether a run can read on in a big file from `start`, where an earlier one recorded."""
    if change.stream == "array":
        return recorded.stored_bytes is None and recorded.signature == change.signature
    return begins_as_recorded(change.path, start)


def stretch_mark(position: Position) -> str:
    """The signature a big file's documents carry: the line their stretch ends at, so that a
    run reading on can drop what a stopped run wrote past its recorded position."""
    return f"{STRETCH_PREFIX}{position.line}"


def stretch_line(mark: str) -> int:
    return int(mark[len(STRETCH_PREFIX):]) if mark.startswith(STRETCH_PREFIX) else 0


@dataclass
class Read:
    """Articles read from a file, or from a stretch of a big one, and what enrichment learned."""

    contents: FileContents
    extras: Iterable[Enrichment | Problem]  # a Problem for an article that could not be analysed
    learned: list[Definition]
    stored_bytes: int  # of the file, read so far
    stretch: Stretch | None = None


class Indexer:
    """One run that brings an index up to date with a set of roots, through a backend's sink."""

    def __init__(self, sink: IndexSink, progress: RunProgress | None = None, workers: int | None = None,
                 user_aliases: list[tuple[str, list[str]]] | None = None,
                 commit_every: int = COMMIT_EVERY_DOCS):
        self.sink = sink
        self.state = sink.state
        self.user_aliases = user_aliases or []
        for canonical, others in self.user_aliases:
            self.state.aliases.setdefault(canonical, [])
            self.state.aliases[canonical] = sorted({*self.state.aliases[canonical], *others})
        self.progress = progress
        self.commit_every = commit_every
        self.pending, self.last_commit = 0, time.monotonic()
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.report = UpdateReport()

    def run(self, roots: list[Path]) -> UpdateReport:
        """Plan without the lock; when there is work, take the lock, plan again (another run may
        have written since), apply and commit."""
        for root in roots:
            if not root.exists():
                raise InvalidParameter(f"no such file or folder: {root}")
        started = time.monotonic()
        workers_die_with_this_process()
        plan = self._plan(roots)
        if plan.is_empty:
            if self.user_aliases:
                self.sink.save_state()
            self.sink.settle()
            return self._finish(plan, started)
        self.sink.begin(parallel=self._parallel(plan))
        try:
            plan = self._plan(roots)
            self._apply(plan)
            self.state.run_acronyms = None
            self.sink.finish(changed=bool(self.pending) or self.report.committed)
        except OSError as error:
            self.sink.cancel()
            if is_disk_full(error):
                raise self._disk_full(plan) from None
            raise
        except BaseException:
            self.sink.cancel()
            raise
        self.report.committed = self.report.committed or bool(self.pending)
        return self._finish(plan, started)

    def _disk_full(self, plan: Plan) -> DiskFull:
        """What to say when the disk filled up: which disk, and about how much a run of this size
        needs (INDEX_BYTES_PER_TEXT_BYTE times what it reads)."""
        where = self.sink.location
        needed = INDEX_BYTES_PER_TEXT_BYTE * _stored_size(plan.changes)
        return DiskFull(f"the disk holding {where} (mounted at {mount_point(where)}) is full; this run's "
                        f"unfinished files were removed and the index keeps its last commit; a run this "
                        f"size needs about {max(needed / 1e6, 1):,.0f} MB free: make room and run it again")

    def _plan(self, roots: list[Path]) -> Plan:
        streams = {key: record for key in self.state.streams if (record := self.state.stream(key))}
        return plan_update(self.sink.indexed_files(), roots, streams)

    def _checkpoint(self) -> None:
        """Commit once enough work is pending, so a crash loses little: between files, and
        inside a big file between stretches (the state records how far it got)."""
        due = time.monotonic() - self.last_commit >= COMMIT_EVERY_SECONDS
        if self.pending >= self.commit_every or (self.pending and due):
            self.sink.checkpoint()
            self.report.committed = True
            self.pending, self.last_commit = 0, time.monotonic()

    def _parallel(self, plan: Plan) -> bool:
        """Whether to analyse in worker processes: for large runs only, as it pays from a few
        megabytes on (bench/parallel_index.py), not for a few articles."""
        return self.workers >= 2 and _stored_size(plan.changes) >= PARALLEL_MIN_BYTES

    def _finish(self, plan: Plan, started: float) -> UpdateReport:
        self.report.unchanged = plan.unchanged
        self.report.seconds = time.monotonic() - started
        for problem in plan.problems:
            self._problem(problem)
        if self.progress:
            self.progress.close(self.report.added + self.report.updated, self.report.seconds)
        return self.report

    def _apply(self, plan: Plan) -> None:
        """Delete the documents of removed files; then, file by file (a big one stretch by
        stretch), replace the documents of changed files and add new ones, committing every so
        often."""
        for key in plan.removed_keys:
            self.sink.delete_file(key)
            self.state.streams.pop(key, None)
            self.pending += 1
        replaced, removed = plan.replaced_ids(), plan.removed_ids()
        self.held_ids = {
            doc_id
            for indexed in plan.indexed.values()
            for doc_id in indexed.ids
            if doc_id not in replaced and doc_id not in removed
        }
        self.added_ids: dict[str, str] = {}  # id -> where it was read
        self.indexed, self.held_paths = plan.indexed, None
        self.stories = StoryFinder(self.sink.story_signatures(replaced | removed))
        if self.progress:
            self.progress.start(_document_count(plan.changes), _stored_size(plan.changes))
        done_bytes = 0
        for change, reads in self._read_all(plan.changes):
            self._clear(change, plan.indexed)
            for read in reads:
                self._add(change, read, replaced)
                if self.progress:
                    self.progress.advance(len(read.contents.articles), done_bytes + read.stored_bytes)
                self._checkpoint()
            done_bytes += change.stored_bytes
        self.report.removed = len(removed) + len(replaced - set(self.added_ids))
        # What only adding needed goes before the sink's final merge, which runs in fresh processes
        # beside this one: the story finder holds about 3 KB an article, 3 GB at a million.
        self.stories, self.added_ids, self.held_ids = None, {}, set()

    def _clear(self, change: FileChange, indexed: dict[str, IndexedFile]) -> None:
        """Remove what the index holds of a file before it is read again (whole, or past the
        position a run reading on starts at)."""
        if change.start is None and change.key in indexed:
            self.sink.delete_file(change.key)
            self.state.streams.pop(change.key, None)
            self.pending += 1
        for doc_id in change.dropped:
            self.sink.delete_document(doc_id)
            self.pending += 1

    def _add(self, change: FileChange, read: Read, replaced: set[str]) -> None:
        """Add a read's articles (a duplicate id is skipped and reported), learn its acronym
        definitions, and record how far into a big file the run has got."""
        for problem in read.contents.problems:
            self._problem(problem)
        mark = stretch_mark(read.stretch.end) if read.stretch else change.signature
        for article, extra in zip(read.contents.articles, read.extras, strict=True):
            if isinstance(extra, Problem):
                self._problem(extra)
                continue
            if article.id in self.added_ids or article.id in self.held_ids:
                kept = self.added_ids.get(article.id) or self._held_paths()[article.id]
                self._problem(Problem(article.location, f"duplicate id {article.id!r}, skipped; the one "
                                                        f"indexed first is kept ({kept})"))
                continue
            self.added_ids[article.id] = article.location
            extra = replace(extra, story=self.stories.assign(article.id, extra.minhash))
            self.sink.add(article, change.key, mark, extra)
            self.pending += 1
            if article.id in replaced:
                self.report.updated += 1
            else:
                self.report.added += 1
        self._learn(read.learned)
        if read.stretch:
            self._record_stretch(change, read.stretch)

    def _held_paths(self) -> dict[str, str]:
        """The path of the indexed file holding each id (a duplicate's first, kept), gathered
        at the first duplicate of an indexed article, once."""
        if self.held_paths is None:
            self.held_paths = {doc_id: key.split(KEY_SEPARATOR, 1)[-1]
                               for key, indexed in self.indexed.items() for doc_id in indexed.ids}
        return self.held_paths

    def _record_stretch(self, change: FileChange, stretch: Stretch) -> None:
        """Keep in the state how far into a big file the run has read: saved with the next
        checkpoint, after the documents, so a crash between the two only makes a re-run drop
        and read again what was written past the recorded position."""
        end = stretch.end
        record = StreamRecord(end.offset, end.line, end.sha1, signature=change.signature)
        if stretch.finished:
            try:
                stat = change.path.stat()
            except OSError:  # gone since: the next run finds it removed
                stat = None
            if stat is not None:
                size = stretch.stored if stretch.stored == stat.st_size else -1
                record = replace(record, stored_bytes=size, mtime_ns=stat.st_mtime_ns)
        self.state.streams[change.key] = record.as_dict()
        self.pending += 1

    def _learn(self, definitions: list[tuple[str, str]]) -> None:
        """Keep acronym definitions the corpus gave (`ATACMS` = `Army Tactical Missile Systems`)."""
        for short, long in definitions:
            known = self.state.learned.setdefault(short, [])
            if long not in known:
                known.append(long)

    def _definitions(self) -> dict[str, str]:
        """The acronym definitions every article of the run is read with: the ones known when it
        began (kept in the state, so a run resumed after a crash reads with the same ones)."""
        if self.state.run_acronyms is None:
            self.state.run_acronyms = sorted(self.state.learned)
        return {short: self.state.learned[short][0] for short in self.state.run_acronyms
                if self.state.learned.get(short)}

    def _read_all(self, changes: list[FileChange]) -> Iterator[tuple[FileChange, Iterator[Read]]]:
        """Each changed file's reads, in plan order: many small files are read and enriched in
        a process pool; a big file is read here in stretches, each enriched in the pool."""
        definitions = self._definitions()
        streamed = [change.stream is not None for change in changes]
        if self.workers < 2 or (len(changes) < PARALLEL_MIN_FILES and not any(streamed)):
            for change in changes:
                yield change, self._reads(change, definitions, None, None)
            return
        with ProcessPoolExecutor(self.workers) as pool:
            smalls = [(change.path, change.relative, definitions)
                      for change, is_streamed in zip(changes, streamed, strict=True) if not is_streamed]
            small = in_order(pool, _read_job, smalls, READ_AHEAD)
            for change in changes:
                yield change, self._reads(change, definitions, pool, small)

    def _reads(self, change: FileChange, definitions: dict[str, str], pool: Executor | None,
               small: Iterator | None) -> Iterator[Read]:
        if change.stream is None:
            contents, extras, learned = next(small) if small else _read_job(
                (change.path, change.relative, definitions))
            yield Read(contents, extras, learned, change.stored_bytes)
            return
        stretches: deque[Stretch] = deque()

        def jobs() -> Iterator[tuple[list[Article], dict[str, str]]]:
            try:
                start, size = change.start or Position(), min(ENRICH_CHUNK, self.commit_every)
                for stretch in read_stretches(change.path, change.relative, change.stream, start, size):
                    stretches.append(stretch)
                    yield stretch.contents.articles, definitions
            except FileChanged:
                self._problem(Problem(change.relative, "changed while being indexed; run again"))

        enriched = in_order(pool, _enrich, jobs(), READ_AHEAD) if pool else map(_enrich, jobs())
        for extras, learned in enriched:
            stretch = stretches.popleft()
            yield Read(stretch.contents, extras, learned, stretch.stored, stretch)

    def _problem(self, problem: Problem) -> None:
        self.report.problems.append(problem)
        if problem.fatal:
            self.report.failed += 1


def disk_full_at_start(where: str) -> DiskFull:
    """What to say when the disk is full before a run could begin (a new index not even made)."""
    return DiskFull(f"the disk holding {where} (mounted at {mount_point(where)}) is full; nothing was "
                    f"indexed: make room and run it again")


def mount_point(location: str) -> str:
    """The mount point of the disk holding a folder (or its nearest existing parent)."""
    path = Path(location).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return str(path)


def _stored_size(changes: Iterable[FileChange]) -> int:
    """The bytes the changes' files held as stored when the plan looked at them."""
    return sum(change.stored_bytes for change in changes)


def _document_count(changes: list[FileChange]) -> int | None:
    """How many documents the changes' files hold, when that is cheap to know: one for a page
    or text file, a line count for JSON Lines stored plain; None when a file is a gzip file or
    a JSON array (the progress is then in bytes)."""
    total = 0
    for change in changes:
        if change.stream == "array" or is_gzip(change.path) or article_suffix(change.path) == ".json":
            return None
        if article_suffix(change.path) not in JSON_LINES_SUFFIXES:
            total += 1
            continue
        with contextlib.suppress(OSError):
            total += _count_lines(change.path, change.start.offset if change.start else 0)
    return total


def _count_lines(path: Path, offset: int) -> int:
    """Lines of a file from `offset` on (a record each, but for blank ones), counted in blocks:
    the file is read again straight after, from the page cache."""
    count, last = 0, b"\n"
    with path.open("rb") as stream:
        stream.seek(offset)
        while block := stream.read(1 << 22):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


Definition = tuple[str, str]  # an acronym and its long form
ReadResult = tuple[FileContents, list[Enrichment | Problem], list[Definition]]


def _enrich(job: tuple[list[Article], dict[str, str]]) -> tuple[list[Enrichment | Problem], list[Definition]]:
    """What index time learns of each article: entities, acronym definitions, MinHash signature,
    quotations and their speakers (each article in its own error boundary: one that fails is a
    problem, the others go on)."""
    articles, definitions = job
    extras, learned = [], []
    for article in articles:
        try:
            local = acronym_definitions(article.text)
            entities = extract_entities(article.title, article.text, {**definitions, **dict(local)},
                                        source=article.source)
            extras.append(Enrichment(tuple(entities), signature(article.title, article.text, article.date),
                                     quotes=tuple(extract_quotes(article.text, entities))))
        except Exception as error:  # an article no rule foresaw: reported and skipped
            extras.append(Problem(article.location, f"cannot analyse the article ({type(error).__name__}: "
                                                    f"{error}); skipped"))
            continue
        learned.extend(local)
    return extras, learned


def _read_job(job: tuple[Path, str, dict[str, str]]) -> ReadResult:
    """Read one file and enrich its articles (runs in a worker)."""
    path, relative, definitions = job
    contents = read_file(path, relative)
    return (contents, *_enrich((contents.articles, definitions)))


def update_index(
    directory: Path,
    roots: list[Path],
    rebuild: bool = False,
    variant_files: list[Path] | None = None,
    progress: RunProgress | None = None,
    alias_files: list[Path] | None = None,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    commit_every: int = COMMIT_EVERY_DOCS,
    upgrade: bool = False,
    backend: str = DEFAULT_BACKEND,
) -> UpdateReport:
    """Bring the index at `directory` (for another backend: its address) up to date with `roots`
    (the engine's entry point)."""
    user_aliases = load_alias_files(alias_files or [])
    workers = min(2, os.cpu_count() or 1)
    try:
        sink = open_sink(backend, directory, rebuild=rebuild, upgrade=upgrade, workers=workers,
                         user_variants=load_user_variants(variant_files or []), lock_timeout=lock_timeout)
    except OSError as error:
        if is_disk_full(error):
            raise disk_full_at_start(str(directory)) from None
        raise
    return Indexer(sink, progress, workers, user_aliases=user_aliases, commit_every=commit_every).run(roots)
