"""The OpenSearch backend's building blocks (issue 18) on the session's real cluster: the mapping,
our documents analysed in Python, and query trees compiled to the DSL.

The same records (the five seed articles, the wire and dated corpora, two records written for
phrase slop) are indexed by the embedded engine and into OpenSearch. OpenSearch must hold our terms
at our positions, and for the parser's trees (typed queries, with the entity boost as the engine
adds it) and a few hand-made ones match the documents the embedded engine matches. On a one-shard
index (and on two shards with dfs_query_then_fetch) the scores agree within SCORE_TOLERANCE. The
field lengths are the embedded backend's (the launcher's `embedded_bm25` similarity keeps them on
Whoosh's one-byte scale), so what is left is float32 arithmetic and the salience kept to 9 bits by
`rank_features` (at most 0.2% on trees of headline and body terms), the one ABSENT term a document
without a field adds to the field's average length (12% on `person:wallace`, the largest), and
Lucene's weight of a fuzzy expansion (20% on `Wallce~`).

The embedded side is read through the engine's public surfaces only (the query reader, the backend
protocol's `View.rank`, `ranked_ids`, stored documents); that OpenSearch's terms are the embedded
index's postings follows from tests/backends/whoosh/test_index_analysis.py, which checks the shared
index-side analysis (`search.fields.index_analyzers`) against the Whoosh schema.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from corpus_fields import corpus_fields, write_corpus
from fixtures_corpora import DATED_RECORDS, WIRE_RECORDS
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from search.backends.base import RankRequest
from search.backends.opensearch.compile import compile_tree, with_named_clauses
from search.backends.opensearch.documents import DocumentMaker, bulk_actions, indexable, token_stream
from search.backends.opensearch.mapping import (
    ABSENT,
    FIELD_KINDS,
    SCORED_KINDS,
    TEXT,
    TOKENS_ANALYZER,
    index_body,
)
from search.engine import Engine
from search.fields import index_analyzers
from search.indexer import update_index
from search.query import tree as qt
from search.rank import ENTITY_FIELD, with_entity_boost
from search.wordlist import is_common_word

pytestmark = pytest.mark.opensearch

SCORE_TOLERANCE = 0.15  # the largest relative difference allowed (measured: see the module's docstring)
SEARCHED_TEXT = 0.003  # the same, for trees of headline and body terms only (no sparse filter field)
SLOP_RECORDS = [
    {"id": "slop-spread", "title": "Drill words", "date": "2022-11-02",
     "text": "alpha bravo xray bravo yankee zulu charlie. It was time time time again."},
    {"id": "slop-reversed", "title": "Drill words reversed", "date": "2022-11-03",
     "text": "bravo alpha, charlie bravo, then time and time."},
]
QUERIES = [
    # words, stems, acronyms
    "drones", "drone", "Nato", "US", "oil prices", "trade deficit Japan",
    # compounds: whole in the query, whole and parts in the text
    "Shahed-136", "Shahed", "medium-range", "air-to-air",
    # phrases, with and without slop (Whoosh's: each word at most N after the one before, in order)
    '"medium-range air-to-air missile"', '"air defence"', '"Ben Wallace Kyiv"~8', '"alpha bravo charlie"~3',
    '"alpha bravo charlie"~2', '"alpha bravo"~3', '"time time"', '"time time time"',
    # aliases
    "Amraam",
    # prefix, wildcard, fuzzy
    "Zelensk*", "drone*", "Wall?ce", "dr?ne", "Wallce~", "Stoltenbreg~2",
    # operators
    "Wallace AND Kyiv", "Wallace OR Stoltenberg", "Wallace NOT Kyiv", "-Wallace drones", "+Wallace drones",
    "NOT Kyiv", "(oil OR grain) AND prices", "Kyiv ANDMAYBE drones",
    # field filters
    "person:wallace", 'person:"Ben Wallace"', "tag:crude", "tag:crude oil", "title:OPEC", "source:reuters",
    "place:kyiv drones",
    # dates
    "date:2022-10 Kyiv", "Kyiv date:2022-09..2022-10-15", "date:1987 oil",
    # reporters by name (byline terms)
    "Patti Domm", "Tony Diver drones", "Domm oil",
]
HAND_MADE = {
    "every person": qt.Everything("person"),
    "every document": qt.Everything(),
    "filtered": qt.And((qt.Or((qt.Term("title", "oil"), qt.Term("content", "oil"))),
                        qt.ConstantScore(qt.Term("tag", "crude"), 0.0))),
    "constant": qt.ConstantScore(qt.Term("content", "kyiv"), 2.5),
    "entity key": qt.Term(ENTITY_FIELD, "ben wallac"),
    "boosted group": qt.Or((qt.Term("content", "oil", 2.0),
                            qt.Phrase("content_exact", ("oil", "prices"), boost=0.5)), boost=3.0),
    "byline keys": qt.Or((qt.Term("byline", "domm"), qt.Term("byline", "patti domm"),
                          qt.Term("source_key", "reuters"))),
}
FUZZY = ("Wallce~", "Stoltenbreg~2")  # Lucene weighs a fuzzy expansion by 1 - edits/length: compared by set


# --- the two indexes of the same records -----------------------------------------------------------

RECORDS = WIRE_RECORDS + DATED_RECORDS + SLOP_RECORDS
EVERY_DOCUMENT = 10_000  # more rows than the corpus has documents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("dsl-corpus") / "corpus", RECORDS)


@pytest.fixture(scope="module")
def engine(corpus) -> Engine:
    index = corpus.parent / "index"
    report = update_index(index, [corpus])
    assert report.added == 5 + len(RECORDS), report.problems
    return Engine(index)


@pytest.fixture(scope="module")
def shown(engine) -> dict[str, dict]:
    """Each stored article of the embedded index, by id, as the backend protocol reads it."""
    return {document["id"]: document for document in engine.view().every_document()}


@pytest.fixture(scope="module")
def fields(corpus, shown) -> list[dict]:
    """Each article's fields as the indexer makes them (read, entities, MinHash), with the story
    the embedded index gave it."""
    found = corpus_fields(corpus, {doc_id: stored["story"] for doc_id, stored in shown.items()})
    assert {record["id"] for record in found} == set(shown)
    return found


@pytest.fixture(scope="module")
def client(opensearch_cluster) -> OpenSearch:
    return OpenSearch(hosts=opensearch_cluster.urls, timeout=60, max_retries=3, retry_on_timeout=True)


def create_index(client: OpenSearch, fields: list[dict], **options) -> str:
    """A uniquely named index of the documents, refreshed and green."""
    name = f"dsl-{uuid.uuid4().hex[:10]}"
    client.indices.create(index=name, body=index_body(**options))
    answer = client.bulk(body=bulk_actions(name, fields), refresh=True)
    assert not answer["errors"], [item for item in answer["items"] if item["index"].get("error")][:3]
    client.cluster.health(index=name, wait_for_status="green")
    return name


@pytest.fixture(scope="module")
def one_shard(client, fields):
    name = create_index(client, fields, shards=1, replicas=0, term_vectors=True)
    yield name
    client.indices.delete(index=name)


@pytest.fixture(scope="module")
def two_shards(client, fields):
    name = create_index(client, fields)  # the default: 2 primaries x 1 replica
    yield name
    client.indices.delete(index=name)


# --- helpers -------------------------------------------------------------------------------------


def parsed_tree(engine: Engine, text: str) -> qt.Node:
    """The engine's tree for a typed query (aliases, reporters found by name) with its entity boost."""
    reader = engine.reader
    parsed = reader.with_names(reader.parse(text), engine.view().has_term, common=is_common_word)
    return with_entity_boost(parsed.tree, parsed.terms, engine.weights)


