"""Whole-index scoring with numpy: a Whoosh query evaluated into one score per document.

Whoosh's matchers score one posting per Python call. Here each term's postings are
read from the segments' arrays files once per index commit (an ArrayCache, shared by the
searchers of that commit), and the query tree is evaluated over every document at once:
a term is `rank.bm25` over its postings, OR sums what matches, AND sums where every part
matches, AND MAYBE adds the optional part where it matches, as Whoosh's matchers score
them; an exact phrase reads positions only where all its words stand. A node with no
array form here (sloppy phrases, ranges, `NOT` alone) is run by Whoosh's own matcher.
All of it runs under one deadline.

A node's result is a list of the documents where it has a score (`Sparse`) while that is
shorter than an array of the index (`Scored`): a term's postings, an OR of few postings, an
AND's common matches, AND MAYBE's required matches. At a million documents a rare word has a
few hundred postings, and arrays of the index for it and every node above it cost more than
the word (issue 21). Each document's scores are added in the same order either way, so a
ranking does not depend on which form a node took.

Three places differ from Whoosh, on purpose: AND NOT excludes every document of its
negative side (Whoosh's matcher can keep a segment's first positive document), and a
prefix or wildcard sums its expansions' BM25 scores everywhere (Whoosh scores each 1.0
in segments of up to 5,000 documents and sums BM25 in larger ones), and an OR adds a part's
score wherever the OR matches, also where that part itself does not (an AND in an OR whose
other words stand there): kept as it was, so that rankings stay the same (`outside`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import islice

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.collectors import TimeLimit
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from search.backends.whoosh.arrays import CODE_LENGTHS, SegmentArrays, TermArrays, TermTexts, looked_up
from search.backends.whoosh.codec import numeric_column
from search.backends.whoosh.queries import DateSpan
from search.backends.whoosh.schema import date_values
from search.documents import SPAN_FIELDS
from search.occurrences import DocumentTerms
from search.rank import ENTITY_FIELD, Weights, bm25, idf

MAX_CACHED_POSTINGS = 16_000_000  # about 128 MB of (docnum, weight) pairs
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt options (malloc.h)
HEAP_ARRAYS_UP_TO = 32 << 20  # glibc's largest mmap threshold: arrays up to 32 MB from the heap
KEPT_FREE_BYTES = 1 << 30  # freed memory the heap keeps before giving any back
HEAP_STEP = 64 << 20  # how much more the heap asks for at a time
MAX_ANALYSED_CHARS = 500_000  # stored articles kept for highlighting (a few KB each: the last pages)
DEADLINE_CHECK_MATCHES = 1024
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
Spans = list[tuple[int, int]]
TEXT_FIELDS = SPAN_FIELDS  # the fields snippets find a term's characters in


@dataclass
class Scored:
    """A query over the whole index: each document's score, and which documents match."""

    score: np.ndarray
    hit: np.ndarray


_ZERO = np.zeros(())  # the score of every document when only matches are asked for
SPARSE_SHARE = 1 / 8  # an OR is merged as lists of documents up to this share of the domain's


@dataclass
class Sparse:
    """A node's result on some documents of the domain: their places (ascending, no repeats),
    the score at each (None when only matches are asked for) and whether the node matches there
    (None: at every place). Everywhere else its score is 0 and it matches nothing. A rare word
    at 1M is a few hundred postings: an array of the whole domain for it, and for every node
    above it, cost more than reading them (issue 21)."""

    places: np.ndarray
    score: np.ndarray | None
    hit: np.ndarray | None = None

    def hit_places(self) -> np.ndarray:
        return self.places if self.hit is None else self.places[self.hit]

    def score_at(self, places: np.ndarray) -> np.ndarray:
        """The score at some places (ascending), 0 where the node has none."""
        return spread(self.places, self.score, places)

    def hit_at(self, places: np.ndarray) -> np.ndarray:
        at, held = looked_up(self.places, places)
        return held if self.hit is None or not len(self.places) else held & self.hit[at]


Result = Scored | Sparse


@dataclass(frozen=True)
class Domain:
    """The documents a scorer evaluates: windows of document numbers (ascending ranges), laid
    end to end, so a node's arrays are as long as the windows hold and not the whole index."""

    starts: np.ndarray
    stops: np.ndarray
    whole: bool = False

    @classmethod
    def everything(cls, size: int) -> Domain:
        return cls(np.array([0], dtype=np.int64), np.array([size], dtype=np.int64), whole=True)

    @classmethod
    def of_documents(cls, docnums) -> Domain:
        """Some documents, each its own window."""
        starts = np.unique(np.asarray(docnums, dtype=np.int64))
        return cls(starts, starts + 1)

    @property
    def size(self) -> int:
        return int((self.stops - self.starts).sum())

    def _shifts(self, counts: np.ndarray) -> np.ndarray:
        """What to subtract from a window's document numbers to get their places in the domain."""
        lengths = self.stops - self.starts
        return np.repeat(self.starts - (np.cumsum(lengths) - lengths), counts)

    @cached_property
    def documents(self) -> np.ndarray:
        """The document number at each place (worked out once: every node of a query asks)."""
        if self.whole:
            return np.arange(self.size, dtype=np.int64)
        return np.arange(self.size, dtype=np.int64) + self._shifts(self.stops - self.starts)

    def place(self, ids: np.ndarray) -> tuple[np.ndarray | slice, np.ndarray]:
        """Which of some ascending document numbers fall inside (a selector of `ids`), and their
        places in the domain."""
        if self.whole:
            return slice(None), ids
        begins, ends = np.searchsorted(ids, self.starts), np.searchsorted(ids, self.stops)
        counts = ends - begins
        if not counts.any():
            return _EMPTY_IDS, _EMPTY_IDS
        total = int(counts.sum())
        selector = np.arange(total, dtype=np.int64) + np.repeat(begins - (np.cumsum(counts) - counts), counts)
        return selector, ids[selector] - self._shifts(counts)


