"""`search check` for the Whoosh backend: every file of the index read whole, and what is damaged.

Whoosh's files carry no checksums: the sums file the storage writes beside each segment
(store.DurableStorage) is compared with every file it notes, then the check reads everything a
search could ever read: the table of contents, each segment's terms and every posting list
(Whoosh's blocks decompressed for the fields it writes, the arrays for the scored ones: document
numbers in order and inside the segment), every stored article, every per-document column, the
arrays file beside each segment (every column whole, each term's postings where its counts say
and as many as Whoosh's terms say), the columns kept with the commit, the state, and the stem
table (each stem NLTK's).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

from search.analysis import nltk_stem
from search.backends.whoosh.arrays import ARRAYS_EXT, SegmentArrays, TermArrays
from search.backends.whoosh.store import (
    COLUMN_NAMES,
    KEPT_FILE,
    KEPT_KINDS,
    META_FILE,
    SUMS_EXT,
    file_checksum,
    is_whoosh_index,
    open_index,
    read_kept,
    read_state,
    read_sums,
)
from search.errors import IndexMissing, SearchError
from search.stems import STEMS_FILE, StemTable


def check_index(location: Path | str, progress: Callable[[int], None] | None = None) -> list[str]:
    """What is damaged in the index at `location` (nothing: it is sound); `progress` is told how
    many documents' segments have been read so far."""
    directory, problems = Path(location).absolute(), []
    if not is_whoosh_index(directory):
        raise IndexMissing(f"no index at {directory}; build it with `search index`")
    if read_state(directory) is None:
        problems.append(f"{META_FILE}: missing or unreadable")
    try:
        ix = open_index(directory)
    except SearchError as error:
        return [*problems, error.message]
    with ix.reader() as reader:
        done = 0
        for leaf, _ in reader.leaf_readers():
            name = leaf.segment().segment_id()
            problems.extend(f"segment {name}: {problem}" for problem in _segment_problems(leaf))
            done += leaf.doc_count_all()
            if progress:
                progress(done)
        for kind in KEPT_KINDS:
            kept = directory / KEPT_FILE.format(kind=kind, generation=reader.generation())
            if kept.exists() and read_kept(directory, reader.generation(), kind) is None:
                needs = f" (it should hold {', '.join(COLUMN_NAMES)})" if kind == "columns" else ""
                problems.append(f"{kept.name}: unreadable{needs}")
    stems = _stem_table_problem(directory / STEMS_FILE)
    return [*problems, f"{STEMS_FILE}: {stems}"] if stems else problems


def _stem_table_problem(path: Path) -> str | None:
    """Whether the stem table is sorted `word<TAB>stem` lines whose stems are NLTK's (searches
    take a word's stem from it: a wrong line would find other articles than the word's)."""
    table = StemTable.read(path)
    if table is None:  # an index built before the table: searches stem with NLTK
        return None
    lines = table.data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for number, (line, following) in enumerate(zip(lines, [*lines[1:], None], strict=True), start=1):
        word, tab, stem = line.partition(b"\t")
        try:
            word_text, stem_text = word.decode("utf-8"), stem.decode("utf-8")
        except UnicodeDecodeError:
            return f"line {number} is not UTF-8"
        if not tab or not word or (following is not None and following <= line):
            return f"line {number} is not a word and its stem in order"
        if (nltks := nltk_stem(word_text)) != stem_text:
            return f"line {number} gives {word_text!r} the stem {stem_text!r}, NLTK's is {nltks!r}"
    return None


def _segment_problems(leaf) -> Iterator[str]:
    """Each part of one segment that cannot be read whole."""
    for part, read in (("files", _compare_checksums), ("terms and postings", _read_postings),
                       ("stored articles", _read_stored),
                       ("columns", _read_columns), (f"arrays file ({ARRAYS_EXT})", _read_arrays)):
        try:
            problem = read(leaf)
        except Exception as error:  # Whoosh, zlib, pickle and struct raise many kinds on damage
            problem = f"{type(error).__name__}: {error}"
        if problem:
            yield f"{part}: {problem}"