def embedded_scores(engine: Engine, tree: qt.Node) -> dict[str, float]:
    """Every document the embedded backend matches with the tree, and its score (one row a document)."""
    view = engine.view()
    request = RankRequest(query=tree, depth=EVERY_DOCUMENT, grouped=False, count=False,
                          weights=engine.weights)
    rows = view.rank(request).rows
    return dict(zip(view.ids(row.ref for row in rows), (row.score for row in rows), strict=True))


def search(client: OpenSearch, index: str, query: dict, **options) -> list[dict]:
    body = {"query": query, "size": 1000, "_source": False}
    answer = client.search(index=index, body=body, search_type="dfs_query_then_fetch", **options)
    return answer["hits"]["hits"]


def opensearch_scores(client: OpenSearch, index: str, tree: qt.Node, **options) -> dict[str, float]:
    return {hit["_id"]: hit["_score"] for hit in search(client, index, compile_tree(tree, **options))}


def largest_difference(ours: dict[str, float], theirs: dict[str, float]) -> float:
    """The largest relative difference of two documents' scores (0 for two zeros)."""
    return max((abs(theirs[doc] - score) / abs(score) if score else abs(theirs[doc])
                for doc, score in ours.items()), default=0.0)


def searches_headline_and_body_only(tree: qt.Node) -> bool:
    """Whether every leaf of the tree (but the entity boost) is a term of the headline or body fields."""
    searched = {"title", "content", "title_exact", "content_exact", ENTITY_FIELD}
    return all(getattr(leaf, "field", None) in searched for leaf in tree.leaves())


