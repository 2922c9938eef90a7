"""The query tree compiled for the Whoosh backend (search/backends/whoosh/compile.py).

The tree's `normalize()` must simplify as Whoosh's does, so that compiling a normalized tree
gives what Whoosh's `normalize()` makes of the compiled tree: checked on generated trees.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import build_jsonl_index as build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.backends.whoosh.compile import compile_tree
from search.backends.whoosh.queries import (
    MAX_EXPANSIONS,
    CappedFuzzyTerm,
    CappedPrefix,
    CappedWildcard,
    NewsPhrase,
)
from search.backends.whoosh.store import open_index
from search.documents import name_key
from search.engine import Engine
from search.fields import query_analyzers
from search.query import QueryReader
from search.query.tree import (
    NOTHING,
    And,
    AndMaybe,
    AndNot,
    ConstantScore,
    DateRange,
    Everything,
    Fuzzy,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)

READER = QueryReader(query_analyzers(), name_key)
FIELDS = ["title", "content", "source"]
TEXTS = ["drone", "nato", "NATO", "strike"]
boost = st.sampled_from([1.0, 1.0, 1.0, 2.0, 0.5])
field = st.sampled_from(FIELDS)
text = st.sampled_from(TEXTS)
leaf = st.one_of(
    st.builds(Term, field, text, boost),
    st.builds(Phrase, field, st.lists(text, max_size=3).map(tuple), st.sampled_from([1, 5]), boost),
    st.builds(Prefix, field, text, boost),
    st.builds(Wildcard, field, st.sampled_from(["*", "dr*", "dr?ne", "dr*ne", "drone", "d**"]), boost),
    st.builds(Fuzzy, field, text, st.sampled_from([1, 2]), st.sampled_from([1, 2]), boost),
    st.builds(Everything, st.sampled_from([None, "title", "content"]), boost),
    st.just(NOTHING),
    st.just(DateRange("date", datetime(2022, 10, 1), datetime(2022, 12, 31))),
)


def parts(children):
    return st.lists(children, max_size=4).map(tuple)


tree = st.recursive(leaf, lambda children: st.one_of(
    st.builds(And, parts(children), boost),
    st.builds(Or, parts(children), boost),
    st.builds(Not, children),
    st.builds(AndNot, children, children),
    st.builds(AndMaybe, children, children),
), max_leaves=12)  # no ConstantScore: Whoosh's normalize() fails on a group holding one (it has no boost)


BASES = {CappedPrefix: wq.Prefix, CappedWildcard: wq.Wildcard, NewsPhrase: wq.Phrase}


def as_whoosh(query: wq.Query) -> wq.Query:
    """The query with our capped classes as Whoosh's own (its normalize() makes those)."""
    def base(node: wq.Query) -> wq.Query:
        if type(node) is CappedFuzzyTerm:
            return wq.FuzzyTerm(node.fieldname, node.text, node.boost, node.maxdist, node.prefixlength)
        if type(node) is NewsPhrase:
            return wq.Phrase(node.fieldname, node.words, node.slop, node.boost)
        if type(node) in BASES:
            return BASES[type(node)](node.fieldname, node.text, node.boost)
        return node
    return query.accept(base)


@settings(max_examples=1000, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(tree)
def test_normalize_simplifies_as_whoosh_does(node):
    # compared by repr: Whoosh's == finds an empty And or Or equal to nothing, itself included
    assert repr(as_whoosh(compile_tree(node.normalize()))) == repr(as_whoosh(compile_tree(node)).normalize())


def test_compiling_gives_the_backends_own_query_classes():
    fuzzy, phrase = Fuzzy("title", "drone", 2, 1), Phrase("title_exact", ("drone", "strike"), 3, 0.5)
    compiled = compile_tree(Or((Prefix("title", "dr"), Wildcard("title", "dr?ne"), fuzzy, phrase)))
    kinds = [CappedPrefix, CappedWildcard, CappedFuzzyTerm, NewsPhrase]
    assert [type(part) for part in compiled.subqueries] == kinds
    assert compiled.subqueries[2].maxdist == 2 and compiled.subqueries[3].slop == 3
    assert compiled.subqueries[3].words == ["drone", "strike"] and compiled.subqueries[3].boost == 0.5
    assert compile_tree(NOTHING) is wq.NullQuery
    filtered = wq.ConstantScoreQuery(wq.Term("tag", "x"), 0.0)
    assert compile_tree(ConstantScore(Term("tag", "x"), 0.0)) == filtered


# --- what Whoosh's matchers make of compiled queries -----------------------------------------


@pytest.mark.parametrize("words", [2, 3, 4, 5])
def test_a_phrase_of_one_repeated_word_finds_and_scores_as_whoosh_does(tmp_path, words):
    """A repeated word is matched by a run of positions (Whoosh's own matcher is slow on it)."""
    index = build(tmp_path, [
        {"id": "four", "text": "very very very very large"},
        {"id": "three", "text": "very very very large and very very late"},
        {"id": "two", "text": "very very large, very late"},
        {"id": "apart", "text": "very large and very late and very early"},
        {"id": "title", "title": "Very very", "text": "nothing else"},
    ])
    text = '"' + " ".join(["very"] * words) + '"'
    query = compile_tree(READER.parse(text).tree)
    with open_index(index).searcher() as searcher:
        ours = searcher.search(query, limit=None)
        assert all(isinstance(p, NewsPhrase) for p in query.leaves() if isinstance(p, wq.Phrase))
        plain = wq.Or([wq.Phrase(field, ["very"] * words) for field in ("title_exact", "content_exact")])
        theirs = searcher.search(plain, limit=None)
        assert [(h["id"], round(h.score, 6)) for h in ours] == [(h["id"], round(h.score, 6)) for h in theirs]
    expected = {2: {"four", "three", "two", "title"}, 3: {"four", "three"}, 4: {"four"}, 5: set()}[words]
    assert {doc_id for doc_id, _ in Engine(index).ranked_ids(text, 100)} == expected




def test_prefix_expansion_is_capped(tmp_path):
    """1,150 words start with `zeta`, 50 to an article; only the first MAX_EXPANSIONS are searched."""
    per_article, words = 50, MAX_EXPANSIONS + 150
    records = [{"id": f"g{g:02d}", "text": " ".join(f"zeta{i:04d}" for i in range(g * per_article,
                                                                              (g + 1) * per_article))}
               for g in range(words // per_article)]
    index_dir = build(tmp_path, records)
    ix = open_index(index_dir)
    with ix.searcher() as searcher:
        assert sum(1 for _ in searcher.reader().expand_prefix("content", "zeta")) == words
        leaf = next(p for p in compile_tree(READER.parse("zeta*").tree).leaves()
                    if isinstance(p, CappedPrefix) and p.fieldname == "content")
        assert len(list(leaf.expanded_terms(searcher.reader()))) == MAX_EXPANSIONS
    engine = Engine(index_dir)
    capped = {f"g{g:02d}" for g in range(MAX_EXPANSIONS // per_article)}
    assert {doc_id for doc_id, _ in engine.ranked_ids("zeta*", 100)} == capped
    assert {hit["id"] for hit in engine.search("zeta1100")["results"]} == {f"g{1100 // per_article:02d}"}
