"""The query facade: the one search function the CLI and the web layer call.

`Engine.search` parses the query, runs it under a time budget with the ranking
model, breaks ties deterministically, and shapes each hit: snippet, what
matched, entities and versions.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from whoosh import query as wq
from whoosh import sorting
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from search.analysis import normalize_text
from search.errors import InvalidParameter, NotFound
from search.index import IndexMeta, open_index
from search.query import EXACT_FIELDS, ParsedQuery, QueryBuilder, date_range
from search.rank import DEFAULT_WEIGHTS, NewsBM25F, Weights
from search.results import SCORE_DECIMALS, Hit, response
from search.snippets import Match, snippet

MAX_QUERY_CHARS = 2000
MAX_RESULTS = 1000
TIME_BUDGET_SECONDS = 2.0
TEXT_FIELDS = {"body": ("body", "body_exact"), "title": ("title", "title_exact")}
MAX_MATCHED = 12
UNDATED = 2**64 - 1  # the date column's value for a document without a date


@dataclass(frozen=True)
class Filters:
    """Restrictions that narrow a search without changing its ranking."""

    source: str | None = None
    author: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def query(self) -> wq.Query | None:
        parts: list[wq.Query] = []
        if self.source:
            parts.append(wq.Phrase("source", self.source.lower().split()))
        if self.author:
            parts.append(wq.Phrase("author", self.author.lower().split()))
        if self.date_from or self.date_to:
            dates = date_range(self.date_from, self.date_to)
            if dates is None:
                raise InvalidParameter("dates must be YYYY, YYYY-MM or YYYY-MM-DD")
            parts.append(dates)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)


def _rank_key(score: float, date: int, doc_id: str) -> tuple:
    """Score, then newer date (undated last), then id: the same order on every page."""
    return (-round(score, SCORE_DECIMALS), date == UNDATED, -date, doc_id)


def _tied_at(rows: list[tuple], depth: int) -> bool:
    """Whether the last collected score ties the score at the cut (more may tie beyond it)."""
    cut = round(rows[min(depth, len(rows)) - 1][1], SCORE_DECIMALS)
    return round(rows[-1][1], SCORE_DECIMALS) == cut


class LeafColumns:
    """A column's values by top-level document number, read segment by segment
    (Whoosh's multi-segment column reader can fail on the last segment)."""

    def __init__(self, searcher: Searcher, fieldname: str, translate: bool = True):
        leaves = searcher.reader().leaf_readers()
        self.offsets = [offset for _, offset in leaves]
        self.columns = [reader.column_reader(fieldname, translate=translate) for reader, _ in leaves]

    def __getitem__(self, docnum: int):
        leaf = bisect_right(self.offsets, docnum) - 1
        return self.columns[leaf][docnum - self.offsets[leaf]]


NEWEST_FIRST = sorting.MultiFacet([
    sorting.TranslateFacet(lambda raw: 1 if raw == UNDATED else -raw, sorting.FieldFacet("date")),
    sorting.FieldFacet("id"),
])


class Engine:
    """An open index and everything needed to answer queries from it."""

    def __init__(self, index_dir: Path, weights: Weights = DEFAULT_WEIGHTS,
                 time_budget: float = TIME_BUDGET_SECONDS):
        self.index_dir = Path(index_dir)
        self.ix = open_index(self.index_dir)
        self.weighting = NewsBM25F(weights)
        self.time_budget = time_budget
        self.builder = QueryBuilder(self.ix.schema)
        self.tables = IndexMeta.read(self.index_dir).tables_for_index()
        self._local = threading.local()

    def searcher(self) -> Searcher:
        """This thread's searcher, reopened when the index has a new commit."""
        current = getattr(self._local, "searcher", None)
        if current is None:
            current = self.ix.searcher(weighting=self.weighting)
        elif not current.up_to_date():
            current = current.refresh()
        self._local.searcher = current
        return current

    def search(self, text: str, *, limit: int = 10, offset: int = 0,
               filters: Filters | None = None, sort: str = "relevance") -> dict:
        """Run a query and return the response in the result shape."""
        started = time.perf_counter()
        self._check(text, limit, offset, sort)
        parsed = self.builder.parse(text)
        searcher = self.searcher()
        filter_query = (filters or Filters()).query()
        ranked, total, partial = self._ranked(searcher, parsed, offset + limit, filter_query, sort)
        hits = [self._hit(searcher, parsed, docnum, score, terms)
                for docnum, score, terms in ranked[offset:offset + limit]]
        took = (time.perf_counter() - started) * 1000
        return response(text, hits, total, took, parsed.warnings, partial=partial)

    def ranked_ids(self, text: str, limit: int = MAX_RESULTS) -> list[tuple[str, float]]:
        """Every matching document's id and score, best first (for TREC runs)."""
        parsed = self.builder.parse(text)
        searcher = self.searcher()
        ranked, _, _ = self._ranked(searcher, parsed, limit, None, "relevance", with_terms=False)
        return [(searcher.stored_fields(docnum)["id"], score) for docnum, score, _ in ranked]

    @staticmethod
    def _check(text: str, limit: int, offset: int, sort: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise InvalidParameter("the query is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"the query is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= limit <= MAX_RESULTS:
            raise InvalidParameter(f"the limit must be between 1 and {MAX_RESULTS}")
        if offset < 0 or offset + limit > MAX_RESULTS:
            raise InvalidParameter(f"only the first {MAX_RESULTS} results can be paged through")
        if sort not in ("relevance", "date"):
            raise InvalidParameter("sort must be relevance or date")

    def _ranked(self, searcher: Searcher, parsed: ParsedQuery, depth: int,
                filter_query: wq.Query | None, sort: str, with_terms: bool = True):
        """The top `depth` documents as (docnum, score, matched terms), the total, and
        whether the time budget cut the search short.

        Ties are broken by date, then id; when documents tie at the cut, more are
        collected, so every page agrees with one long list.
        """
        if parsed.query is wq.NullQuery:
            return [], 0, False
        limit = depth + 1
        while True:
            results, partial = self._collect(searcher, parsed.query, limit, filter_query, sort, with_terms)
            rows = [(docnum, score or 0.0, results.docterms.get(docnum, ()) if with_terms else ())
                    for score, docnum in results.top_n]
            if partial or sort == "date" or len(rows) < limit or not _tied_at(rows, depth):
                break
            limit *= 2
        if sort == "relevance":
            dates, ids = LeafColumns(searcher, "date", translate=False), LeafColumns(searcher, "id")
            rows.sort(key=lambda row: _rank_key(row[1], dates[row[0]], ids[row[0]]))
        total = len(rows) if partial else len(results)
        return rows[:depth], total, partial

    def _collect(self, searcher: Searcher, query: wq.Query, limit: int,
                 filter_query: wq.Query | None, sort: str, with_terms: bool):
        sortedby = NEWEST_FIRST if sort == "date" else None
        collector = searcher.collector(limit=limit, terms=with_terms, filter=filter_query, sortedby=sortedby)
        timed = TimeLimitCollector(collector, self.time_budget, use_alarm=False)
        try:
            searcher.search_with_collector(query, timed)
        except TimeLimit:
            return timed.results(), True
        return timed.results(), False

    def _hit(self, searcher: Searcher, parsed: ParsedQuery, docnum: int, score: float,
             terms: tuple) -> Hit:
        stored = searcher.stored_fields(docnum)
        body = stored.get("body") or ""
        body_matches = list(self._matches(searcher, docnum, terms, "body"))
        title_matches = list(self._matches(searcher, docnum, terms, "title"))
        hit = Hit(stored, score, snippet=snippet(body, body_matches))
        hit.matched = self._explain(parsed, body, body_matches, stored.get("title") or "", title_matches)
        return hit

    @staticmethod
    def _matches(searcher: Searcher, docnum: int, terms: tuple, field: str) -> Iterator[Match]:
        """Where the matched terms stand in one stored field, from the postings' offsets."""
        for fieldname, btext in terms:
            if fieldname not in TEXT_FIELDS[field]:
                continue
            postings = searcher.postings(fieldname, btext)
            postings.skip_to(docnum)
            if not postings.is_active() or postings.id() != docnum:
                continue
            term = btext.decode("utf-8")
            for _, startchar, endchar in postings.value_as("characters"):
                yield Match(startchar, endchar, f"{fieldname}:{term}")

    def _explain(self, parsed: ParsedQuery, body: str, body_matches: list[Match],
                 title: str, title_matches: list[Match]) -> list[dict]:
        """Which query word each match answers, the form printed, and how it matched."""
        sources = self._term_sources(parsed)
        seen: dict[tuple[str, str], dict] = {}
        for text, matches in ((title, title_matches), (body, body_matches)):
            for match in matches:
                found = text[match.startchar:match.endchar]
                query_word, via = self._source_of(match.text, sources, parsed)
                if via in ("exact", "stem"):
                    via = self._kind(query_word, found)
                key = (query_word.lower(), normalize_text(found).lower())
                if key not in seen and len(seen) < MAX_MATCHED:
                    seen[key] = {"query": query_word, "found": found, "via": via}
        return list(seen.values())

    def _term_sources(self, parsed: ParsedQuery) -> dict[str, str]:
        cached = getattr(parsed, "_sources", None)
        if cached is not None:
            return cached
        schema = self.ix.schema
        sources: dict[str, str] = {}
        for word in parsed.words:
            for fieldname in ("body", "body_exact"):
                for token in schema[fieldname].analyzer(word, mode="query"):
                    sources.setdefault(f"{fieldname}:{token.text}", word)
                    other = "title" if fieldname == "body" else "title_exact"
                    sources.setdefault(f"{other}:{token.text}", word)
        parsed._sources = sources
        return sources

    @staticmethod
    def _source_of(key: str, sources: dict[str, str], parsed: ParsedQuery) -> tuple[str, str]:
        if key in sources:
            return sources[key], "exact"
        fieldname, _, term = key.partition(":")
        for leaf in parsed.query.leaves():
            if getattr(leaf, "fieldname", None) not in (fieldname, EXACT_FIELDS.get(fieldname)):
                continue
            if isinstance(leaf, wq.Prefix) and term.startswith(leaf.text):
                return f"{leaf.text}*", "prefix"
            if isinstance(leaf, wq.Wildcard) and fnmatchcase(term, leaf.text):
                return leaf.text, "prefix"
            if isinstance(leaf, wq.FuzzyTerm):
                return f"{leaf.text}~", "fuzzy"
        return term, "exact"

    def _kind(self, query_word: str, found: str) -> str:
        """exact (as typed), variant (a spelling table made them one), or stem."""
        typed, printed = normalize_text(query_word).lower(), normalize_text(found).lower()
        for suffix in ("'s", "'"):
            printed = printed.removesuffix(suffix)
        if typed == printed or typed.replace(".", "") == printed.replace(".", ""):
            return "exact"
        tables = self.tables
        if any(word in tables.variants or tables.spellings.lookup(word) for word in (typed, printed)):
            return "variant"
        return "stem"

    def document(self, doc_id: str) -> dict:
        """One stored article by id."""
        searcher = self.searcher()
        stored = searcher.document(id=doc_id)
        if stored is None:
            raise NotFound(f"no article with id {doc_id!r}")
        return stored

    def stats(self) -> dict:
        """Counts and sizes that describe the index."""
        searcher = self.searcher()
        reader = searcher.reader()
        size = sum(p.stat().st_size for p in self.index_dir.iterdir() if p.is_file())
        meta = IndexMeta.read(self.index_dir)
        return {
            "documents": searcher.doc_count(),
            "terms": sum(1 for _ in reader.lexicon("body")),
            "size_bytes": size,
            "generation": self.ix.latest_generation(),
            "updated": meta.updated if meta else None,
        }
