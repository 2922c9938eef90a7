"""Our documents as OpenSearch documents: the fields `search.documents.document_fields` gives, analysed
here in Python by the index-side analyzers every backend shares (`search.fields.index_analyzers`),
and the `_bulk` lines that write them.

Each analysed field becomes what mapping.py's field kinds expect: a text field our token stream
(positions and stacked terms written out, see mapping.py), a keyword field its whole values, the
entity keys a map of key to summed salience. The `stored` object is what a hit shows; `vocabulary`
the distinct terms of each spelling field (mapping.py says why).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from search.backends.opensearch.mapping import (
    ABSENT,
    DATE,
    FACETS_FIELD,
    FEATURES,
    FIELD_KINDS,
    GAP,
    MAX_ID_BYTES,
    MAX_TERM_BYTES,
    POSITION_SEPARATOR,
    RESERVED,
    SCORED_KINDS,
    STACK_SEPARATOR,
    STORED_FIELD,
    TEXT,
    VOCABULARY_FIELD,
    VOCABULARY_NAMES,
    feature_name,
)
from search.documents import FIELDS, read_facet_values
from search.fields import IndexAnalyzer, IndexToken, index_analyzers
from search.tables import AnalysisTables

# What a hit shows: the fields every backend stores (search/documents.py), beside the file's key
# and signature, which let an incremental run compare files (and the MinHash signature, base64,
# which finds a story's versions: `stored_record`).
STORED_NAMES = (*(field.name for field in FIELDS if field.stored), "file_key", "file_sig")


def indexable(term: str) -> bool:
    """Whether OpenSearch can hold the term as ours: not empty, none of the characters the token
    streams are written with (no analyzer of ours makes them), not longer than Lucene takes."""
    return bool(term) and not RESERVED.intersection(term) and len(term.encode("utf-8")) <= MAX_TERM_BYTES


def keyword_indexable(term: str) -> bool:
    """Whether OpenSearch can hold a whole keyword value: not empty, not longer than Lucene takes
    (the token streams' characters may stand in a keyword: a file's key holds one)."""
    return bool(term) and len(term.encode("utf-8")) <= MAX_TERM_BYTES


def token_stream(tokens: Iterable[tuple[int, str]]) -> str:
    """(position, term) pairs written as mapping.py's token stream ("" when there are none)."""
    stacks: dict[int, list[str]] = {}
    for position, term in tokens:
        if indexable(term):
            stacks.setdefault(position, []).append(term)
    if not stacks:
        return ""
    return POSITION_SEPARATOR.join(
        STACK_SEPARATOR.join(stacks[position]) if position in stacks else GAP
        for position in range(max(stacks) + 1)
    )


class DocumentMaker:
    """Makes OpenSearch documents with the index-side analyzers for the index's tables (its user
    variants included), so OpenSearch's terms are the embedded index's terms."""

    def __init__(self, tables: AnalysisTables | None = None):
        analyzers = index_analyzers(tables)
        self.analyzers: dict[str, IndexAnalyzer] = {name: analyzers[name] for name in FIELD_KINDS
                                                    if FIELD_KINDS[name] != DATE}

    def document(self, fields: dict) -> dict:
        """The OpenSearch document of one article's fields (`search.documents.document_fields`)."""
        document: dict = {}
        vocabulary: dict[str, list[str]] = {}
        for name, kind in FIELD_KINDS.items():
            value = fields.get(name)
            if kind == DATE:
                if isinstance(value, datetime):
                    document[name] = value.isoformat()
                continue
            tokens = self.analyzers[name](value) if value else []
            if name in VOCABULARY_NAMES and tokens:
                vocabulary[name] = sorted({term for _, term, _ in tokens if indexable(term)})
            analysed = self.analysed(kind, tokens) if tokens else None
            if analysed:
                document[name] = analysed
            elif kind in SCORED_KINDS:
                document[name] = ABSENT if kind == TEXT else [ABSENT]
        document[STORED_FIELD] = stored_record(fields)
        document[FACETS_FIELD] = facet_record(fields.get("facets") or b"")
        document[VOCABULARY_FIELD] = vocabulary
        return document

    @staticmethod
    def analysed(kind: str, tokens: list[IndexToken]) -> str | list[str] | dict[str, float]:
        """A field's tokens as OpenSearch takes them for its kind."""
        if kind == TEXT:
            return token_stream((position, term) for position, term, _ in tokens)
        if kind == FEATURES:
            return entity_features(tokens)
        return [term for _, term, _ in tokens if keyword_indexable(term)]


def entity_features(tokens: Iterable[IndexToken]) -> dict[str, float]:
    """Each entity key and its weight, summed as Whoosh sums a term's weights in one document
    (`rank_features` takes only positive values: a key weighing nothing adds nothing anyway)."""
    weights: dict[str, float] = {}
    for _, key, weight in tokens:
        weights[key] = weights.get(key, 0.0) + weight
    return {feature_name(key): weight for key, weight in weights.items() if weight > 0 and indexable(key)}


def stored_record(fields: dict) -> dict:
    """What a hit shows, in JSON: dates in ISO 8601, the MinHash signature in base64."""
    record = {name: fields.get(name) for name in STORED_NAMES}
    if isinstance(record["date"], datetime):
        record["date"] = record["date"].isoformat()
    record["minhash"] = base64.b64encode(fields.get("minhash") or b"").decode("ascii")
    return record


def facet_record(raw: bytes) -> dict:
    """The values the results are counted by: source, authors, entities (`type<TAB>name`), tags."""
    values = read_facet_values(raw)
    return {
        "source": values["source"],
        "author": values["author"],
        "entity": [f"{kind}\t{name}" for kind, name in values["entity"]],
        "tag": values["tag"],
    }


def document_id(article_id: str) -> str:
    """The `_id` of an article: its id, or (past OpenSearch's 512 bytes) a SHA-256 of it; the
    `id` field always holds the id itself."""
    if len(article_id.encode("utf-8")) <= MAX_ID_BYTES:
        return article_id
    return "sha256-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()


def bulk_actions(index: str, documents: Iterable[dict], maker: DocumentMaker | None = None) -> list[dict]:
    """The `_bulk` lines that write articles' fields into `index`, each routed by its story
    (every version of a story on one shard)."""
    maker = maker or default_maker()
    lines: list[dict] = []
    for fields in documents:
        action = {"_index": index, "_id": document_id(fields["id"]), "routing": fields["story"]}
        lines.append({"index": action})
        lines.append(maker.document(fields))
    return lines


def bulk_body(lines: list[dict]) -> str:
    """`_bulk` lines as the NDJSON body the API takes."""
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


@lru_cache(maxsize=1)
def default_maker() -> DocumentMaker:
    """A DocumentMaker with the standard tables (an index with user variants makes its own)."""
    return DocumentMaker()


def document(fields: dict) -> dict:
    """The OpenSearch document of one article's fields, analysed with the standard tables."""
    return default_maker().document(fields)

