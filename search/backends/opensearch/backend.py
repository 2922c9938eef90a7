"""The OpenSearch backend: the engine's index on an OpenSearch cluster (search.backends.base.Backend).

Trees are compiled to the query DSL (compile.py) and ranked by the cluster with our BM25; what
Whoosh's array scorer gives the embedded backend comes from the cluster's own means:
    grouping     `collapse` on the story id (every version of a story is on one shard: _routing)
    ties         sort by score, then newer date (undated last), then id
    tier, pool   the all-words tier and the rest are two searches of one `_msearch`; feedback
                 (RM3) re-scores the pool in Python (OpenSearch refuses `collapse` with `rescore`)
    counts       a terms aggregation on the story id (aggregations.py), holds per optional word
                 by named queries (`matched_queries`)
    snippets     computed in Python from the stored text (spans.py), so highlights are ours
    spelling     the spelling fields' terms kept as keyword doc values (mapping.py), aggregated
A view reads one versioned index (the one the alias named when it opened) and its generation; a
new checkpoint raises the generation in the state document, and the next `view()` opens anew.
Scores are computed with `dfs_query_then_fetch` (the statistics of every shard), so that a
document's score does not depend on which shard its story was routed to.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from search.backends.base import (
    EXACT,
    LOWER_BOUND,
    Capabilities,
    Ranking,
    RankRequest,
    Ref,
    Row,
    TermSpans,
    Version,
)
from search.backends.opensearch.aggregations import (
    facet_aggs,
    facet_counts,
    story_count,
    story_count_aggs,
    story_count_paths,
)
from search.backends.opensearch.compile import Compiler, match_none, with_named_clauses
from search.backends.opensearch.mapping import STORED_FIELD, VOCABULARY_FIELD, VOCABULARY_NAMES, field_kind
from search.backends.opensearch.spans import SpanFinder
from search.backends.opensearch.store import (
    Address,
    alias_target,
    call,
    checked_state,
    connect,
    read_state,
    refused,
)
from search.documents import SPELLING_FIELDS, content_of, entity_term
from search.errors import IndexMissing
from search.feedback import FEEDBACK_FIELD, rerank
from search.fields import query_analyzers
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights
from search.results import SCORE_DECIMALS
from search.spelling import SpellingLexicon
from search.state import IndexState

SEARCH_TYPE = "dfs_query_then_fetch"
KNOWN_LIMIT = 100_000  # documents whose id, story and date a view remembers
STORED_LIMIT = 512  # stored documents a view keeps (a page's hits are read several times)
MAX_VERSIONS = 1000  # versions of one story read
ROW_SOURCE = [f"{STORED_FIELD}.id", f"{STORED_FIELD}.story", f"{STORED_FIELD}.date"]
INTERNAL_STORED = ("file_key", "file_sig", "minhash")  # kept for indexing runs, not shown
UNDATED_LAST = {"missing": "_last"}
RELATED_KEY_TERMS, RELATED_ENTITIES, RELATED_ENTITY_BOOST = 12, 6, 2.0
LEXICON_PAGE = 10_000


class OutOfTime(Exception):
    """The request's time budget ran out between two requests to the cluster."""


@dataclass(frozen=True)
class Known:
    """What a view remembers of a document it has seen: id, story and date (ISO, or None)."""

    doc_id: str
    story: str
    date: str | None

    def key(self, score: float) -> tuple:
        """The row order: score, then newer date (undated last), then id."""
        dated = self.date is not None
        stamp = datetime.fromisoformat(self.date).timestamp() if dated else 0.0
        return (-round(score, SCORE_DECIMALS), not dated, -stamp, self.doc_id)


@dataclass
class Details:
    """What a ranking keeps to answer for its rows: the compiled query and filter (what "matches"
    means), the optional words' compiled clauses by name, which of them each seen document holds,
    and the versions read of the rows' stories."""

    query: dict
    clauses: dict[str, dict]
    holds: dict[Ref, tuple[bool, ...]] = field(default_factory=dict)
    versions: dict[str, list[Version]] = field(default_factory=dict)
    stories: list[str] = field(default_factory=list)


