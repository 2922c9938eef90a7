"""The query facade: the one search function the CLI and the web layer call.

    text -> parse (search/query) -> rank (a backend's view) -> hits (search/hits.py) -> result shape

`Engine.search` reads the query into a tree (with the reporters and sources it names, as the
index holds them), asks the backend to rank it (the entity boost, the all-words tier, feedback,
one row per story, under a time budget), reviews its spelling, and shapes each shown story into
a hit: the version that shows it, its passage, what matched, what it lacks, its other versions.
The engine names no search library; `search/backends/` holds what does.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search import feedback
from search.aliases import alias_table, load_alias_files
from search.articles import article_record
from search.backends import DEFAULT_BACKEND, open_backend
from search.backends.base import Backend, Feedback, Ranking, RankRequest, Ref, Version, View
from search.completion import DEFAULT_COMPLETIONS, MAX_COMPLETIONS, completions
from search.dates import format_date
from search.documents import name_key
from search.entities.surnames import NO_OWNERS, SurnameOwners
from search.errors import (
    BackendUnavailable,
    IndexIncompatible,
    InvalidParameter,
    NotFound,
    UnsupportedByBackend,
)
from search.facets import FACETS
from search.fields import query_analyzers
from search.hits import HitMaker, by_date, entity_filter_names, first_report, joined_phrases
from search.query import ParsedQuery, QueryReader, all_words_tree
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights, with_entity_boost
from search.request import SearchRequest
from search.results import SCORE_DECIMALS, SearchResponse, citation_record, version_record, version_reference
from search.settings import SETTINGS
from search.snippets import plain_text
from search.spelling import Review, Speller, searched_words
from search.state import IndexState
from search.tables import AnalysisTables
from search.wordlist import is_common_word

MAX_QUERY_CHARS = SETTINGS.max_query_chars
MAX_RESULTS = SETTINGS.max_results
MAX_RELATED = SETTINGS.max_related
MAX_VERSION_PASSAGES = 3  # versions of a shown story that get their own highlighted passage
TIME_BUDGET_SECONDS = SETTINGS.time_budget_seconds


@dataclass
class Answer:
    """A ranked query before its hits are shaped: what `search` and `citations` share."""

    view: View
    parsed: ParsedQuery
    ranking: Ranking
    suggestion: str | None
    corrected: str | None
    offset: int

    @property
    def page(self) -> list:
        return self.ranking.rows[self.offset:]


def as_request(request: SearchRequest | str, options: dict) -> SearchRequest:
    """A request as given, or made of a query's text and options."""
    return request if isinstance(request, SearchRequest) else SearchRequest(request, **options)


@dataclass(frozen=True)
class QuerySide:
    """What reads a query for one state of the index: its analysis tables and analyzers, the
    reader (aliases, learned definitions, the user's alias files) and the speller."""

    tables: AnalysisTables
    analyzers: dict
    reader: QueryReader
    speller: Speller

    @classmethod
    def of(cls, state: IndexState, extra_aliases: list[tuple[str, list[str]]]) -> QuerySide:
        tables = state.tables_for_index()
        groups = [*state.alias_groups(), *extra_aliases]
        aliases = alias_table(groups, state.learned_groups())
        analyzers = query_analyzers(tables)
        return cls(tables, analyzers, QueryReader(analyzers, name_key, aliases), Speller(tables, aliases))


def on_the_latest_commit(read: Callable) -> Callable:
    """An engine read tried once more, on the newest commit, when it met what looks like damage
    in an older commit's files: a rebuild moving in during a search removes the old commit's
    files (2 of about 5,000 answers during rebuilds were a 503 telling the user to rebuild a sound
    index). Damage seen on the newest commit is damage."""
    @functools.wraps(read)
    def on_latest(engine: Engine, *args, **kwargs):
        try:
            return read(engine, *args, **kwargs)
        except IndexIncompatible as error:
            if error.generation is None or engine.view().generation == error.generation:
                raise
            return read(engine, *args, **kwargs)
    return on_latest


