"""The query language: from what a person typed to a query that never fails.

`language.py` holds the language's words, limits and text rules, `parser.py` our parser of it,
`reader.py` the steps around the parser, and `tree.py` the neutral query tree they make. Until
the engine reads the trees itself, QueryBuilder here also compiles them for the Whoosh backend:
`ParsedQuery.query`, `.all_words` and each clause's `.query` are the trees as Whoosh queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from search.aliases import AliasTable
from search.backends.whoosh import compile as whoosh_compile
from search.backends.whoosh.queries import (
    MAX_EXPANSIONS,
    CappedFuzzyTerm,
    CappedPrefix,
    CappedWildcard,
    NewsPhrase,
    RepeatedWordMatcher,
)
from search.documents import name_key
from search.query.language import (
    EXACT_FIELDS,
    FIELD_ALIASES,
    FILTER_FIELDS,
    MAX_SLOP,
    OPERATORS,
    QUERY_FIELDS,
    SEARCH_FIELDS,
    QueryWarning,
    date_filter,
    plain_words,
    syntax_problem,
)
from search.query.parser import ANALYSED_FIELDS, FieldAnalyzer
from search.query.reader import Clause, ParsedQuery, QueryReader, all_words_tree

if TYPE_CHECKING:
    from whoosh import query as wq
    from whoosh.analysis import Analyzer
    from whoosh.fields import Schema

__all__ = [
    "EXACT_FIELDS", "FIELD_ALIASES", "FILTER_FIELDS", "MAX_EXPANSIONS", "MAX_SLOP", "OPERATORS",
    "QUERY_FIELDS", "SEARCH_FIELDS", "CappedFuzzyTerm", "CappedPrefix", "CappedWildcard", "Clause",
    "NewsPhrase", "ParsedQuery", "QueryBuilder", "QueryWarning", "RepeatedWordMatcher", "all_words_query",
    "date_range", "plain_words", "syntax_problem",
]


class QueryBuilder:
    """Turns query text into a runnable query for one schema: our parser's tree, compiled for
    the Whoosh backend."""

    def __init__(self, schema: Schema, aliases: AliasTable | None = None):
        self.schema = schema
        self.aliases = aliases
        self.reader = QueryReader(field_analyzers(schema), name_key, aliases)
        self.content_analyzer = schema["content"].analyzer  # the engine analyses words with it

    def parse(self, text: str) -> ParsedQuery:
        """See QueryReader.parse."""
        return compiled(self.reader.parse(text))

    def with_names(self, parsed: ParsedQuery, known: Callable[[str, str], bool],
                   common: Callable[[str], bool]) -> ParsedQuery:
        """See QueryReader.with_names."""
        return compiled(self.reader.with_names(parsed, known, common))


def field_analyzers(schema: Schema) -> dict[str, FieldAnalyzer]:
    """Each field the parser analyses, analysed as the schema's field analyses a query."""
    return {name: query_analysis(schema[name].analyzer) for name in ANALYSED_FIELDS}


def query_analysis(analyzer: Analyzer) -> FieldAnalyzer:
    """A Whoosh analyzer as the parser calls it (see parser.FieldAnalyzer)."""
    def analyze(text: str, whole: bool) -> list[str]:
        tokens = analyzer(text, mode="query", tokenize=not whole, removestops=not whole)
        return [token.text for token in tokens]
    return analyze


def compiled(parsed: ParsedQuery) -> ParsedQuery:
    """The parsed query with its trees compiled for the Whoosh backend."""
    compile_tree = whoosh_compile.compile_tree
    parsed.query = compile_tree(parsed.tree)
    parsed.all_words = None if parsed.all_words_tree is None else compile_tree(parsed.all_words_tree)
    for clause in parsed.clauses:
        clause.query = compile_tree(clause.tree)
    return parsed


def all_words_query(terms: list[str]) -> wq.Query | None:
    """Every one of the terms, each in headline or body (None for one term), for Whoosh."""
    found = all_words_tree(terms)
    return None if found is None else whoosh_compile.compile_tree(found)


def date_range(start: str | None, end: str | None) -> wq.Query | None:
    """A date filter from `YYYY[-MM[-DD]]` bounds (either may be open); None if malformed."""
    found = date_filter(start, end)
    return None if found is None else whoosh_compile.compile_tree(found)
