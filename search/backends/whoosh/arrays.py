"""The arrays file beside each segment: the scorable fields' postings of record, read by slices.

One file per segment (`<segment id>.arr`, so Whoosh deletes it with the segment): a pickled
table of contents, then raw little-endian columns, each integer column in the narrowest
unsigned type its values fit (widened again as it is read). Per field: the terms (their bytes run
together, a table of their hashes), each term's postings (document numbers, weights), word
positions where the field keeps them, a bound per block of BLOCK_POSTINGS postings (highest
weight, shortest field, for pruned top-k), each term's total weight and longest field, and
for feedback's field each document's term vector. Whoosh's own term table does not list
these fields: `ArrayTermsReader` answers Whoosh for them (lexicon, counts, statistics,
matchers, the cursor fuzzy expansion walks) from this file.
"""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import tempfile
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from hashlib import blake2b
from itertools import pairwise

import numpy as np
from whoosh.codec.base import FieldCursor
from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

ARRAYS_EXT = ".arr"
FORMAT = 4  # of the arrays file (4: narrowed columns); an index of another is rebuilt (store.FORMAT_VERSION)
BLOCK_POSTINGS = 128  # postings a block bound covers (the pruned top-k reads them)
MAX_REMEMBERED_TERMS = 100_000  # per field and segment: the terms searched, found or not
TERMS_READ_AT_ONCE = 4096  # terms a walk along the lexicon reads in one slice
SIZED_BLOCK_ROWS = 1 << 16  # terms of one length cut out at a time (a block of byte offsets: 8 bytes each)
CODE_LENGTHS = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)
_UNKNOWN = object()
_HEADER = struct.Struct("<Q")  # the length of the pickled table of contents that follows
_ALIGN = 8
NARROW_TYPES = (np.dtype(np.uint8), np.dtype("<u2"), np.dtype("<u4"))  # tried in order when writing
NARROWED_AT_ONCE = 1 << 22  # values of a column narrowed and written at a time (a merge's memory)
COPY_BYTES = 1 << 24  # read and written at a time when the columns are copied into the arrays file


class ArraysFileWriter:
    """Writes an arrays file a field at a time: each field's columns go to a temporary file
    beside the index as soon as they are made (the table of contents, which comes first, is
    known only at the end), then the table and the columns are written out. A writer so holds
    one field's columns, not a segment's: merging half of a million articles held 3 GB."""

    def __init__(self, folder: str | None):
        # unlinked as soon as made, so a writer given up or killed leaves nothing behind
        self._columns = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by `finish`)
        self._contents: dict = {"format": FORMAT, "fields": {}, "checksums": {}}
        self._size = 0

    @property
    def fields(self) -> dict:
        """The fields written so far, by name."""
        return self._contents["fields"]

    def add_field(self, name: str, columns: dict[str, np.ndarray]) -> None:
        """Write a field's columns (the caller may let them go once this returns)."""
        self._contents["fields"][name], self._contents["checksums"][name] = {}, {}
        for column, values in columns.items():
            values = np.ascontiguousarray(values)
            self._contents["checksums"][name][column] = zlib.crc32(values)
            stored = narrow_type(values)
            self._contents["fields"][name][column] = (stored.str, self._size, len(values), values.dtype.str)
            for start in range(0, len(values), NARROWED_AT_ONCE):  # no copy of a whole column
                part = values[start:start + NARROWED_AT_ONCE].astype(stored, copy=False)
                self._columns.write(memoryview(part).cast("B"))
            size = len(values) * stored.itemsize
            self._columns.write(bytes(_padded(size) - size))
            self._size += _padded(size)

    def finish(self, out) -> None:
        """Write the table of contents (field -> column -> (dtype stored, start, count, dtype
        read), and each column's CRC-32 as read, which `search check` compares) then every
        column to `out`."""
        table = pickle.dumps(self._contents, protocol=pickle.HIGHEST_PROTOCOL)
        head = _HEADER.pack(len(table)) + table
        out.write(head + bytes(_padded(len(head)) - len(head)))
        self._columns.seek(0)
        shutil.copyfileobj(self._columns, out, COPY_BYTES)
        self._columns.close()


def narrow_type(values: np.ndarray) -> np.dtype:
    """The narrowest unsigned type that holds an integer column's values (the columns of
    positions, document numbers and offsets mostly fit in two bytes or four: a Reuters index
    is a quarter smaller), or the column's own type."""
    if values.dtype.kind not in "iu" or not values.size or values.min() < 0:
        return values.dtype
    top = values.max()
    for dtype in NARROW_TYPES:
        if dtype.itemsize >= values.dtype.itemsize:
            break
        if top <= np.iinfo(dtype).max:
            return dtype
    return values.dtype


