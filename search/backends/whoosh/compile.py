"""The query tree as a Whoosh query, node for node (nothing is simplified here: the tree's own
`normalize()` does that, as Whoosh's would)."""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as wq

from search.backends.whoosh.queries import CappedFuzzyTerm, CappedPrefix, CappedWildcard, NewsPhrase
from search.query import tree as qt


def compile_tree(node: qt.Node) -> wq.Query:
    """The Whoosh query asking what `node` asks: prefix, wildcard and fuzzy terms capped at
    MAX_EXPANSIONS expansions, phrases matched by NewsPhrase."""
    return COMPILERS[type(node)](node)


def _group(kind: type[wq.CompoundQuery]) -> Callable[[qt.Group], wq.Query]:
    return lambda node: kind([compile_tree(part) for part in node.parts], boost=node.boost)


COMPILERS: dict[type, Callable[..., wq.Query]] = {
    qt.Term: lambda node: wq.Term(node.field, node.text, boost=node.boost),
    qt.Phrase: lambda node: NewsPhrase(node.field, list(node.words), slop=node.slop, boost=node.boost),
    qt.Prefix: lambda node: CappedPrefix(node.field, node.text, boost=node.boost),
    qt.Wildcard: lambda node: CappedWildcard(node.field, node.pattern, boost=node.boost),
    qt.Fuzzy: lambda node: CappedFuzzyTerm(node.field, node.text, boost=node.boost, maxdist=node.maxdist,
                                           prefixlength=node.prefixlength),
    qt.DateRange: lambda node: wq.DateRange(node.field, node.start, node.end, boost=node.boost),
    qt.Everything: lambda node: wq.Every(node.field, boost=node.boost),
    qt.Nothing: lambda node: wq.NullQuery,
    qt.And: _group(wq.And),
    qt.Or: _group(wq.Or),
    qt.Not: lambda node: wq.Not(compile_tree(node.child)),
    qt.AndNot: lambda node: wq.AndNot(compile_tree(node.positive), compile_tree(node.negative)),
    qt.AndMaybe: lambda node: wq.AndMaybe(compile_tree(node.required), compile_tree(node.optional)),
    qt.ConstantScore: lambda node: wq.ConstantScoreQuery(compile_tree(node.child), node.score),
}
