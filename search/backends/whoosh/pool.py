"""The postings of a segment being written, kept as columns per field.

Whoosh's writer hands every posting to a pool as a tuple (field, term, document, weight,
value), sorts all the tuples when the segment is written, spilling them to disk past a size,
and walks them one Python call each into the field writer. `ColumnPool` keeps each field's
postings as a few flat columns instead (a term number, the document, the weight, the value's
bytes: 25 bytes and a few C calls a posting, where a tuple takes 150 bytes), sorts them with
numpy at flush, and hands the field writer each field's sorted columns (`PooledPostings`):
the array codec writes a scorable field from them whole (`ArrayFieldWriter.add_postings`);
any other field, or any other writer, iterates them as Whoosh's sorted tuples. A positional
field's postings come to the pool a document at a time (`ColumnSegmentWriter`), not one call and
one tuple a posting as Whoosh's `add_document` hands them over.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, repeat

import numpy as np
from whoosh import multiproc, writing
from whoosh.writing import PostingPool, SegmentWriter

Posting = tuple[str, bytes, int, float, bytes]
REORDER_ROWS = 1 << 18  # values gathered at a time when postings are put in order
CHUNK_POSTINGS = 4_000_000  # a merge joins and sorts a field's postings this many at a time (~100 MB)
WHOOSH_POOL = PostingPool  # Whoosh's own pool, whatever use_column_pool puts in its place


@dataclass
class WholePostings:
    """One document's postings of one positional field: its terms, how often each occurs, all
    their word positions one term after the other, and the field's boost."""

    terms: list[bytes]
    counts: list[int]
    positions: list[int]
    boost: float = 1.0


@dataclass
class SortedPostings:
    """One field's postings in Whoosh's order (term bytes, then document): the terms, where each
    term's postings end, and per posting its document, weight and value (bytes run together,
    with where each ends)."""

    terms: list[bytes]
    term_ends: np.ndarray
    docnums: np.ndarray
    weights: np.ndarray
    values: bytes
    value_ends: np.ndarray
    packed: bool = False  # the values are positions as raw 32-bit integers, whatever the field's format

    def tuples(self, fieldname: str) -> Iterator[Posting]:
        """The postings as Whoosh's pool yields them."""
        values, ends = self.values, [0, *self.value_ends.tolist()]
        docnums, weights = self.docnums.tolist(), self.weights.tolist()
        start = 0
        for btext, stop in zip(self.terms, self.term_ends.tolist(), strict=True):
            for at in range(start, stop):
                yield fieldname, btext, docnums[at], weights[at], values[ends[at]:ends[at + 1]]
            start = stop


class FieldColumns:
    """One field's postings in the order they came (document after document)."""

    def __init__(self):
        self.numbers: dict[bytes, int] = {}
        self.term_numbers, self.docnums = array("i"), array("i")
        self.weights, self.value_ends = array("d"), array("q")
        self.values = bytearray()

    def add(self, btext: bytes, docnum: int, weight: float, value: bytes | None) -> None:
        number = self.numbers.get(btext)
        if number is None:
            number = self.numbers[btext] = len(self.numbers)
        self.term_numbers.append(number)
        self.docnums.append(docnum)
        self.weights.append(weight)
        if value:
            self.values += value
        self.value_ends.append(len(self.values))

    def add_whole(self, docnum: int, postings: WholePostings) -> None:
        """One document's postings at once (weights are counts times the boost, values the
        positions as raw 32-bit integers: what `codec.PackedPositions` writes)."""
        numbers = self.numbers
        self.term_numbers.extend([numbers.setdefault(term, len(numbers)) for term in postings.terms])
        self.docnums.extend(repeat(docnum, len(postings.terms)))
        self.weights.extend([count * postings.boost for count in postings.counts])
        start = len(self.values)
        self.values += array("i", postings.positions).tobytes()
        self.value_ends.extend([start + 4 * end for end in accumulate(postings.counts)])

    def chunks(self, most: int | None = None) -> list[SortedPostings]:
        """Its postings sorted, as one run (`most` is for a merge's runs of whole terms)."""
        return [self.sorted()]

    def sorted(self) -> SortedPostings:
        """The postings sorted by term bytes, then document (numpy, no tuple per posting)."""
        terms = sorted(self.numbers)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[np.fromiter(map(self.numbers.__getitem__, terms), dtype=np.int64, count=len(terms))] = \
            np.arange(len(terms))
        ranks = rank[np.frombuffer(self.term_numbers, dtype=np.int32)]
        docnums = np.frombuffer(self.docnums, dtype=np.int32)
        order = np.lexsort((docnums, ranks))
        sizes = np.diff(np.frombuffer(self.value_ends, dtype=np.int64), prepend=0)
        values, value_ends = reordered(np.frombuffer(self.values, dtype=np.uint8), sizes, order)
        return SortedPostings(terms, np.cumsum(np.bincount(ranks, minlength=len(terms))), docnums[order],
                              np.frombuffer(self.weights, dtype=np.float64)[order], values, value_ends)