class OpenSearchBackend:
    """An index on an OpenSearch cluster, by its location (store.py: URL and alias)."""

    name = "opensearch"
    capabilities = Capabilities()

    def __init__(self, location, weights: Weights = DEFAULT_WEIGHTS):
        self.address = Address.parse(location)
        self.location = str(self.address)
        self.client = connect(self.address)
        self.weights = weights
        self._local = threading.local()
        self._lexicons: dict[tuple[str, int], SpellingLexicon] = {}
        self._lexicon_lock = threading.Lock()

    def state(self) -> IndexState:
        return checked_state(self.client, self.address)[0]

    def view(self) -> OpenSearchView:
        """This thread's view of the latest checkpoint (one GET of the state per call)."""
        current: OpenSearchView | None = getattr(self._local, "view", None)
        found = read_state(self.client, self.address)
        if current is not None and (found is None or found[1] == current.generation):
            return current
        state, generation = checked_state(self.client, self.address)
        index = alias_target(self.client, self.address)
        if index is None:
            raise IndexMissing(f"no index called {self.address.alias!r} at {self.address.url}")
        self._local.view = OpenSearchView(self, index, generation, state)
        return self._local.view

    def lexicon(self, index: str, generation: int, read) -> SpellingLexicon:
        """The spelling lexicon of one generation, read once and shared by the threads' views."""
        with self._lexicon_lock:
            key = (index, generation)
            if key not in self._lexicons:
                self._lexicons = {key: read()}
            return self._lexicons[key]

    def health(self) -> dict:
        view = self.view()
        return {"status": "ok", "documents": view.count({"match_all": {}}), "generation": view.generation}


