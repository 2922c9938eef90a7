"""A Whoosh codec that also writes each segment's postings as flat arrays, read by slices.

Whoosh stores a term's postings in blocks of 128 that pickle and compress document
numbers, weights, positions and character offsets together: to score a common word,
every one of its blocks is decompressed and unpickled, offsets and all. While Whoosh
writes a segment (a new batch or a merge), `ArrayCodec` keeps, for each scorable field,
every term's document numbers and weights and where each of its blocks starts in
Whoosh's postings file, and writes them beside the segment as one file of raw arrays
(`<segment id>.arr`), with the word positions of the fields phrases are matched in and
the postings turned around into each document's term vector (feedback's word counts,
which Whoosh would write posting by posting). Scoring, phrase matching and feedback
then read slices of it; character offsets for snippets are still read from Whoosh's
blocks, going straight to the block that holds a document.
The file follows its segment's name, so Whoosh deletes it with the segment. A segment
without one (an index written before) is read from its blocks.
"""

from __future__ import annotations

import os
import pickle
import struct
import zlib
from array import array
from dataclasses import dataclass, field
from hashlib import blake2b
from itertools import pairwise

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PostingsWriter

ARRAYS_EXT = ".arr"
FORMAT = 2  # files of another format are ignored (read from Whoosh's blocks)
MAX_REMEMBERED_TERMS = 100_000  # per field and segment: the terms searched, found or not
_UNKNOWN = object()
_HEADER = struct.Struct("<Q")  # the length of the pickled table of contents that follows
_ALIGN = 8
SIZED_BLOCK_ROWS = 1 << 16  # terms of one length cut out at a time (a block of byte offsets: 8 bytes each)
VECTOR_JOIN_ROWS = 1 << 20  # postings whose term texts are joined at a time (as Python ints: ~40 MB)


@dataclass
class BlockMap:
    """Where each block of one posting list starts in Whoosh's postings file, and its last document."""

    positions: list[int]
    max_ids: list[int]


class ArrayCodec(W3Codec):
    """Whoosh's own format, plus the arrays file of each segment it writes (with word positions
    for `positions_fields`, the fields phrases are matched in, and each document's terms and
    counts for `vector_fields`, read by feedback)."""

    def __init__(self, positions_fields: tuple[str, ...] = (), vector_fields: tuple[str, ...] = (),
                 **options):
        super().__init__(**options)
        self.positions_fields = positions_fields
        self.vector_fields = vector_fields

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)


class BlockRecordingWriter(W3PostingsWriter):
    """Whoosh's postings writer, noting where each block of the current term starts."""

    def start_postings(self, format_, terminfo) -> None:
        super().start_postings(format_, terminfo)
        self.block_positions: list[int] = []
        self.block_max_ids: list[int] = []

    def _write_block(self, last: bool = False) -> None:
        header = 0 if self._blockcount else len(WHOOSH3_HEADER_MAGIC)
        self.block_positions.append(self._postfile.tell() + header)
        self.block_max_ids.append(self._ids[-1])
        super()._write_block(last)


