"""The Whoosh backend's BM25 (its weighting model, and the engine's array scoring over it)
checked against rank-bm25 on a real index, with Lucene's IDF and Whoosh's decoded lengths."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi
from whoosh import query as wq

from search.analysis import terms
from search.backends.whoosh.store import open_index
from search.backends.whoosh.weighting import NewsBM25F
from search.engine import Engine
from search.indexer import update_index
from search.rank import DEFAULT_WEIGHTS, Weights, idf

REL = 1e-6
CONTENT_ONLY = {"title": 0.0, "content": 1.0, "title_exact": 0.0, "content_exact": 0.0}


def bm25_weights(**settings) -> Weights:
    """Weights that leave BM25 on `content` alone: no headline, no feedback, no tiers, no other boosts."""
    no_boosts = {f.name: 0.0 for f in fields(Weights) if f.name.endswith("_boost")}
    return Weights(**{"field_weights": CONTENT_ONLY, "feedback_docs": 0, "all_words_max_terms": 0,
                      **no_boosts, **settings})


def test_the_weighting_model_takes_the_default_weights():
    assert NewsBM25F().weights is DEFAULT_WEIGHTS


# --- against rank-bm25 on a real index --------------------------------------------------------

VOCABULARY = ["drone", "missile", "radar", "bridge", "winter", "convoy", "pilot", "border",
              "harbor", "tank", "village", "artillery", "river", "airfield", "supply"]


def make_texts() -> list[str]:
    """30 documents of 2 to 45 words; every one says `report` (a term in every document)."""
    rng = random.Random(20221010)
    texts = []
    for i in range(30):
        length = 1 + (i * 7) % 45
        words = [rng.choice(VOCABULARY) for _ in range(length)]
        if i % 5 == 0:
            words += ["drone"] * (i % 4 + 1)
        words.insert(rng.randrange(len(words) + 1), "report")
        texts.append(" ".join(words))
    return texts


@pytest.fixture(scope="module")
def rank_corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    """A JSONL corpus without titles (so `content` is the text), indexed on disk."""
    base = tmp_path_factory.mktemp("rank")
    texts = make_texts()
    root = base / "corpus"
    root.mkdir()
    lines = [json.dumps({"id": f"d{i:02d}", "title": "", "text": text}) for i, text in enumerate(texts)]
    (root / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = update_index(base / "index", [root])
    assert report.added == len(texts) and report.failed == 0
    return base / "index", texts


class Reference:
    """rank-bm25 given the index's tokens, Lucene's IDF and Whoosh's decoded field lengths."""

    def __init__(self, index_dir: Path, texts: list[str], k1: float, b: float):
        ix = open_index(index_dir)
        analyzer = ix.schema["content"].analyzer
        with ix.searcher() as searcher:
            docnums = {searcher.stored_fields(n)["id"]: n for n in range(searcher.doc_count_all())}
            self.ids = [f"d{i:02d}" for i in range(len(texts))]
            tokens = [terms(text, analyzer) for text in texts]
            self.model = BM25Okapi(tokens, k1=k1, b=b)
            n_docs = searcher.doc_count_all()
            assert n_docs == len(texts)
            # Whoosh's total field length is exact, so its average equals rank-bm25's
            assert searcher.field_length("content") == sum(len(t) for t in tokens)
            assert searcher.avg_field_length("content") == pytest.approx(self.model.avgdl, rel=1e-12)
            decoded = [searcher.doc_field_length(docnums[doc_id], "content") for doc_id in self.ids]
            for exact, stored in zip((len(t) for t in tokens), decoded, strict=True):
                if exact <= 10:
                    assert stored == exact
            self.model.doc_len = decoded
            for word in self.model.idf:
                self.model.idf[word] = idf(n_docs, searcher.doc_frequency("content", word))
                assert self.model.idf[word] > 0

    def scores(self, query_tokens: list[str]) -> dict[str, float]:
        values = self.model.get_scores(query_tokens)
        return {doc_id: float(v) for doc_id, v in zip(self.ids, values, strict=True) if v > 0}


