"""The OpenSearch backend's building blocks (issue 18) on the session's real cluster: the mapping,
our documents analysed in Python, and query trees compiled to the DSL.

The same records (the five seed articles, the wire and dated corpora, two records written for
phrase slop) are indexed by the embedded engine and into OpenSearch. OpenSearch must hold our terms
at our positions, and for the parser's trees (typed queries, with the entity boost as the engine
adds it) and a few hand-made ones match the documents the embedded engine matches. On a one-shard
index (and on two shards with dfs_query_then_fetch) the scores agree within SCORE_TOLERANCE: what
is left is Lucene's one-byte field lengths against Whoosh's (both lossy above about 24 terms,
Lucene rounding down by up to 11% and Whoosh up by up to 9%: 8.5% apart at most on these trees of
headline and body terms), the one ABSENT term a document without a field adds to the field's
average length (18% on `person:wallace`, the largest), float32 arithmetic, the salience kept to 9
bits by `rank_features`, and Lucene's weight of a fuzzy expansion (20% on `Wallce~`).
"""

from __future__ import annotations

import base64
import json
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS
from fixtures_corpora import DATED_RECORDS, WIRE_RECORDS
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from search.backends.opensearch.compile import compile_tree, with_named_clauses
from search.backends.opensearch.documents import DocumentMaker, bulk_actions, token_stream
from search.backends.opensearch.mapping import (
    ABSENT,
    FIELD_KINDS,
    SCORED_KINDS,
    TEXT,
    TOKENS_ANALYZER,
    index_body,
)
from search.backends.whoosh import compile as whoosh_compile
from search.backends.whoosh.queries import CappedFuzzyTerm, CappedPrefix, CappedWildcard
from search.engine import Engine
from search.index import ColumnValues, build_schema, document_fields, file_key
from search.indexer import _read_job, signature_of, update_index
from search.ingest import find_files
from search.query import tree as qt
from search.rank import ENTITY_FIELD, name_keys
from search.scoring import ArrayScorer, Postings
from search.wordlist import is_common_word

pytestmark = pytest.mark.opensearch

