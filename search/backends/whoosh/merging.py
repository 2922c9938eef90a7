"""Merging an index's segments into fewer: postings streamed in order, the work split over processes.

Whoosh merges by adding every posting of every segment to its writer's sorting pool,
which sorts them all over again and spills them to disk on the way: a merge of a 100,000
article index took longer than building it. The segments hold consecutive documents, so a
term's postings in the merged segment are its postings in each segment in turn, renumbered:
`StreamingMergeWriter` writes a scored field's arrays so, whole columns at a time (each
segment's columns renumbered, deleted documents dropped, then ordered by term with numpy),
and the few postings of the other fields one at a time, with a heap over the segments' term
lists. `ParallelMerge` splits the
segments into consecutive runs of about equal size and merges each run in its own process,
so a large merge leaves one segment per process and the documents keep their order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise

import numpy as np
from whoosh.codec.base import Segment
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from search.backends.whoosh.arrays import TermArrays
from search.backends.whoosh.pool import FieldColumns, PooledPostings, SortedPostings, reordered
from search.workers import fresh_workers

MIN_DOCS_PER_PROCESS = 50_000  # below this a process's start and its own segment cost more than they save

Posting = tuple[str, bytes, int, float, bytes]


class StreamingMergeWriter(SegmentWriter):
    """A segment writer that takes whole segments and streams their postings into its own,
    term by term (deleted documents are left out and the rest renumbered)."""

    def __init__(self, ix, **options):
        super().__init__(ix, **options)
        self._sources: list[tuple[SegmentReader, int, dict[int, int] | None]] = []

    def add_segment(self, segment: Segment) -> None:
        """Copy a segment's stored fields, lengths and columns now; its postings at commit."""
        reader = SegmentReader(self.storage, self.schema, segment)
        fieldnames = set(self.schema.names()) | {
            name for name in reader.indexed_field_names() if name in self.schema}
        first = self.docnum
        docmap = self.write_per_doc(fieldnames, reader)
        self._sources.append((reader, first, docmap))
        self._added = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            self.fieldwriter.add_postings(self.schema, lengths, PooledPostings(self._merged_fields()))
        finally:
            lengths.close()
            self.close_sources()
        self.fieldwriter.close()

    def close_sources(self) -> None:
        for reader, _, _ in self._sources:
            reader.close()

    def _merged_fields(self) -> dict[str, MergedArrays | FieldColumns]:
        """Each field of the merged segment: a scored field as the segments' arrays, joined when
        asked; any other field's postings streamed from the segments' matchers into columns."""
        fields: dict[str, MergedArrays | FieldColumns] = {}
        for fieldname, btext, docnum, weight, value in self._merged_postings():
            if self.schema[fieldname].scorable:
                fields.setdefault(fieldname, MergedArrays(fieldname, self._sources))
                continue
            if fieldname not in fields:
                fields[fieldname] = FieldColumns()
            fields[fieldname].add(btext, docnum, weight, value)
        return fields

    def _merged_postings(self) -> Iterator[Posting]:
        """Every term of every source segment in order, each with its postings from each
        segment that holds it, in segment order (so document numbers ascend); a scored field
        yields only its first term, to be named (its arrays are joined whole)."""
        terms = heapq.merge(*(self._terms(number) for number in range(len(self._sources))))
        named: set[str] = set()
        for (fieldname, btext), holders in groupby(terms, key=lambda term: term[:2]):
            if self.schema[fieldname].scorable:
                if fieldname not in named:
                    named.add(fieldname)
                    yield fieldname, btext, 0, 0.0, b""
                continue
            for _, _, number in holders:
                reader, first, docmap = self._sources[number]
                matcher = reader.postings(fieldname, btext)
                while matcher.is_active():
                    docnum = matcher.id()
                    renumbered = docmap[docnum] if docmap is not None else first + docnum
                    yield fieldname, btext, renumbered, matcher.weight(), matcher.value()
                    matcher.next()

    def _terms(self, number: int) -> Iterator[tuple[str, bytes, int]]:
        for fieldname, btext in self._sources[number][0].all_terms():
            if fieldname in self.schema:
                yield fieldname, btext, number


