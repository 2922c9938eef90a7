"""The query facade: the one search function the CLI and the web layer call.

`Engine.search` parses the query, ranks it (feedback, entity boost, one hit
per story) under a time budget, breaks ties deterministically, and hands each
ranked document to `search.hits` for its snippet, what matched and versions.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.fields import Schema
from whoosh.searching import Searcher

from search import feedback
from search.aliases import alias_table, load_alias_files
from search.articles import article_record
from search.backends.whoosh.schema import UNDATED, ColumnValues
from search.backends.whoosh.scoring import ArrayCache, ArrayScorer, Postings, Scored
from search.backends.whoosh.store import open_index, read_state
from search.completion import DEFAULT_COMPLETIONS, MAX_COMPLETIONS, completions
from search.documents import ENTITY_FILTERS, SPELLING_FIELDS, entity_term, tag_term
from search.errors import REBUILD_HINT, IndexIncompatible, InvalidParameter, NotFound, SearchError
from search.facets import FacetTable
from search.hits import HitMaker, entity_filter_names, joined_phrases, matched_terms, story_versions
from search.query import ParsedQuery, QueryBuilder, all_words_query, date_range
from search.rank import DEFAULT_WEIGHTS, NewsBM25F, Weights, with_entity_boost
from search.related import related_stories
from search.results import SCORE_DECIMALS, citation_record, response, version_record
from search.spelling import IndexVocabulary, Speller, SpellingLexicon, searched_words
from search.state import IndexState
from search.stories import StoryMembers
from search.wordlist import is_common_word

MAX_QUERY_CHARS = 2000
MAX_RESULTS = 1000
MAX_RELATED = 20
MAX_VERSION_PASSAGES = 3  # versions of a shown story that get their own highlighted passage
TIME_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class Filters:
    """Restrictions that narrow a search without changing its ranking."""

    source: str | None = None
    author: str | None = None
    entity: str | None = None
    person: str | None = None
    org: str | None = None
    place: str | None = None
    weapon: str | None = None
    tag: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def query(self, schema: Schema) -> wq.Query | None:
        """The filter as a query, each name analysed as its field analyses it (`O'Brien`); an
        entity (of any type, as a facet offers it) by its whole name, a tag as it was given."""
        parts: list[wq.Query] = []
        for fieldname in ("source", "author"):
            value = getattr(self, fieldname)
            if value:
                parts.append(name_query(schema, fieldname, value))
        parts += [wq.Term("entity", entity_term(name)) for name in self.entities()]
        if self.tag:
            parts.append(wq.Term("tag", tag_term(self.tag)))
        if self.date_from or self.date_to:
            dates = date_range(self.date_from, self.date_to)
            if dates is None:
                raise InvalidParameter("dates must be YYYY, YYYY-MM or YYYY-MM-DD")
            parts.append(dates)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)


    def entities(self) -> list[str]:
        """The entity names the filter asks for (the untyped one, then by type)."""
        return [name for _, name in self.typed_entities()]

    def typed_entities(self) -> list[tuple[str, str]]:
        """(type, name) of each entity the filter asks for (`entity` for the untyped one)."""
        kinds = ("entity", *ENTITY_FILTERS)
        return [(kind, getattr(self, kind)) for kind in kinds if getattr(self, kind)]


def name_query(schema: Schema, fieldname: str, value: str) -> wq.Query:
    """The words of a name in order, as the field's analyzer splits them."""
    words = [token.text for token in schema[fieldname].analyzer(value)]
    if not words:
        return wq.NullQuery
    return wq.Term(fieldname, words[0]) if len(words) == 1 else wq.Phrase(fieldname, words)