def _compare_checksums(leaf) -> str | None:
    """Each file noted in the segment's sums file still has its size and CRC-32."""
    folder, segment_id = Path(leaf._storage.folder), leaf.segment().segment_id()
    try:
        sums = read_sums(folder, segment_id)
    except (OSError, ValueError) as error:
        return f"{segment_id}{SUMS_EXT} cannot be read ({error})"
    for name, noted in (sums or {}).items():
        try:
            found = file_checksum(folder / name)
        except FileNotFoundError:
            return f"{name} is missing"
        if found != noted:
            return f"{name} does not match its checksum"
    return None


def _read_postings(leaf) -> str | None:
    """Every term's posting list, whole."""
    count = leaf.doc_count_all()
    terms = leaf._terms
    for (fieldname, btext), info in terms.items():
        matcher = terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
        ids = _posting_ids(matcher)
        if len(ids) != info.doc_frequency():
            return f"{fieldname}:{btext!r} has {len(ids)} postings, its entry says {info.doc_frequency()}"
        if len(ids) and (ids[-1] >= count or (np.diff(ids) <= 0).any()):
            return f"{fieldname}:{btext!r} lists documents out of order or past the segment's {count}"
    return None


def _posting_ids(matcher) -> np.ndarray:
    """A posting list's document numbers, every block of Whoosh's decoded (values too)."""
    if not isinstance(matcher, W3LeafMatcher):  # inlined in the term's entry
        return np.fromiter(matcher.all_ids(), dtype=np.int64)
    blocks = []
    while not matcher._atend:
        matcher._read_data()
        blocks.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
        matcher._next_block()
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)


def _read_stored(leaf) -> str | None:
    for docnum in range(leaf.doc_count_all()):
        if not isinstance(leaf.stored_fields(docnum), dict):
            return f"document {docnum} is not a record"
    return None


def _read_columns(leaf) -> str | None:
    count = leaf.doc_count_all()
    for fieldname in leaf.schema.names():
        if leaf.has_column(fieldname):
            raw = leaf.column_reader(fieldname, translate=False)  # the undated sentinel is no date
            values = sum(1 for _ in raw)
            if values != count:
                return f"{fieldname} has {values} values for {count} documents"
    return None


def _read_arrays(leaf) -> str | None:
    """The segment's arrays file: every column whole, each field's terms in order and its
    postings where the terms say."""
    path = Path(leaf._storage.folder) / leaf.segment().make_filename(ARRAYS_EXT)
    arrays = SegmentArrays.open(leaf._storage, leaf.segment()) if path.exists() else None
    if arrays is None:
        return "missing, or of another format"
    for fieldname, field in arrays.fields.items():
        problem = _field_arrays_problem(field, leaf.doc_count_all(), arrays.checksums.get(fieldname, {}))
        if problem:
            return f"{fieldname}: {problem}"
    return None


def _field_arrays_problem(field: TermArrays, doc_count: int, checksums: dict[str, int]) -> str | None:
    for column, (_, _, count, _) in field._columns.items():
        values = field._whole(column)
        if len(values) != count:
            return f"{column} is cut short"
        if column in checksums and zlib.crc32(values) != checksums[column]:
            return f"{column} does not match its checksum"
    term_ends = field._whole("term_ends")
    ids = field._whole("ids")
    if len(term_ends) and (term_ends[-1] != len(ids) or (np.diff(term_ends) < 0).any()):
        return "the terms' ends do not match the postings"
    if len(ids) and (ids.max() >= doc_count or ids.min() < 0):
        return "postings name documents outside the segment"
    texts = field.texts_from(0, len(term_ends))
    if any(earlier >= later for earlier, later in pairwise(texts)):
        return "the terms are out of order"
    if any(field.number(text) != row for row, text in enumerate(texts)):
        return "the term table does not find every term"
    return None
