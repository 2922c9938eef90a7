"""The Whoosh backend's schema: every field of a document and how Whoosh indexes it.

The analyzers are ours (`search/analysis.py`), adapted to Whoosh's calling convention; the
text fields keep word positions, written in one pass (`Occurrences`); each
entity is indexed under its name's keys, weighted by its salience (`EntityKeyAnalyzer`).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain

import numpy as np
from whoosh.analysis import Analyzer, Filter, SimpleAnalyzer, Token
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.reading import IndexReader

from search.analysis import NewsAnalyzer, exact_analyzer, fold_accents, news_analyzer
from search.backends.whoosh.codec import ArrayCodec, PackedPositions, numeric_column
from search.backends.whoosh.pool import WholePostings
from search.documents import ENTITY_FILTERS, VECTOR_FIELD, entity_keys
from search.tables import AnalysisTables

UNDATED = 2**64 - 1  # the date column's value for a document without a date
KNOWN_ENTITIES = 100_000  # entity names whose keys a writer remembers


def array_codec() -> ArrayCodec:
    """How every segment is written: the arrays file for the scorable fields, with term vectors
    for feedback's field."""
    return ArrayCodec((VECTOR_FIELD,))


def build_schema(tables: AnalysisTables | None = None) -> Schema:
    """Every field of a document, and how it is analysed."""
    news = WhooshAnalyzer(news_analyzer(tables))
    exact = WhooshAnalyzer(exact_analyzer())
    names = SimpleAnalyzer() | FoldAccents()  # search.analysis.name_terms, as Whoosh analyses
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        file_key=ID(sortable=True),
        file_sig=ID(sortable=True),
        path=STORED,
        line=STORED,
        title=positional_text(news, stored=True),
        title_exact=positional_text(exact),
        content=positional_text(news),
        content_exact=positional_text(exact),
        body=STORED,
        source=TEXT(analyzer=names, stored=True),
        source_key=KEYWORD(commas=True, scorable=True),
        author=TEXT(analyzer=names),
        authors=STORED,
        byline=KEYWORD(commas=True, scorable=True),
        credit=STORED,
        tag=KEYWORD(lowercase=True, commas=True),
        tags=STORED,
        date=DateColumn(stored=True, sortable=True),
        url=STORED,
        story=ID(stored=True, sortable=True),
        minhash=COLUMN(VarBytesColumn()),
        facets=COLUMN(VarBytesColumn()),
        completion=KEYWORD(commas=True, scorable=True),
        entities=STORED,
        entity=KEYWORD(lowercase=True, commas=True),
        entity_keys=TEXT(analyzer=EntityKeyAnalyzer(news), phrase=False),
        **{kind: TEXT(analyzer=names) for kind in ENTITY_FILTERS},
        quote=positional_text(news),
        quote_exact=positional_text(exact),
        speaker=TEXT(analyzer=names),
        quotes=STORED,
    )


class DateColumn(DATETIME):
    """The date: stored, and a column that date ranges (queries.DateSpan), the tie-breaks and
    the timeline read; no index terms, where Whoosh's DATETIME writes eight tiers of them a
    document (on Reuters 85,000 terms, the most of any field, and each a block of postings)."""

    indexed = False


class FoldAccents(Filter):
    """Whoosh's filter of our accent folding (search.analysis.fold_accents): a name field's words
    as the query side reads them (`Ładoń` is `ladon`)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_accents(token.text)
            yield token


class WhooshAnalyzer(Analyzer):
    """One of our analyzers (search/analysis.py) as a Whoosh analyzer."""

    def __init__(self, analyzer: NewsAnalyzer):
        self.analyzer = analyzer

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WhooshAnalyzer) and self.analyzer == other.analyzer

    def __hash__(self) -> int:
        return hash(self.analyzer)

    def __call__(self, value: str, **options):
        return self.analyzer(value, **options)

    def positions(self, value: str) -> dict[str, list[int]]:
        return self.analyzer.positions(value)


class Occurrences(PackedPositions):
    """Word positions, filled from the analyzer's `positions` in one pass over the text
    (Whoosh's own format builds a Token per occurrence); character offsets are not kept
    (snippets analyse the shown documents again: search/occurrences.py)."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, WhooshAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        for word, positions in analyzer.positions(value).items():
            yield word, len(positions), len(positions) * self.field_boost, self.encode(positions)

    def whole_postings(self, value, analyzer) -> WholePostings | None:
        """One document's postings of this field at once, for a column pool (None when the
        analyzer is not one of ours: then Whoosh's `word_values`, posting by posting)."""
        if not isinstance(analyzer, WhooshAnalyzer) or not isinstance(value, str):
            return None
        found = analyzer.positions(value)
        return WholePostings([word.encode() for word in found], [len(places) for places in found.values()],
                             list(chain.from_iterable(found.values())), self.field_boost)


def positional_text(analyzer: Analyzer, **options) -> TEXT:
    """A text field that keeps word positions (for phrases)."""
    field = TEXT(analyzer=analyzer, **options)
    field.format = Occurrences(field_boost=field.format.field_boost)
    return field


class ColumnValues:
    """A column's values by top-level document number, read segment by segment
    (Whoosh's multi-segment column reader can fail on the last segment)."""

    def __init__(self, reader: IndexReader, fieldname: str, translate: bool = True):
        leaves = reader.leaf_readers()
        self.offsets = [offset for _, offset in leaves]
        self.columns = [leaf.column_reader(fieldname, translate=translate) for leaf, _ in leaves]

    def __getitem__(self, docnum: int):
        leaf = bisect_right(self.offsets, docnum) - 1
        return self.columns[leaf][docnum - self.offsets[leaf]]


def date_values(reader: IndexReader) -> np.ndarray:
    """Each document's date as the date column holds it (UNDATED when it has none), by document
    number over the reader's segments, each segment's read in one piece."""
    parts = [numeric_column(leaf.column_reader("date", translate=False), leaf.doc_count_all(), "Q")
             for leaf, _ in reader.leaf_readers() if leaf.doc_count_all()]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


class EntityKeyAnalyzer(Analyzer):
    """Indexes each entity under its name's key, weighted by the entity's salience.

    A key is the name's terms joined by spaces (`ben wallac`, `AMRAAM`); a person
    is also found by surname (`wallac`). At index time the value holds a
    `salience<TAB>type<TAB>name` line per entity. The ranker reads the weights
    back as the entity boost.
    """

    def __init__(self, words: Analyzer | NewsAnalyzer):
        self.words = words
        self._known: dict[tuple[str, str], tuple[str, ...]] = {}  # names recur across articles

    def __getstate__(self) -> dict:
        return {"words": self.words}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["words"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EntityKeyAnalyzer) and self.words == other.words

    def __hash__(self) -> int:
        return hash(self.words)

    def key(self, name: str) -> list[str]:
        return [token.text for token in self.words(name, mode="query")]

    def keys(self, kind: str, name: str) -> tuple[str, ...]:
        """The keys of an entity, remembered (up to KNOWN_ENTITIES, then forgotten at once)."""
        found = self._known.get((kind, name))
        if found is None:
            if len(self._known) >= KNOWN_ENTITIES:
                self._known.clear()
            found = self._known[kind, name] = tuple(entity_keys(kind, self.key(name)))
        return found

    def __call__(self, value: str, mode: str = "", **kwargs):
        token = Token(**kwargs)
        for line in value.splitlines():
            salience, kind, name = line.split("\t", 2)
            for key in self.keys(kind, name):
                token.text, token.boost = key, float(salience)
                yield token