def indexed_positions(fields: list[dict], fieldname: str) -> dict[str, dict[str, list[int]]]:
    """Per document id, each term of a text field and its positions, by the index-side analysis
    (which tests/backends/whoosh/test_index_analysis.py checks equal to the embedded index's)."""
    analyze = index_analyzers()[fieldname]
    found: dict[str, dict[str, list[int]]] = {}
    for record in fields:
        terms: dict[str, list[int]] = {}
        for position, term, _ in analyze(record.get(fieldname) or ""):
            if indexable(term):
                terms.setdefault(term, []).append(position)
        found[record["id"]] = terms
    return found


def vocabulary_expansions(fields: list[dict]) -> Callable[[qt.Node], list[str]]:
    """The terms a prefix, wildcard or fuzzy node expands to over the documents' terms, in term
    order, as the embedded index expands them (a fuzzy term: within its edits, its prefix kept)."""
    analyzers = index_analyzers()
    vocabulary: dict[str, set[str]] = {}

    def terms(fieldname: str) -> list[str]:
        if fieldname not in vocabulary:
            vocabulary[fieldname] = {term for record in fields
                                     for _, term, _ in analyzers[fieldname](record.get(fieldname) or "")}
        return sorted(vocabulary[fieldname])

    def expand(node: qt.Node) -> list[str]:
        if isinstance(node, qt.Prefix):
            return [term for term in terms(node.field) if term.startswith(node.text)]
        if isinstance(node, qt.Wildcard):
            return [term for term in terms(node.field) if fnmatchcase(term, node.pattern)]
        prefix = node.text[:node.prefixlength]
        return [term for term in terms(node.field)
                if term.startswith(prefix) and edit_distance(term, node.text) <= node.maxdist]
    return expand