SCORE_TOLERANCE = 0.2  # the largest relative difference allowed (measured: see the module's docstring)
SEARCHED_TEXT = 0.1  # the same, for trees of headline and body terms only (no sparse filter field)
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


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dsl-corpus") / "corpus"
    root.mkdir()
    for seed in sorted(CORPUS.glob("*.txt")):
        shutil.copy(seed, root)
    records = WIRE_RECORDS + DATED_RECORDS + SLOP_RECORDS
    (root / "records.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def engine(corpus) -> Engine:
    index = corpus.parent / "index"
    report = update_index(index, [corpus])
    assert report.added == 5 + len(WIRE_RECORDS) + len(DATED_RECORDS) + len(SLOP_RECORDS), report.problems
    return Engine(index)


@pytest.fixture(scope="module")
def fields(corpus, engine) -> list[dict]:
    """Each article's fields as the indexer makes them (read, entities, MinHash), with the story
    the embedded index gave it."""
    searcher = engine.searcher()
    found = []
    for path in find_files(corpus):
        relative = path.relative_to(corpus).as_posix()
        contents, extras, _ = _read_job((path, relative, {}))
        key, signature = file_key(str(corpus.resolve()), relative), signature_of(path, path.stat())
        for article, extra in zip(contents.articles, extras, strict=True):
            story = searcher.document(id=article.id)["story"]
            found.append(document_fields(article, key, signature, replace(extra, story=story)))
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
    reader = engine.searcher().reader()
    parsed = engine.builder.with_names(engine.builder.parse(text), lambda field, key: (field, key) in reader,
                                       common=is_common_word)
    return with_entity_boost(parsed.tree, parsed.terms)


def with_entity_boost(tree: qt.Node, terms: list[str]) -> qt.Node:
    """`search.rank.with_entity_boost` as a tree: the query, and the salience of the entities it names."""
    if not terms or tree == qt.NOTHING:
        return tree
    return qt.AndMaybe(tree, qt.Or(tuple(qt.Term(ENTITY_FIELD, key) for key in name_keys(terms))))


def whoosh_scores(engine: Engine, tree: qt.Node) -> dict[str, float]:
    """Every document the embedded engine's scorer matches with the tree, and its score."""
    searcher = engine.searcher()
    scorer = ArrayScorer(searcher, Postings(searcher), engine.weighting.weights, time.monotonic() + 60)
    scored = scorer.evaluate(whoosh_compile.compile_tree(tree))
    return {searcher.stored_fields(int(docnum))["id"]: float(scored.score[docnum])
            for docnum in np.flatnonzero(scored.hit)}


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


def whoosh_positions(engine: Engine, fieldname: str) -> dict[str, dict[str, list[int]]]:
    """Per document id, each term of a field of the embedded index and its positions there."""
    searcher = engine.searcher()
    reader = searcher.reader()
    found: dict[str, dict[str, list[int]]] = {}
    for btext in reader.lexicon(fieldname):
        postings = reader.postings(fieldname, btext)
        while postings.is_active():
            doc_id = searcher.stored_fields(postings.id())["id"]
            found.setdefault(doc_id, {})[btext.decode("utf-8")] = list(postings.value_as("positions"))
            postings.next()
    return found


# --- the mapping and the documents ---------------------------------------------------------------


def test_the_mapping_holds_every_searched_field_of_the_schema():
    searched = {name for name, field in build_schema().items() if field.indexed}
    assert set(FIELD_KINDS) == searched - {"completion"}  # completion: suggestions, kept apart
    settings = index_body()["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (2, 1)
    similarity = settings["similarity"]["news_bm25"]
    assert (similarity["k1"], similarity["b"], similarity["discount_overlaps"]) == (1.5, 0.75, False)
    with pytest.raises(ValueError, match="at least one shard"):
        index_body(shards=0)


@pytest.mark.parametrize("text", [
    "Iran sent Shahed-136 drones; the medium-range air-to-air missile (Amraam) flew.",
    "BEN WALLACE flew to the U.S. and to Nato's summit as the MPs' vote of the year began",
    "the of and to",
    "Zelenskiy’s ally said it was time time time",
])
def test_a_token_stream_reads_back_as_our_terms_at_our_positions(client, one_shard, text):
    schema = build_schema()
    for fieldname in ("content", "content_exact", "person"):
        tokens = schema[fieldname].analyzer(text, positions=True, mode="index")
        ours = [(token.pos, token.text) for token in tokens]
        stream = token_stream(ours)
        answer = client.indices.analyze(index=one_shard, body={"analyzer": TOKENS_ANALYZER, "text": stream})
        assert [(token["position"], token["token"]) for token in answer["tokens"]] == ours, fieldname
    tokens = schema["content"].analyzer("Shahed-136 drones", positions=True)
    shahed = [(token.pos, token.text) for token in tokens]
    assert [position for position, _ in shahed] == [0, 0, 1, 2] and shahed[0][1] == "shahed-136"  # stacked


def test_every_document_holds_our_terms_at_our_positions(client, one_shard, engine, fields):
    """The index's own postings, field by field, against OpenSearch's term vectors; and each field's
    statistics: every document counted, the terms' total the embedded index's plus one ABSENT
    term per document without the field."""
    texts = [name for name, kind in FIELD_KINDS.items() if kind == TEXT]
    expected = {name: whoosh_positions(engine, name) for name in texts}
    reader = engine.searcher().reader()
    for record in fields:
        answer = client.termvectors(index=one_shard, id=record["id"], routing=record["story"],
                                    fields=",".join(texts), positions=True, offsets=False, payloads=False,
                                    field_statistics=True)
        vectors = answer["term_vectors"]
        for name in texts:
            held = {term: [token["position"] for token in info["tokens"]]
                    for term, info in vectors.get(name, {}).get("terms", {}).items()}
            ours = expected[name].get(record["id"], {})
            assert held == (ours or {ABSENT: [0]}), (record["id"], name)
    for name in texts:
        statistics = vectors[name]["field_statistics"]
        absent = len(fields) - len({doc for doc, terms in expected[name].items() if terms})
        assert statistics["doc_count"] == len(fields), name
        assert statistics["sum_ttf"] == reader.field_length(name) + absent, name


def test_the_stored_source_is_what_the_engine_shows(client, one_shard, engine, fields):
    searcher = engine.searcher()
    minhash = ColumnValues(searcher.reader(), "minhash")
    for record in fields:
        source = client.get(index=one_shard, id=record["id"], routing=record["story"])["_source"]
        assert set(source) == {"stored"}  # the analysed streams are searched, never shown
        stored = source["stored"]
        docnum = searcher.document_number(id=record["id"])
        shown = searcher.stored_fields(docnum)
        shown_names = ("id", "path", "line", "url", "title", "source", "authors", "credit", "tags", "body",
                       "story", "entities")
        for name in shown_names:
            assert stored[name] == shown.get(name), (record["id"], name)
        assert stored["date"] == (shown["date"].isoformat() if shown.get("date") else None)
        assert base64.b64decode(stored["minhash"]) == minhash[docnum]
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
    ours = whoosh_scores(engine, tree)
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
    ours, theirs = whoosh_scores(engine, tree), opensearch_scores(client, one_shard, tree)
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


def test_expansions_from_a_vocabulary_score_exactly_as_the_embedded_engine(client, one_shard, engine):
    """Given the terms a prefix, wildcard or fuzzy word expands to (here, as the embedded index
    expands them), the compiled Or of terms scores as Whoosh does: no fuzzy weighting left."""
    reader = engine.searcher().reader()
    capped = {qt.Prefix: lambda n: CappedPrefix(n.field, n.text),
              qt.Wildcard: lambda n: CappedWildcard(n.field, n.pattern),
              qt.Fuzzy: lambda n: CappedFuzzyTerm(n.field, n.text, maxdist=n.maxdist,
                                                  prefixlength=n.prefixlength)}

    def expansions(node: qt.Node) -> list[str]:
        found = capped[type(node)](node)._btexts(reader)
        return [text.decode("utf-8") if isinstance(text, bytes) else text for text in found]

    for text in ("Zelensk*", "Wall?ce", "dr?ne", *FUZZY):
        tree = parsed_tree(engine, text)
        ours = whoosh_scores(engine, tree)
        theirs = opensearch_scores(client, one_shard, tree, expansions=expansions)
        assert set(theirs) == set(ours) and ours, text
        assert largest_difference(ours, theirs) <= SEARCHED_TEXT, text


def test_the_entity_boost_ranks_an_article_about_the_entity_higher(client, one_shard, engine):
    """The boost adds each document's salience of the named entity (to the 9 bits rank_features
    keep), and lifts an article where Kyiv is salient over one that scores higher by its words."""
    boosted_tree = parsed_tree(engine, "Kyiv")
    assert isinstance(boosted_tree, qt.AndMaybe)
    salience = whoosh_scores(engine, boosted_tree.optional)
    ours = whoosh_scores(engine, boosted_tree)
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

    builder = engine.builder
    for text in ("Patti Domm", "Tony Diver drones", "Domm oil", "Reuters oil", "drones"):
        parsed = builder.with_names(builder.parse(text), known, common=is_common_word)
        assert with_entity_boost(parsed.tree, parsed.terms) == parsed_tree(engine, text), text
    assert any(leaf.field == "byline" for leaf in parsed_tree(engine, "Patti Domm").leaves())
    assert any(leaf.field == "source_key" for leaf in parsed_tree(engine, "Reuters oil").leaves())


def test_matched_queries_name_the_clauses_each_hit_holds(client, one_shard, engine):
    text = "Wallace drones Kyiv"
    parsed = engine.builder.parse(text)
    tree = parsed_tree(engine, text)
    clauses = {f"clause-{i}": clause.tree for i, clause in enumerate(parsed.clauses)}
    assert len(clauses) == 3
    named = {name: compile_tree(node) for name, node in clauses.items()}
    hits = search(client, one_shard, with_named_clauses(compile_tree(tree), named))
    scores = {hit["_id"]: hit["_score"] for hit in hits}
    assert scores == opensearch_scores(client, one_shard, tree)  # the named clauses change nothing
    holders = {name: set(whoosh_scores(engine, node)) for name, node in clauses.items()}
    for hit in hits:
        held = {name for name, docs in holders.items() if hit["_id"] in docs}
        assert set(hit.get("matched_queries", [])) == held, hit["_id"]
    assert any(len(hit.get("matched_queries", [])) < 3 for hit in hits)  # some hit lacks a word


def test_a_field_a_document_lacks_matches_nothing_there(client, one_shard, engine, fields):
    """Its ABSENT term counts it in the field's statistics but never makes it match the field."""
    for fieldname in ("title", "byline", "person", "weapon"):
        assert FIELD_KINDS[fieldname] in SCORED_KINDS
        having = set(whoosh_scores(engine, qt.Everything(fieldname)))
        assert 0 < len(having) < len(fields), fieldname
        hits = search(client, one_shard, compile_tree(qt.Everything(fieldname)))
        assert {hit["_id"] for hit in hits} == having