def required(query: wq.Query, filter_query: wq.Query | None) -> wq.Query:
    """The query restricted to the filter's documents, scored by the query alone.

    A filter in the query itself (not a FilterCollector) holds under every
    collector wrapped around it: Whoosh's collapsing and time-limit collectors
    call the inner `collect` directly and would skip a FilterCollector's check.
    (Whoosh's `Require` trips an assertion when top-k pruning skips blocks; an
    `And` with a zero-scored filter prunes correctly.)
    """
    if filter_query is None:
        return query
    return wq.And([query, wq.ConstantScoreQuery(filter_query, 0.0)])


def _rank_key(score: float, date: int, doc_id: str) -> tuple:
    """Score, then newer date (undated last), then id: the same order on every page."""
    return (-round(score, SCORE_DECIMALS), date == UNDATED, -date, doc_id)


def reading_index(method):
    """Reports a failure to read the index files as the typed IndexIncompatible, with the way
    out, instead of a traceback: damage to a segment's postings or stored fields only shows
    when a search reads them. The engine's own typed errors pass through."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SearchError:
            raise
        except Exception as error:
            raise IndexIncompatible(
                f"the index at {self.index_dir} could not be read ({type(error).__name__}: {error}); "
                f"{REBUILD_HINT}") from error

    return guarded


def _story_codes(reader) -> np.ndarray:
    """Each document's story id as a number, by document number."""
    codes: dict[str, int] = {}
    values = []
    for leaf, _ in reader.leaf_readers():
        values.extend(codes.setdefault(story, len(codes)) for story in leaf.column_reader("story"))
    return np.fromiter(values, dtype=np.int64, count=len(values))


def first_per_story(ordered: np.ndarray, stories: np.ndarray) -> np.ndarray:
    """The first (best) document of each story, in order."""
    _, first = np.unique(stories[ordered], return_index=True)
    return ordered[np.sort(first)]


