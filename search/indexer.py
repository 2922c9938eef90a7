"""Bringing the index up to date with folders of articles, incrementally.

A run looks at each root's files, compares them with what the index holds
(per file: a key and a size/mtime/hash signature, stored in columns), and
re-reads only new and changed files. Documents of files gone from a root are
deleted; other roots are left alone. A run with nothing to do commits
nothing, so the index generation stays as it was.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

from search.aliases import load_alias_files
from search.backends import DEFAULT_BACKEND, open_sink
from search.backends.base import IndexSink
from search.documents import Enrichment, IndexedFile, file_key
from search.entities import acronym_definitions, extract_entities
from search.errors import InvalidParameter
from search.ingest import Article, FileContents, Problem, find_files, read_file
from search.settings import SETTINGS
from search.stories import StoryFinder, signature
from search.tables import variant_pairs

LOCK_TIMEOUT_SECONDS = SETTINGS.lock_wait_seconds
COMMIT_EVERY_DOCS = SETTINGS.commit_every_docs
COMMIT_EVERY_SECONDS = 120.0
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 2_000_000
READ_AHEAD = 64  # files (or a big file's chunks) read and enriched ahead of the writer, at most
BIG_FILE_BYTES = 1_000_000
ENRICH_CHUNK = 200


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

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )


@dataclass(frozen=True)
class FileChange:
    """One file to (re)read."""

    key: str
    path: Path
    relative: str
    signature: str


Progress = Callable[[int, int], None]


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
    """`size:mtime_ns:sha1` of a file."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest}"


def is_unchanged(path: Path, stat: os.stat_result, indexed: IndexedFile) -> tuple[bool, str]:
    """Compare a file with its indexed signature: size and mtime, else content hash."""
    size, mtime, digest = indexed.signature.split(":", 2)
    if size == str(stat.st_size) and mtime == str(stat.st_mtime_ns):
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
        """Ids of documents from files that change in this run."""
        return {doc_id for change in self.changes if change.key in self.indexed
                for doc_id in self.indexed[change.key].ids}

    def removed_ids(self) -> set[str]:
        return {doc_id for key in self.removed_keys for doc_id in self.indexed[key].ids}


def plan_update(indexed: dict[str, IndexedFile], roots: list[Path]) -> Plan:
    """Compare the roots' files with what the index holds: new, changed, removed, unchanged."""
    plan = Plan(indexed)
    for root in roots:
        root = root.resolve()
        base = root.parent if root.is_file() else root
        seen = set()
        for path in find_files(root):
            relative = path.relative_to(base).as_posix()
            key = file_key(str(root), relative)
            seen.add(key)
            _compare(plan, key, path, relative)
        prefix = file_key(str(root), "")
        plan.removed_keys.extend(
            key for key in plan.indexed if key.startswith(prefix) and key not in seen
        )
    return plan


def _compare(plan: Plan, key: str, path: Path, relative: str) -> None:
    try:
        stat = path.stat()
        indexed = plan.indexed.get(key)
        if indexed is None:
            plan.changes.append(FileChange(key, path, relative, signature_of(path, stat)))
            return
        unchanged, signature = is_unchanged(path, stat, indexed)
    except OSError as error:
        plan.problems.append(Problem(relative, f"cannot read: {error.strerror}"))
        return
    if unchanged:
        plan.unchanged += len(indexed.ids)
    else:
        plan.changes.append(FileChange(key, path, relative, signature))