class Engine:
    """A backend's index and everything needed to answer queries from it."""

    def __init__(self, index: Path | str | Backend, weights: Weights = DEFAULT_WEIGHTS,
                 time_budget: float = TIME_BUDGET_SECONDS, alias_files: tuple[Path, ...] = (),
                 backend: str = DEFAULT_BACKEND):
        opened = hasattr(index, "view")
        self.backend = index if opened else open_backend(backend, index, weights=weights)
        self.weights = weights
        self.time_budget = time_budget
        self.extra_aliases = load_alias_files(alias_files)  # a bad file is said now, not at a query
        self._load_state()

    def _load_state(self) -> None:
        """Read the index's state; what it learned (aliases, definitions, variants) is made into
        the query side when a query first needs it (`stats` and `show` never do)."""
        state = self.backend.state()
        self.state_updated = state.updated
        self._state = state
        self._query_side: QuerySide | None = None
        self._generation = None
        self._stats: tuple[int, dict] | None = None  # the commit's generation and its stats

    @property
    def query_side(self) -> QuerySide:
        """The current state's query side, made at its first use (two threads may both make it)."""
        if self._query_side is None:
            self._query_side = QuerySide.of(self._state, self.extra_aliases)
        return self._query_side

    @property
    def tables(self) -> AnalysisTables:
        return self.query_side.tables

    @property
    def analyzers(self) -> dict:
        return self.query_side.analyzers

    @property
    def reader(self) -> QueryReader:
        return self.query_side.reader

    @property
    def speller(self) -> Speller:
        return self.query_side.speller

    def view(self) -> View:
        """The backend's view of its latest commit; a new commit's learned aliases are read too."""
        view = self.backend.view()
        if view.generation != self._generation:
            state = self.backend.state()
            if state.updated != self.state_updated:
                self._load_state()
            self._generation = view.generation
        return view

    def search(self, request: SearchRequest | str, **options) -> dict:
        """Run a search (a request, or a query's text with the request's options) and return the
        response in the result shape (`search_response` says more)."""
        return self.search_response(request, **options).as_dict()

    @on_the_latest_commit
    def search_response(self, request: SearchRequest | str, **options) -> SearchResponse:
        """Run a search and return the typed response, which also names the commit it read.

        Words that look misspelled get a suggestion; with `correct`, a query that finds
        nothing may be answered by its correction instead (search/spelling.py says when).
        With `facets`, the response also counts the matching stories by source, author,
        entity type, tag and month.
        """
        started = time.perf_counter()
        request = as_request(request, options)
        answer = self._answer(request)
        hits = self._hits(answer, request)
        ranking = answer.ranking
        took = (time.perf_counter() - started) * 1000
        answered = SearchResponse(request.q, hits, ranking.total, took, answer.parsed.warnings,
                                  all_words_total=ranking.all_words_total, partial=ranking.partial,
                                  suggestion=answer.suggestion, corrected_query=answer.corrected,
                                  facets=ranking.facets if request.facets else None,
                                  total_relation=ranking.total_relation,
                                  all_words_total_relation=ranking.all_words_relation,
                                  generation=answer.view.generation)
        return answered

    @on_the_latest_commit
    def stories(self, request: SearchRequest | str, **options) -> list[dict]:
        """The top stories as references: each shown version's title, source, date, authors and
        url, its story's other versions (`id (source, date)`), `row_kind` (a story) and the query
        it is a result of (`query_run`: the correction, when one was run). The whole ranking with
        grouping, counts and spelling, but no pass over any article's text: what the bench times
        as "ranked and grouped"."""
        request = as_request(request, options)
        answer = self._answer(request)
        stored, shown, versions = self._page_stories(answer, request)
        return [self._reference(answer, request, stored[ref], [version_record(stored[o]) for o in others])
                for ref, others in zip(shown, versions, strict=True)]

    @on_the_latest_commit
    def citations(self, request: SearchRequest | str, **options) -> list[dict]:
        """The top stories as references to cite (`stories`), each with the passage a page shows
        (plain text). Passages cost a pass over each article: exports only, never a page."""
        request = as_request(request, options)
        answer = self._answer(request)
        return [{**self._reference(answer, request, hit.fields, hit.versions),
                 "passage": plain_text(hit.snippet)}
                for hit in self._hits(answer, request, version_passages=False)]

    @staticmethod
    def _reference(answer: Answer, request: SearchRequest, fields: dict, versions: list[dict]) -> dict:
        """One story as a reference: its shown version's citation record and its other versions."""
        return {**citation_record(fields), "versions": [version_reference(version) for version in versions],
                "row_kind": "story", "query_run": answer.corrected or request.q}

    @on_the_latest_commit
    def ranked_ids(self, text: str, limit: int = MAX_RESULTS) -> list[tuple[str, float]]:
        """Every matching document's id and score, best first (for TREC runs)."""
        view = self.view()
        parsed = self._parse(view, text)
        ranking = view.rank(self._request(parsed, None, "relevance", limit, grouped=False, count=False))
        ids = view.ids(row.ref for row in ranking.rows)
        return [(doc_id, row.score) for doc_id, row in zip(ids, ranking.rows, strict=True)]

    def _answer(self, request: SearchRequest) -> Answer:
        """Parse and rank a query; one that finds nothing is answered by its spelling correction
        when spelling allows the replacement and the correction's words occur together."""
        view = self.view()
        filters = request.filters.tree(self._owners(view, request))
        depth, sort, facets = request.offset + request.limit, request.sort, request.facets
        parsed = self._parse_request(view, request)
        filter_tree = filters_with_all_words(filters, request, parsed)
        ranking = view.rank(self._request(parsed, filter_tree, sort, depth, facets=facets))
        try:
            review = self.speller.review(view.vocabulary(), request.q)
        except BackendUnavailable:  # the ranking answered: a spelling step that cannot is no reason to fail
            review = Review(request.q, ())
        corrected = None
        if request.correct and ranking.total == 0 and review.replacement:
            retry = self._parse(view, review.replacement)
            retry_filter = filters_with_all_words(filters, request, retry)
            retry_ranking = view.rank(self._request(retry, retry_filter, sort, depth, facets=facets))
            if retry_ranking.total and self._words_together(view, review.replacement, filters):
                parsed, ranking, corrected = retry, retry_ranking, review.replacement
        self._complete_counts(parsed, ranking)
        return Answer(view, parsed, ranking, review.suggestion, corrected, request.offset)

    @on_the_latest_commit
    def matching_ids(self, request: SearchRequest) -> list[str]:
        """The ids of the documents a request matches, every version of a story (not one per
        story), in its order, up to its offset plus limit: what `search watch` compares from one
        run to the next."""
        view = self.view()
        parsed = self._parse_request(view, request)
        depth = request.offset + request.limit
        filters = request.filters.tree(self._owners(view, request))
        filter_tree = filters_with_all_words(filters, request, parsed)
        ranking = view.rank(self._request(parsed, filter_tree, request.sort, depth,
                                          grouped=False, count=False))
        return view.ids(row.ref for row in ranking.rows)

    def _parse_request(self, view: View, request: SearchRequest) -> ParsedQuery:
        """A request's query parsed; browsing (no words), every document."""
        return ParsedQuery("", qt.Everything()) if request.browses else self._parse(view, request.q)

    @staticmethod
    def _owners(view: View, request: SearchRequest) -> SurnameOwners:
        """The index's surname owners when a filter may name a person (read only then: the
        embedded backend keeps them with the facets)."""
        return view.surname_owners() if request.filters.names_people else NO_OWNERS

    def _parse(self, view: View, text: str) -> ParsedQuery:
        """The query, with the reporters and sources it names by name (as this index holds them);
        what the backend cannot do is refused here, before any ranking."""
        parsed = self.reader.parse(text, view.held_names)
        view.learn_frequencies(self.reader.name_terms(parsed))
        parsed = self.reader.with_names(parsed, view.has_term, common=is_common_word)
        lacking = view.capabilities.lacking(parsed.tree)
        if lacking:
            raise UnsupportedByBackend(f"this index's backend cannot search with {lacking}")
        return parsed

    def _request(self, parsed: ParsedQuery, filter_tree: qt.Node | None, sort: str, depth: int,
                 grouped: bool = True, count: bool = True, facets: bool = False) -> RankRequest:
        """What the backend ranks for a parsed query: the entity boost on the query and on its
        all-words tier (for a short query of optional words), feedback for a long plain one."""
        weights = self.weights
        short = parsed.distinct_terms <= weights.all_words_max_terms
        tier = parsed.all_words_tree if parsed.all_words_tree is not None and short else None
        with_feedback = sort == "relevance" and feedback.applies(parsed, weights)
        return RankRequest(
            query=with_entity_boost(parsed.tree, parsed.terms, weights),
            filter=filter_tree,
            tier=with_entity_boost(tier, parsed.terms, weights) if tier is not None else None,
            clauses=tuple(clause.tree for clause in parsed.clauses) if count else (),
            sort=sort, depth=depth, grouped=grouped, count=count, facets=facets,
            feedback=Feedback(weights.feedback_pool, feedback.original_scale(parsed, weights))
            if with_feedback else None,
            weights=weights,
            deadline=time.monotonic() + self.time_budget,
        )

    @staticmethod
    def _complete_counts(parsed: ParsedQuery, ranking: Ranking) -> None:
        """A query whose words are all required (`+a +b`, `a OR b`) holds all its words wherever
        it matches; a query without words (a filter alone) has no all-words count."""
        if ranking.all_words_total is None and not parsed.clauses and parsed.terms:
            ranking.all_words_total, ranking.all_words_relation = ranking.total, ranking.total_relation

    def _words_together(self, view: View, text: str, filter_tree: qt.Node | None) -> bool:
        """Whether one story (within the filters) has every word the query looks for (through
        stems and variants, in headline or body)."""
        words = " ".join(searched_words(text))
        terms = self.analyzers["content"](words, False)
        every_word = all_words_tree(list(dict.fromkeys(terms)))
        if every_word is None:
            return True  # one word: the ranking that found it says so
        request = RankRequest(every_word, filter_tree, depth=1, grouped=False, weights=self.weights,
                              deadline=time.monotonic() + self.time_budget)
        return view.rank(request).total > 0

    def _hits(self, answer: Answer, request: SearchRequest, version_passages: bool = True) -> list:
        """The page's hits: each story shown by its best matching version (see `_shown`; sorted by
        date, the version whose date places the story, so the dates shown are in order), with
        its other versions, the first few with their own passages (unless an export, which
        cites the versions by id, needs none)."""
        view, parsed, ranking, filters = answer.view, answer.parsed, answer.ranking, request.filters
        stored, shown, versions = self._page_stories(answer, request)
        with_passages = MAX_VERSION_PASSAGES if version_passages else 0
        looked_up = shown + [other for story in versions for other in story[:with_passages]]
        terms = view.spans(parsed.tree, looked_up, ranking)
        named = filters.typed_entities(self._owners(view, request))
        entities = entity_filter_names(tuple(named), parsed.tree)
        maker = HitMaker(parsed, self.analyzers, self.tables, entities)
        hits = []
        for row, ref, others in zip(answer.page, shown, versions, strict=True):
            missing = self._missing(parsed, view.holds(ranking, ref))
            version_docs = [stored[other] for other in others]
            first = first_report([stored[ref], *version_docs])
            shaped = [{**maker.version(doc, terms.get(other)), "first_report": first == at}
                      for at, (doc, other) in enumerate(zip(version_docs, others, strict=True), start=1)]
            hit = maker.hit(stored[ref], row.score, terms[ref], missing, shaped)
            hit.first_report = first == 0
            hits.append(hit)
        return hits

    @staticmethod
    def _missing(parsed: ParsedQuery, holds: tuple[bool, ...]) -> list[str]:
        """The optional words and phrases a document lacks, as typed."""
        return [clause.text for clause, held in zip(parsed.clauses, holds, strict=False) if not held]

    def _page_stories(self, answer: Answer, request: SearchRequest
                      ) -> tuple[dict[Ref, dict], list[Ref], list[list[Ref]]]:
        """The page's stories: every version's stored fields, the version that shows each story
        (see `_shown`; sorted by date, the version whose date places it) and its other versions."""
        stored = self._page_documents(answer)
        by_relevance = request.sort == "relevance"
        shown = [self._shown(answer, row.ref, stored) if by_relevance else row.ref for row in answer.page]
        return stored, shown, [self._others(answer.view, ref, stored) for ref in shown]

    @staticmethod
    def _page_documents(answer: Answer) -> dict[Ref, dict]:
        """Every version of the page's stories, read at once (on a cluster, one request rather
        than one a story). The rows themselves are read whatever their versions say: a shard
        failing over can leave a story's versions unread."""
        view, refs = answer.view, {}
        for row in answer.page:
            refs[row.ref] = None
            for ranking in (answer.ranking, None):  # the versions as the ranking sees them, and all
                refs.update(dict.fromkeys(version.ref for version in view.versions(ranking, row.ref)))
        return dict(zip(refs, view.documents(refs), strict=True))

    @staticmethod
    def _shown(answer: Answer, best: Ref, stored: dict[Ref, dict]) -> Ref:
        """The version that shows a story: among those the query and filters match, the one
        lacking the fewest words, titled, then the most complete (longest); the best-scoring
        version when it is as good. The story keeps the best version's score and place."""
        versions = [version for version in answer.view.versions(answer.ranking, best) if version.matches]
        if len(versions) < 2:
            return best

        def key(version: Version) -> tuple:
            document = stored[version.ref]
            titled = bool((document.get("title") or "").strip())
            missing = sum(not held for held in version.holds)
            return missing, not titled, -len(document.get("body") or ""), version.ref != best

        return min(versions, key=key).ref

    @staticmethod
    def _others(view: View, ref: Ref, stored: dict[Ref, dict]) -> list[Ref]:
        """The story's other versions, oldest first (undated last), then by id. A version the page
        did not read is read now: on a cluster, a second read of a story's versions can find
        more than the first (a read a failing shard left short is not remembered, and an index
        being written gains versions)."""
        others = [version.ref for version in view.versions(None, ref) if version.ref != ref]
        unread = [other for other in others if other not in stored]
        if unread:
            stored.update(zip(unread, view.documents(unread), strict=True))
        return [others[i] for i in by_date([stored[other] for other in others])]

    @on_the_latest_commit
    def document(self, doc_id: str) -> dict:
        """One stored article by id."""
        view = self.view()
        return view.documents([self._ref(view, doc_id)])[0]

    @on_the_latest_commit
    def article(self, doc_id: str, query: str | None = None) -> dict:
        """One article in its full shape: paragraphs, entities marked, its story's versions; with
        the query that found it, every form that query matched is highlighted."""
        view = self.view()
        ref = self._ref(view, doc_id)
        story = list(dict.fromkeys([ref, *(version.ref for version in view.versions(None, ref))]))
        documents = dict(zip(story, view.documents(story), strict=True))  # one read of every version
        stored, others = documents[ref], [documents[other] for other in self._others(view, ref, documents)]
        first = first_report([stored, *others])
        versions = [{**version_record(other), "first_report": first == at}
                    for at, other in enumerate(others, start=1)]
        return article_record(stored, versions, self._matches_in(view, ref, stored, query))

    def _matches_in(self, view: View, ref: Ref, stored: dict,
                    query: str | None) -> list[tuple[int, int]] | None:
        """The body spans a query matches in one article (None without a query)."""
        if query is None or not query.strip():
            return None
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"the query is longer than {MAX_QUERY_CHARS} characters")
        parsed = self._parse(view, query)
        terms = view.spans(parsed.tree, [ref])
        maker = HitMaker(parsed, self.analyzers, self.tables, entity_filter_names((), parsed.tree))
        found = joined_phrases(stored.get("body") or "", maker.matches(stored, terms[ref])[1])
        return [(match.startchar, match.endchar) for match in found if match.endchar > match.startchar]

    @on_the_latest_commit
    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        """The other stories most like this article (related coverage)."""
        if not 1 <= limit <= MAX_RELATED:
            raise InvalidParameter(f"the limit must be between 1 and {MAX_RELATED}")
        view = self.view()
        rows = view.related(self._ref(view, doc_id), limit)
        stored = view.documents(row.ref for row in rows)
        return [{**version_record(doc), "score": round(row.score, SCORE_DECIMALS)}
                for doc, row in zip(stored, rows, strict=True)]

    @on_the_latest_commit
    def suggest(self, typed: str, limit: int = DEFAULT_COMPLETIONS) -> list[dict]:
        """Completions of what is being typed: names, headlines, then words."""
        if len(typed) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"the text is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= limit <= MAX_COMPLETIONS:
            raise InvalidParameter(f"the limit must be between 1 and {MAX_COMPLETIONS}")
        return completions(self.view(), typed, limit)

    @staticmethod
    def _ref(view: View, doc_id: str) -> Ref:
        ref = view.ref(doc_id)
        if ref is None:
            raise NotFound(f"no article with id {doc_id!r}")
        return ref

    @on_the_latest_commit
    def stats(self) -> dict:
        """Counts and sizes that describe the index (the backend's), with how many stories it
        holds, the dates of its oldest and newest articles, and each facet's values that most
        stories hold (`top`): from rankings of every document, so every backend answers alike
        (`partial` when the time budget cut them short). Kept for the commit it describes (a
        home page shows it)."""
        view = self.view()
        kept = self._stats
        if kept is not None and kept[0] == view.generation:
            return kept[1]
        newest, oldest = (view.rank(RankRequest(qt.Everything(), sort=sort, depth=1, count=counted,
                                                facets=counted, weights=self.weights,
                                                deadline=time.monotonic() + self.time_budget))
                          for sort, counted in (("newest", True), ("oldest", False)))
        first, last = (format_date(view.documents([ranking.rows[0].ref])[0].get("date")) if ranking.rows
                       else None for ranking in (oldest, newest))
        facets = newest.facets or {}
        partial = newest.partial or oldest.partial  # the time budget ran out: counted again next time
        found = {**view.stats(), "stories": newest.total, "first_date": first, "last_date": last,
                 "top": {facet.name: facets.get(facet.name, []) for facet in FACETS}, "partial": partial}
        if not partial:
            self._stats = (view.generation, found)
        return found

    def health(self) -> dict:
        """Whether the index answers, with its document count and generation."""
        return self.backend.health()


def filters_with_all_words(filters: qt.Node | None, request: SearchRequest,
                           parsed: ParsedQuery) -> qt.Node | None:
    """The request's filter tree, with its query's all-words tree when it asks for every word."""
    if request.every_word and parsed.all_words_tree is not None:
        return qt.And(tuple(filter(None, (filters, parsed.all_words_tree)))).normalize()
    return filters
