"""search.query.tree: the neutral query tree: simplifying, walking and rebuilding it (its
compilation for Whoosh, and normalize() against Whoosh's, in tests/backends/whoosh/test_compile.py)."""

from __future__ import annotations

from search.query.tree import (
    NOTHING,
    And,
    AndMaybe,
    AndNot,
    Everything,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)


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