def edit_distance(first: str, second: str) -> int:
    """Levenshtein's distance: insertions, deletions and substitutions of one character."""
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, 1):
        current = [i]
        for j, other in enumerate(second, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


# --- the mapping and the documents ---------------------------------------------------------------


def test_the_mapping_holds_every_indexed_field():
    indexed = set(index_analyzers()) | {"date"}
    assert set(FIELD_KINDS) == indexed
    settings = index_body()["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (2, 1)
    assert settings["similarity"]["news_bm25"] == {"type": "embedded_bm25", "k1": 1.5, "b": 0.75}
    lucene = index_body(embedded_bm25=False)["settings"]["similarity"]["news_bm25"]
    assert lucene == {"type": "BM25", "k1": 1.5, "b": 0.75, "discount_overlaps": False}
    with pytest.raises(ValueError, match="at least one shard"):
        index_body(shards=0)


@pytest.mark.parametrize("text", [
    "Iran sent Shahed-136 drones; the medium-range air-to-air missile (Amraam) flew.",
    "BEN WALLACE flew to the U.S. and to Nato's summit as the MPs' vote of the year began",
    "the of and to",
    "Zelenskiy’s ally said it was time time time",
])
def test_a_token_stream_reads_back_as_our_terms_at_our_positions(client, one_shard, text):
    analyzers = index_analyzers()
    for fieldname in ("content", "content_exact", "person"):
        ours = [(position, term) for position, term, _ in analyzers[fieldname](text)]
        stream = token_stream(ours)
        answer = client.indices.analyze(index=one_shard, body={"analyzer": TOKENS_ANALYZER, "text": stream})
        assert [(token["position"], token["token"]) for token in answer["tokens"]] == ours, fieldname
    shahed = [(position, term) for position, term, _ in analyzers["content"]("Shahed-136 drones")]
    assert [position for position, _ in shahed] == [0, 0, 1, 2] and shahed[0][1] == "shahed-136"  # stacked


def test_every_document_holds_our_terms_at_our_positions(client, one_shard, fields):
    """OpenSearch's term vectors, field by field, against the index-side analysis of each document
    (the embedded index's postings, by tests/backends/whoosh/test_index_analysis.py); and each
    field's statistics: every document counted, each term occurrence once, plus one ABSENT term
    per document without the field."""
    texts = [name for name, kind in FIELD_KINDS.items() if kind == TEXT]
    expected = {name: indexed_positions(fields, name) for name in texts}
    for record in fields:
        answer = client.termvectors(index=one_shard, id=record["id"], routing=record["story"],
                                    fields=",".join(texts), positions=True, offsets=False, payloads=False,
                                    field_statistics=True)
        vectors = answer["term_vectors"]
        for name in texts:
            held = {term: [token["position"] for token in info["tokens"]]
                    for term, info in vectors.get(name, {}).get("terms", {}).items()}
            ours = expected[name][record["id"]]
            assert held == (ours or {ABSENT: [0]}), (record["id"], name)
    for name in texts:
        statistics = vectors[name]["field_statistics"]
        absent = sum(1 for terms in expected[name].values() if not terms)
        occurrences = sum(len(places) for terms in expected[name].values() for places in terms.values())
        assert statistics["doc_count"] == len(fields), name
        assert statistics["sum_ttf"] == occurrences + absent, name


def test_the_stored_source_is_what_the_engine_shows(client, one_shard, shown, fields):
    shown_names = ("id", "path", "line", "url", "title", "source", "authors", "credit", "tags", "body",
                   "story", "entities")
    for record in fields:
        source = client.get(index=one_shard, id=record["id"], routing=record["story"])["_source"]
        assert set(source) == {"stored"}  # the analysed streams are searched, never shown
        stored, engine_shows = source["stored"], shown[record["id"]]
        for name in shown_names:
            assert stored[name] == engine_shows.get(name), (record["id"], name)
        assert stored["date"] == (engine_shows["date"].isoformat() if engine_shows.get("date") else None)
        assert base64.b64decode(stored["minhash"]) == record["minhash"] and record["minhash"]
        assert (stored["file_key"], stored["file_sig"]) == (record["file_key"], record["file_sig"])


def test_every_version_of_a_story_sits_on_one_shard(client, two_shards, fields):
    stories: dict[str, set[str]] = {}
    for record in fields:
        stories.setdefault(record["story"], set()).add(record["id"])
    assert any(len(versions) > 1 for versions in stories.values())  # the corpus has stories told twice
    shards = client.search_shards(index=two_shards)["shards"]
    assert len(shards) == 2
    for story, versions in stories.items():
        hits = search(client, two_shards, {"term": {"story": story}}, routing=story)
        assert {hit["_id"] for hit in hits} == versions  # one shard (the routed one) holds them all
    with pytest.raises(RequestError, match="routing_missing"):
        client.index(index=two_shards, id="unrouted", body=DocumentMaker().document(fields[0]))


# --- queries: the same documents, the same scores ----------------------------------------------------


@pytest.mark.parametrize("text", QUERIES)
def test_a_typed_query_matches_what_the_embedded_engine_matches(client, one_shard, engine, text):
    tree = parsed_tree(engine, text)
    ours = embedded_scores(engine, tree)
    assert set(ours) == {doc for doc, _ in engine.ranked_ids(text)}  # the scorer here is the engine's
    theirs = opensearch_scores(client, one_shard, tree)
    assert set(theirs) == set(ours), tree
    if text in FUZZY:
        assert all(theirs[doc] <= ours[doc] * (1 + SEARCHED_TEXT) for doc in ours)  # expansions weigh less
        return
    tolerance = SEARCHED_TEXT if searches_headline_and_body_only(tree) else SCORE_TOLERANCE
    assert largest_difference(ours, theirs) <= tolerance, (tree, ours, theirs)


@pytest.mark.parametrize("name", HAND_MADE)
def test_a_hand_made_tree_matches_and_scores_as_the_embedded_engine(client, one_shard, engine, name):
    tree = HAND_MADE[name]
    ours, theirs = embedded_scores(engine, tree), opensearch_scores(client, one_shard, tree)
    assert ours and set(theirs) == set(ours)
    assert largest_difference(ours, theirs) <= SCORE_TOLERANCE, (ours, theirs)


def test_the_parser_trees_cover_every_kind_of_node(engine):
    nodes = [node for text in QUERIES for node in parsed_tree(engine, text).walk()]
    nodes += [node for tree in HAND_MADE.values() for node in tree.walk()]
    kinds = {type(node) for node in nodes}
    phrases = [node for node in nodes if isinstance(node, qt.Phrase)]
    slops = {phrase.slop for phrase in phrases}
    assert kinds == {qt.Term, qt.Phrase, qt.Prefix, qt.Wildcard, qt.Fuzzy, qt.DateRange, qt.Everything,
                     qt.And, qt.Or, qt.Not, qt.AndNot, qt.AndMaybe, qt.ConstantScore}
    assert 1 in slops and len(slops) > 2


def test_two_shards_with_dfs_score_as_one_shard(client, one_shard, two_shards, engine):
    for text in QUERIES:
        tree = parsed_tree(engine, text)
        single = opensearch_scores(client, one_shard, tree)
        sharded = opensearch_scores(client, two_shards, tree)
        assert set(sharded) == set(single), text
        assert largest_difference(single, sharded) < 1e-5, text


def test_expansions_from_a_vocabulary_score_exactly_as_the_embedded_engine(client, one_shard, engine, fields):
    """Given the terms a prefix, wildcard or fuzzy word expands to (here, over the documents'
    terms, as the embedded index expands them), the compiled Or of terms scores as the embedded
    backend does: no fuzzy weighting left."""
    expansions = vocabulary_expansions(fields)
    for text in ("Zelensk*", "Wall?ce", "dr?ne", *FUZZY):
        tree = parsed_tree(engine, text)
        ours = embedded_scores(engine, tree)
        theirs = opensearch_scores(client, one_shard, tree, expansions=expansions)
        assert set(theirs) == set(ours) and ours, text
        assert largest_difference(ours, theirs) <= SEARCHED_TEXT, text


def test_the_entity_boost_ranks_an_article_about_the_entity_higher(client, one_shard, engine):
    """The boost adds each document's salience of the named entity (to the 9 bits rank_features
    keep), and lifts an article where Kyiv is salient over one that scores higher by its words."""
    boosted_tree = parsed_tree(engine, "Kyiv")
    assert isinstance(boosted_tree, qt.AndMaybe)
    salience = embedded_scores(engine, boosted_tree.optional)
    ours = embedded_scores(engine, boosted_tree)
    boosted = opensearch_scores(client, one_shard, boosted_tree)
    unboosted = opensearch_scores(client, one_shard, boosted_tree.required)
    assert salience and set(salience) <= set(boosted) == set(unboosted)
    for doc, score in boosted.items():
        assert score - unboosted[doc] == pytest.approx(salience.get(doc, 0.0), rel=0.005, abs=1e-4), doc
    lifted = [(up, down) for up in boosted for down in boosted
              if unboosted[up] < unboosted[down] and boosted[up] > boosted[down]]
    assert lifted
    for up, down in lifted:
        assert salience.get(up, 0.0) > salience.get(down, 0.0) and ours[up] > ours[down], (up, down)


def test_names_known_to_opensearch_make_the_same_tree(client, one_shard, engine):
    def known(fieldname: str, key: str) -> bool:
        query = compile_tree(qt.Term(fieldname, key))
        return client.count(index=one_shard, body={"query": query})["count"] > 0

    reader = engine.reader
    for text in ("Patti Domm", "Tony Diver drones", "Domm oil", "Reuters oil", "drones"):
        parsed = reader.with_names(reader.parse(text), known, common=is_common_word)
        assert with_entity_boost(parsed.tree, parsed.terms, engine.weights) == parsed_tree(engine, text), text
    assert any(leaf.field == "byline" for leaf in parsed_tree(engine, "Patti Domm").leaves())
    assert any(leaf.field == "source_key" for leaf in parsed_tree(engine, "Reuters oil").leaves())


def test_matched_queries_name_the_clauses_each_hit_holds(client, one_shard, engine):
    text = "Wallace drones Kyiv"
    parsed = engine.reader.parse(text)
    tree = parsed_tree(engine, text)
    clauses = {f"clause-{i}": clause.tree for i, clause in enumerate(parsed.clauses)}
    assert len(clauses) == 3
    named = {name: compile_tree(node) for name, node in clauses.items()}
    hits = search(client, one_shard, with_named_clauses(compile_tree(tree), named))
    scores = {hit["_id"]: hit["_score"] for hit in hits}
    assert scores == opensearch_scores(client, one_shard, tree)  # the named clauses change nothing
    holders = {name: set(embedded_scores(engine, node)) for name, node in clauses.items()}
    for hit in hits:
        held = {name for name, docs in holders.items() if hit["_id"] in docs}
        assert set(hit.get("matched_queries", [])) == held, hit["_id"]
    assert any(len(hit.get("matched_queries", [])) < 3 for hit in hits)  # some hit lacks a word


def test_a_field_a_document_lacks_matches_nothing_there(client, one_shard, engine, fields):
    """Its ABSENT term counts it in the field's statistics but never makes it match the field."""
    for fieldname in ("title", "byline", "person", "weapon"):
        assert FIELD_KINDS[fieldname] in SCORED_KINDS
        having = set(embedded_scores(engine, qt.Everything(fieldname)))
        assert 0 < len(having) < len(fields), fieldname
        hits = search(client, one_shard, compile_tree(qt.Everything(fieldname)))
        assert {hit["_id"] for hit in hits} == having