@dataclass
class FieldArrays:
    """One field's postings as they are written: terms in order, then flat columns."""

    terms: list[bytes] = field(default_factory=list)
    ids: array = field(default_factory=lambda: array("i"))
    weights: array = field(default_factory=lambda: array("f"))
    term_ends: array = field(default_factory=lambda: array("q"))
    block_positions: array = field(default_factory=lambda: array("q"))
    block_max_ids: array = field(default_factory=lambda: array("i"))
    block_ends: array = field(default_factory=lambda: array("q"))
    positions: array | None = None
    position_ends: array | None = None
    with_vectors: bool = False

    def add_positions(self, positions: list[int]) -> None:
        self.positions.extend(positions)
        self.position_ends.append(len(self.positions))

    def finish_term(self, btext: bytes, writer: BlockRecordingWriter) -> None:
        self.terms.append(btext)
        self.term_ends.append(len(self.ids))
        self.block_positions.extend(writer.block_positions)
        self.block_max_ids.extend(writer.block_max_ids)
        self.block_ends.append(len(self.block_positions))

    def columns(self) -> dict[str, np.ndarray]:
        hashes = np.fromiter(map(term_hash, self.terms), dtype=np.uint64, count=len(self.terms))
        order = np.argsort(hashes, kind="stable")
        columns = {
            "terms": np.frombuffer(b"".join(self.terms), dtype=np.uint8),
            "term_text_ends": np.cumsum(np.fromiter(map(len, self.terms), dtype=np.int64,
                                                    count=len(self.terms))),
            "term_hashes": hashes[order],
            "hash_rows": order.astype(np.int64),
            "term_ends": np.asarray(self.term_ends, dtype=np.int64),
            "ids": np.asarray(self.ids, dtype=np.int32),
            "weights": np.asarray(self.weights, dtype=np.float32),
            "block_positions": np.asarray(self.block_positions, dtype=np.int64),
            "block_max_ids": np.asarray(self.block_max_ids, dtype=np.int32),
            "block_ends": np.asarray(self.block_ends, dtype=np.int64),
        }
        if self.positions is not None:
            columns["positions"] = np.asarray(self.positions, dtype=np.int32)
            columns["position_ends"] = np.asarray(self.position_ends, dtype=np.int64)
        if self.with_vectors:
            columns.update(self._vectors(columns))
        return columns

    def _vectors(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The postings turned around: each document's terms (in term order) and their counts,
        a term vector that costs no writing per posting."""
        ids = columns["ids"]
        order = np.argsort(ids, kind="stable")
        rows = np.repeat(np.arange(len(self.terms)), np.diff(columns["term_ends"], prepend=0))[order]
        documents = int(ids.max()) + 1 if len(ids) else 0
        terms = self.terms
        texts = b"".join(b"".join(map(terms.__getitem__, rows[start:start + VECTOR_JOIN_ROWS].tolist()))
                         for start in range(0, len(rows), VECTOR_JOIN_ROWS))
        return {
            "vector_ends": np.searchsorted(ids[order], np.arange(documents), side="right").astype(np.int64),
            "vector_texts": np.frombuffer(texts, dtype=np.uint8),
            "vector_text_ends": np.cumsum(np.diff(columns["term_text_ends"], prepend=0)[rows]),
            "vector_weights": columns["weights"][order],
        }


class RememberedLengths:
    """A segment's field lengths as Whoosh's postings writer asks for them: the length of
    every posting's document, field after field. Each document's is read once per field."""

    def __init__(self, lengths):
        self._lengths, self._fieldname, self._known = lengths, None, {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname != self._fieldname:
            self._fieldname, self._known = fieldname, {}
        length = self._known.get(docnum)
        if length is None:
            length = self._known[docnum] = self._lengths.doc_field_length(docnum, fieldname, default)
        return length


class ArrayFieldWriter(W3FieldWriter):
    """Whoosh's inverted-index writer that also collects scorable fields' postings as arrays."""

    def __init__(self, codec: W3Codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._fields: dict[str, FieldArrays] = {}
        self._arrays: FieldArrays | None = None

    def start_field(self, fieldname, fieldobj) -> None:
        super().start_field(fieldname, fieldobj)
        self._arrays = None
        if fieldobj.scorable:
            codec = self._codec
            self._postwriter = BlockRecordingWriter(
                self._postfile, blocklimit=codec._blocklimit, compression=codec._compression,
                inlinelimit=codec._inlinelimit)
            self._arrays = self._fields.get(fieldname)
            if self._arrays is None:
                with_positions = fieldname in codec.positions_fields and fieldobj.format.supports("positions")
                self._arrays = self._fields[fieldname] = FieldArrays(
                    positions=array("i") if with_positions else None,
                    position_ends=array("q") if with_positions else None,
                    with_vectors=fieldname in codec.vector_fields)

    def add_postings(self, schema, lengths, items) -> None:
        super().add_postings(schema, RememberedLengths(lengths) if lengths else lengths, items)

    def add(self, docnum, weight, vbytes, length) -> None:
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        arrays = self._arrays
        if arrays is not None:
            arrays.ids.append(docnum)
            arrays.weights.append(weight)
            if arrays.positions is not None:
                arrays.add_positions(self._format.decode_positions(vbytes))

    def finish_term(self) -> None:
        super().finish_term()
        if self._arrays is not None:
            self._arrays.finish_term(self._btext, self._postwriter)

    def close(self) -> None:
        super().close()
        columns = {}
        for name in list(self._fields):  # each field's lists are let go once they are arrays
            columns[name] = self._fields.pop(name).columns()
        with self._segment.create_file(self._storage, ARRAYS_EXT) as out:
            write_arrays(out, columns)


def write_arrays(out, fields: dict[str, dict[str, np.ndarray]]) -> None:
    """Raw arrays after a pickled table of contents: field -> column -> (dtype, start, count),
    and each column's CRC-32 (what `search check` compares; readers need not know of it)."""
    contents, start = {"format": FORMAT, "fields": {}, "checksums": {}}, 0
    for name, columns in fields.items():
        contents["fields"][name], contents["checksums"][name] = {}, {}
        for column, values in columns.items():
            contents["fields"][name][column] = (values.dtype.str, start, len(values))
            contents["checksums"][name][column] = zlib.crc32(np.ascontiguousarray(values))
            start += _padded(values.nbytes)
    table = pickle.dumps(contents, protocol=pickle.HIGHEST_PROTOCOL)
    head = _HEADER.pack(len(table)) + table
    out.write(head + bytes(_padded(len(head)) - len(head)))
    for columns in fields.values():
        for values in columns.values():
            data = values.tobytes()
            out.write(data + bytes(_padded(len(data)) - len(data)))


def _padded(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN


def term_hash(btext: bytes) -> int:
    """A term's 64-bit key in the file's term table (stable across processes, unlike `hash`)."""
    return int.from_bytes(blake2b(btext, digest_size=8).digest(), "little")


class SegmentArrays:
    """A segment's arrays file, read by slices (`pread`, so nothing is mapped into the process);
    None from `open` when the segment has none, or one of another format."""

    def __init__(self, descriptor: int, contents: dict, base: int):
        self._descriptor = descriptor
        self.fields = {name: TermArrays(self, columns, base) for name, columns in contents["fields"].items()}
        self.checksums: dict[str, dict[str, int]] = contents.get("checksums", {})  # none: written before

    @classmethod
    def open(cls, storage, segment) -> SegmentArrays | None:
        folder = getattr(storage, "folder", None)
        if folder is None:
            return None
        try:
            descriptor = os.open(os.path.join(folder, segment.make_filename(ARRAYS_EXT)), os.O_RDONLY)
        except FileNotFoundError:
            return None
        (table_size,) = _HEADER.unpack(os.pread(descriptor, _HEADER.size, 0))
        contents = pickle.loads(os.pread(descriptor, table_size, _HEADER.size))
        if contents.get("format") != FORMAT:
            os.close(descriptor)
            return None
        return cls(descriptor, contents, _padded(_HEADER.size + table_size))

    def read(self, dtype: np.dtype, offset: int, count: int) -> np.ndarray:
        return np.frombuffer(os.pread(self._descriptor, count * dtype.itemsize, offset), dtype=dtype)

    def __del__(self) -> None:
        os.close(self._descriptor)


class TermTexts:
    """A field's terms in one segment: their bytes run together, where each ends, and how many
    documents hold each; read by length, the terms of one length made into a list once."""

    def __init__(self, texts: bytes, ends: np.ndarray, counts: np.ndarray):
        self.texts, self.ends, self.counts = texts, ends, counts
        self.lengths = np.diff(ends, prepend=0)
        self._sized: dict[int, tuple[list[bytes], list[int]]] = {}

    @classmethod
    def of_pairs(cls, pairs: list[tuple[bytes, int]]) -> TermTexts:
        """From (term, documents) pairs, as Whoosh's lexicon gives them."""
        ends = np.cumsum([len(btext) for btext, _ in pairs], dtype=np.int64)
        counts = np.array([count for _, count in pairs], dtype=np.int64)
        return cls(b"".join(btext for btext, _ in pairs), ends, counts)

    def sized(self, length: int) -> tuple[list[bytes], list[int]]:
        """The terms `length` bytes long, in lexicon order, and the count of each: cut out of the
        run of bytes by numpy, a block of rows at a time (a term has no NUL byte for the
        fixed-width bytes to drop)."""
        if length < 1:
            return [], []
        found = self._sized.get(length)
        if found is None:
            rows = np.flatnonzero(self.lengths == length)
            run, offsets, texts = np.frombuffer(self.texts, dtype=np.uint8), np.arange(length), []
            for first in range(0, len(rows), SIZED_BLOCK_ROWS):
                starts = self.ends[rows[first:first + SIZED_BLOCK_ROWS]] - length
                texts.extend(run[starts[:, None] + offsets].view(f"S{length}").ravel().tolist())
            found = self._sized[length] = (texts, self.counts[rows].tolist())
        return found


class TermArrays:
    """One field of one segment: a term's postings, positions and block map, found by its bytes
    in a table of term hashes (read once; each term looked up is remembered)."""

    def __init__(self, segment: SegmentArrays, columns: dict[str, tuple[str, int, int]], base: int):
        self._segment, self._columns, self._base = segment, columns, base
        self._table: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._numbers: dict[bytes, int | None] = {}
        self.has_positions = "positions" in columns
        self.has_vectors = "vector_ends" in columns

    def _slice(self, column: str, start: int, stop: int) -> np.ndarray:
        dtype, offset, _ = self._columns[column]
        dtype = np.dtype(dtype)
        return self._segment.read(dtype, self._base + offset + start * dtype.itemsize, stop - start)

    def _whole(self, column: str) -> np.ndarray:
        return self._slice(column, 0, self._columns[column][2])

    def _term_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sorted term hashes, the row of each, where each term's text ends and its postings end."""
        if self._table is None:
            self._table = tuple(self._whole(column) for column in
                                ("term_hashes", "hash_rows", "term_text_ends", "term_ends"))
        return self._table

    def number(self, btext: bytes) -> int | None:
        """The term's row (None when the segment lacks it)."""
        found = self._numbers.get(btext, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        hashes, rows, _, _ = self._term_table()
        key = np.uint64(term_hash(btext))
        at, found = int(np.searchsorted(hashes, key)), None
        while found is None and at < len(hashes) and hashes[at] == key:
            row = int(rows[at])
            if self._text(row) == btext:
                found = row
            at += 1
        if len(self._numbers) >= MAX_REMEMBERED_TERMS:
            self._numbers.clear()
        self._numbers[btext] = found
        return found

    def _text(self, row: int) -> bytes:
        """The term at a row."""
        text_ends = self._term_table()[2]
        return bytes(self._slice("terms", int(text_ends[row - 1]) if row else 0, int(text_ends[row])))

    def term_texts(self) -> TermTexts:
        """Every term of the field, in lexicon order, and how many documents hold each."""
        _, _, text_ends, term_ends = self._term_table()
        texts = bytes(self._slice("terms", 0, int(text_ends[-1]))) if len(text_ends) else b""
        return TermTexts(texts, text_ends, np.diff(term_ends, prepend=0))

    def prefixed(self, prefix: bytes, limit: int) -> list[tuple[bytes, int]]:
        """The first `limit` terms that start with `prefix`, in lexicon order, each with its
        document frequency: a bisection over the sorted terms, then one slice of them."""
        _, _, text_ends, term_ends = self._term_table()
        low, high = 0, len(text_ends)
        while low < high:
            middle = (low + high) // 2
            if self._text(middle) < prefix:
                low = middle + 1
            else:
                high = middle
        last = min(low + limit, len(text_ends))
        if last == low:
            return []
        base, ends = self._cuts("term_text_ends", low, last)
        texts = bytes(self._slice("terms", base, base + int(ends[-1])))
        frequencies = np.diff(term_ends[low:last], prepend=int(term_ends[low - 1]) if low else 0)
        found = []
        for (start, stop), frequency in zip(pairwise([0, *ends.tolist()]), frequencies.tolist(), strict=True):
            text = texts[start:stop]
            if not text.startswith(prefix):
                break
            found.append((text, frequency))
        return found

    def _range(self, row: int) -> tuple[int, int]:
        """Where the term's postings lie in the field's posting columns."""
        ends = self._term_table()[3]
        return (int(ends[row - 1]) if row else 0), int(ends[row])

    def _cuts(self, ends_column: str, first: int, last: int) -> tuple[int, np.ndarray]:
        """Where rows `first` to `last` (exclusive) of the column that `ends_column` cuts into
        rows begin, and where each of them ends, counted from there."""
        raw = self._slice(ends_column, max(first - 1, 0), last)
        base = int(raw[0]) if first else 0
        return base, (raw[1:] if first else raw) - base

    def _span(self, ends_column: str, row: int) -> tuple[int, int]:
        """Where row `row` lies in the column that `ends_column` cuts into rows."""
        base, ends = self._cuts(ends_column, row, row + 1)
        return base, base + int(ends[0])

    def doc_frequency(self, row: int) -> int:
        """How many postings the term has in this segment (deleted documents included)."""
        start, stop = self._range(row)
        return stop - start

    def postings(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The term's segment-local document numbers (ascending) and weights."""
        start, stop = self._range(row)
        return self._slice("ids", start, stop), self._slice("weights", start, stop)

    def positions(self, row: int, at: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The word positions of the term's postings number `at` (indexes into its postings):
        every position, and which of `at` each belongs to. None when positions were not written."""
        if not self.has_positions:
            return None
        base, ends = self._cuts("position_ends", *self._range(row))
        stops = ends[at]
        starts = np.where(at > 0, ends[np.maximum(at - 1, 0)], 0)
        counts = stops - starts
        owner = np.repeat(np.arange(len(at)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        every = self._slice("positions", base, base + int(ends[-1]))
        return every[np.repeat(starts, counts) + within], owner

    def block_map(self, row: int) -> BlockMap | None:
        """Where the term's blocks start (None when Whoosh inlined its postings in the term info)."""
        start, stop = self._span("block_ends", row)
        if start == stop:
            return None
        return BlockMap(self._slice("block_positions", start, stop).tolist(),
                        self._slice("block_max_ids", start, stop).tolist())

    def vector(self, docnum: int) -> list[tuple[bytes, float]] | None:
        """A segment-local document's terms and counts (None when vectors were not written)."""
        if not self.has_vectors:
            return None
        if docnum >= self._columns["vector_ends"][2]:
            return []
        start, stop = self._span("vector_ends", docnum)
        if start == stop:
            return []
        base, text_ends = self._cuts("vector_text_ends", start, stop)
        texts = bytes(self._slice("vector_texts", base, base + int(text_ends[-1])))
        cuts = [0, *text_ends.tolist()]
        weights = self._slice("vector_weights", start, stop).tolist()
        return [(texts[a:b], weight) for (a, b), weight in zip(pairwise(cuts), weights, strict=True)]