def narrowed(values: np.ndarray) -> np.ndarray:
    """An integer array in the narrowest type that holds its values (`narrow_type`)."""
    return values.astype(narrow_type(values), copy=False)


def _padded(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN


def looked_up(ascending: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's place in an ascending array (its last place for a value past the end) and
    whether the value stands there: a binary search each, where `np.isin` and `np.intersect1d`
    read and sort the whole array (a common word's half a million postings at 1M)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)
    return at, ascending[at] == values


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
        data = os.pread(self._descriptor, count * dtype.itemsize, offset)
        if len(data) < count * dtype.itemsize:
            raise EOFError("the arrays file ends before a column its table lists")
        return np.frombuffer(data, dtype=dtype)

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
    """One field of one segment: a term's postings, positions and block bounds, found by its bytes
    in a table of term hashes (read once; each term looked up is remembered)."""

    def __init__(self, segment: SegmentArrays, columns: dict[str, tuple[str, int, int, str]], base: int):
        self._segment, self._columns, self._base = segment, columns, base
        self._table: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._numbers: dict[bytes, int | None] = {}
        self._texts: tuple[bytes, list[int]] | None = None
        self.has_positions = "positions" in columns
        self.has_vectors = "vector_ends" in columns

    def _slice(self, column: str, start: int, stop: int) -> np.ndarray:
        """Rows `start` to `stop` of a column, in the type it was written from."""
        stored, offset, _, wide = self._columns[column]
        stored = np.dtype(stored)
        values = self._segment.read(stored, self._base + offset + start * stored.itemsize, stop - start)
        return values if stored.str == wide else values.astype(wide)

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

    def first_from(self, prefix: bytes) -> int:
        """The row of the first term not before `prefix` (a bisection over the sorted terms)."""
        low, high = 0, len(self._term_table()[2])
        while low < high:
            middle = (low + high) // 2
            if self._text(middle) < prefix:
                low = middle + 1
            else:
                high = middle
        return low

    def texts_from(self, first: int, last: int) -> list[bytes]:
        """The terms of rows `first` to `last` (exclusive), read in one slice."""
        if last <= first:
            return []
        base, ends = self._cuts("term_text_ends", first, last)
        texts = bytes(self._slice("terms", base, base + int(ends[-1])))
        return [texts[start:stop] for start, stop in pairwise([0, *ends.tolist()])]

    def terms_from(self, prefix: bytes) -> Iterator[tuple[int, bytes]]:
        """Each term (with its row) from the first not before `prefix` to the last, in order."""
        row, count = self.first_from(prefix), len(self._term_table()[2])
        while row < count:
            last = min(row + TERMS_READ_AT_ONCE, count)
            yield from enumerate(self.texts_from(row, last), start=row)
            row = last

    def prefixed(self, prefix: bytes, limit: int) -> list[tuple[bytes, int]]:
        """The first `limit` terms that start with `prefix`, in lexicon order, each with its
        document frequency: a bisection over the sorted terms, then one slice of them."""
        term_ends = self._term_table()[3]
        first = self.first_from(prefix)
        last = min(first + limit, len(term_ends))
        found = []
        for row, text in enumerate(self.texts_from(first, last), start=first):
            if not text.startswith(prefix):
                break
            found.append((text, int(term_ends[row]) - (int(term_ends[row - 1]) if row else 0)))
        return found

    def info(self, row: int) -> W3TermInfo:
        """The term's statistics, as Whoosh's term table would give them."""
        start, stop = self._range(row)
        tops, shortest = self.block_bounds(row)
        longest = CODE_LENGTHS[int(self._slice("term_max_lengths", row, row + 1)[0])]
        return W3TermInfo(weight=float(self._slice("term_weights", row, row + 1)[0]), df=stop - start,
                          minlength=int(shortest.min()), maxlength=int(longest), maxweight=float(tops.max()),
                          minid=int(self._slice("ids", start, start + 1)[0]),
                          maxid=int(self._slice("ids", stop - 1, stop)[0]))

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
        """The term's segment-local document numbers (ascending) and weights (float32, however kept)."""
        start, stop = self._range(row)
        return self._slice("ids", start, stop), self._slice("weights", start, stop).astype(np.float32)

    def weights_of(self, row: int, docnums: np.ndarray) -> np.ndarray:
        """The term's weight in each of some segment-local documents (ascending; 0 where it is
        absent), found by binary search in its postings."""
        start, stop = self._range(row)
        at, held = looked_up(self._slice("ids", start, stop), docnums)
        found = np.zeros(len(docnums), dtype=np.float32)
        if held.any():
            first, last = int(at[held][0]), int(at[held][-1])
            found[held] = self._slice("weights", start + first, start + last + 1)[at[held] - first]
        return found

    def positions(self, row: int, at: np.ndarray,
                  weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """The word positions of the term's postings number `at` (indexes into its postings):
        every position, and which of `at` each belongs to. None when positions were not written.
        A posting has as many positions as its weight (see FieldArrays.columns); `weights` are
        the term's, when the caller has read them. Only the span of positions `at` covers is read."""
        if not self.has_positions:
            return None
        base, ends = self._position_ends(row, weights)
        stops = ends[at]
        starts = np.where(at > 0, ends[np.maximum(at - 1, 0)], 0)
        counts = stops - starts
        owner = np.repeat(np.arange(len(at)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        first, last = (int(starts.min()), int(stops.max())) if len(at) else (0, 0)
        every = self._slice("positions", base + first, base + last)
        return every[np.repeat(starts, counts) + within - first], owner

    def _position_ends(self, row: int, weights: np.ndarray | None = None) -> tuple[int, np.ndarray]:
        """Where the term's positions begin in the field's column, and where each of its postings'
        ends, counted from there."""
        base, _ = self._span("position_ends", row)
        if weights is None:
            _, weights = self.postings(row)
        return base, np.cumsum(weights.astype(np.int64))

    def every_position(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """All the term's positions, and where each posting's end among them."""
        base, ends = self._position_ends(row)
        return self._slice("positions", base, base + (int(ends[-1]) if len(ends) else 0)), ends

    def block_bounds(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Each block's highest weight and shortest field length (BLOCK_POSTINGS postings a block)."""
        start, stop = self._span("block_ends", row)
        codes = self._slice("block_min_lengths", start, stop)
        return self._slice("block_max_weights", start, stop), CODE_LENGTHS[codes]

    def vector(self, docnum: int) -> list[tuple[bytes, float]] | None:
        """A segment-local document's terms and counts (None when vectors were not written)."""
        if not self.has_vectors:
            return None
        if docnum >= self._columns["vector_ends"][2]:
            return []
        start, stop = self._span("vector_ends", docnum)
        if start == stop:
            return []
        rows = self._slice("vector_rows", start, stop).tolist()
        weights = self._slice("vector_weights", start, stop).astype(np.float32).tolist()
        texts, ends = self._all_texts()
        return [(texts[ends[row - 1] if row else 0:ends[row]], weight)
                for row, weight in zip(rows, weights, strict=True)]

    def _all_texts(self) -> tuple[bytes, list[int]]:
        """Every term's bytes run together and where each ends (read once)."""
        if self._texts is None:
            ends = self._term_table()[2]
            self._texts = (bytes(self._slice("terms", 0, int(ends[-1]))) if len(ends) else b"", ends.tolist())
        return self._texts


class ArrayMatcher(ListMatcher):
    """A term's postings in one segment, read from its arrays: Whoosh's matchers (sloppy
    phrases, ranges, the merge) walk it like any posting list; positions are read on first need."""

    def __init__(self, field: TermArrays, row: int, format_, scorer=None, term=None, terminfo=None):
        ids, weights = field.postings(row)
        super().__init__(ids.tolist(), weights.tolist(), None, format_, scorer, term=term, terminfo=terminfo)
        self._field, self._row, self._positions = field, row, None

    def copy(self):
        twin = ArrayMatcher.__new__(ArrayMatcher)
        twin.__dict__.update(self.__dict__)
        return twin

    def skip_to(self, id) -> None:
        if id > self._ids[self._i]:
            self._i = bisect_left(self._ids, id, self._i)

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self._scorer.max_quality() if self._scorer else max(self._weights, default=0.0)

    def weight(self) -> float:
        return self._weights[self._i]

    def _current_positions(self) -> np.ndarray:
        if self._positions is None:
            self._positions = self._field.every_position(self._row)
        every, ends = self._positions
        return every[ends[self._i - 1] if self._i else 0:ends[self._i]]

    def value(self) -> bytes:
        if not self._field.has_positions:
            return b""
        return self._format.encode(self._current_positions().tolist())

    def value_as(self, astype: str):
        if astype == "positions" and self._field.has_positions:
            return self._current_positions().tolist()
        if astype == "frequency":
            return int(self._weights[self._i])
        if astype == "weight":
            return self._weights[self._i]
        return self._format.decoder(astype)(self.value())


class ArrayFieldCursor(FieldCursor):
    """Whoosh's cursor along one field's terms (what fuzzy expansion walks), over the arrays."""

    def __init__(self, field: TermArrays, fieldobj):
        self._field, self._fieldobj = field, fieldobj
        self._walk: Iterator[tuple[int, bytes]] | None = None
        self._row: int | None = None
        self._text = None
        self.first()

    def first(self):
        return self.find(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._walk = self._field.terms_from(term)
        return self.next()

    def next(self):
        found = next(self._walk, None)
        self._row = None if found is None else found[0]
        self._text = None if found is None else self._fieldobj.from_bytes(found[1])
        return self._text

    def text(self):
        return self._text

    def term_info(self):
        return None if self._row is None else self._field.info(self._row)

    def is_valid(self) -> bool:
        return self._row is not None


class ArrayTermsReader(W3TermsReader):
    """Whoosh's term table for the fields it writes; for the scorable fields, which it does not
    list, every answer (terms, statistics, postings) comes from the segment's arrays."""

    def __init__(self, codec, dbfile, length, postfile, arrays: SegmentArrays):
        super().__init__(codec, dbfile, length, postfile)
        self.arrays = arrays

    def _row(self, fieldname: str, tbytes: bytes) -> tuple[TermArrays, int]:
        """The array field's row of a term (KeyError when the field lacks it)."""
        field = self.arrays.fields[fieldname]
        row = field.number(tbytes)
        if row is None:
            raise KeyError((fieldname, tbytes))
        return field, row

    def __contains__(self, term) -> bool:
        fieldname, tbytes = term
        field = self.arrays.fields.get(fieldname)
        return super().__contains__(term) if field is None else field.number(tbytes) is not None

    def _fields_from(self, fieldname: str | None) -> list[str]:
        """The field names from `fieldname` on (all of them for None), in the table's order."""
        names = [name for name in self._fieldunmap if name is not None]
        return names if fieldname is None else names[names.index(fieldname):] if fieldname in names else []

    def _field_items(self, fieldname: str, prefix: bytes, infos: bool) -> Iterator:
        field = self.arrays.fields.get(fieldname)
        if field is not None:
            for row, text in field.terms_from(prefix):
                yield ((fieldname, text), field.info(row)) if infos else (fieldname, text)
            return
        walk = super().items_from(fieldname, prefix) if infos else super().terms_from(fieldname, prefix)
        for found in walk:
            if (found[0][0] if infos else found[0]) != fieldname:
                return
            yield found

    def _walk(self, fieldname: str | None, prefix: bytes, infos: bool) -> Iterator:
        for name in self._fields_from(fieldname):
            yield from self._field_items(name, prefix if name == fieldname else b"", infos)

    def terms(self):
        return self._walk(None, b"", False)

    def terms_from(self, fieldname, prefix):
        return self._walk(fieldname, prefix, False)

    def items(self):
        return self._walk(None, b"", True)

    def items_from(self, fieldname, prefix):
        return self._walk(fieldname, prefix, True)

    def term_info(self, fieldname, tbytes):
        if fieldname not in self.arrays.fields:
            return super().term_info(fieldname, tbytes)
        try:
            field, row = self._row(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None
        return field.info(row)

    def frequency(self, fieldname, tbytes):
        """A term's total weight; a KeyError when the segment lacks it (what Whoosh's readers
        take for 0: a term of another segment only is asked of this one too)."""
        if fieldname not in self.arrays.fields:
            return super().frequency(fieldname, tbytes)
        field, row = self._row(fieldname, tbytes)
        return field.info(row).weight()

    def doc_frequency(self, fieldname, tbytes):
        if fieldname not in self.arrays.fields:
            return super().doc_frequency(fieldname, tbytes)
        field, row = self._row(fieldname, tbytes)
        return field.doc_frequency(row)

    def cursor(self, fieldname, fieldobj):
        field = self.arrays.fields.get(fieldname)
        return super().cursor(fieldname, fieldobj) if field is None else ArrayFieldCursor(field, fieldobj)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        if fieldname not in self.arrays.fields:
            return super().matcher(fieldname, tbytes, format_, scorer)
        try:
            field, row = self._row(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None
        return ArrayMatcher(field, row, format_, scorer, term=(fieldname, tbytes))
