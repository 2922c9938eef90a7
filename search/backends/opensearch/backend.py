"""The OpenSearch backend: the engine's index on an OpenSearch cluster (search.backends.base.Backend).

Trees are compiled to the query DSL (compile.py) and ranked by the cluster with our BM25; what
Whoosh's array scorer gives the embedded backend comes from the cluster's own means:
    ranking      ranking.py: `collapse` on the story id for grouping (every version of a story is
                 on one shard: _routing), the tier and the rest in one `_msearch`, RM3 in Python,
                 counts and facets from aggregations (aggregations.py), named queries for which
                 optional words a row holds
    versions     every document of a story, read for a page's stories at once
    snippets     computed in Python from the stored text (spans.py), so highlights are ours
    spelling     vocabulary.py: the spelling fields' terms kept as keyword doc values, aggregated
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
from datetime import datetime

from search.backends.base import Capabilities, Ranking, RankRequest, Ref, Row, TermSpans, Version
from search.backends.opensearch.aggregations import people_aggs, people_counts
from search.backends.opensearch.compile import Compiler, match_none, with_named_clauses
from search.backends.opensearch.documents import token_stream
from search.backends.opensearch.mapping import STORED_FIELD, VOCABULARY_FIELD, VOCABULARY_NAMES, field_kind
from search.backends.opensearch.ranking import (
    ROW_SOURCE,
    SEARCH_TYPE,
    ClusterFeedback,
    Details,
    Known,
    Ranker,
    answer_partial,
    sort_order,
    with_timeout,
)
from search.backends.opensearch.spans import SpanFinder
from search.backends.opensearch.store import (
    NODE_DROPPED_PAUSE,
    READ_SECONDS,
    Address,
    alias_target,
    call,
    checked_state,
    connect,
    read_state,
    search_failure,
)
from search.backends.opensearch.vocabulary import ClusterVocabulary
from search.documents import NAMES_READ, entity_term, is_name_of, related_text
from search.entities.surnames import SurnameOwners
from search.errors import BackendUnavailable, IndexMissing
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights
from search.state import IndexState

KNOWN_LIMIT = 100_000  # documents whose id, story and date a view remembers
FETCH_TRIES, FETCH_PAUSE_SECONDS = 4, 0.3  # documents asked for by id again while a shard fails over
STORED_LIMIT = 512  # stored documents a view keeps (a page's hits are read several times)
MAX_VERSIONS = 1000  # versions of one story read
INTERNAL_STORED = ("file_key", "file_sig", "minhash")  # kept for indexing runs, not shown
RELATED_KEY_TERMS, RELATED_ENTITIES, RELATED_ENTITY_BOOST = 12, 6, 2.0


class OpenSearchBackend:
    """An index on an OpenSearch cluster, by its location (store.py: URL and alias)."""

    name = "opensearch"
    capabilities = Capabilities()

    def __init__(self, location, weights: Weights = DEFAULT_WEIGHTS):
        self.address = Address.parse(location)
        self.location = str(self.address)
        self.client = connect(self.address, timeout=READ_SECONDS)
        self.weights = weights
        self._local = threading.local()

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
        self.frequencies: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.near_words: OrderedDict[tuple[str, tuple[str, ...], int], dict[str, int]] = OrderedDict()
        self.held: OrderedDict[str, bool] = OrderedDict()  # name: whether the index holds it (held_names)
        self.owners: SurnameOwners | None = None

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
            keep_last(self.known, KNOWN_LIMIT)
        return ref

    def known_of(self, refs: Iterable[Ref]) -> list[Known]:
        """The id, story and date of each document, read in one search for those not seen yet."""
        refs = list(refs)
        missing = [ref for ref in refs if ref not in self.known]
        for hit in self.fetch(missing, ROW_SOURCE):
            self.remember(hit)
        return [self.known[ref] for ref in refs]

    def fetch(self, refs: list[Ref], source: list[str]) -> list[dict]:
        """The hits of these documents, by id. While a shard holding some does not answer (a
        copy failing over, a node just killed), they are asked for again after a short pause;
        still missing, the search is unavailable (503), never a hit without its document."""
        wanted, hits = list(dict.fromkeys(refs)), []
        for attempt in range(FETCH_TRIES):
            if not wanted:
                return hits
            if attempt:
                time.sleep(FETCH_PAUSE_SECONDS)
            body = {"query": {"ids": {"values": wanted}}, "size": len(wanted), "_source": source}
            hits += self.search(body)["hits"]["hits"]
            found = {hit["_id"] for hit in hits}
            wanted = [ref for ref in wanted if ref not in found]
        if not wanted:
            return hits
        raise BackendUnavailable(f"OpenSearch at {self.address.url} did not return {len(wanted)} of the "
                                 "documents ranked (a shard failing over?); try again")

    # --- ranking ------------------------------------------------------------------------------

    def rank(self, request: RankRequest) -> Ranking:
        return Ranker(self, request).rank()

    def multi_search(self, bodies: list[dict], deadline: float, count: dict | None = None,
                     count_paths: list[str] = ()) -> list[dict]:
        """Several searches in one request, each bounded by the time left: `bodies` scored with
        every shard's statistics, then a `count` (which scores nothing) without, of whose
        aggregations only `count_paths` travel back."""
        lines: list[dict] = []
        for body in bodies:
            lines += [{"index": self.index, "search_type": SEARCH_TYPE}, with_timeout(body, deadline)]
        if count is None:
            return self.msearch(lines)
        lines += [{"index": self.index}, with_timeout(count, deadline)]
        kept = [*MSEARCH_ANSWER_PATHS, *count_paths]
        return self.msearch(lines, filter_path=",".join(f"responses.{path}" for path in kept))

    def msearch(self, lines: list[dict], **params) -> list[dict]:
        """The answers of one `_msearch` (header and body lines). A search that failed for want
        of a node or a shard is asked again once after a pause, as `call` asks again a request a
        leaving node failed; a search still failing, or refused, is raised."""
        if not lines:
            return []
        answers = call(self.address, self.client.msearch, body=lines, **params)["responses"]
        failed = first_failed(answers)
        if failed is not None and isinstance(search_failure(self.address, failed), BackendUnavailable):
            time.sleep(NODE_DROPPED_PAUSE)
            answers = call(self.address, self.client.msearch, body=lines, **params)["responses"]
            failed = first_failed(answers)
        if failed is not None:
            raise search_failure(self.address, failed)
        return answers

    def holds(self, ranking: Ranking, ref: Ref) -> tuple[bool, ...]:
        """Which optional words the document holds (its story's versions read when not seen)."""
        details: Details = ranking.details
        if ref not in details.holds:
            ranking.partial |= not self.read_versions(details, [self.known_of([ref])[0].story])[1]
        return details.holds.get(ref, tuple(False for _ in details.clauses))

    def versions(self, ranking: Ranking | None, ref: Ref) -> list[Version]:
        """The story's versions; for a ranking, those of every row's story are read at once. A
        read a failing shard left short makes the ranking partial, and is not remembered."""
        story = self.known_of([ref])[0].story
        if ranking is None:
            if story not in self.story_versions:
                return self.read_versions(None, [story])[0][story]
            return self.story_versions[story]
        details: Details = ranking.details
        if story not in details.versions:
            wanted = [s for s in details.stories if s not in details.versions] or [story]
            ranking.partial |= not self.read_versions(details, list(dict.fromkeys([story, *wanted])))[1]
        return details.versions[story]

    def read_versions(self, details: Details | None,
                      stories: list[str]) -> tuple[dict[str, list[Version]], bool]:
        """Every version of these stories, with whether each matches and which words it holds,
        and whether every shard answered (asked again once while one fails over; a story's
        versions are remembered across searches only when complete)."""
        named = {"match": details.query, **details.clauses} if details else {}
        body = {"query": with_named_clauses({"terms": {"story": stories}}, named),
                "size": MAX_VERSIONS * len(stories), "_source": ROW_SOURCE, "sort": [{"id": "asc"}]}
        answer = self.search(body, routing=",".join(stories))
        if answer_partial(answer):
            time.sleep(FETCH_PAUSE_SECONDS)
            answer = self.search(body, routing=",".join(stories))
        complete = not answer_partial(answer)
        found: dict[str, list[Version]] = {story: [] for story in stories}
        for hit in answer["hits"]["hits"]:
            ref = self.remember(hit)
            known, held = self.known[ref], set(hit.get("matched_queries") or ())
            holds = tuple(name in held for name in details.clauses) if details else ()
            if details:
                details.holds[ref] = holds
            matches = "match" in held or not details
            found.setdefault(known.story, []).append(Version(ref, known.doc_id, matches, holds))
        if details:
            details.versions.update(found)
        if complete:
            for story, versions in found.items():
                self.story_versions[story] = [Version(v.ref, v.doc_id, True) for v in versions]
            keep_last(self.story_versions, STORED_LIMIT)
        return found, complete

    # --- documents ----------------------------------------------------------------------------

    def documents(self, refs: Iterable[Ref]) -> list[dict]:
        refs = list(refs)
        found = {ref: self.stored[ref] for ref in refs if ref in self.stored}
        missing = [ref for ref in refs if ref not in found]
        for hit in self.fetch(missing, [STORED_FIELD]):
            self.remember(hit)
            found[hit["_id"]] = self.stored[hit["_id"]] = shown_record(hit["_source"][STORED_FIELD])
        keep_last(self.stored, STORED_LIMIT)
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
        return self.frequency(fieldname, term) > 0

    def frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold the term in the field (remembered for this checkpoint; a
        term's count is its document frequency, which Lucene answers without reading postings)."""
        key = (fieldname, term)
        return self.frequencies[key] if key in self.frequencies else self._counted([key])[key]

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        self._counted(terms)

    def _counted(self, terms: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Count the documents of each term not remembered yet, all in one `_msearch` (a query
        asks of every run of its words and spelling of every word: each a request before); a
        count some shard missed (failing over) is used once, not remembered."""
        compiler, queries = Compiler(), {}
        for key in dict.fromkeys(terms):
            if key not in self.frequencies:
                queries[key] = compiler.compile(qt.Term(*key))
        asked = {key: query for key, query in queries.items() if query != match_none()}
        lines: list[dict] = []
        for query in asked.values():
            lines += [{"index": self.index}, {"size": 0, "track_total_hits": True, "query": query}]
        answers = dict(zip(asked, self.msearch(lines), strict=True))
        counts = {}
        for key in queries:
            answer = answers.get(key)
            counts[key] = answer["hits"]["total"]["value"] if answer else 0
            if answer is None or not answer_partial(answer):
                self.frequencies[key] = counts[key]
        keep_last(self.frequencies, KNOWN_LIMIT)
        return counts

    def held_names(self, names: list[str]) -> set[str]:
        """For each name not remembered yet, the first NAMES_READ entity names that are its words
        or start with them, all in one request (an aggregation each: one pattern of every
        company word is longer than the cluster takes), then `is_name_of` over them; remembered
        for the checkpoint, as Whoosh's view remembers them for its commit, unless a shard failed."""
        unknown = [name for name in dict.fromkeys(names) if name not in self.held]
        found = {}
        if unknown:
            starts = [{"prefix": {"entity": name}} for name in unknown]
            aggs = {f"n{number}": {"terms": {"field": "entity", "include": literal(name) + "( .*)?",
                                             "size": NAMES_READ, "order": {"_key": "asc"}}}
                    for number, name in enumerate(unknown)}
            answer = self.search({"size": 0, "query": {"bool": {"should": starts}}, "aggs": aggs})
            for number, name in enumerate(unknown):
                buckets = answer["aggregations"][f"n{number}"]["buckets"]
                found[name] = any(is_name_of(name, bucket["key"]) for bucket in buckets)
                if not answer_partial(answer):
                    self.held[name] = found[name]
            keep_last(self.held, KNOWN_LIMIT)
        return {name for name in names if found.get(name, self.held.get(name))}

    def vocabulary(self) -> ClusterVocabulary:
        return ClusterVocabulary(self)

    def prefix_counts(self, fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first terms by order that start with `prefix` (a keyword field's, or a spelling
        field's from its kept vocabulary), each with how many documents hold it."""
        aggregated = vocabulary_field(fieldname)
        if aggregated is None or limit < 1:
            return []
        include = literal(prefix) + ".*"
        aggs = {"terms": {"terms": {"field": aggregated, "include": include, "size": limit,
                                    "order": {"_key": "asc"}}}}
        found = self.search({"size": 0, "aggs": aggs})["aggregations"]["terms"]["buckets"]
        return [(bucket["key"], bucket["doc_count"]) for bucket in found]

    def related(self, ref: Ref, limit: int) -> list[Row]:
        """The best version of each of the `limit` stories most like this one: its most telling
        body terms (OpenSearch's more-like-this over our token stream) and its salient entities."""
        stored = self.documents([ref])[0]
        text = related_text(stored)
        tokens = self.span_finder.analyzers["content"].occurrences(text)
        if not tokens:
            return []
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

    def surname_owners(self) -> SurnameOwners:
        """Worked out once a checkpoint, from the documents naming the people named most."""
        if self.owners is None:
            found = self.search({"size": 0, "aggs": people_aggs()}, filter_path="aggregations")
            self.owners = SurnameOwners.of_counts(people_counts(found.get("aggregations", {})))
        return self.owners

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


# What an `_msearch` answer keeps of each search when a count's buckets are dropped: all of a
# ranking's hits, and what says whether a search failed or missed part of the index.
MSEARCH_ANSWER_PATHS = ("hits", "timed_out", "_shards.failed", "error", "status")


def first_failed(answers: list[dict]) -> dict | None:
    """The first answer of an `_msearch` that is an error (None: every search answered)."""
    return next((answer for answer in answers if "error" in answer), None)


def keep_last(cache: OrderedDict, limit: int) -> None:
    """Drop a cache's oldest entries past `limit` (the view's caches live as long as its checkpoint)."""
    while len(cache) > limit:
        cache.popitem(last=False)


def literal(text: str) -> str:
    """Text matched as itself in a Lucene regular expression (a terms aggregation's `include`)."""
    return "".join(c if c.isalnum() else "\\" + c for c in text)


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