class OpenSearchView:
    """One checkpoint of the index, for one thread (search.backends.base.View)."""

    capabilities = OpenSearchBackend.capabilities

    def __init__(self, backend: OpenSearchBackend, index: str, generation: int, state: IndexState):
        self.backend, self.index, self.generation, self.state = backend, index, generation, state
        self.client, self.address = backend.client, backend.address
        self.tables = state.tables_for_index()
        self.span_finder = SpanFinder(self.tables)
        self.known: OrderedDict[Ref, Known] = OrderedDict()
        self.stored: OrderedDict[Ref, dict] = OrderedDict()
        self.story_versions: OrderedDict[str, list[Version]] = OrderedDict()
        self.held_terms: dict[tuple[str, str], bool] = {}

    # --- requests -----------------------------------------------------------------------------

    def search(self, body: dict, **params) -> dict:
        """One search of this view's index (store.call says its failures as ours)."""
        return call(self.address, self.client.search, index=self.index, body=body, **params)

    def count(self, query: dict, terminate_after: int | None = None) -> int:
        """How many documents match (at most `terminate_after` per shard, when given)."""
        params = {"terminate_after": terminate_after} if terminate_after else {}
        return int(call(self.address, self.client.count, index=self.index, body={"query": query},
                        **params)["count"])

    def remember(self, hit: dict) -> Ref:
        """A hit's reference, its id, story and date remembered."""
        ref = hit["_id"]
        stored = hit.get("_source", {}).get(STORED_FIELD, {})
        if "id" in stored:
            self.known[ref] = Known(stored["id"], stored.get("story") or stored["id"], stored.get("date"))
            self.known.move_to_end(ref)
            if len(self.known) > KNOWN_LIMIT:
                self.known.popitem(last=False)
        return ref

    def known_of(self, refs: Iterable[Ref]) -> list[Known]:
        """The id, story and date of each document, read in one search for those not seen yet."""
        refs = list(refs)
        missing = [ref for ref in refs if ref not in self.known]
        if missing:
            found = self.search({"query": {"ids": {"values": missing}}, "size": len(missing),
                                 "_source": ROW_SOURCE})
            for hit in found["hits"]["hits"]:
                self.remember(hit)
        return [self.known[ref] for ref in refs]

    # --- ranking ------------------------------------------------------------------------------

    def rank(self, request: RankRequest) -> Ranking:
        compiler = Compiler(request.weights)
        query = filtered(compiler.compile(request.query), compiler, request.filter)
        clauses = {f"clause{i}": compiler.compile(clause) for i, clause in enumerate(request.clauses)}
        details = Details(query, clauses)
        searches = []
        tiered = request.tier is not None and request.sort == "relevance"
        if tiered:
            searches.append(self.top_body(filtered(compiler.compile(request.tier), compiler, request.filter),
                                          request, request.depth, clauses))
        pool = max(request.depth, request.feedback.pool) if request.feedback else request.depth * 2
        searches.append(self.top_body(query, request, pool, clauses))
        answers = self.multi_search(searches, request.deadline)
        partial = any(answer_partial(answer) for answer in answers)
        results = [self.rows_of(answer, details) for answer in answers]
        rows = results[0] if tiered else []
        rest = results[-1]
        if request.feedback and not partial:
            try:
                rest = self.with_feedback(rest, request)
            except OutOfTime:
                partial = True
        rows = (rows + unseen(rest, rows, self.known if request.grouped else None))[:request.depth]
        ranking = Ranking([Row(ref, score) for ref, score in rows], details=details, partial=partial)
        if request.count:
            ranking.partial |= self.count_ranking(ranking, request, details)
        details.stories = [self.known[row.ref].story for row in ranking.rows]
        return ranking

    def top_body(self, query: dict, request: RankRequest, size: int, clauses: dict[str, dict]) -> dict:
        """The search for the best `size` rows (one a story when grouped), each saying which
        optional words it holds."""
        body = {"query": with_named_clauses(query, clauses), "size": size, "sort": sort_order(request.sort),
                "_source": ROW_SOURCE, "track_total_hits": False, "track_scores": request.sort == "relevance"}
        if request.grouped:
            body["collapse"] = {"field": "story"}
        return body

    def multi_search(self, bodies: list[dict], deadline: float) -> list[dict]:
        """Several searches in one request, each bounded by the time left."""
        if not bodies:
            return []
        left = deadline - time.monotonic()
        lines: list[dict] = []
        for body in bodies:
            if left < float("inf"):
                body = {**body, "timeout": f"{max(int(left * 1000), 1)}ms"}
            lines += [{"index": self.index, "search_type": SEARCH_TYPE}, body]
        answers = call(self.address, self.client.msearch, body=lines)["responses"]
        for answer in answers:
            if "error" in answer:
                raise_search_error(answer["error"])
        return answers

    def rows_of(self, answer: dict, details: Details) -> list[tuple[Ref, float]]:
        """An answer's rows (ref, score) in our order, the words each holds kept in `details`."""
        rows = []
        for hit in answer["hits"]["hits"]:
            ref = self.remember(hit)
            held = set(hit.get("matched_queries") or ())
            details.holds[ref] = tuple(name in held for name in details.clauses)
            rows.append((ref, float(hit.get("_score") or 0.0)))
        if rows and answer["hits"]["hits"][0].get("_score") is not None:
            rows.sort(key=lambda row: self.known[row[0]].key(row[1]))  # rounded scores tie by date, id
        return rows

    def with_feedback(self, rest: list[tuple[Ref, float]], request: RankRequest) -> list[tuple[Ref, float]]:
        """The pool re-scored by feedback (search/feedback.py), in our order."""
        source = self.feedback_source(request.weights, request.deadline)
        rescored = rerank(rest, source, request.weights, request.feedback.original_scale)
        return sorted(rescored, key=lambda row: self.known[row[0]].key(row[1]))

    def count_ranking(self, ranking: Ranking, request: RankRequest, details: Details) -> bool:
        """The counts (and facets when asked) of one ranking; whether they are partial."""
        aggs: dict = {}
        paths = ["hits.total", "timed_out", "_shards.failed"]
        if request.grouped:
            aggs.update(story_count_aggs())
            paths += story_count_paths()
        if details.clauses:
            every = {"bool": {"filter": list(details.clauses.values())}}
            aggs["all_words"] = {"filter": every, "aggs": story_count_aggs()}
            paths += story_count_paths("aggregations.all_words") + ["aggregations.all_words.doc_count"]
        if request.facets:
            aggs.update(facet_aggs())
            paths.append("aggregations.facet_*")
        body = {"query": details.query, "size": 0, "track_total_hits": True, "aggs": aggs}
        left = request.deadline - time.monotonic()
        if left < float("inf"):
            body["timeout"] = f"{max(int(left * 1000), 1)}ms"
        answer = self.search(body, filter_path=",".join(paths))
        found = answer.get("aggregations", {})
        if request.grouped:
            ranking.total, exact = story_count(found)
        else:
            ranking.total, exact = answer["hits"]["total"]["value"], True
        ranking.total = max(ranking.total, len(ranking.rows))
        ranking.total_relation = EXACT if exact else LOWER_BOUND
        if details.clauses:
            every = found["all_words"]
            counted, exact = story_count(every) if request.grouped else (every["doc_count"], True)
            ranking.all_words_total, ranking.all_words_relation = counted, EXACT if exact else LOWER_BOUND
        if request.facets:
            ranking.facets = facet_counts(found)
        return answer_partial(answer)

    def holds(self, ranking: Ranking, ref: Ref) -> tuple[bool, ...]:
        """Which optional words the document holds (its story's versions read when not seen)."""
        details: Details = ranking.details
        if ref not in details.holds:
            self.read_versions(details, [self.known_of([ref])[0].story])
        return details.holds.get(ref, tuple(False for _ in details.clauses))

    def versions(self, ranking: Ranking | None, ref: Ref) -> list[Version]:
        """The story's versions; for a ranking, those of every row's story are read at once."""
        story = self.known_of([ref])[0].story
        if ranking is None:
            if story not in self.story_versions:
                self.read_versions(None, [story])
            return self.story_versions[story]
        details: Details = ranking.details
        if story not in details.versions:
            wanted = [s for s in details.stories if s not in details.versions] or [story]
            self.read_versions(details, list(dict.fromkeys([story, *wanted])))
        return details.versions[story]

    def read_versions(self, details: Details | None, stories: list[str]) -> dict[str, list[Version]]:
        """Every version of these stories, with whether each matches and which words it holds."""
        named = {"match": details.query, **details.clauses} if details else {}
        body = {"query": with_named_clauses({"terms": {"story": stories}}, named),
                "size": MAX_VERSIONS * len(stories), "_source": ROW_SOURCE, "sort": [{"id": "asc"}]}
        found: dict[str, list[Version]] = {story: [] for story in stories}
        for hit in self.search(body, routing=",".join(stories))["hits"]["hits"]:
            ref = self.remember(hit)
            known, held = self.known[ref], set(hit.get("matched_queries") or ())
            holds = tuple(name in held for name in details.clauses) if details else ()
            if details:
                details.holds[ref] = holds
            matches = "match" in held or not details
            found.setdefault(known.story, []).append(Version(ref, known.doc_id, matches, holds))
        if details:
            details.versions.update(found)
        for story, versions in found.items():
            self.story_versions[story] = [Version(v.ref, v.doc_id, True) for v in versions]
        while len(self.story_versions) > STORED_LIMIT:
            self.story_versions.popitem(last=False)
        return found

    # --- documents ----------------------------------------------------------------------------

    def documents(self, refs: Iterable[Ref]) -> list[dict]:
        refs = list(refs)
        found = {ref: self.stored[ref] for ref in refs if ref in self.stored}
        missing = list(dict.fromkeys(ref for ref in refs if ref not in found))
        if missing:
            body = {"query": {"ids": {"values": missing}}, "size": len(missing), "_source": [STORED_FIELD]}
            for hit in self.search(body)["hits"]["hits"]:
                self.remember(hit)
                found[hit["_id"]] = self.stored[hit["_id"]] = shown_record(hit["_source"][STORED_FIELD])
            while len(self.stored) > STORED_LIMIT:
                self.stored.popitem(last=False)
        return [found[ref] for ref in refs]

    def every_document(self) -> Iterator[dict]:
        from opensearchpy.helpers import scan

        query = {"query": {"match_all": {}}, "_source": [STORED_FIELD], "sort": ["_doc"]}
        hits = scan(self.client, index=self.index, query=query, preserve_order=True)
        for hit in hits:
            yield shown_record(hit["_source"][STORED_FIELD])

    def ids(self, refs: Iterable[Ref]) -> list[str]:
        return [known.doc_id for known in self.known_of(refs)]

    def ref(self, doc_id: str) -> Ref | None:
        if not isinstance(doc_id, str):
            return None
        body = {"query": {"term": {"id": doc_id}}, "size": 1, "_source": ROW_SOURCE}
        found = self.search(body)["hits"]["hits"]
        return self.remember(found[0]) if found else None

    def spans(self, tree: qt.Node, refs: list[Ref], ranking: Ranking | None = None) -> dict[Ref, TermSpans]:
        refs = list(refs)
        return self.span_finder.spans(tree, dict(zip(refs, self.documents(refs), strict=True)))

    def feedback_source(self, weights: Weights, deadline: float) -> ClusterFeedback:
        return ClusterFeedback(self, weights, deadline)

    # --- vocabulary ---------------------------------------------------------------------------

    def has_term(self, fieldname: str, term: str) -> bool:
        key = (fieldname, term)
        if key not in self.held_terms:
            query = Compiler().compile(qt.Term(fieldname, term))
            self.held_terms[key] = query != match_none() and self.count(query, terminate_after=1) > 0
        return self.held_terms[key]

    def vocabulary(self) -> ClusterVocabulary:
        return ClusterVocabulary(self)

    def prefix_counts(self, fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first terms by order that start with `prefix` (a keyword field's, or a spelling
        field's from its kept vocabulary), each with how many documents hold it."""
        aggregated = vocabulary_field(fieldname)
        if aggregated is None or limit < 1:
            return []
        include = "".join(c if c.isalnum() else "\\" + c for c in prefix) + ".*"
        aggs = {"terms": {"terms": {"field": aggregated, "include": include, "size": limit,
                                    "order": {"_key": "asc"}}}}
        found = self.search({"size": 0, "aggs": aggs})["aggregations"]["terms"]["buckets"]
        return [(bucket["key"], bucket["doc_count"]) for bucket in found]

    def related(self, ref: Ref, limit: int) -> list[Row]:
        """The best version of each of the `limit` stories most like this one: its most telling
        body terms (OpenSearch's more-like-this over our token stream) and its salient entities."""
        stored = self.documents([ref])[0]
        text = content_of(stored.get("title"), stored.get("body") or "")[0]
        tokens = self.span_finder.analyzers["content"].occurrences(text)
        if not tokens:
            return []
        from search.backends.opensearch.documents import token_stream

        stream = token_stream((places[0][0], term) for term, places in tokens.items())
        parts: list[dict] = [{"more_like_this": {"fields": ["content"], "like": stream,
                                                 "max_query_terms": RELATED_KEY_TERMS, "min_term_freq": 1,
                                                 "min_doc_freq": 1}}]
        entities = sorted(stored.get("entities") or [], key=lambda e: -e["salience"])[:RELATED_ENTITIES]
        parts += [{"term": {"entity": {"value": entity_term(e["name"]), "boost": RELATED_ENTITY_BOOST}}}
                  for e in entities]
        story = self.known_of([ref])[0].story
        body = {"query": {"bool": {"should": parts, "minimum_should_match": 1,
                                   "must_not": [{"term": {"story": story}}]}},
                "size": limit, "collapse": {"field": "story"}, "_source": ROW_SOURCE,
                "sort": sort_order("relevance"), "track_scores": True}
        hits = self.search(body, search_type=SEARCH_TYPE)["hits"]["hits"]
        return [Row(self.remember(hit), float(hit["_score"])) for hit in hits]

    def stats(self) -> dict:
        sizes = call(self.address, self.client.indices.stats, index=self.index, metric="store")
        terms = self.search({"size": 0, "aggs": {"terms": {"cardinality": {
            "field": f"{VOCABULARY_FIELD}.content_exact"}}}})["aggregations"]["terms"]["value"]
        return {
            "documents": self.count({"match_all": {}}),
            "terms": int(terms),
            "size_bytes": int(sizes["_all"]["total"]["store"]["size_in_bytes"]),
            "generation": self.generation,
            "updated": self.state.updated or None,
        }


class ClusterFeedback:
    """Feedback's reads (search.feedback.FeedbackSource): a document's terms from its stored
    text analysed again, a word's BM25 in the pool's documents from the cluster."""

    def __init__(self, view: OpenSearchView, weights: Weights, deadline: float):
        self.view, self.weights, self.deadline = view, weights, deadline
        self.analyzer = view.span_finder.analyzers[FEEDBACK_FIELD]

    def term_counts(self, ref: Ref) -> dict[str, float]:
        stored = self.view.documents([ref])[0]
        text = content_of(stored.get("title"), stored.get("body") or "")[0]
        return {term: float(len(places)) for term, places in self.analyzer.occurrences(text).items()}

    def term_scores(self, terms: list[str], refs: list[Ref]) -> list:
        """Each term's BM25 in the pool's documents: one search per term, in one `_msearch`."""
        import numpy as np

        if time.monotonic() > self.deadline:
            raise OutOfTime
        bodies = [{"query": {"bool": {"must": [{"term": {FEEDBACK_FIELD: term}}],
                                      "filter": [{"ids": {"values": list(refs)}}]}},
                   "size": len(refs), "_source": False} for term in terms]
        found = []
        for answer in self.view.multi_search(bodies, self.deadline):
            scores = {hit["_id"]: float(hit["_score"]) for hit in answer["hits"]["hits"]}
            found.append(np.array([scores.get(ref, 0.0) for ref in refs]))
        return found


class TermsOfLength:
    """A field's terms and document counts, by length in bytes (search.spelling.TermsBySize)."""

    def __init__(self, pairs: list[tuple[str, int]]):
        self.counts = dict(pairs)
        self.by_length: dict[int, tuple[list[bytes], list[int]]] = {}
        for term, count in pairs:
            encoded = term.encode("utf-8")
            texts, counts = self.by_length.setdefault(len(encoded), ([], []))
            texts.append(encoded)
            counts.append(count)

    def sized(self, length: int) -> tuple[list[bytes], list[int]]:
        return self.by_length.get(length, ([], []))

    def count(self, term: str) -> int:
        """How many documents hold the term."""
        return self.counts.get(term, 0)


class ClusterVocabulary:
    """What spelling reads of the index (search.backends.base.Vocabulary), from the cluster."""

    def __init__(self, view: OpenSearchView):
        self.view = view
        self.analyzers = query_analyzers(view.tables)

    def fields(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(name for name in names if field_kind(name) is not None)

    def terms(self, fieldname: str, text: str) -> list[str]:
        return self.analyzers[fieldname](text, False)

    def has(self, fieldname: str, text: str) -> bool:
        terms = self.terms(fieldname, text)
        return bool(terms) and all(self.view.has_term(fieldname, term) for term in terms)

    def frequency(self, fieldname: str, term: str) -> int:
        if fieldname in VOCABULARY_NAMES:
            return self.lexicon().fields[fieldname][0].count(term)
        query = Compiler().compile(qt.Term(fieldname, term))
        return 0 if query == match_none() else self.view.count(query)

    def has_name(self, words: list[str]) -> bool:
        """Whether the words name an entity or stand as a phrase of a spelling field that keeps
        positions: one count of any of them."""
        name = " ".join(words)
        compiler = Compiler()
        parts = [compiler.compile(qt.Term("entity", entity_term(name)))]
        for fieldname in self.fields(SPELLING_FIELDS):
            terms = self.terms(fieldname, name)
            if len(terms) > 1 and field_kind(fieldname) == "text":
                parts.append(compiler.compile(qt.Phrase(fieldname, tuple(terms))))
        return self.view.count({"bool": {"should": parts, "minimum_should_match": 1}}, terminate_after=1) > 0

    def lexicon(self) -> SpellingLexicon:
        view = self.view
        return view.backend.lexicon(view.index, view.generation, self.read_lexicon)

    def read_lexicon(self) -> SpellingLexicon:
        """Every term of the spelling fields with its document count, paged through with a
        composite aggregation."""
        fields = {}
        for fieldname in VOCABULARY_NAMES:
            pairs: list[tuple[str, int]] = []
            after = None
            while True:
                source = {"terms": {"field": f"{VOCABULARY_FIELD}.{fieldname}"}}
                composite: dict = {"size": LEXICON_PAGE, "sources": [{"term": source}]}
                if after:
                    composite["after"] = after
                found = self.view.search({"size": 0, "aggs": {"terms": {"composite": composite}}})
                answer = found["aggregations"]["terms"]
                pairs += [(bucket["key"]["term"], bucket["doc_count"]) for bucket in answer["buckets"]]
                after = answer.get("after_key")
                if not answer["buckets"] or after is None:
                    break
            fields[fieldname] = [TermsOfLength(pairs)]
        return SpellingLexicon(fields)


def filtered(query: dict, compiler: Compiler, filter_tree: qt.Node | None) -> dict:
    """The query restricted to the filter's documents, scored by the query alone."""
    if filter_tree is None:
        return query
    return {"bool": {"must": [query], "filter": [compiler.compile(filter_tree)]}}


def sort_order(sort: str) -> list:
    """Rows by score (or date), then newer date (undated last), then id."""
    by_date = [{"date": {"order": "asc" if sort == "oldest" else "desc", **UNDATED_LAST}}, {"id": "asc"}]
    return [{"_score": "desc"}, *by_date] if sort == "relevance" else by_date


def unseen(rows: list[tuple], seen: list[tuple], known: dict[Ref, Known] | None) -> list[tuple]:
    """`rows` less the documents (or, knowing their stories, the stories) already in `seen`."""
    seen_refs = {row[0] for row in seen}
    if known is None:
        return [row for row in rows if row[0] not in seen_refs]
    seen_stories = {known[ref].story for ref in seen_refs}
    return [row for row in rows if row[0] not in seen_refs and known[row[0]].story not in seen_stories]


def answer_partial(answer: dict) -> bool:
    """Whether an answer lacks part of the index: timed out, or a shard failed."""
    return bool(answer.get("timed_out")) or bool(answer.get("_shards", {}).get("failed"))


def raise_search_error(error: dict) -> None:
    """An error one search of an `_msearch` answered with, as ours."""
    raise refused(error.get("root_cause", [error])[0].get("reason") or str(error))


def vocabulary_field(fieldname: str) -> str | None:
    """The keyword field whose terms `prefix_counts` lists for one of our fields."""
    if fieldname in VOCABULARY_NAMES:
        return f"{VOCABULARY_FIELD}.{fieldname}"
    return fieldname if field_kind(fieldname) == "keyword" else None


def shown_record(stored: dict) -> dict:
    """A stored record as a hit shows it (the embedded backend's stored fields): no values that
    are absent, the date as a datetime, nothing kept only for indexing runs."""
    record = {name: value for name, value in stored.items()
              if value is not None and name not in INTERNAL_STORED}
    if isinstance(record.get("date"), str):
        record["date"] = datetime.fromisoformat(record["date"])
    return record