@dataclass
class ScoringRun:
    """What the scorers of one ranking share: the deadline, whether it passed, the whole-index
    results of nodes Whoosh's matchers run (run once, then cut to each domain), and each
    phrase's matches over the whole index (the hits ask which shown documents hold it)."""

    deadline: float
    partial: bool = False
    postings_scored: int = 0
    whole_results: dict[int, Scored] = field(default_factory=dict)
    phrase_hits: dict[int, np.ndarray] = field(default_factory=dict)


class LeastRecentlyUsed:
    """A thread-safe cache that drops its least recently used entries past a total size."""

    def __init__(self, capacity: int):
        self.capacity, self.size = capacity, 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value kept for `key`, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key, value, size: int = 1) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.capacity and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped


@cache
def keep_freed_memory() -> bool:
    """Ask the C library to keep the memory of freed arrays for the next ones (glibc's `mallopt`;
    elsewhere nothing changes). Scoring makes arrays of megabytes for every query; by default
    each one over 128 KB is mapped from the system and given back when freed, so the next one
    is zeroed again page by page: on this project's machines that doubled the cost of every
    pass over them (a concatenation of 24 MB took 7 ms, then 3.5). A searching process keeps
    its peak memory instead (whole arrays up to the threshold come from the process's heap)."""
    library = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(library), "mallopt", None) if library else None
    if mallopt is None:
        return False
    return all(mallopt(option, value) == 1 for option, value in (
        (M_MMAP_THRESHOLD, HEAP_ARRAYS_UP_TO), (M_TRIM_THRESHOLD, KEPT_FREE_BYTES), (M_TOP_PAD, HEAP_STEP)))


