"""Merging an index's segments into fewer: postings streamed in order, the work split over processes.

Whoosh merges by adding every posting of every segment to its writer's sorting pool,
which sorts them all over again and spills them to disk on the way: a merge of a 100,000
article index took longer than building it. The postings are already sorted, and the
segments hold consecutive documents, so a term's postings in the merged segment are its
postings in each segment in turn, renumbered: `StreamingMergeWriter` writes them so, one
term at a time, with a heap over the segments' term lists only. `ParallelMerge` splits the
segments into consecutive runs of about equal size and merges each run in its own process,
so a large merge leaves one segment per process and the documents keep their order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import groupby

from whoosh.codec.base import Segment
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

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
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            postings = heapq.merge(self.pool.iter_postings(), self._merged_postings())
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        finally:
            if lengths:
                lengths.close()
            self.close_sources()
        self.fieldwriter.close()

    def close_sources(self) -> None:
        for reader, _, _ in self._sources:
            reader.close()

    def _merged_postings(self) -> Iterator[Posting]:
        """Every term of every source segment in order, each with its postings from each
        segment that holds it, in segment order (so document numbers ascend)."""
        terms = heapq.merge(*(self._terms(number) for number in range(len(self._sources))))
        for (fieldname, btext), holders in groupby(terms, key=lambda term: term[:2]):
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
            with ProcessPoolExecutor(len(jobs)) as pool:
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