class RankColumns:
    """What ties are broken by, per document: newer date (undated last), then id."""

    def __init__(self, reader):
        dates, ids = ColumnValues(reader, "date", translate=False), ColumnValues(reader, "id")
        count = reader.doc_count_all()
        self.dates = np.fromiter((dates[docnum] for docnum in range(count)), dtype=np.uint64, count=count)
        self.ids = [ids[docnum] for docnum in range(count)]
        self.id_ranks = np.empty(count, dtype=np.int64)
        self.id_ranks[sorted(range(count), key=self.ids.__getitem__)] = np.arange(count)

    def order(self, docnums: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
        """The positions of `docnums` in rank order: higher score (rounded), newer, then id."""
        dates = self.dates[docnums]
        keys = [self.id_ranks[docnums], np.uint64(UNDATED) - dates, dates == UNDATED]
        if scores is not None:
            keys.append(-np.round(scores, SCORE_DECIMALS))
        return np.lexsort(keys)


def _unseen(rows: list[tuple], seen: list[tuple], stories: np.ndarray | None) -> list[tuple]:
    """`rows` less the documents (or, with story codes, the stories) already in `seen`."""
    seen_docs = {row[0] for row in seen}
    if stories is None:
        return [row for row in rows if row[0] not in seen_docs]
    seen_stories = {int(stories[docnum]) for docnum in seen_docs}
    return [row for row in rows if row[0] not in seen_docs and int(stories[row[0]]) not in seen_stories]


@dataclass
class Ranking:
    """The top documents as (docnum, score), how many stories (or documents) match, and how
    many match every optional word (None when the query has no words), whether the time budget
    cut the search short, the query that was counted, which documents it matched (None when not
    counted), which documents hold each clause, and the matches of the query's phrases (by node id)."""

    rows: list[tuple]
    total: int
    partial: bool
    query: wq.Query
    hit: np.ndarray | None = None
    phrase_hits: dict[int, np.ndarray] = field(default_factory=dict)
    all_words_total: int | None = None
    clause_hits: list[np.ndarray] = field(default_factory=list)

    @property
    def matching(self) -> np.ndarray:
        """The matching documents' numbers (none when not counted)."""
        return np.flatnonzero(self.hit) if self.hit is not None else np.zeros(0, dtype=np.int64)

    def missing(self, docnum: int, clauses: list) -> list[str]:
        """The optional words and phrases a document lacks, as typed."""
        held = zip(clauses, self.clause_hits, strict=True)
        return [clause.text for clause, holders in held if not holders[docnum]]


@dataclass
class Answer:
    """A ranked query before its hits are shaped: what `search` and `citations` share."""

    searcher: Searcher
    parsed: ParsedQuery
    ranking: Ranking
    filter_query: wq.Query | None
    suggestion: str | None
    corrected: str | None
    page: list[tuple]


class Engine:
    """An open index and everything needed to answer queries from it."""

    def __init__(self, index_dir: Path, weights: Weights = DEFAULT_WEIGHTS,
                 time_budget: float = TIME_BUDGET_SECONDS, alias_files: tuple[Path, ...] = ()):
        self.index_dir = Path(index_dir)
        self.ix = open_index(self.index_dir)
        self.schema = self.ix.schema  # Whoosh re-reads the table of contents on every `ix.schema`
        self.weighting = NewsBM25F(weights)
        self.time_budget = time_budget
        self.alias_files = alias_files
        self._load_meta()
        self._local = threading.local()
        self._caches: dict[int, ArrayCache] = {}
        self._caches_lock = threading.Lock()

    def _load_meta(self) -> None:
        """Read what the index learned (aliases, definitions, variants) into the query builder."""
        meta = read_state(self.index_dir) or IndexState()
        self.meta_updated = meta.updated
        self.tables = meta.tables_for_index()
        groups = [*meta.alias_groups(), *load_alias_files(self.alias_files)]
        aliases = alias_table(groups, meta.learned_groups())
        self.builder = QueryBuilder(self.schema, aliases)
        self.speller = Speller(self.tables, aliases)

    def searcher(self) -> Searcher:
        """This thread's searcher, reopened when the index has a new commit (whose
        learned aliases and definitions are then read too)."""
        current = getattr(self._local, "searcher", None)
        if current is None:
            current = self._open_searcher()
        elif self._changed(current):
            try:
                fresh = self._open_searcher()
            except IndexIncompatible:
                return current  # the index is being rewritten: answer from the last good commit
            # A new searcher, not Whoosh's refresh(): refresh reuses the old segment readers and,
            # after a merge, can keep a merged-away segment beside the merged one (counted twice).
            stale, current = current, fresh
            stale.close()
            meta = read_state(self.index_dir)
            if meta is not None and meta.updated != self.meta_updated:
                self._load_meta()
        self._local.searcher = current
        return current

    def _open_searcher(self) -> Searcher:
        try:
            return self.ix.searcher(weighting=self.weighting)
        except Exception as error:  # Whoosh raises many kinds for missing or damaged files
            raise IndexIncompatible(f"the index at {self.index_dir} cannot be read ({error}); "
                                    f"{REBUILD_HINT}") from None

    @staticmethod
    def _changed(current: Searcher) -> bool:
        """Whether the index has a newer commit (False while it cannot be told)."""
        try:
            return not current.up_to_date()
        except Exception:  # a rebuild is replacing the files
            return False

    @reading_index
    def search(self, text: str, *, limit: int = 10, offset: int = 0, filters: Filters | None = None,
               sort: str = "relevance", facets: bool = False, correct: bool = True) -> dict:
        """Run a query and return the response in the result shape.

        Words that look misspelled get a suggestion; with `correct`, a query that finds
        nothing may be answered by its correction instead (search/spelling.py says when).
        With `facets`, the response also counts the matching stories by source, author,
        entity and month.
        """
        started = time.perf_counter()
        answer = self._answer(text, limit, offset, filters, sort, correct)
        hits = self._hits(answer, filters or Filters())
        partial, counted = answer.ranking.partial, None
        if facets:
            counted = self._facet_table(answer.searcher).count(answer.ranking.matching)
        took = (time.perf_counter() - started) * 1000
        result = response(text, hits, answer.ranking.total, took, answer.parsed.warnings, partial=partial,
                          suggestion=answer.suggestion, corrected_query=answer.corrected,
                          all_words_total=answer.ranking.all_words_total)
        if counted is not None:
            result["facets"] = counted
        return result

    def _hits(self, answer: Answer, filters: Filters) -> list:
        """The page's hits: each story shown by its best matching version (see `_shown`), with
        its other versions, the first few with their own passages."""
        searcher, parsed, ranking = answer.searcher, answer.parsed, answer.ranking
        members = self._story_members(searcher)
        shown = [self._shown(searcher, ranking, parsed, best, members.of(best)) for best, _ in answer.page]
        versions = [story_versions(searcher, docnum, members.of(docnum)) for docnum in shown]
        looked_up = shown + [other for story in versions for other in story[:MAX_VERSION_PASSAGES]]
        postings = self._postings(searcher)
        terms = matched_terms(searcher, parsed.query, looked_up, postings, ranking.phrase_hits)
        entities = entity_filter_names(tuple(filters.typed_entities()), parsed.query)
        maker = HitMaker(searcher, parsed, self.schema, self.tables, entities)
        return [maker.hit(docnum, score, terms[docnum], ranking.missing(docnum, parsed.clauses),
                          [maker.version(other, terms.get(other)) for other in others])
                for (_, score), docnum, others in zip(answer.page, shown, versions, strict=True)]

    @staticmethod
    def _shown(searcher: Searcher, ranking: Ranking, parsed: ParsedQuery, best: int,
               members: list[int]) -> int:
        """The version that shows a story: among those the query and filters match, the one
        lacking the fewest words, titled, then the most complete (longest); the best-scoring
        version when it is as good. The story keeps the best version's score and place."""
        if ranking.hit is None or len(members) < 2:
            return best

        def key(docnum: int) -> tuple:
            stored = searcher.stored_fields(docnum)
            titled = bool((stored.get("title") or "").strip())
            missing = len(ranking.missing(docnum, parsed.clauses)) if ranking.clause_hits else 0
            return missing, not titled, -len(stored.get("body") or ""), docnum != best

        return min((docnum for docnum in members if ranking.hit[docnum]), key=key, default=best)

    @reading_index
    def citations(self, text: str, *, limit: int = MAX_RESULTS, filters: Filters | None = None,
                  sort: str = "relevance", correct: bool = True) -> list[dict]:
        """The top hits as references to cite (title, source, date, authors, url), no snippets,
        each with the query it is a result of (`query_run`: the correction, when one was run)."""
        answer = self._answer(text, limit, 0, filters, sort, correct)
        searcher, members = answer.searcher, self._story_members(answer.searcher)
        shown = (self._shown(searcher, answer.ranking, answer.parsed, best, members.of(best))
                 for best, _ in answer.page)
        query_run = answer.corrected or text
        return [{**citation_record(searcher.stored_fields(docnum)), "query_run": query_run}
                for docnum in shown]

    def _answer(self, text: str, limit: int, offset: int, filters: Filters | None, sort: str,
                correct: bool = True) -> Answer:
        """Parse and rank a query; one that finds nothing is answered by its spelling correction
        when spelling allows the replacement and the correction's words occur together."""
        self._check(text, limit, offset, sort)
        searcher = self.searcher()
        filter_query = (filters or Filters()).query(self.schema)
        parsed = self._parse(searcher, text)
        ranking = self._rank(searcher, parsed, offset + limit, filter_query, sort)
        review = self.speller.review(self._vocabulary(searcher), text)
        corrected = None
        if correct and ranking.total == 0 and review.replacement:
            retry = self._parse(searcher, review.replacement)
            retry_ranking = self._rank(searcher, retry, offset + limit, filter_query, sort)
            if retry_ranking.total and self._words_together(searcher, review.replacement, filter_query):
                parsed, ranking, corrected = retry, retry_ranking, review.replacement
        return Answer(searcher, parsed, ranking, filter_query, review.suggestion, corrected,
                      ranking.rows[offset:offset + limit])

    def _parse(self, searcher: Searcher, text: str) -> ParsedQuery:
        """The query, with the reporters and sources it names by name (as this index holds them)."""
        reader = searcher.reader()
        return self.builder.with_names(self.builder.parse(text), lambda field, key: (field, key) in reader,
                                       common=is_common_word)

    def _words_together(self, searcher: Searcher, text: str, filter_query: wq.Query | None) -> bool:
        """Whether one story (within the filters) has every word the query looks for (through
        stems and variants, in headline or body)."""
        words = " ".join(searched_words(text))
        terms = [token.text for token in self.builder.content_analyzer(words, mode="query")]
        every_word = all_words_query(list(dict.fromkeys(terms)))
        if every_word is None:
            return True  # one word: the ranking that found it says so
        scorer = self._scorer(searcher, time.monotonic() + self.time_budget)
        return bool(scorer.evaluate(required(every_word, filter_query)).hit.any())

    def _rank(self, searcher: Searcher, parsed: ParsedQuery, depth: int,
              filter_query: wq.Query | None, sort: str, grouped: bool = True, count: bool = True):
        """The ranking pipeline: entity boost, top-k, feedback, all under one time budget.

        A short plain query ranks the articles with all its words first (a tier
        of their own), then those with some. A long one is re-scored by
        pseudo-relevance feedback over a pool of its best candidates. The total
        counts what the user's words match.
        """
        terms, weights = parsed.terms, self.weighting.weights
        scorer = self._scorer(searcher, time.monotonic() + self.time_budget)
        scored = scorer.evaluate(required(with_entity_boost(parsed.query, terms, weights), filter_query))
        rows: list[tuple] = []
        short = parsed.distinct_terms <= weights.all_words_max_terms
        with_feedback = sort == "relevance" and feedback.applies(parsed, weights)
        if parsed.all_words is not None and short and sort == "relevance":
            all_words = with_entity_boost(parsed.all_words, terms, weights)
            first = scorer.evaluate(required(all_words, filter_query))
            rows = self._top(searcher, first, depth, sort, grouped)
        if len(rows) < depth:
            wanted = max(depth, weights.feedback_pool) if with_feedback else depth + len(rows)
            rest = self._top(searcher, scored, wanted, sort, grouped)
            if with_feedback and not scorer.partial:
                try:
                    rescored = feedback.rerank(searcher, rest, parsed, weights,
                                               scorer.postings, scorer.deadline)
                    rest = sorted(rescored, key=self._rank_key_of(searcher))
                except TimeLimit:
                    scorer.partial = True
            rows = rows + _unseen(rest, rows, self._story_codes(searcher) if grouped else None)
        ranking = Ranking(rows[:depth], 0, scorer.partial, parsed.query, scored.hit if count else None,
                          scorer.phrase_hits)
        if count:
            ranking.total = max(self._count(searcher, ranking.matching, grouped), len(ranking.rows))
            self._count_all_words(searcher, scorer, parsed, ranking, grouped)
        return ranking

    def _count_all_words(self, searcher: Searcher, scorer: ArrayScorer, parsed: ParsedQuery,
                         ranking: Ranking, grouped: bool) -> None:
        """Which matching documents hold each optional word or phrase (through stems, variants,
        aliases and bylines), and how many stories hold them all (the total, when the query's
        words are all required; None when it has none)."""
        ranking.clause_hits = [scorer.evaluate(clause.query).hit & ranking.hit for clause in parsed.clauses]
        if ranking.clause_hits:
            every = np.logical_and.reduce(ranking.clause_hits)
            ranking.all_words_total = self._count(searcher, np.flatnonzero(every), grouped)
        elif parsed.terms:
            ranking.all_words_total = ranking.total

    @reading_index
    def ranked_ids(self, text: str, limit: int = MAX_RESULTS) -> list[tuple[str, float]]:
        """Every matching document's id and score, best first (for TREC runs)."""
        searcher = self.searcher()
        parsed = self._parse(searcher, text)
        ranking = self._rank(searcher, parsed, limit, None, "relevance", grouped=False, count=False)
        ids = self._rank_columns(searcher).ids
        return [(ids[docnum], score) for docnum, score in ranking.rows]

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

    def _top(self, searcher: Searcher, scored: Scored, depth: int, sort: str,
             grouped: bool = True) -> list[tuple]:
        """The first `depth` matching documents as (docnum, score), in rank order.

        Grouped, each story counts once: its best version stands for it. Ties are
        broken by date, then id, so every page agrees with one long list. Only
        the documents that can reach the top are sorted: those scoring at least
        the k-th best score (ties included), k doubled until enough stories
        are found.
        """
        candidates = np.flatnonzero(scored.hit)
        columns = self._rank_columns(searcher)
        by_score = sort == "relevance"
        scores = np.round(scored.score[candidates], SCORE_DECIMALS) if by_score else None
        wanted = 2 * depth + 1 if grouped else depth
        while True:
            chosen = candidates
            if by_score and len(candidates) > wanted:
                cut = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
                chosen = candidates[scores >= cut]
            ordered = chosen[columns.order(chosen, scored.score[chosen] if by_score else None)]
            if grouped:
                ordered = first_per_story(ordered, self._story_codes(searcher))
            if len(ordered) >= depth or len(chosen) == len(candidates):
                break
            wanted *= 2
        return [(int(docnum), float(scored.score[docnum]) if by_score else 0.0) for docnum in ordered[:depth]]

    def _postings(self, searcher: Searcher) -> Postings:
        """This thread's reader of posting arrays, over the cache of its searcher's commit."""
        cached = getattr(self._local, "postings", None)
        if cached is None or cached.searcher is not searcher:
            cached = self._local.postings = Postings(searcher, self._cache_of(searcher.reader()))
        return cached

    def _per_commit(self, searcher: Searcher, name: str, build):
        """A value read from the index once per commit, shared by every thread's searcher of it."""
        return self._postings(searcher).cache.derived(name, lambda: build(searcher.reader()))

    def _vocabulary(self, searcher: Searcher) -> IndexVocabulary:
        """What spelling reads of this commit; its lexicon of words is read on first need."""
        postings = self._postings(searcher)
        fields = [fieldname for fieldname in SPELLING_FIELDS if fieldname in self.schema]

        def read_lexicon(_reader) -> SpellingLexicon:
            return SpellingLexicon({fieldname: postings.term_texts(fieldname) for fieldname in fields})

        return IndexVocabulary(searcher, lambda: self._per_commit(searcher, "spelling_lexicon", read_lexicon))

    def _rank_columns(self, searcher: Searcher) -> RankColumns:
        return self._per_commit(searcher, "rank_columns", RankColumns)

    def _facet_table(self, searcher: Searcher) -> FacetTable:
        return self._per_commit(searcher, "facet_table",
                                lambda reader: FacetTable(reader, self._story_codes(searcher)))

    def _cache_of(self, reader) -> ArrayCache:
        """The arrays read of one commit, shared by every thread's searcher of it (the last
        two commits are kept: a thread may still answer from the one before)."""
        generation = reader.generation()
        with self._caches_lock:
            if generation not in self._caches:
                self._caches[generation] = ArrayCache()
                for stale in sorted(self._caches)[:-2]:
                    del self._caches[stale]
            return self._caches[generation]

    def _scorer(self, searcher: Searcher, deadline: float) -> ArrayScorer:
        return ArrayScorer(searcher, self._postings(searcher), self.weighting.weights, deadline)

    def _rank_key_of(self, searcher: Searcher):
        """The sort key of a row: score, then newer date (undated last), then id."""
        columns = self._rank_columns(searcher)
        return lambda row: _rank_key(row[1], int(columns.dates[row[0]]), columns.ids[row[0]])

    def _story_members(self, searcher: Searcher) -> StoryMembers:
        return self._per_commit(searcher, "story_members", lambda _: StoryMembers(
            self._story_codes(searcher), self._postings(searcher).live))

    def _story_codes(self, searcher: Searcher) -> np.ndarray:
        """Each document's story as a number (for collapsing and counting)."""
        return self._per_commit(searcher, "story_codes", _story_codes)

    def _count(self, searcher: Searcher, docnums: np.ndarray, grouped: bool) -> int:
        """How many documents, or, grouped, how many stories they are versions of."""
        if not grouped:
            return len(docnums)
        return int(np.count_nonzero(np.bincount(self._story_codes(searcher)[docnums])))

    @reading_index
    def document(self, doc_id: str) -> dict:
        """One stored article by id."""
        return self.searcher().stored_fields(self._docnum(doc_id))

    @reading_index
    def article(self, doc_id: str, query: str | None = None) -> dict:
        """One article in its full shape: paragraphs, entities marked, its story's versions; with
        the query that found it, every form that query matched is highlighted."""
        searcher = self.searcher()
        docnum = self._docnum(doc_id)
        stored = searcher.stored_fields(docnum)
        members = self._story_members(searcher).of(docnum)
        versions = [version_record(searcher.stored_fields(other))
                    for other in story_versions(searcher, docnum, members)]
        return article_record(stored, versions, self._matches_in(searcher, docnum, stored, query))

    def _matches_in(self, searcher: Searcher, docnum: int, stored: dict,
                    query: str | None) -> list[tuple[int, int]] | None:
        """The body spans a query matches in one article (None without a query)."""
        if query is None or not query.strip():
            return None
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"the query is longer than {MAX_QUERY_CHARS} characters")
        parsed = self._parse(searcher, query)
        terms = matched_terms(searcher, parsed.query, [docnum], self._postings(searcher), {})
        maker = HitMaker(searcher, parsed, self.schema, self.tables, entity_filter_names((), parsed.query))
        found = joined_phrases(stored.get("body") or "", maker.matches(stored, terms[docnum])[1])
        return [(match.startchar, match.endchar) for match in found]

    @reading_index
    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        """The other stories most like this article (related coverage)."""
        if not 1 <= limit <= MAX_RELATED:
            raise InvalidParameter(f"the limit must be between 1 and {MAX_RELATED}")
        return related_stories(self.searcher(), self._docnum(doc_id), limit)

    @reading_index
    def suggest(self, typed: str, limit: int = DEFAULT_COMPLETIONS) -> list[dict]:
        """Completions of what is being typed: names, headlines, then words."""
        if len(typed) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"the text is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= limit <= MAX_COMPLETIONS:
            raise InvalidParameter(f"the limit must be between 1 and {MAX_COMPLETIONS}")
        return completions(self._postings(self.searcher()), typed, limit)

    def _docnum(self, doc_id: str) -> int:
        docnum = self.searcher().document_number(id=doc_id) if isinstance(doc_id, str) else None
        if docnum is None:
            raise NotFound(f"no article with id {doc_id!r}")
        return docnum

    @reading_index
    def stats(self) -> dict:
        """Counts and sizes that describe the index."""
        searcher = self.searcher()
        reader = searcher.reader()
        size = sum(p.stat().st_size for p in self.index_dir.iterdir() if p.is_file())
        meta = read_state(self.index_dir)
        return {
            "documents": searcher.doc_count(),
            "terms": sum(1 for _ in reader.lexicon("content")),
            "size_bytes": size,
            "generation": self.ix.latest_generation(),
            "updated": meta.updated if meta else None,
        }