def whoosh_scores(index_dir: Path, query_tokens: list[str], weights: Weights) -> list[tuple[str, float]]:
    """The query's terms on `content`, each boosted by how often it was typed, ranked by NewsBM25F."""
    ix = open_index(index_dir)
    counts = Counter(query_tokens)
    query = wq.Or([wq.Term("content", t, boost=float(n)) for t, n in counts.items()])
    with ix.searcher(weighting=NewsBM25F(weights)) as searcher:
        return [(hit["id"], hit.score) for hit in searcher.search(query, limit=None)]


def assert_same_ranking(actual: list[tuple[str, float]], expected: dict[str, float]) -> None:
    assert {doc_id for doc_id, _ in actual} == set(expected)
    for doc_id, score in actual:
        assert score == pytest.approx(expected[doc_id], rel=REL), doc_id
    # Whoosh's order is rank-bm25's order (ties aside)
    reference = [expected[doc_id] for doc_id, _ in actual]
    for better, worse in zip(reference, reference[1:], strict=False):
        assert better >= worse * (1 - REL)


QUERIES = [
    "drone",
    "drone missile",
    "report",                       # in every document: Lucene's IDF, not rank-bm25's epsilon
    "radar bridge winter convoy",
    "artillery airfield report",
    "drone drone missile",          # a repeated word counts twice
    "harbour tanks villages",       # analysed like the documents (harbour = harbor, plurals stemmed)
]


@pytest.mark.parametrize(("k1", "b"), [(1.5, 0.75), (1.2, 0.4), (2.0, 1.0), (0.9, 0.0)])
@pytest.mark.parametrize("text", QUERIES)
def test_newsbm25f_matches_rank_bm25(rank_corpus, text, k1, b):
    index_dir, texts = rank_corpus
    reference = Reference(index_dir, texts, k1, b)
    tokens = terms(text, open_index(index_dir).schema["content"].analyzer, mode="query")
    expected = reference.scores(tokens)
    assert expected, "the query should match something"
    weights = bm25_weights(k1=k1, b=b)
    assert_same_ranking(whoosh_scores(index_dir, tokens, weights), expected)


@pytest.mark.parametrize("text", QUERIES)
def test_engine_scores_match_rank_bm25(rank_corpus, text):
    """Through the query language and the engine: scores equal rank-bm25's."""
    index_dir, texts = rank_corpus
    weights = bm25_weights(k1=1.3, b=0.6)
    engine = Engine(index_dir, weights=weights)
    tokens = terms(text, engine.backend.schema["content"].analyzer, mode="query")
    expected = Reference(index_dir, texts, 1.3, 0.6).scores(tokens)
    ranked = engine.ranked_ids(text, 1000)
    assert {doc_id for doc_id, _ in ranked} == set(expected)
    for doc_id, score in ranked:
        assert score == pytest.approx(expected[doc_id], rel=REL), doc_id


def test_a_word_typed_twice_doubles_its_contribution(rank_corpus):
    index_dir, texts = rank_corpus
    weights = bm25_weights()
    engine = Engine(index_dir, weights=weights)
    once = dict(engine.ranked_ids("drone missile", 1000))
    twice = dict(engine.ranked_ids("drone drone missile", 1000))
    missile = dict(engine.ranked_ids("missile", 1000))
    assert set(once) == set(twice)
    changed = 0
    for doc_id, score in once.items():
        drone_part = score - missile.get(doc_id, 0.0)
        assert twice[doc_id] == pytest.approx(score + drone_part, rel=REL), doc_id
        changed += drone_part > 0
    assert changed > 0
    # and rank-bm25 with the token twice in its query agrees
    tokens = terms("drone drone missile", engine.backend.schema["content"].analyzer, mode="query")
    assert tokens == ["drone", "drone", "missil"]
    reference = Reference(index_dir, texts, weights.k1, weights.b).scores(tokens)
    for doc_id, score in twice.items():
        assert score == pytest.approx(reference[doc_id], rel=REL)