def reordered(values: np.ndarray, sizes: np.ndarray, order: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Values laid end to end (`sizes` bytes each) put in another order (`order`, which may
    leave some out): their bytes, and where each ends. Gathered REORDER_ROWS values at a time,
    so the index of every byte is never held at once (a merged field at a million articles
    has hundreds of millions)."""
    starts = np.cumsum(sizes, dtype=np.int64) - sizes
    pieces = []
    for at in range(0, len(order), REORDER_ROWS):
        rows = order[at:at + REORDER_ROWS]
        kept = sizes[rows].astype(np.int64)
        ends = np.cumsum(kept)
        picked = np.repeat(starts[rows] - (ends - kept), kept) + np.arange(int(ends[-1]))
        pieces.append(values[picked].tobytes())
    return b"".join(pieces), np.cumsum(sizes[order], dtype=np.int64)


class PooledPostings:
    """What a ColumnPool gives the field writer: each field's columns, by field name; iterated,
    Whoosh's sorted stream of posting tuples."""

    def __init__(self, fields: dict[str, FieldColumns]):
        self.fields = {name: fields[name] for name in sorted(fields)}

    def __iter__(self) -> Iterator[Posting]:
        for name, columns in self.fields.items():
            yield from columns.sorted().tuples(name)


class ColumnPool(PostingPool):
    """Whoosh's posting pool, kept as columns in memory (module docstring): it never spills."""

    def __init__(self, tempstore, segment, limitmb: int = 128, **kwargs):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.columns: dict[str, FieldColumns] = {}

    def add(self, item: Posting) -> None:
        fieldname, btext, docnum, weight, value = item
        self._field(fieldname).add(btext, docnum, weight, value)

    def add_whole(self, fieldname: str, docnum: int, postings: WholePostings) -> None:
        self._field(fieldname).add_whole(docnum, postings)

    def _field(self, fieldname: str) -> FieldColumns:
        columns = self.columns.get(fieldname)
        if columns is None:
            columns = self.columns[fieldname] = FieldColumns()
            self.fieldnames.add(fieldname)
        return columns

    def iter_postings(self) -> PooledPostings:
        return PooledPostings(self.columns)

    def save(self) -> None:
        raise NotImplementedError("a column pool is written whole, never in runs")


class ColumnSegmentWriter(SegmentWriter):
    """Whoosh's segment writer, handing a column pool each positional field's postings of a
    document in one call (Whoosh's `add_document` makes a tuple and a call a posting, about
    200 an article). What it does with a document is Whoosh's: its stored values, lengths and
    columns; a document with Whoosh's underscore options (boosts, stored overrides) is Whoosh's
    own to add, and so is every document of a schema with term vectors or separate spelling
    (ours has neither: the codec writes the feedback field's vectors itself)."""

    @cached_property
    def _pools_whole(self) -> bool:
        """Whether this writer's pool takes whole fields and its schema asks nothing more of a
        posting than the pool keeps (asked once, not per field of every document)."""
        return isinstance(self.pool, ColumnPool) and not any(
            field.vector or field.separate_spelling() for _, field in self.schema.items())

    def add_document(self, **fields) -> None:
        if not self._pools_whole or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        self.perdocwriter.start_doc(self.docnum)
        try:
            for name in names:
                if fields[name] is not None:
                    self._add_field(name, fields[name])
        except Exception:
            self.perdocwriter.cancel_doc()
            raise
        self.perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_field(self, name: str, value) -> None:
        """One field of the document being added: its postings, length, stored value and column."""
        field = self.schema[name]
        length = self._add_postings(name, field, value) if field.indexed else 0
        self.perdocwriter.add_field(name, field, value if field.stored else None, length)
        if field.column_type:
            self.perdocwriter.add_column_value(name, field.column_type, field.to_column_value(value))

    def _add_postings(self, name: str, field, value) -> int:
        """Pool the field's postings; the field's length in words (kept for scorable fields)."""
        whole = getattr(field.format, "whole_postings", None)
        postings = whole(value, field.analyzer) if whole else None
        if postings is not None:
            self.pool.add_whole(name, self.docnum, postings)
            length = sum(postings.counts)
        else:
            length = 0
            for btext, count, weight, encoded in field.index(value):
                length += count
                self.pool.add((name, btext, self.docnum, weight, encoded))
        return length if field.scorable else 0


def use_column_pool() -> None:
    """Make Whoosh's segment writers (in this process and the processes it forks) pool postings
    as columns, a document's positional field at a time. Whoosh-Reloaded's SegmentWriter takes
    a `poolclass` argument but ignores it, building a PostingPool by name, and its writer
    processes build a SegmentWriter by name, so the names are what is replaced."""
    writing.PostingPool = ColumnPool
    multiproc.SegmentWriter = ColumnSegmentWriter
