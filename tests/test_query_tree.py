"""search.query.tree: the neutral query tree, and its compilation for the Whoosh backend.

The tree's `normalize()` must simplify as Whoosh's does, so that compiling a normalized tree
gives what Whoosh's `normalize()` makes of the compiled tree: checked on generated trees.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.backends.whoosh.compile import compile_tree
from search.backends.whoosh.queries import CappedFuzzyTerm, CappedPrefix, CappedWildcard, NewsPhrase
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


def test_normalize_flattens_drops_and_unwraps():
    nato, drone = Term("content", "NATO"), Term("content", "drone")
    assert Or((Or((nato, drone)), NOTHING, nato)).normalize() == Or((nato, drone))
    assert And((Or((nato,)),)).normalize() == nato
    assert Or((NOTHING, Or(()))).normalize() == NOTHING
    assert Phrase("content_exact", ("nato",), boost=2.0).normalize() == Term("content_exact", "nato")
    assert Wildcard("title", "dr*").normalize() == Prefix("title", "dr")
    assert Or((nato, Everything())).normalize() == Everything()
    assert AndNot(NOTHING, nato).normalize() == NOTHING and AndMaybe(nato, NOTHING).normalize() == nato


def test_helpers_walk_and_rebuild_a_tree():
    nato, drone, iran = Term("content", "NATO"), Term("title", "drone"), Term("content", "iran")
    query = AndNot(Or((nato, drone)), Not(iran))
    assert list(query.leaves()) == [nato, drone, iran]
    assert query.children() == (Or((nato, drone)), Not(iran))
    assert query.with_children((nato, iran)) == AndNot(nato, iran)
    doubled = query.accept(lambda node: Term(node.field, node.text, 2.0) if isinstance(node, Term) else node)
    assert [leaf.boost for leaf in doubled.leaves()] == [2.0, 2.0, 2.0]
    assert Or((nato, iran)).single_field() == "content" and query.single_field() is None


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