@dataclass
class SegmentPart:
    """One segment's postings of a scored field, read from its arrays by term range: its terms,
    where each one's postings (and positions) end, the postings' documents and weights, and each
    document's number in the merged segment (-1 where deleted)."""

    terms: list[bytes]
    term_ends: np.ndarray
    counts: np.ndarray  # how many postings each term has
    position_ends: np.ndarray | None
    field: TermArrays  # whose postings and positions are read a range of terms at a time
    renumbered: np.ndarray

    @classmethod
    def of(cls, fieldname: str, reader: SegmentReader, first: int, docmap: dict[int, int] | None):
        """The segment's part (None when it lacks the field)."""
        field = reader._terms.arrays.fields.get(fieldname)
        if field is None:
            return None
        renumbered = np.arange(reader.doc_count_all(), dtype=np.int32) + first
        if docmap is not None:
            renumbered[:] = -1
            renumbered[np.fromiter(docmap, dtype=np.int64, count=len(docmap))] = \
                np.fromiter(docmap.values(), dtype=np.int32, count=len(docmap))
        term_ends = field._whole("term_ends")
        return cls(field.texts_from(0, len(term_ends)), term_ends, np.diff(term_ends, prepend=0),
                   field._whole("position_ends") if field.has_positions else None, field, renumbered)

    def rows(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Terms `first` to `last` (exclusive): their postings' merged document numbers, weights,
        positions' bytes and the size of each posting's (read from the file for these terms only:
        a segment's columns read whole held gigabytes per merging process at a million articles)."""
        start, stop = (int(self.term_ends[at - 1]) if at else 0 for at in (first, last))
        docnums = self.renumbered[self.field._slice("ids", start, stop)]
        weights = self.field._slice("weights", start, stop)
        if self.position_ends is None:
            return docnums, weights, np.zeros(0, np.uint8), np.zeros(stop - start, np.int32)
        begin, end = (int(self.position_ends[at - 1]) if at else 0 for at in (first, last))
        return (docnums, weights, self.field._slice("positions", begin, end).view(np.uint8),
                weights.astype(np.int32) * 4)


class MergedArrays:
    """A scored field's postings in the merged segment, joined from each segment's arrays a
    range of terms at a time (`pool.CHUNK_POSTINGS` postings or so), so a merge's memory does not grow
    with the field: at a million articles a field joined whole held gigabytes per process."""

    def __init__(self, fieldname: str, sources: list[tuple[SegmentReader, int, dict[int, int] | None]]):
        self.fieldname, self.sources = fieldname, sources

    def chunks(self, most: int | None = None) -> Iterator[SortedPostings]:
        """Every segment's postings of the field renumbered (deleted documents dropped), ordered
        by term and document, in runs of whole terms of about `most` postings (terms left
        without a posting are dropped)."""
        parts = [part for source in self.sources if (part := SegmentPart.of(self.fieldname, *source))]
        terms = sorted({text for part in parts for text in part.terms})
        rank = {text: at for at, text in enumerate(terms)}
        ranks = [np.fromiter(map(rank.__getitem__, part.terms), dtype=np.int64, count=len(part.terms))
                 for part in parts]
        bounds = [0, len(terms)]
        if most:
            per_term = sum((np.bincount(found, weights=part.counts, minlength=len(terms))
                            for found, part in zip(ranks, parts, strict=True)), np.zeros(len(terms)))
            cuts = np.searchsorted(np.cumsum(per_term), np.arange(most, per_term.sum(), most))
            bounds = np.unique(np.concatenate([bounds, cuts]).astype(np.int64)).tolist()
        for low, high in pairwise(bounds):
            yield self._sorted(terms, low, high, parts, ranks)

    @staticmethod
    def _sorted(terms: list[bytes], low: int, high: int, parts: list[SegmentPart],
                ranks: list[np.ndarray]) -> SortedPostings:
        """The postings of terms `low` to `high` (exclusive) from every part, ordered."""
        pieces, term_ranks = [], []
        for part, found in zip(parts, ranks, strict=True):
            first, last = np.searchsorted(found, [low, high]).tolist()
            pieces.append(part.rows(first, last))
            term_ranks.append(np.repeat(found[first:last], part.counts[first:last]))
        ranked = joined(term_ranks, np.int32)
        types = (np.int32, np.float32, np.uint8, np.int32)
        docnums, weights, values, sizes = (joined([piece[at] for piece in pieces], dtype)
                                           for at, dtype in enumerate(types))
        live = docnums >= 0
        if live.all():
            order = np.lexsort((docnums, ranked))
        else:
            order = np.flatnonzero(live)[np.lexsort((docnums[live], ranked[live]))]
        values, value_ends = reordered(values, sizes, order)
        held = np.bincount(ranked[live] - low, minlength=high - low)
        kept = [text for text, count in zip(terms[low:high], held.tolist(), strict=True) if count]
        return SortedPostings(kept, np.cumsum(held[held > 0]), docnums[order], weights[order], values,
                              value_ends, packed=True)


def joined(columns: list[np.ndarray], dtype) -> np.ndarray:
    """Columns end to end, as one array of `dtype` (empty for none)."""
    converted = (column.astype(dtype, copy=False) for column in columns)
    return np.concatenate([np.zeros(0, dtype=dtype), *converted])


class ParallelMerge:
    """A merge policy for `writer.commit(mergetype=...)`: every segment is merged, in up to
    `processes` processes of at least `min_docs` documents each, one new segment per process."""

    def __init__(self, processes: int, min_docs: int = MIN_DOCS_PER_PROCESS):
        self.processes, self.min_docs = processes, min_docs

    def __call__(self, writer: SegmentWriter, segments: list[Segment]) -> list[Segment]:
        runs = consecutive_runs(segments, self.runs_for(sum(s.doc_count() for s in segments)))
        jobs = [(writer.storage, writer.indexname, writer.codec, writer.compound, run) for run in runs]
        if len(jobs) == 1:
            merged = [merge_run(jobs[0])]
        else:
            with fresh_workers(len(jobs)) as pool:  # the indexing process may hold gigabytes
                merged = list(pool.map(merge_run, jobs))
        return [segment for segment in merged if segment is not None]

    def runs_for(self, docs: int) -> int:
        """How many processes a merge of `docs` live documents is worth."""
        return max(1, min(self.processes, docs // max(self.min_docs, 1)))


def consecutive_runs(segments: list[Segment], count: int) -> list[list[Segment]]:
    """The segments cut, in order, into at most `count` runs of about equal document counts."""
    total = sum(segment.doc_count_all() for segment in segments)
    runs: list[list[Segment]] = [[] for _ in range(max(count, 1))]
    seen = 0
    for segment in segments:
        middle = seen + segment.doc_count_all() / 2
        runs[min(int(middle * len(runs) / max(total, 1)), len(runs) - 1)].append(segment)
        seen += segment.doc_count_all()
    return [run for run in runs if run]


def merge_run(job: tuple) -> Segment | None:
    """Merge one run of segments into a new segment (None when none of its documents is live);
    the caller holds the index's lock and commits the result."""
    storage, indexname, codec, compound, run = job
    writer = StreamingMergeWriter(storage.open_index(indexname), _lk=False, codec=codec,
                                  compound=compound)
    for segment in run:
        writer.add_segment(segment)
    if not writer.docnum:
        writer.close_sources()
        writer._close_segment()
        return None
    return writer._finalize_segment()