def test_changing_k1_changes_the_scores_as_the_formula_says(rank_corpus):
    index_dir, texts = rank_corpus
    low = bm25_weights(k1=0.5)
    high = replace(low, k1=3.0)
    low_scores = dict(Engine(index_dir, weights=low).ranked_ids("drone", 1000))
    high_scores = dict(Engine(index_dir, weights=high).ranked_ids("drone", 1000))
    assert set(low_scores) == set(high_scores)
    assert any(low_scores[d] != pytest.approx(high_scores[d], rel=1e-3) for d in low_scores)
    low_ref = Reference(index_dir, texts, 0.5, low.b).scores(["drone"])
    high_ref = Reference(index_dir, texts, 3.0, high.b).scores(["drone"])
    for doc_id in low_scores:
        assert low_scores[doc_id] == pytest.approx(low_ref[doc_id], rel=REL)
        assert high_scores[doc_id] == pytest.approx(high_ref[doc_id], rel=REL)


def test_changing_b_changes_the_scores(rank_corpus):
    index_dir, _ = rank_corpus
    flat = bm25_weights(b=0.0)
    full = replace(flat, b=1.0)
    flat_scores = dict(Engine(index_dir, weights=flat).ranked_ids("drone", 1000))
    full_scores = dict(Engine(index_dir, weights=full).ranked_ids("drone", 1000))
    assert any(flat_scores[d] != pytest.approx(full_scores[d], rel=1e-3) for d in flat_scores)


@pytest.fixture(scope="module")
def titled_index(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("titled")
    root = base / "corpus"
    root.mkdir()
    records = [
        {"id": "in-title", "title": "Radar upgrade", "text": "the army bought new equipment for the border"},
        {"id": "in-body", "title": "Border news", "text": "a radar was installed near the river crossing"},
        {"id": "neither", "title": "Winter", "text": "snow fell on the village all week long"},
    ]
    (root / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    update_index(base / "index", [root])
    return base / "index"


def test_the_title_weight_scales_only_title_matches(titled_index):
    none = bm25_weights(field_weights={**CONTENT_ONLY, "title": 0.0})
    some = bm25_weights(field_weights={**CONTENT_ONLY, "title": 1.0})
    more = bm25_weights(field_weights={**CONTENT_ONLY, "title": 2.0})
    scores = [dict(Engine(titled_index, weights=w).ranked_ids("radar", 10)) for w in (none, some, more)]
    assert set(scores[0]) == {"in-title", "in-body"}
    assert scores[0]["in-title"] < scores[1]["in-title"] < scores[2]["in-title"]
    # the title's share is linear in its weight
    title_part = scores[1]["in-title"] - scores[0]["in-title"]
    assert scores[2]["in-title"] == pytest.approx(scores[0]["in-title"] + 2 * title_part, rel=REL)
    # a document without the word in its title is untouched
    assert scores[0]["in-body"] == pytest.approx(scores[1]["in-body"], rel=REL)
    assert scores[0]["in-body"] == pytest.approx(scores[2]["in-body"], rel=REL)


def test_the_content_weight_scales_content_scores(titled_index):
    one = bm25_weights()
    three = bm25_weights(field_weights={**CONTENT_ONLY, "content": 3.0})
    base = dict(Engine(titled_index, weights=one).ranked_ids("radar", 10))
    tripled = dict(Engine(titled_index, weights=three).ranked_ids("radar", 10))
    assert set(base) == set(tripled) == {"in-title", "in-body"}
    for doc_id, score in base.items():
        assert tripled[doc_id] == pytest.approx(3 * score, rel=REL)