class ArrayCache:
    """What is read of one commit of the index as arrays, shared by every searcher of that
    commit (each server thread has its own searcher, and its own file handles to read with)."""

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS, max_analysed: int = MAX_ANALYSED_CHARS):
        keep_freed_memory()
        self.postings = LeastRecentlyUsed(max_postings)
        self.analysed = LeastRecentlyUsed(max_analysed)  # DocumentTerms by document number
        self.window_maxima = LeastRecentlyUsed(max_postings // 8)  # search/backends/whoosh/topk.py
        self.phrases = LeastRecentlyUsed(max_postings // 8)  # where a phrase stands, by field and words
        self.lengths: dict[str, np.ndarray] = {}
        self.frequencies: dict[tuple[str, bytes], int] = {}
        self.live: np.ndarray | None = None
        self.segment_arrays: list[SegmentArrays | None] | None = None
        self._derived: dict[str, object] = {}
        self._lock = threading.RLock()  # one derived value may be built from another

    def derived(self, name: str, build):
        """A value computed from this commit once (story codes, tie-break columns, facets)."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build()
            return self._derived[name]


class Postings:
    """A searcher's postings, field lengths and live documents as arrays, read once per commit
    (into an ArrayCache, which searchers of the same commit may share)."""

    def __init__(self, searcher: Searcher, cache: ArrayCache | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = list(self.reader.leaf_readers())
        self.doc_count = self.reader.doc_count_all()
        self.cache = cache or ArrayCache()
        if self.cache.live is None:
            self.cache.live = self._live()
        if self.cache.segment_arrays is None:
            self.cache.segment_arrays = [SegmentArrays.open(leaf.storage(), leaf.segment())
                                         if hasattr(leaf, "segment") else None
                                         for leaf, _ in self.leaves]
        self.live = self.cache.live
        self.segment_arrays = self.cache.segment_arrays

    def _live(self) -> np.ndarray:
        live = np.ones(self.doc_count, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                live[deleted + offset] = False
        return live

    def doc_frequency(self, fieldname: str, btext: bytes) -> int:
        """How many documents hold a term (deleted ones included, as Whoosh counts)."""
        frequencies = self.cache.frequencies
        key = (fieldname, btext)
        if key not in frequencies:
            arrays = [self._field_arrays(number, fieldname) for number in range(len(self.leaves))]
            if all(field is not None for field in arrays):
                frequencies[key] = sum(field.doc_frequency(row) for field in arrays
                                       if (row := field.number(btext)) is not None)
            else:
                frequencies[key] = self.reader.doc_frequency(fieldname, btext)
        return frequencies[key]

    def _field_arrays(self, number: int, fieldname: str) -> TermArrays | None:
        """A segment's arrays of a field, when the segment was written with them."""
        arrays = self.segment_arrays[number]
        return arrays.fields.get(fieldname) if arrays is not None else None

    def prefix_counts(self, fieldname: str, prefix: bytes, limit: int) -> list[tuple[bytes, int]]:
        """The first `limit` terms of a field that start with `prefix`, in order, each with how
        many documents hold it (deleted ones included, as Whoosh counts): from each segment's
        arrays by bisection, or along its lexicon in one pass."""
        counts: dict[bytes, int] = {}
        for number, (leaf, _) in enumerate(self.leaves):
            arrays = self._field_arrays(number, fieldname)
            if arrays is not None:
                found = arrays.prefixed(prefix, limit)
            else:
                found = ((btext, info.doc_frequency())
                         for btext, info in islice(leaf.iter_prefix(fieldname, prefix), limit))
            for btext, frequency in found:
                counts[btext] = counts.get(btext, 0) + frequency
        return sorted(counts.items())[:limit]

    def term_texts(self, fieldname: str) -> list[TermTexts]:
        """Every term of a field, segment by segment, with how many documents hold it (deleted
        ones included, as Whoosh counts): from each segment's arrays, or along its lexicon."""
        found = []
        for number, (leaf, _) in enumerate(self.leaves):
            arrays = self._field_arrays(number, fieldname)
            if arrays is not None:
                found.append(arrays.term_texts())
            else:
                found.append(TermTexts.of_pairs([(btext, info.doc_frequency())
                                                 for btext, info in leaf.iter_field(fieldname)]))
        return found

    def dates(self) -> np.ndarray:
        """Each document's date column value (schema.UNDATED when it has none), read once per
        commit."""
        return self.cache.derived("dates", lambda: date_values(self.reader))

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in a field, as Whoosh stores it (one byte, decoded)."""
        lengths = self.cache.lengths
        if fieldname not in lengths:
            codes = np.zeros(self.doc_count, dtype=np.uint8)
            for leaf, offset in self.leaves:
                perdoc = getattr(leaf, "_perdoc", None)
                column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc else None
                if column is not None:
                    values = numeric_column(column, leaf.doc_count_all())
                    codes[offset:offset + len(values)] = values
            lengths[fieldname] = CODE_LENGTHS[codes]
        return lengths[fieldname]

    def term(self, fieldname: str, btext: bytes, deadline: float) -> tuple[np.ndarray, np.ndarray]:
        """A term's live documents (ascending, int32) and the weight of each posting (float32)."""
        key = (fieldname, btext)
        found = self.cache.postings.get(key)
        if found is not None:
            return found
        parts = [self._leaf_postings(number, fieldname, btext, deadline)
                 for number in range(len(self.leaves))]
        parts = [part for part in parts if part is not None]
        if not parts:
            found = (_EMPTY_IDS, _EMPTY_WEIGHTS)
        else:
            ids = np.concatenate([ids for ids, _ in parts])
            weights = np.concatenate([weights for _, weights in parts])
            keep = self.live[ids]
            if not keep.all():
                ids, weights = ids[keep], weights[keep]
            found = (ids.astype(np.int32), weights.astype(np.float32))  # Whoosh's weights are float32
        self.cache.postings.put(key, found, max(len(found[0]), 1))
        return found

    def weights_in(self, fieldname: str, btext: bytes, docnums: np.ndarray, deadline: float) -> np.ndarray:
        """A term's weight in each of some documents (ascending; 0 where it is absent): by binary
        search in each segment's postings, unless they are cached whole. Feedback's words are
        the pool's most frequent, so reading each one's postings whole to look up a hundred
        documents was most of what it cost."""
        found = self.cache.postings.get((fieldname, btext))
        segments = range(len(self.leaves))
        if found is None and any(self._field_arrays(number, fieldname) is None for number in segments):
            found = self.term(fieldname, btext, deadline)  # a field Whoosh writes: its matcher, once
        if found is not None:
            ids, weights = found
            if not len(ids):
                return np.zeros(len(docnums), dtype=np.float32)
            at, held = looked_up(ids, docnums)
            return np.where(held, weights[at], np.float32(0))
        weights = np.zeros(len(docnums), dtype=np.float32)
        for number, (leaf, offset) in enumerate(self.leaves):
            arrays = self._field_arrays(number, fieldname)
            row = arrays.number(btext)
            inside = (docnums >= offset) & (docnums < offset + leaf.doc_count_all())
            if row is not None and inside.any():
                weights[inside] = arrays.weights_of(row, docnums[inside] - offset)
        weights[~self.live[docnums]] = 0  # a deleted document holds nothing, as `term` reads it
        return weights

    def _leaf_postings(self, number: int, fieldname: str, btext: bytes, deadline: float):
        leaf, offset = self.leaves[number]
        arrays = self._field_arrays(number, fieldname)
        if arrays is not None:
            row = arrays.number(btext)
            if row is None:
                return None
            ids, weights = arrays.postings(row)
            return ids.astype(np.int64) + offset, weights
        matcher = _raw_matcher(leaf, fieldname, btext)  # a field Whoosh writes (not scorable)
        if matcher is None:
            return None
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
            if len(ids) % DEADLINE_CHECK_MATCHES == 0 and time.monotonic() > deadline:
                raise TimeLimit
        return np.asarray(ids, dtype=np.int64) + offset, np.asarray(weights, dtype=np.float64)

    def characters(self, fieldname: str, holders: dict[bytes, set[int]]) -> dict[int, dict[bytes, Spans]]:
        """Where some terms stand in the documents holding them, as (start, end) characters,
        by document and term: each document's field analysed again as it was indexed, once
        for all the terms it holds."""
        wanted: dict[int, set[str]] = {}
        for btext, docnums in holders.items():
            for docnum in docnums:
                wanted.setdefault(docnum, set()).add(btext.decode("utf-8"))
        found: dict[int, dict[bytes, Spans]] = {}
        for docnum, terms in sorted(wanted.items()):
            spans = self._analysed(docnum).spans(fieldname, terms)
            found[docnum] = {term.encode("utf-8"): places for term, places in spans.items()}
        return found

    def stored(self, docnum: int) -> dict:
        """A document's stored fields, read once while its terms are cached (a shown article is
        asked for by its hit, its story's versions and its snippets)."""
        return self._analysed(docnum).stored

    def _analysed(self, docnum: int) -> DocumentTerms:
        found = self.cache.analysed.get(docnum)
        if found is None:
            schema = self.searcher.schema
            analyzers = {name: schema[name].analyzer.analyzer for name in TEXT_FIELDS}
            found = DocumentTerms(self.searcher.stored_fields(docnum), analyzers)
            self.cache.analysed.put(docnum, found, found.size)
        return found

    def word_counts(self, fieldname: str, docnum: int) -> dict[str, float] | None:
        """A document's terms in a field and how often each occurs (its term vector, from the
        arrays file); None when its segment was written without one."""
        number = bisect_right([offset for _, offset in self.leaves], docnum) - 1
        arrays = self._field_arrays(number, fieldname)
        vector = arrays.vector(docnum - self.leaves[number][1]) if arrays is not None else None
        if vector is None:
            return None
        return {btext.decode("utf-8"): count for btext, count in vector}

    def holds_phrase(self, fieldname: str, words: list[bytes]) -> bool | None:
        """Whether some live document holds the words one after another, from the arrays (None
        when a segment has no positions of the field in its arrays: an older index)."""
        fields = [self._field_arrays(number, fieldname) for number in range(len(self.leaves))]
        if any(field is None or not field.has_positions for field in fields):
            return None
        candidates = None
        for word in sorted(set(words), key=lambda word: self.doc_frequency(fieldname, word)):
            ids = self.term(fieldname, word, float("inf"))[0].astype(np.int64)
            candidates = ids if candidates is None else common_ascending(candidates, ids)
            if not len(candidates):
                return False
        return bool(len(self.in_a_row(fieldname, words, candidates)))

    def in_a_row(self, fieldname: str, words: list[bytes], candidates: np.ndarray,
                 slop: int = 1) -> np.ndarray:
        """Which of the candidates (documents holding every word) hold the words one after another
        (with `slop`, each within that many positions after the one before), from the arrays'
        positions."""
        held = []
        for number, (leaf, offset) in enumerate(self.leaves):
            end = offset + leaf.doc_count_all()
            local = candidates[(candidates >= offset) & (candidates < end)] - offset
            arrays = self._field_arrays(number, fieldname)
            if len(local) and arrays is not None and arrays.has_positions:
                found = _phrase_docs(arrays, words, local) if slop == 1 else \
                    _sloppy_phrase_docs(arrays, words, local, slop)
                held.append(found + offset)
        return np.concatenate([_EMPTY_IDS, *held])


def joined(operation: np.ufunc, flags: list[np.ndarray]) -> np.ndarray:
    """Flag arrays ANDed or ORed into a new one, pair by pair in place: `np.logical_or.reduce` of
    a list stacks the arrays into one first (twenty alias parts at 1M: 20 MB copied, 10 ms)."""
    found = flags[0].copy()
    for more in flags[1:]:
        operation(found, more, out=found)
    return found


def _phrase_docs(arrays: TermArrays, words: list[bytes], local: np.ndarray) -> np.ndarray:
    """The segment's documents (of `local`, each holding every word) where the words stand in a
    row: (document, position - place in the phrase) pairs common to every word. The rarest word
    goes first, and each next word's positions are read only in the documents still in the
    running (a phrase of common words, an alias's `new york`, narrows at its rarest word)."""
    rows = [arrays.number(word) for word in words]
    common = None
    for place in sorted(range(len(words)), key=lambda place: arrays.doc_frequency(rows[place])):
        ids, weights = arrays.postings(rows[place])
        positions, owner = arrays.positions(rows[place], np.searchsorted(ids, local), weights)
        keys = (local[owner].astype(np.int64) << 32) | (positions.astype(np.int64) - place + len(words))
        common = keys if common is None else np.intersect1d(common, keys, assume_unique=True)
        if not len(common):
            return _EMPTY_IDS
        local = distinct_ascending(common >> 32)
    return local


def _sloppy_phrase_docs(arrays: TermArrays, words: list[bytes], local: np.ndarray, slop: int) -> np.ndarray:
    """The segment's documents (of `local`, each holding every word) where the words stand in
    order, each 1 to `slop` positions after where the word before it was matched: what Whoosh's
    sloppy phrase (SpanNear2, ordered, mindist 1) finds. The positions reached so far are kept
    as (document, position) keys; a word's position is reached when the nearest reached key
    before it is at most `slop` back (in the same document: a key of another differs by 2**32)."""
    reached = None
    for word in words:
        row = arrays.number(word)
        ids, weights = arrays.postings(row)
        positions, owner = arrays.positions(row, np.searchsorted(ids, local), weights)
        keys = np.unique((local[owner].astype(np.int64) << 32) | positions.astype(np.int64))
        if reached is not None:
            before = np.searchsorted(reached, keys - 1, side="right") - 1
            keys = keys[(before >= 0) & (reached[np.maximum(before, 0)] >= keys - slop)]
        if not len(keys):
            return _EMPTY_IDS
        reached, local = keys, distinct_ascending(keys >> 32)
    return local


def common_ascending(few: np.ndarray, many: np.ndarray) -> np.ndarray:
    """The values two ascending arrays without repeats share: each of the shorter one looked up
    in the longer by binary search (`np.intersect1d` sorts both together)."""
    if len(few) > len(many):
        few, many = many, few
    return few[looked_up(many, few)[1]]


def distinct_ascending(values: np.ndarray) -> np.ndarray:
    """An ascending array without its repeats, in one pass (`np.unique` would sort it again)."""
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _raw_matcher(leaf, fieldname: str, btext: bytes):
    """A segment's postings of a term, unscored and unfiltered (None when it has none)."""
    terms = getattr(leaf, "_terms", None)
    if terms is None:  # an empty index
        return None
    try:
        return terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    except TermNotFound:
        return None


def _score_at(result: Result, places: np.ndarray) -> np.ndarray:
    """A result's scores at some places of the domain (ascending)."""
    return result.score_at(places) if isinstance(result, Sparse) else result.score[places]


def _matched_score_at(result: Result, places: np.ndarray) -> np.ndarray:
    """A result's scores at some places of the domain (ascending), 0 where it does not match."""
    if isinstance(result, Scored):
        return np.where(result.hit[places], result.score[places], 0.0)
    matched = result.score if result.hit is None else np.where(result.hit, result.score, 0.0)
    return spread(result.places, matched, places)


def spread(source: np.ndarray, values: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Values given at some ascending places (`source`), read at other ascending places, 0
    where `source` has none: each place of the shorter list is looked up in the longer one
    (an optional part's few hundred entity matches among half a million required ones)."""
    if len(source) <= len(places):
        at, held = looked_up(places, source)
        found = np.zeros(len(places))
        found[at[held]] = values[held]
        return found
    at, held = looked_up(source, places)
    return np.where(held, values[at], 0.0)


def _hit_at(result: Result, places: np.ndarray) -> np.ndarray:
    """Whether a result matches at some places of the domain (ascending)."""
    return result.hit_at(places) if isinstance(result, Sparse) else result.hit[places]


class ArrayScorer:
    """Evaluates Whoosh queries over a domain of the index (all of it unless told) at once, until
    a deadline; with `scoring` off, only which documents match (no score is computed).

    Past the deadline, what is left unread counts as matching nothing, and `partial` is set.
    """

    def __init__(self, searcher: Searcher, postings: Postings, weights: Weights, deadline: float,
                 domain: Domain | None = None, scoring: bool = True, run: ScoringRun | None = None):
        self.searcher, self.postings, self.weights = searcher, postings, weights
        self.schema = searcher.schema
        self.domain = domain or Domain.everything(postings.doc_count)
        self.size = self.domain.size
        self.scoring = scoring
        self.run = run or ScoringRun(deadline)
        self.deadline = self.run.deadline

    def restricted(self, domain: Domain, scoring: bool = True) -> ArrayScorer:
        """A scorer of the same ranking over another domain."""
        return ArrayScorer(self.searcher, self.postings, self.weights, self.deadline, domain, scoring,
                           self.run)

    @property
    def partial(self) -> bool:
        return self.run.partial

    @partial.setter
    def partial(self, value: bool) -> None:
        self.run.partial = value

    @property
    def phrase_hits(self) -> dict[int, np.ndarray]:
        return self.run.phrase_hits

    def evaluate(self, query: wq.Query) -> Scored:
        """The query's score for every document of the domain, and which documents it matches."""
        return self.evaluate_dense(self._dense(self._node(query, outside=False)))

    def matches(self, query: wq.Query) -> tuple[np.ndarray, np.ndarray | None]:
        """The places in the domain of the query's live matches (ascending), and their scores
        when scoring: `evaluate` without an array of the domain where the result is sparse."""
        result = self._node(query, outside=False)
        if isinstance(result, Scored):
            scored = self.evaluate_dense(result)
            places = np.flatnonzero(scored.hit)
            return places, scored.score[places] if self.scoring else None
        documents = result.places if self.domain.whole else self.domain.documents[result.places]
        keep = self.postings.live[documents]
        if result.hit is not None:
            keep &= result.hit
        return result.places[keep], result.score[keep] if self.scoring else None

    def evaluate_dense(self, scored: Scored) -> Scored:
        """A dense result as `evaluate` gives it: live matches only, no score elsewhere."""
        live = self._live_in_domain()
        if not self.scoring:
            return Scored(_ZERO, scored.hit & live)
        return Scored(np.where(scored.hit, scored.score, 0.0), scored.hit & live)

    def _live_in_domain(self) -> np.ndarray:
        """Which documents of the domain are live (not deleted)."""
        return self.postings.live if self.domain.whole else self.postings.live[self.domain.documents]

    def _late(self) -> bool:
        """Whether the deadline has passed (and so the answer is partial)."""
        if time.monotonic() > self.deadline:
            self.partial = True
        return self.partial

    def _empty(self) -> Sparse:
        return Sparse(_EMPTY_IDS, _EMPTY_WEIGHTS if self.scoring else None)

    def _dense(self, result: Result) -> Scored:
        """A result as an array of the whole domain."""
        if isinstance(result, Scored):
            return result
        score = _ZERO
        if self.scoring:
            score = np.zeros(self.size)
            score[result.places] = result.score
        return Scored(score, self._hit_array(result.hit_places()))

    def _hit_array(self, places: np.ndarray) -> np.ndarray:
        """Match flags over the whole domain, set at these places."""
        hit = np.zeros(self.size, dtype=bool)
        hit[places] = True
        return hit

    def _node(self, query: wq.Query, outside: bool = True) -> Result:
        """A node's result; `outside`: whether its parent reads its scores where it does not
        match (an OR sums its parts' scores wherever one of them matches, as Whoosh's matchers
        do not, but as the dense scorer always did: kept, so that rankings stay the same)."""
        if self._late():
            return self._remember_phrase(query, self._empty())
        if query is wq.NullQuery or isinstance(query, type(wq.NullQuery)):
            return self._empty()
        if type(query) is wq.Term:
            return self._term(query.fieldname, query.text, query.boost)
        if type(query) is DateSpan:
            return self._date_span(query)
        if type(query) is wq.Every and query.fieldname is None:  # Whoosh's walks every document
            return Scored(np.full(self.size, float(query.boost)) if self.scoring else _ZERO,
                          np.ones(self.size, dtype=bool))
        if isinstance(query, wq.MultiTerm) and not isinstance(query, wq.Term):
            return self._expanded(query)
        if type(query) in (wq.Or, wq.And, wq.DefaultOr, wq.PreloadedOr) and not getattr(query, "scale", None):
            return self._compound(query, outside)
        if type(query) is wq.AndMaybe:
            return self._and_maybe(query, outside)
        if type(query) is wq.AndNot:
            return self._and_not(query, outside)
        if type(query) is wq.Not:
            return self._not(query)
        if not self.scoring and id(query) in self.run.phrase_hits:  # a phrase's matches, found before
            hit = self.run.phrase_hits[id(query)]
            return Scored(_ZERO, hit if self.domain.whole else hit[self.domain.documents])
        if isinstance(query, wq.Phrase) and query.slop >= 1 and self._has_positions(query.fieldname):
            return self._phrase(query)
        if type(query) is wq.ConstantScoreQuery:
            child = self._dense(self._node(query.child, outside=False))
            return Scored(np.full(self.size, float(query.score)) if self.scoring else _ZERO, child.hit)
        return self._by_whoosh(query)

    def _term(self, fieldname: str, text, boost: float) -> Sparse:
        places, scores = self._term_postings(fieldname, text)
        if not self.scoring:
            return Sparse(places, None)
        return Sparse(places, scores * boost if boost != 1.0 else scores)

    def _date_span(self, query: DateSpan) -> Result:
        """A date range's live documents, from the commit's date column, each scoring its boost:
        a list of them while they are few, else flags over the domain."""
        dates = self.postings.dates()
        if not self.domain.whole:
            dates = dates[self.domain.documents]
        hit = query.holds(dates) & self._live_in_domain()
        places = np.flatnonzero(hit)
        if len(places) <= SPARSE_SHARE * self.size:
            return Sparse(places, np.full(len(places), float(query.boost)) if self.scoring else None)
        return Scored(np.where(hit, float(query.boost), 0.0) if self.scoring else _ZERO, hit)

    def _term_postings(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        """A term's documents in the domain (as places in it), and their scores (unless scoring
        is off)."""
        found = self._term_places(fieldname, text)
        if found is None:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        places, ids, weights, btext = found
        return places, self._scores_at(fieldname, btext, ids, weights) if self.scoring else _EMPTY_WEIGHTS

    def _term_places(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray, np.ndarray, bytes] | None:
        """A term's documents in the domain: their places in it, their numbers and the term's
        weight in each, unscored (None when it has none there)."""
        btext = self._btext(fieldname, text)
        if btext is None:
            return None
        try:
            ids, weights = self.postings.term(fieldname, btext, self.deadline)
        except TimeLimit:
            self.partial = True
            return None
        selector, places = self.domain.place(ids)
        if not len(places):
            return None
        return places, ids[selector], weights[selector], btext

    def _scores_at(self, fieldname: str, btext: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A term's scores in some of its documents (numbers and weights)."""
        self.run.postings_scored += len(ids)
        return self.term_scores(fieldname, btext, weights, lambda: self.postings.lengths(fieldname)[ids])

    def _btext(self, fieldname: str, text) -> bytes | None:
        """A term's text as the index holds it (None when the field or text cannot be)."""
        if fieldname not in self.schema:
            return None
        try:
            return self.schema[fieldname].to_bytes(text)
        except ValueError:
            return None

    def term_scores(self, fieldname: str, btext: bytes, weights: np.ndarray, lengths) -> np.ndarray:
        """What `rank.NewsBM25F`'s scorer gives postings of these weights in documents of these
        field lengths (`lengths()` gives them, asked only where the field's score uses them)."""
        weights = weights.astype(np.float64)
        if fieldname == ENTITY_FIELD:
            return self.weights.entity_boost * weights
        if not self.schema[fieldname].scorable:
            return weights
        searcher = self.searcher
        term_idf = idf(searcher.doc_count_all(), self.postings.doc_frequency(fieldname, btext))
        avg_length = searcher.avg_field_length(fieldname) or 1.0
        scale = self.weights.field_weight(fieldname)
        return scale * bm25(weights, lengths(), avg_length, term_idf, self.weights.k1, self.weights.b)

    def _has_positions(self, fieldname: str) -> bool:
        if fieldname not in self.schema:
            return False
        field = self.schema[fieldname]
        return bool(field.format and field.format.supports("positions"))

    def _phrase(self, query: wq.Phrase) -> Sparse:
        """Words in a row (or, with a slop, each near the one before): the documents holding
        every word (from the arrays), then their positions, read only there. Scored as Whoosh
        scores a phrase: the sum of its words' scores (a repeated word once per time it is
        repeated), times the boost."""
        field = self.schema[query.fieldname]
        try:
            words = [field.to_bytes(word) for word in query.words]
        except ValueError:
            return self._remember_phrase(query, self._empty())
        found = {word: self._term_places(query.fieldname, word) for word in dict.fromkeys(words)}
        if not words or any(places is None for places in found.values()):
            return self._remember_phrase(query, self._empty())
        held = self._phrase_places(query.fieldname, words, found, query.slop)
        if not self.scoring:
            return self._remember_phrase(query, Sparse(held, None))
        total = np.zeros(len(held))  # each word scored only where the phrase stands
        for word in words:
            places, ids, weights, btext = found[word]
            at = np.searchsorted(places, held)
            total += self._scores_at(query.fieldname, btext, ids[at], weights[at])
        if query.boost != 1.0:
            total *= query.boost
        return self._remember_phrase(query, Sparse(held, total))

    def _phrase_places(self, fieldname: str, words: list[bytes], found: dict, slop: int) -> np.ndarray:
        """The places where the words stand in a row (or within the slop), from the documents
        holding every word (the rarest word's first); over the whole index, remembered for the
        commit: an alias's phrases (`federal reserve board` for `fed`) come back in query after
        query."""
        key = (fieldname, tuple(words), slop)
        if self.domain.whole:
            held = self.postings.cache.phrases.get(key)
            if held is not None:
                return held
        candidates = None
        for places, *_ in sorted(found.values(), key=lambda term: len(term[0])):
            candidates = places if candidates is None else common_ascending(candidates, places)
        documents = self.domain.documents
        held = self.postings.in_a_row(fieldname, words, documents[candidates], slop)
        if not self.domain.whole:
            return np.searchsorted(documents, held)
        self.postings.cache.phrases.put(key, held, max(len(held), 1))
        return held

    def _expanded(self, query: wq.MultiTerm) -> Result:
        """A prefix, wildcard or fuzzy term: its expansions ORed, as Whoosh's MultiTerm does."""
        texts = [btext for btext in query._btexts(self.searcher.reader()) if btext]
        if len(texts) == 1:
            return self._term(query.field(), texts[0], 1.0)
        found = [self._term_postings(query.field(), btext) for btext in texts]
        return self._postings_summed(found, [1.0] * len(found), query.boost)

    def _compound(self, query: wq.CompoundQuery, outside: bool) -> Result:
        if not isinstance(query, wq.And) and len(query.subqueries) > 1 \
                and all(type(sub) is wq.Term for sub in query.subqueries):
            return self._terms_ored(query)
        is_and = isinstance(query, wq.And)
        parts = [self._node(sub, outside if is_and else True) for sub in query.subqueries]
        if not parts:
            return self._empty()
        if len(parts) == 1:  # Whoosh uses the lone part's matcher, without the compound's boost
            return parts[0]
        if not is_and:
            return self._ored(parts, query.boost)
        if not outside:
            return self._sparse_and(parts, query.boost)
        parts = [self._dense(part) for part in parts]
        return Scored(self._sum(parts, query.boost), joined(np.logical_and, [part.hit for part in parts]))

    def _dense_or(self, parts: list[Result], boost: float) -> Scored:
        """Parts ORed into arrays of the domain: a sparse part added at its places only (not
        made an array of its own first), each document's scores in the parts' order."""
        hit = np.zeros(self.size, dtype=bool)
        total = np.zeros(self.size) if self.scoring else _ZERO
        for part in parts:
            if isinstance(part, Sparse):
                hit[part.hit_places()] = True
                if self.scoring:
                    total[part.places] += part.score
            else:
                hit |= part.hit
                if self.scoring:
                    total += part.score
        return Scored(total * boost if boost != 1.0 and self.scoring else total, hit)

    def _terms_ored(self, query: wq.CompoundQuery) -> Result:
        """An OR of terms (one word in several fields; the names a query's words may be), summed
        in one pass over their postings, not one array of the domain per term. Each document's
        scores are added in the terms' order, as `_sum` adds them."""
        found = [self._term_postings(sub.fieldname, sub.text) for sub in query.subqueries]
        return self._postings_summed(found, [sub.boost for sub in query.subqueries], query.boost)

    def _postings_summed(self, found: list[tuple[np.ndarray, np.ndarray]], boosts: list[float],
                         boost: float) -> Result:
        """Terms' postings ORed, each term's scores times its boost."""
        if not self.scoring:
            return self._ored([Sparse(places, None) for places, _ in found], boost)
        return self._ored([Sparse(places, scores * part_boost if part_boost != 1.0 else scores)
                           for (places, scores), part_boost in zip(found, boosts, strict=True)], boost)

    def _ored(self, parts: list[Result], boost: float) -> Result:
        """Parts ORed, each document's scores summed in the parts' order: merged as lists while
        they hold up to SPARSE_SHARE of the domain, else added into arrays of it."""
        if all(isinstance(part, Sparse) for part in parts) \
                and sum(len(part.places) for part in parts) <= SPARSE_SHARE * self.size:
            return self._union(parts, boost)
        return self._dense_or(parts, boost)

    def _union(self, parts: list[Sparse], boost: float) -> Sparse:
        """Sparse parts ORed: every place of any of them, each place's scores summed in the parts'
        order (a document's scores add up as `_sum` adds them), matching where any part does."""
        places = np.concatenate([_EMPTY_IDS, *(part.places for part in parts)])
        order = np.argsort(places, kind="stable")  # the parts are ascending runs: a merge
        ordered = places[order]
        first = np.ones(len(ordered), dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
        unique = ordered[first]
        owner = np.empty(len(places), dtype=np.int64)
        owner[order] = np.cumsum(first) - 1
        hit = None
        if any(part.hit is not None for part in parts):
            flags = np.concatenate([np.ones(0, dtype=bool), *(part.hit if part.hit is not None else
                                                              np.ones(len(part.places), dtype=bool)
                                                              for part in parts)])
            hit = np.zeros(len(unique), dtype=bool)
            hit[owner[flags]] = True
        if not self.scoring:
            return Sparse(unique, None, hit)
        scores = np.concatenate([_EMPTY_WEIGHTS, *(part.score for part in parts)])
        total = np.bincount(owner, weights=scores, minlength=len(unique))
        return Sparse(unique, total * boost if boost != 1.0 else total, hit)

    def _sparse_and(self, parts: list[Result], boost: float) -> Sparse:
        """Parts ANDed, as a list of the places every part matches (from the sparse parts', fewest
        first, else from the arrays'), each place's scores summed in the parts' order."""
        sparse = [part for part in parts if isinstance(part, Sparse)]
        dense = [part for part in parts if isinstance(part, Scored)]
        if not sparse:
            places = np.flatnonzero(joined(np.logical_and, [part.hit for part in dense]))
        else:
            places = None
            for part in sorted(sparse, key=lambda part: len(part.places)):
                hits = part.hit_places()
                places = hits if places is None else common_ascending(places, hits)
            for part in dense:
                places = places[part.hit[places]]
        if not self.scoring:
            return Sparse(places, None)
        total = _score_at(parts[0], places).copy()
        for part in parts[1:]:
            total += _score_at(part, places)
        return Sparse(places, total * boost if boost != 1.0 else total)

    def _sum(self, parts: list[Scored], boost: float) -> np.ndarray:
        if not self.scoring:
            return _ZERO
        total = parts[0].score.copy()
        for part in parts[1:]:
            total += part.score
        return total * boost if boost != 1.0 else total

    def _and_maybe(self, query: wq.AndMaybe, outside: bool) -> Result:
        if not self.scoring:  # the optional part changes only scores
            return self._node(query.a, outside)
        required = self._node(query.a, outside)
        optional = self._node(query.b, outside=False)
        if not outside:  # a list of the required part's matches, however many
            if isinstance(required, Sparse):
                places = required.hit_places()
                score = required.score if required.hit is None else required.score[required.hit]
            else:
                places = np.flatnonzero(required.hit)
                score = required.score[places]
            return Sparse(places, score + _matched_score_at(optional, places))
        required, optional = self._dense(required), self._dense(optional)
        return Scored(required.score + np.where(optional.hit, optional.score, 0.0), required.hit)

    def _and_not(self, query: wq.AndNot, outside: bool) -> Result:
        positive, negative = self._node(query.a, outside), self._node(query.b, outside=False)
        if isinstance(positive, Sparse):
            kept = ~_hit_at(negative, positive.places)
            return Sparse(positive.places, positive.score,
                          kept if positive.hit is None else positive.hit & kept)
        negative = self._dense(negative)
        return Scored(positive.score, positive.hit & ~negative.hit)

    def _not(self, query: wq.Not) -> Scored:
        """Every live document its child does not match, each scoring 1, as Whoosh's inverse
        matcher gives them (the child only matched, not scored), where that matcher stepped over
        every document of the index in Python (60 ms on Reuters)."""
        matching = self.restricted(self.domain, scoring=False)
        child = matching._dense(matching._node(query.query, outside=False))
        hit = ~child.hit & self._live_in_domain()
        return Scored(hit.astype(np.float64) if self.scoring else _ZERO, hit)

    def _by_whoosh(self, query: wq.Query) -> Scored:
        """Any other node, scored by Whoosh's own matchers over the whole index once a ranking,
        then cut to the domain."""
        whole = self.run.whole_results.get(id(query))
        if whole is None:
            whole = self.run.whole_results[id(query)] = self._whole_by_whoosh(query)
        if not self.domain.whole:
            documents = self.domain.documents
            whole = Scored(whole.score[documents] if self.scoring else _ZERO, whole.hit[documents])
        return self._remember_phrase(query, whole)

    def _whole_by_whoosh(self, query: wq.Query) -> Scored:
        """A node scored by Whoosh's own matchers, segment by segment, over the whole index."""
        count = self.postings.doc_count
        scored = Scored(np.zeros(count), np.zeros(count, dtype=bool))
        for subsearcher, offset in self.searcher.leaf_searchers():
            matcher = query.matcher(subsearcher, subsearcher.context())
            seen = 0
            while matcher.is_active():
                docnum = offset + matcher.id()
                scored.hit[docnum] = True
                scored.score[docnum] = matcher.score()
                matcher.next()
                seen += 1
                if seen % DEADLINE_CHECK_MATCHES == 0 and self._late():
                    return scored
        return scored

    def _remember_phrase(self, query: wq.Query, result: Result) -> Result:
        """Keep a phrase's matches over the whole index: the hits ask which shown documents hold
        the whole phrase (a phrase evaluated over part of the index is looked up again there)."""
        if isinstance(query, wq.Phrase) and self.domain.whole:
            self.run.phrase_hits[id(query)] = self._hit_array(result.hit_places()) \
                if isinstance(result, Sparse) else result.hit
        return result
