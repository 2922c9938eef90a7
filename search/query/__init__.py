"""The query language: from what a person typed to a query tree that never fails.

`language.py` holds the language's words, limits and text rules, `parser.py` our parser of it,
`reader.py` the steps around the parser (dates, plain words, aliases, the optional words a
result may lack, reporters and sources by name), and `tree.py` the neutral query tree they make,
which each backend compiles to its own queries.
"""

from __future__ import annotations

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
from search.query.reader import Clause, ParsedQuery, QueryReader, all_words_tree

__all__ = [
    "EXACT_FIELDS", "FIELD_ALIASES", "FILTER_FIELDS", "MAX_SLOP", "OPERATORS", "QUERY_FIELDS",
    "SEARCH_FIELDS", "Clause", "ParsedQuery", "QueryReader", "QueryWarning", "all_words_tree",
    "date_filter", "plain_words", "syntax_problem",
]
