"""Where the Whoosh backend keeps an index: Whoosh's files and, beside them, the index's state.

`search-meta.json` holds the state (search/state.py) with the format version of this
backend's files, so an index the code no longer matches says so instead of answering wrongly.
Opening checks the segments can be read; creating refuses a folder that holds anything else.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, Index, clean_files

from search.backends.whoosh.arrays import narrowed
from search.backends.whoosh.schema import build_schema
from search.errors import REBUILD_HINT, IndexIncompatible, IndexMissing
from search.files import sync_folder, write_whole
from search.state import IndexState
from search.stems import STEMS_FILE
from search.tables import fingerprint, is_current_analysis

FORMAT_VERSION = 11  # 11: the date field keeps no index terms (10: the arrays file's columns narrowed)
META_FILE = "search-meta.json"
WHOOSH_PREFIXES = ("_MAIN_", "MAIN_", "MAIN.tmp")  # segments, TOCs, the lock, multiprocess temp files
INDEX_NAME = "MAIN"
WRITE_LOCK = f"{INDEX_NAME}_WRITELOCK"
REBUILD_FOLDER = ".rebuild"  # where a rebuild writes while searches still read the old index
SUMS_EXT = ".sums"  # beside each segment: its files' sizes and CRC-32s, which `search check` compares
SEGMENT_FILE = TOC._segment_pattern(INDEX_NAME)  # Whoosh's, which its cleanup deletes a segment's files by
CHECKSUM_PIECE = 1 << 20


class DurableStorage(FileStorage):
    """Whoosh's file storage, with each file it writes flushed to disk as it is closed and the
    folder after each rename. A commit renames its table of contents into place last, so what
    a commit shows is on disk before it is shown: a power cut or a crashed machine leaves the
    last commit whole, as Lucene's commits do. Each segment file's size and CRC-32 are noted
    in the segment's SUMS_EXT file as it closes (Whoosh's files carry none), so `search check`
    finds a flipped byte that would still read (a length, a stored article's text)."""

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        file = super().create_file(name, excl, mode, **kwargs)
        before = file.onclose
        segment_file = SEGMENT_FILE.match(name)

        def flushed(structfile) -> None:
            if before is not None:
                before(structfile)
            structfile.file.flush()
            os.fsync(structfile.file.fileno())
            if segment_file and not name.endswith(SUMS_EXT):
                self._note_checksum(segment_file[1], name)

        file.onclose = flushed
        return file

    def rename_file(self, oldname, newname, safe=False):
        super().rename_file(oldname, newname, safe)
        sync_folder(Path(self.folder))

    def _note_checksum(self, segment_id: str, name: str) -> None:
        """Append a closed file's name, size and CRC-32 to its segment's sums file (flushed too)."""
        size, crc = file_checksum(Path(self.folder) / name)
        line = f"{name}\t{size}\t{crc:08x}\n".encode()
        descriptor = os.open(os.path.join(self.folder, segment_id + SUMS_EXT),
                             os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def file_checksum(path: Path) -> tuple[int, int]:
    """A file's size and CRC-32, read in pieces."""
    size, crc = 0, 0
    with open(path, "rb") as file:
        while piece := file.read(CHECKSUM_PIECE):
            size, crc = size + len(piece), zlib.crc32(piece, crc)
    return size, crc


def read_sums(directory: Path, segment_id: str) -> dict[str, tuple[int, int]] | None:
    """A segment's noted files as name: (size, CRC-32), the last note of a name winning (None
    when the segment has no sums file: it was written before them). Raises ValueError for a
    sums file that cannot be read."""
    try:
        text = (directory / (segment_id + SUMS_EXT)).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    sums = {}
    for line in text.splitlines():
        name, size, crc = line.split("\t")
        sums[name] = (int(size), int(crc, 16))
    return sums


def read_state(directory: Path) -> IndexState | None:
    """The state kept beside the index (None when there is none, or it cannot be read)."""
    try:
        return IndexState.from_dict(json.loads((directory / META_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_state(directory: Path, state: IndexState) -> None:
    """Keep the state beside the index (written whole, then moved into place)."""
    state.updated = time.time()
    text = json.dumps(state.as_dict(), indent=1)
    write_whole(directory / META_FILE, lambda out: out.write(text.encode("utf-8")))


KEPT_FILE = "{kind}-{generation}.npz"
KEPT_KINDS = ("columns", "facets")  # arrays kept with a commit: ranking.commit_columns, ranking.facet_table
KEPT_NAME = re.compile(r"(columns|facets)-(\d+)\.npz")
COLUMN_NAMES = ("dates", "id_ranks", "story_codes")  # what a reader needs; `stats` counts may be beside
KEPT_TYPES = "__types__"  # the type each kept array was written from (they are stored narrowed)


def read_kept(directory: Path, generation: int, kind: str = "columns") -> dict[str, np.ndarray] | None:
    """The arrays of `kind` kept with a commit, or None when that commit has none (a run still
    under way, an index built before them) or they cannot be read. Kinds are separate files
    so a search that counts no facets does not read their arrays (a quarter GB at 1M articles)."""
    try:
        with np.load(directory / KEPT_FILE.format(kind=kind, generation=generation)) as stored:
            types = json.loads(str(stored[KEPT_TYPES])) if KEPT_TYPES in stored.files else {}
            found = {name: stored[name] for name in stored.files if name != KEPT_TYPES}
        found = {name: values.astype(types.get(name, values.dtype), copy=False)
                 for name, values in found.items()}
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    required = COLUMN_NAMES if kind == "columns" else ()
    return found if all(name in found for name in required) else None


def kept_names(directory: Path, generation: int, kind: str) -> dict[str, None]:
    """The names of the arrays of `kind` kept with a commit, without reading them (none when
    there are none or they cannot be read)."""
    try:
        with np.load(directory / KEPT_FILE.format(kind=kind, generation=generation)) as stored:
            return dict.fromkeys(name for name in stored.files if name != KEPT_TYPES)
    except (OSError, ValueError, zipfile.BadZipFile):
        return {}


def write_kept(directory: Path, generation: int, kind: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep a commit's arrays of `kind` beside it (written whole, search/files.py; integers in
    the narrowest type that holds them, as in the arrays file), and drop those of earlier
    commits (never a later one's: another run may have committed since)."""
    types = np.array(json.dumps({name: values.dtype.str for name, values in arrays.items()}))
    stored = {name: narrowed(values) for name, values in arrays.items()}
    write_whole(directory / KEPT_FILE.format(kind=kind, generation=generation),
                lambda out: np.savez(out, **stored, **{KEPT_TYPES: types}))
    _drop_kept_before(directory, generation, kind)


def _drop_kept_before(directory: Path, generation: int, kind: str | None = None) -> None:
    """Remove the kept arrays (of `kind`, or of every kind) of commits before `generation`."""
    for old in directory.glob("*.npz"):
        found = KEPT_NAME.fullmatch(old.name)
        if found and (kind is None or found[1] == kind) and int(found[2]) < generation:
            old.unlink(missing_ok=True)


# Where the classes a table of contents pickles (the codec of each segment) lived before the engine
# was cut by role: an index written then is read with today's classes, not rebuilt.
MOVED_MODULES = {"search.codec": "search.backends.whoosh.codec"}


def _read_moved_classes() -> None:
    """Let pickle find each moved module under its old name too."""
    for old, new in MOVED_MODULES.items():
        if old not in sys.modules:
            sys.modules[old] = importlib.import_module(new)


def is_whoosh_index(directory: Path) -> bool:
    """Whether `directory` holds a Whoosh index (of any version)."""
    return directory.is_dir() and any(directory.glob("_MAIN_*.toc"))


def open_index(directory: Path) -> Index:
    """Open an index built by this version of the code, or say what to do (naming the folder
    wherever it was given from)."""
    directory = Path(directory).absolute()
    if not is_whoosh_index(directory):
        raise IndexMissing(f"no index at {directory}; build it with `search index`")
    meta = read_state(directory)
    if meta is None:
        raise IndexIncompatible(f"{directory} is not an index this program built; {REBUILD_HINT}")
    if meta.format != FORMAT_VERSION or not is_current_analysis(meta.tables):
        raise IndexIncompatible(
            f"the index at {directory} was built by another version of the analysis; {REBUILD_HINT}"
        )
    try:
        _read_moved_classes()
        # the schema is built from the code, not unpickled from the TOC: a pickled schema names the
        # classes of the code that wrote it, and code that moves a class would break every index
        schema = build_schema(meta.tables_for_index())
        ix = DurableStorage(str(directory)).open_index(INDEX_NAME, schema=schema)
        # open_dir reads only the TOC: opening a reader reads the segments, so a segment
        # file truncated, emptied, deleted or garbled is caught here, not by the first search
        with ix.reader():
            pass
        return ix
    except Exception as error:  # Whoosh raises many kinds for damaged files
        raise IndexIncompatible(f"the index at {directory} is damaged ({error}); {REBUILD_HINT}") from None


def create_index(directory: Path, user_variants: list[tuple[str, str]]) -> Index:
    """A new, empty index (replacing an old one of ours) with its metadata."""
    clear_index(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = IndexState(FORMAT_VERSION, fingerprint(), [list(p) for p in user_variants])
    try:
        ix = DurableStorage(str(directory)).create_index(build_schema(meta.tables_for_index()), INDEX_NAME)
        write_state(directory, meta)
    except OSError:  # a disk full before the first table of contents was whole: no index is made
        clear_index(directory)
        raise
    return ix


def index_entries(directory: Path) -> list[Path]:
    """The files of an index in `directory` (none when it does not exist); refuses a folder that
    holds anything else, so that nothing but an index is ever replaced."""
    if not directory.exists():
        return []
    entries = [p for p in directory.iterdir() if not p.name.startswith(".") or is_ours(p.name)]
    foreign = [p for p in entries if not is_ours(p.name) and not p.name.startswith(WHOOSH_PREFIXES)
               and p.suffix != ".seg"]
    if foreign:
        raise IndexIncompatible(
            f"{directory} holds files that are not an index ({foreign[0].name}); "
            "choose an empty folder with --index"
        )
    return entries


def move_into(built: Index, live: Path, state: IndexState) -> None:
    """Make the index `built` (a rebuild, written in the live folder's REBUILD_FOLDER) the live
    index as the live folder's next generation: its segments and reading aids moved in first,
    the state beside them, the table of contents last (one rename), so a search opened at any
    moment reads the old index or the new one whole; then the old files go. The caller holds
    the live index's write lock."""
    source = Path(built.storage.folder)
    toc = built._read_toc()
    storage = DurableStorage(str(live))
    generation = TOC._latest_generation(storage, INDEX_NAME) + 1
    for path in source.iterdir():
        if path.name.startswith(f"{INDEX_NAME}_") and path.name != WRITE_LOCK:
            path.replace(live / path.name)
    for kind in KEPT_KINDS:
        kept = source / KEPT_FILE.format(kind=kind, generation=toc.generation)
        if kept.exists():
            kept.replace(live / KEPT_FILE.format(kind=kind, generation=generation))
    if (source / STEMS_FILE).exists():
        (source / STEMS_FILE).replace(live / STEMS_FILE)
    write_state(live, state)  # and, syncing the folder, the moves above
    toc.generation = generation
    toc.write(storage, INDEX_NAME)
    clean_files(storage, INDEX_NAME, generation, toc.segments)
    for leftover in live.glob(f"{INDEX_NAME}.tmp*"):  # a killed multiprocess run's temporary files
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    _drop_kept_before(live, generation)
    shutil.rmtree(source, ignore_errors=True)


def is_ours(name: str) -> bool:
    """A file this module writes beside Whoosh's (or its temporary, being written)."""
    name = name.removeprefix(".").removesuffix(".tmp")
    return name in (META_FILE, STEMS_FILE) or bool(KEPT_NAME.fullmatch(name))


def clear_index(directory: Path) -> None:
    """Remove an index's files; refuse a folder that holds anything else."""
    for entry in index_entries(directory):
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
