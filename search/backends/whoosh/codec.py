"""A Whoosh codec whose scorable fields' postings are written as flat arrays.

Whoosh writes a term's postings in blocks of 128 that pickle and compress document numbers,
weights, positions and character offsets together, and lists every term with its statistics
in its term table, each posting and term by a Python call. For the scorable fields
`ArrayCodec` writes neither: while Whoosh writes a segment (a new batch or a merge) it keeps
every term's document numbers, weights and word positions as columns (`FieldArrays`; a column
pool's whole field at once, a merge's posting by posting) and writes them beside the segment
as one arrays file (search/backends/whoosh/arrays.py), which answers Whoosh's questions about
those fields when the segment is read. Character offsets are not kept: the few shown
documents are analysed again for snippets (search/occurrences.py). Other fields (ids, tags,
dates) are written as Whoosh writes them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.util.numeric import _length_byte_cache

from search.backends.whoosh.arrays import (
    ARRAYS_EXT,
    BLOCK_POSTINGS,
    CODE_LENGTHS,
    FORMAT,
    ArraysFileWriter,
    ArrayTermsReader,
    SegmentArrays,
    term_hash,
)
from search.backends.whoosh.pool import CHUNK_POSTINGS, PooledPostings, SortedPostings

_CODE_STARTS = np.frombuffer(_length_byte_cache, dtype=np.int32)


def length_codes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's one-byte codes of field lengths (`length_to_byte`, over an array)."""
    return np.minimum(np.searchsorted(_CODE_STARTS, lengths, side="left"), 255).astype(np.uint8)


