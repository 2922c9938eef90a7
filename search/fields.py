"""How each searchable field analyses text, said once for the query side and every backend.

Headline and body are read by the news analyzer (stems, acronyms, variants), their exact twins
by the printed-word analyzer (phrases), names (source, author, the entity types) as their
words, and keyword fields (entity, tag) as comma-separated values. A backend indexes with the
same analysis (the Whoosh backend's schema, `search/backends/whoosh/schema.py`), and the query
parser reads a query's words with `query_analyzers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from search.analysis import NewsAnalyzer, exact_analyzer, name_terms, news_analyzer
from search.tables import AnalysisTables

FieldAnalyzer = Callable[[str, bool], list[str]]  # text, read whole -> the terms a query asks for
NEWS_FIELDS = ("title", "content")
EXACT_FIELDS = ("title_exact", "content_exact")
NAME_FIELDS = ("source", "author", "person", "org", "place", "weapon")
KEYWORD_FIELDS = ("entity", "tag")  # lower-cased, comma-separated values
KEYWORD_VALUE = re.compile(r"[^,]+")


def news_query(analyzer: NewsAnalyzer) -> FieldAnalyzer:
    """One of our analyzers as the parser calls it: read whole, a text is one token and keeps its
    stopwords (how wildcard, prefix and fuzzy words are read)."""
    def analyze(text: str, whole: bool) -> list[str]:
        tokens = analyzer(text, mode="query", tokenize=not whole, removestops=not whole)
        return [token.text for token in tokens]
    return analyze


def name_query(text: str, whole: bool) -> list[str]:
    """A name field's terms: its words, lower-cased (whole: the text itself, lower-cased)."""
    return [text.lower()] if whole else name_terms(text)


def keyword_query(text: str, whole: bool) -> list[str]:
    """A keyword field's terms: each comma-separated value, stripped and lower-cased."""
    values = [text] if whole else KEYWORD_VALUE.findall(text)
    return [value.strip().lower() for value in values]


def query_analyzers(tables: AnalysisTables | None = None) -> dict[str, FieldAnalyzer]:
    """Every field a query may name, with how a query's text is analysed for it."""
    news, exact = news_query(news_analyzer(tables)), news_query(exact_analyzer())
    return {**dict.fromkeys(NEWS_FIELDS, news), **dict.fromkeys(EXACT_FIELDS, exact),
            **dict.fromkeys(NAME_FIELDS, name_query), **dict.fromkeys(KEYWORD_FIELDS, keyword_query)}
