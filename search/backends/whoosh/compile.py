"""The query tree as a Whoosh query, node for node (nothing is simplified here: the tree's own
`normalize()` does that, as Whoosh's would)."""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as wq

from search.backends.whoosh.queries import CappedFuzzyTerm, CappedPrefix, CappedWildcard, DateSpan, NewsPhrase
from search.query import tree as qt


def compile_tree(node: qt.Node, memo: dict | None = None) -> wq.Query:
    """The Whoosh query asking what `node` asks: prefix, wildcard and fuzzy terms capped at
    MAX_EXPANSIONS expansions, phrases matched by NewsPhrase, date ranges read from the date
    column (DateSpan). With `memo`, equal subtrees compile to the same Whoosh query objects
    (what a ranking learns of a phrase, by the id of its query, then holds wherever that
    phrase is compiled again)."""
    if memo is None:
        return COMPILERS[type(node)](node, None)
    found = memo.get(node)
    if found is None:
        found = memo[node] = COMPILERS[type(node)](node, memo)
    return found


def _group(kind: type[wq.CompoundQuery]) -> Callable[[qt.Group, dict | None], wq.Query]:
    return lambda node, memo: kind([compile_tree(part, memo) for part in node.parts], boost=node.boost)


COMPILERS: dict[type, Callable[..., wq.Query]] = {
    qt.Term: lambda node, _: wq.Term(node.field, node.text, boost=node.boost),
    qt.Phrase: lambda node, _: NewsPhrase(node.field, list(node.words), slop=node.slop, boost=node.boost),
    qt.Prefix: lambda node, _: CappedPrefix(node.field, node.text, boost=node.boost),
    qt.Wildcard: lambda node, _: CappedWildcard(node.field, node.pattern, boost=node.boost),
    qt.Fuzzy: lambda node, _: CappedFuzzyTerm(node.field, node.text, boost=node.boost, maxdist=node.maxdist,
                                              prefixlength=node.prefixlength),
    qt.DateRange: lambda node, _: DateSpan(node.field, node.start, node.end, boost=node.boost),
    qt.Everything: lambda node, _: wq.Every(node.field, boost=node.boost),
    qt.Nothing: lambda node, _: wq.NullQuery,
    qt.And: _group(wq.And),
    qt.Or: _group(wq.Or),
    qt.Not: lambda node, memo: wq.Not(compile_tree(node.child, memo)),
    qt.AndNot: lambda node, memo: wq.AndNot(compile_tree(node.positive, memo),
                                            compile_tree(node.negative, memo)),
    qt.AndMaybe: lambda node, memo: wq.AndMaybe(compile_tree(node.required, memo),
                                                compile_tree(node.optional, memo)),
    qt.ConstantScore: lambda node, memo: wq.ConstantScoreQuery(compile_tree(node.child, memo), node.score),
}