class Indexer:
    """One run that brings an index up to date with a set of roots, through a backend's sink."""

    def __init__(self, sink: IndexSink, progress: Progress | None = None, workers: int | None = None,
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
        plan = plan_update(self.sink.indexed_files(), roots)
        if plan.is_empty:
            if self.user_aliases:
                self.sink.save_state()
            return self._finish(plan)
        self.sink.begin(parallel=self._parallel(plan))
        try:
            plan = plan_update(self.sink.indexed_files(), roots)
            self._apply(plan)
        except BaseException:
            self.sink.cancel()
            raise
        self.sink.finish(changed=bool(self.pending))
        self.report.committed = self.report.committed or bool(self.pending)
        return self._finish(plan)

    def _checkpoint(self) -> None:
        """Commit between files once enough work is pending, so a crash loses little:
        a file is never split across commits, and a re-run reads the rest again."""
        due = time.monotonic() - self.last_commit >= COMMIT_EVERY_SECONDS
        if self.pending >= self.commit_every or (self.pending and due):
            self.sink.checkpoint()
            self.report.committed = True
            self.pending, self.last_commit = 0, time.monotonic()

    def _parallel(self, plan: Plan) -> bool:
        """Whether to analyse in worker processes: for large runs only, as it pays from a few
        megabytes on (bench/parallel_index.py), not for a few articles."""
        size = sum(change.path.stat().st_size for change in plan.changes if change.path.exists())
        return self.workers >= 2 and size >= PARALLEL_MIN_BYTES

    def _finish(self, plan: Plan) -> UpdateReport:
        self.report.unchanged = plan.unchanged
        for problem in plan.problems:
            self._problem(problem)
        return self.report

    def _apply(self, plan: Plan) -> None:
        """Delete the documents of removed files; then, file by file, replace the documents
        of changed files and add new ones, committing every so often."""
        for key in plan.removed_keys:
            self.sink.delete_file(key)
            self.pending += 1
        replaced, removed = plan.replaced_ids(), plan.removed_ids()
        held_ids = {
            doc_id
            for indexed in plan.indexed.values()
            for doc_id in indexed.ids
            if doc_id not in replaced and doc_id not in removed
        }
        added_ids: set[str] = set()
        stories = StoryFinder(self.sink.story_signatures(replaced | removed))
        for done, (change, (contents, extras, learned)) in enumerate(self._read_all(plan.changes), start=1):
            if change.key in plan.indexed:
                self.sink.delete_file(change.key)
                self.pending += 1
            for problem in contents.problems:
                self._problem(problem)
            for article, extra in zip(contents.articles, extras, strict=True):
                if article.id in added_ids or article.id in held_ids:
                    self._problem(Problem(article.location, f"duplicate id {article.id!r}, skipped"))
                    continue
                added_ids.add(article.id)
                extra = replace(extra, story=stories.assign(article.id, extra.minhash))
                self.sink.add(article, change.key, change.signature, extra)
                self.pending += 1
                if article.id in replaced:
                    self.report.updated += 1
                else:
                    self.report.added += 1
            self._learn(learned)
            if self.progress:
                self.progress(done, len(plan.changes))
            self._checkpoint()
        self.report.removed = len(removed) + len(replaced - added_ids)

    def _learn(self, definitions: list[tuple[str, str]]) -> None:
        """Keep acronym definitions the corpus gave (`ATACMS` = `Army Tactical Missile Systems`)."""
        for short, long in definitions:
            known = self.state.learned.setdefault(short, [])
            if long not in known:
                known.append(long)

    def _read_all(self, changes: list[FileChange]) -> Iterable[tuple[FileChange, ReadResult]]:
        """Each changed file read and enriched, in plan order: many files are read in a
        process pool; a big file is read here and its articles enriched in the pool."""
        definitions = {short: longs[0] for short, longs in self.state.learned.items() if longs}
        jobs = [(change.path, change.relative, definitions) for change in changes]
        big = [_is_big(change.path) for change in changes]
        if self.workers < 2 or (len(changes) < PARALLEL_MIN_FILES and not any(big)):
            for change, job in zip(changes, jobs, strict=True):
                yield change, _read_job(job)
            return
        with ProcessPoolExecutor(self.workers) as pool:
            smalls = [job for job, is_big in zip(jobs, big, strict=True) if not is_big]
            small = in_order(pool, _read_job, smalls)
            for change, job, is_big in zip(changes, jobs, big, strict=True):
                yield change, _read_big(pool, job) if is_big else next(small)

    def _problem(self, problem: Problem) -> None:
        self.report.problems.append(problem)
        if problem.fatal:
            self.report.failed += 1


ReadResult = tuple[FileContents, Iterable[Enrichment], list[tuple[str, str]]]


def in_order(pool: Executor, function: Callable, jobs: Iterable, ahead: int | None = None) -> Iterator:
    """`pool.map`, but with at most `ahead` jobs (default READ_AHEAD) submitted and not yet
    taken: `map` submits every job at once, and readers far ahead of the writer would hold
    every enriched article of the run in memory (gigabytes for a million)."""
    jobs = iter(jobs)
    pending = deque(pool.submit(function, job) for job in islice(jobs, ahead or READ_AHEAD))
    while pending:
        result = pending.popleft().result()
        pending.extend(pool.submit(function, job) for job in islice(jobs, 1))
        yield result


def _is_big(path: Path) -> bool:
    try:
        return path.stat().st_size >= BIG_FILE_BYTES
    except OSError:
        return False


def _enrich(job: tuple[list[Article], dict[str, str]]) -> tuple[list[Enrichment], list[tuple[str, str]]]:
    """What index time learns of each article: entities, acronym definitions, MinHash signature."""
    articles, definitions = job
    extras, learned = [], []
    for article in articles:
        local = acronym_definitions(article.text)
        learned.extend(local)
        entities = extract_entities(article.title, article.text, {**definitions, **dict(local)},
                                    source=article.source)
        extras.append(Enrichment(tuple(entities), signature(article.title, article.text, article.date)))
    return extras, learned


def _read_job(job: tuple[Path, str, dict[str, str]]) -> ReadResult:
    """Read one file and enrich its articles (runs in a worker)."""
    path, relative, definitions = job
    contents = read_file(path, relative)
    return (contents, *_enrich((contents.articles, definitions)))


def _read_big(pool: ProcessPoolExecutor, job: tuple[Path, str, dict[str, str]]) -> ReadResult:
    """Read a big file here and enrich its articles in the pool, a chunk per task; the
    enrichments stream back as chunks finish (`learned` is complete once they have)."""
    path, relative, definitions = job
    contents = read_file(path, relative)
    articles = contents.articles
    chunks = [(articles[i:i + ENRICH_CHUNK], definitions) for i in range(0, len(articles), ENRICH_CHUNK)]
    learned: list[tuple[str, str]] = []

    def stream() -> Iterator[Enrichment]:
        for chunk_extras, chunk_learned in in_order(pool, _enrich, chunks):
            learned.extend(chunk_learned)
            yield from chunk_extras

    return contents, stream(), learned


def update_index(
    directory: Path,
    roots: list[Path],
    rebuild: bool = False,
    variant_files: list[Path] | None = None,
    progress: Progress | None = None,
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
    sink = open_sink(backend, directory, rebuild=rebuild, upgrade=upgrade, workers=workers,
                     user_variants=load_user_variants(variant_files or []), lock_timeout=lock_timeout)
    return Indexer(sink, progress, workers, user_aliases=user_aliases, commit_every=commit_every).run(roots)


def print_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rindexing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