class PackedPositions(Positions):
    """Whoosh's positions format with a posting's positions packed as raw 32-bit integers:
    written and read in one C call each (Whoosh's own pickles their deltas)."""

    def encode(self, poslist) -> bytes:
        return array("i", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return np.frombuffer(valuestring, dtype=np.int32).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


class ArrayCodec(W3Codec):
    """Whoosh's format for what is not scored (ids, tags, dates), and the arrays file of each
    segment for every scorable field (with each document's terms and counts for
    `vector_fields`, read by feedback)."""

    def __init__(self, vector_fields: tuple[str, ...] = (), **options):
        super().__init__(**options)
        self.vector_fields = vector_fields

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        arrays = SegmentArrays.open(storage, segment)
        if arrays is None:
            raise OSError(f"segment {segment.segment_id()} has no arrays file of format {FORMAT}")
        return ArrayTermsReader(self, storage.open_file(name), storage.file_length(name),
                                segment.open_file(storage, self.POSTS_EXT), arrays)


@dataclass
class FieldArrays:
    """One field's postings as they are written: terms in order, then flat columns."""

    terms: list[bytes] = field(default_factory=list)
    ids: array = field(default_factory=lambda: array("i"))
    weights: array = field(default_factory=lambda: array("f"))
    lengths: array = field(default_factory=lambda: array("i"))
    term_ends: array = field(default_factory=lambda: array("q"))
    positions: array | None = None
    position_ends: array | None = None  # per term: where its positions end
    with_vectors: bool = False
    bounds: list[dict[str, np.ndarray]] = field(default_factory=list)  # of each run `extend` took

    def add(self, docnum: int, weight: float, length: int) -> None:
        """One posting (its field's length is kept for the bounds, made when the field is done)."""
        self.ids.append(docnum)
        self.weights.append(weight)
        self.lengths.append(length)

    def extend(self, postings: SortedPostings, lengths: np.ndarray, format_, packed: bool) -> None:
        """A run of whole terms' sorted postings at once (what `add` and `finish_term` do per
        posting); their bounds are made now, so no field length is kept per posting."""
        base = len(self.ids)
        weights = postings.weights.astype(np.float32)
        self.terms.extend(postings.terms)
        self.term_ends.frombytes((postings.term_ends + base).astype(np.int64).tobytes())
        self.ids.frombytes(postings.docnums.astype(np.int32).tobytes())
        self.weights.frombytes(weights.tobytes())
        self.bounds.append(term_bounds(postings.term_ends.astype(np.int64), weights, lengths))
        if self.positions is None:
            return
        first = len(self.positions)
        if packed:
            self.positions.frombytes(postings.values)
            ends = postings.value_ends // 4
        else:
            cuts = [0, *postings.value_ends.tolist()]
            counts = []
            for start, stop in pairwise(cuts):
                found = format_.decode_positions(postings.values[start:stop])
                self.positions.extend(found)
                counts.append(len(found))
            ends = np.cumsum(np.asarray(counts, dtype=np.int64))
        term_ends = ends[postings.term_ends - 1]  # no term, no posting: both empty
        self.position_ends.frombytes((term_ends + first).astype(np.int64).tobytes())

    def finish_term(self, btext: bytes) -> None:
        self.terms.append(btext)
        self.term_ends.append(len(self.ids))
        if self.positions is not None:
            self.position_ends.append(len(self.positions))

    def columns(self) -> dict[str, np.ndarray]:
        hashes = np.fromiter(map(term_hash, self.terms), dtype=np.uint64, count=len(self.terms))
        order = np.argsort(hashes, kind="stable")
        term_ends = np.asarray(self.term_ends, dtype=np.int64)
        weights = np.asarray(self.weights, dtype=np.float32)
        columns = {
            "terms": np.frombuffer(b"".join(self.terms), dtype=np.uint8),
            "term_text_ends": np.cumsum(np.fromiter(map(len, self.terms), dtype=np.int64,
                                                    count=len(self.terms))),
            "term_hashes": hashes[order],
            "hash_rows": order.astype(np.int64),
            "term_ends": term_ends,
            "ids": np.asarray(self.ids, dtype=np.int32),
            "weights": compact_weights(weights),
            **(joined_bounds(self.bounds) if self.bounds else
               term_bounds(term_ends, weights, np.asarray(self.lengths, dtype=np.int64))),
        }
        if self.positions is not None:
            if len(self.positions) != weights.sum(dtype=np.float64):
                raise ValueError("a positional field's weights must count its positions")
            columns["positions"] = np.asarray(self.positions, dtype=np.int32)
            columns["position_ends"] = np.asarray(self.position_ends, dtype=np.int64)
        if self.with_vectors:
            columns.update(self._vectors(columns))
        return columns

    def _vectors(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The postings turned around: each document's term rows (in term order) and their
        counts, a term vector that costs no writing per posting."""
        ids = columns["ids"]
        order = np.argsort(ids, kind="stable")
        rows = np.repeat(np.arange(len(self.terms), dtype=np.int32), np.diff(columns["term_ends"], prepend=0))
        documents = int(ids.max()) + 1 if len(ids) else 0
        return {
            "vector_ends": np.searchsorted(ids[order], np.arange(documents), side="right").astype(np.int64),
            "vector_rows": rows[order],
            "vector_weights": columns["weights"][order],
        }


def numeric_column(column, count: int, dtype: str = "B") -> np.ndarray:
    """A numeric column's values (a length column's one-byte codes, the date column's eight-byte
    numbers), read in one piece: Whoosh's reader gives them one by one (0.2 s a field at
    100,000 documents, 2 s at a million). Any other kind of column is read through Whoosh's
    iterator."""
    if isinstance(column, NumericColumn.Reader) and column._typecode == dtype:
        stored = min(column._count, count)
        values = np.full(count, column._default, dtype=np.dtype(dtype))
        raw = column._dbfile.get(column._basepos, stored * column._fixedlen)
        values[:stored] = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">"))
        return values
    return np.fromiter(column, dtype=np.dtype(dtype), count=count)


def field_length_codes(perdoc, fieldname: str, count: int) -> np.ndarray:
    """The one-byte length codes of a field for a segment's first `count` documents, as its
    per-document writer stored them."""
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    return numeric_column(column, count) if column is not None else np.zeros(count, dtype=np.uint8)


def compact_weights(weights: np.ndarray) -> np.ndarray:
    """A field's weights as two-byte counts when every one is a whole number that fits (a text
    field's weight is how often the word occurs), else as they are (an entity's salience)."""
    counts = len(weights) and weights.min() >= 0 and weights.max() < 1 << 16
    return weights.astype(np.uint16) if counts and (weights == np.floor(weights)).all() else weights


def term_bounds(term_ends: np.ndarray, weights: np.ndarray, lengths: np.ndarray) -> dict[str, np.ndarray]:
    """Each term's total weight and longest field (what Whoosh's term table kept), and its
    postings cut into blocks of BLOCK_POSTINGS with each block's highest weight and shortest
    field: bounds of any score of the block whatever BM25's parameters, IDF or average length.
    Lengths are kept as Whoosh's one-byte codes."""
    counts = np.diff(term_ends, prepend=0)
    blocks = -(-counts // BLOCK_POSTINGS)
    term_of_block = np.repeat(np.arange(len(counts)), blocks)
    within = np.arange(int(blocks.sum())) - np.repeat(np.cumsum(blocks) - blocks, blocks)
    block_starts = (term_ends - counts)[term_of_block] + within * BLOCK_POSTINGS
    term_starts = term_ends - counts
    codes = length_codes(lengths)
    return {"term_weights": _reduced(np.add, weights.astype(np.float64), term_starts).astype(np.float32),
            "term_max_lengths": _reduced(np.maximum, codes, term_starts),
            "block_ends": np.cumsum(blocks),
            "block_max_weights": _reduced(np.maximum, weights, block_starts),
            "block_min_lengths": _reduced(np.minimum, codes, block_starts)}


def joined_bounds(runs: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The bounds of consecutive runs of whole terms (each from `term_bounds`) as one field's."""
    blocks = np.concatenate([np.diff(run["block_ends"], prepend=0) for run in runs])
    return {name: np.cumsum(blocks) if name == "block_ends" else np.concatenate([run[name] for run in runs])
            for name in runs[0]}


def _reduced(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """`ufunc` over each run of values from one start to the next (none: an empty array)."""
    return ufunc.reduceat(values, starts) if len(starts) else values[:0]


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
    """Whoosh's inverted-index writer, with each scorable field written as arrays only."""

    def __init__(self, codec: W3Codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._fields: dict[str, FieldArrays] = {}
        self._arrays: FieldArrays | None = None
        self._packed = False
        self._file = ArraysFileWriter(getattr(storage, "folder", None))

    def start_field(self, fieldname, fieldobj) -> None:
        super().start_field(fieldname, fieldobj)  # the field keeps its number in the term table
        self._arrays = None
        if fieldobj.scorable:
            if fieldname in self._file.fields:
                raise ValueError(f"the field {fieldname!r} was written already")
            self._arrays = self._fields.get(fieldname)
            if self._arrays is None:
                with_positions = fieldobj.format.supports("positions")
                self._arrays = self._fields[fieldname] = FieldArrays(
                    positions=array("i") if with_positions else None,
                    position_ends=array("q") if with_positions else None,
                    with_vectors=fieldname in self._codec.vector_fields)
            self._packed = isinstance(fieldobj.format, PackedPositions)

    def add_postings(self, schema, lengths, items) -> None:
        """Whoosh's stream of postings, one call each; from a column pool, each scorable field's
        postings are written whole from its sorted columns."""
        remembered = RememberedLengths(lengths) if lengths else lengths
        if not isinstance(items, PooledPostings) or not lengths:
            super().add_postings(schema, remembered, items)
            return
        for fieldname, columns in items.fields.items():
            if schema[fieldname].scorable:
                self._add_sorted(fieldname, schema[fieldname], columns.chunks(CHUNK_POSTINGS), lengths)
            else:
                super().add_postings(schema, remembered, columns.sorted().tuples(fieldname))

    def _add_sorted(self, fieldname: str, fieldobj, chunks: Iterable[SortedPostings], lengths) -> None:
        """A scorable field's sorted postings into its arrays, with numpy over each run of whole
        terms (all of them from a writer's pool, a range at a time from a merge)."""
        self.start_field(fieldname, fieldobj)
        lengths_of = np.zeros(0, dtype=np.int32)
        for postings in chunks:
            if len(postings.docnums) and postings.docnums.max() >= len(lengths_of):
                codes = field_length_codes(lengths, fieldname, int(postings.docnums.max()) + 1)
                lengths_of = CODE_LENGTHS[codes].astype(np.int32)
            self._arrays.extend(postings, lengths_of[postings.docnums], self._format,
                                self._packed or postings.packed)
        self.finish_field()
        self._file.add_field(fieldname, self._fields.pop(fieldname).columns())

    def start_term(self, btext) -> None:
        if self._arrays is None:
            super().start_term(btext)
        self._btext = btext

    def add(self, docnum, weight, vbytes, length) -> None:
        arrays = self._arrays
        if arrays is None:
            super().add(docnum, weight, vbytes, length)
            return
        arrays.add(docnum, weight, length or 0)
        if arrays.positions is not None:
            if self._packed:
                arrays.positions.frombytes(vbytes)
            else:
                arrays.positions.extend(self._format.decode_positions(vbytes))

    def finish_term(self) -> None:
        if self._arrays is None:
            super().finish_term()
        else:
            self._arrays.finish_term(self._btext)

    def close(self) -> None:
        super().close()
        for name in list(self._fields):  # each field's lists are let go once they are written
            self._file.add_field(name, self._fields.pop(name).columns())
        with self._segment.create_file(self._storage, ARRAYS_EXT) as out:
            self._file.finish(out)


