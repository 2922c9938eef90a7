"""How each searchable field analyses text, said once for the query side and every backend.

Headline and body are read by the news analyzer (stems, acronyms, variants), their exact twins
by the printed-word analyzer (phrases), names (source, author, the entity types) as their
words, and keyword fields (entity, tag) as comma-separated values. A backend indexes with the
same analysis (the Whoosh backend's schema, `search/backends/whoosh/schema.py`), and the query
parser reads a query's words with `query_analyzers`; a backend indexes a document's fields with
`index_analyzers` (the Whoosh schema's analyzers give the same terms, tests/backends/whoosh).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from search.analysis import NewsAnalyzer, exact_analyzer, name_terms, news_analyzer
from search.documents import entity_keys
from search.query.parser import FieldAnalyzer, news_query
from search.rank import ENTITY_FIELD
from search.tables import AnalysisTables

NEWS_FIELDS = ("title", "content", "quote")
EXACT_FIELDS = ("title_exact", "content_exact", "quote_exact")
NAME_FIELDS = ("source", "author", "person", "org", "place", "weapon", "speaker")
KEYWORD_FIELDS = ("entity", "tag")  # lower-cased, comma-separated values
KEYWORD_VALUE = re.compile(r"[^,]+")


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


# --- index side: the terms a backend indexes for each field ------------------------------------

IndexToken = tuple[int, str, float]  # position, term, weight (a salience for entity keys, else 1)
IndexAnalyzer = Callable[[str], list[IndexToken]]
ID_FIELDS = ("id", "file_key", "file_sig", "story")  # one term: the value as given
KEY_FIELDS = ("source_key", "byline", "completion")  # comma-separated keys, kept in their case


def news_index(analyzer: NewsAnalyzer) -> IndexAnalyzer:
    """A text field's terms as indexed: each at its position, stopwords leaving their gap."""
    def analyze(text: str) -> list[IndexToken]:
        return [(token.pos, token.text, 1.0) for token in analyzer(text, positions=True, mode="index")]
    return analyze


def name_index(text: str) -> list[IndexToken]:
    """A name field's words, lower-cased, one position each."""
    return [(position, term, 1.0) for position, term in enumerate(name_terms(text))]


def keyword_index(lowercase: bool) -> IndexAnalyzer:
    """A keyword field's comma-separated values, stripped (and lower-cased where the field is)."""
    def analyze(text: str) -> list[IndexToken]:
        values = [value.strip() for value in KEYWORD_VALUE.findall(text)]
        values = [value.lower() for value in values] if lowercase else values
        return [(position, value, 1.0) for position, value in enumerate(values)]
    return analyze


def whole_index(text: str) -> list[IndexToken]:
    """An identifier's one term: the value itself."""
    return [(0, text, 1.0)]


def entity_key_index(analyzer: NewsAnalyzer) -> IndexAnalyzer:
    """The entity boost's keys (`search.documents.entity_keys`) of `salience<TAB>type<TAB>name`
    lines, each weighted by its entity's salience; a name's terms are the news analyzer's."""
    def analyze(text: str) -> list[IndexToken]:
        found: list[IndexToken] = []
        for line in text.splitlines():
            salience, kind, name = line.split("\t", 2)
            words = [token.text for token in analyzer(name, mode="query")]
            for key in entity_keys(kind, words):
                found.append((len(found), key, float(salience)))
        return found
    return analyze


def index_analyzers(tables: AnalysisTables | None = None) -> dict[str, IndexAnalyzer]:
    """Every indexed field but the date, with the terms (positions, weights) a backend indexes
    for a value of `search.documents.document_fields`: the one index-side analysis, so every
    backend holds the same terms."""
    news = news_analyzer(tables)
    return {**dict.fromkeys(NEWS_FIELDS, news_index(news)),
            **dict.fromkeys(EXACT_FIELDS, news_index(exact_analyzer())),
            **dict.fromkeys(NAME_FIELDS, name_index), **dict.fromkeys(ID_FIELDS, whole_index),
            **dict.fromkeys(KEY_FIELDS, keyword_index(lowercase=False)),
            **dict.fromkeys(KEYWORD_FIELDS, keyword_index(lowercase=True)),
            ENTITY_FIELD: entity_key_index(news)}
