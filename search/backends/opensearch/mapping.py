"""The OpenSearch index our documents go into: its settings (our BM25, an analyzer that reads our
tokens back) and its mapping (which field holds what).

Analysis stays ours. OpenSearch has no field type for tokens analysed elsewhere, so each analysed
field's value is our token stream written as text that one small OpenSearch analyzer reads back
without changing a term: positions are separated by POSITION_SEPARATOR, the terms stacked at one
position (a compound indexed whole and by its first part, `shahed-136` and `shahed`) by
STACK_SEPARATOR, and a position with no term (a stopword: phrases must not close the gap it
leaves) is GAP. OpenSearch's `pattern` tokenizer splits the positions, its `stop` filter drops
GAP and keeps the position it took, and `pattern_capture` emits each stacked term at the same
position. So OpenSearch indexes exactly our terms at exactly our positions (the analyzer in
`search/analysis.py` is the one place analysis happens; the characters used here never occur
in a term). Multi-word keys (`ben wallac`, `tony diver`) are `keyword` values, whole.

OpenSearch cannot list or count a text field's terms (no aggregation reads them), so the terms
spelling reads (did-you-mean's lexicon, word completions) are kept a second time, each spelling
field's distinct terms as keyword doc values under `vocabulary` (aggregated, never searched), and
the completion keys as a keyword field.

Scoring is ours too: one BM25 similarity with our k1 and b that counts every term of a field's
length, the stacked ones included, as Whoosh counts it. On the project's cluster it is
`embedded_bm25` (the launcher's EmbeddedBM25Plugin), which keeps a field's length on Whoosh's
one-byte scale, so a document scores as in the embedded backend; on a cluster without that
plugin it is OpenSearch's BM25 with `discount_overlaps: false` (the legacy BM25 keeps the
(k1 + 1) factor Whoosh has), whose coarser length steps move scores by up to a few percent.
A document whose scored field holds no term gets the single term ABSENT there, so that every
document counts in each field's document count and average length (Whoosh divides by all
documents; Lucene by those with the field).
"""

from __future__ import annotations

from search.documents import ENTITY_FILTERS, SPELLING_FIELDS
from search.rank import DEFAULT_WEIGHTS, ENTITY_FIELD, Weights

POSITION_SEPARATOR = "\u001e"  # between the positions of a token stream
STACK_SEPARATOR = "\u001f"  # between the terms stacked at one position
GAP = "\u001d"  # a position that holds no term
ABSENT = "\u0002"  # the one term of a scored field a document has nothing in
RESERVED = frozenset(POSITION_SEPARATOR + STACK_SEPARATOR + GAP + ABSENT)
MAX_TERM_BYTES = 32766  # Lucene refuses a document with a longer term
MAX_ID_BYTES = 512  # OpenSearch's limit on `_id`

TOKENS_ANALYZER = "our_tokens"
SIMILARITY = "news_bm25"
EMBEDDED_BM25 = "embedded_bm25"  # the similarity type our launcher's plugin adds
EMBEDDED_BM25_PLUGIN = "newssearch.similarity.EmbeddedBM25Plugin"
UNSCORED = "boolean"  # OpenSearch's similarity that scores a matching term by its boost alone
DEFAULT_SHARDS = 2
DEFAULT_REPLICAS = 1

# Each searchable field of a document (search/fields.py's index_analyzers), by how OpenSearch holds it.
TEXT = "text"  # our token stream with positions, scored by BM25
SCORED_KEYWORD = "scored_keyword"  # whole keys, scored by BM25 (length: the number of keys)
KEYWORD = "keyword"  # whole values that match without ranking (each scores its boost)
FEATURES = "features"  # keys weighted by a value (the entity boost)
DATE = "date"
FIELD_KINDS: dict[str, str] = {
    "title": TEXT, "title_exact": TEXT, "content": TEXT, "content_exact": TEXT,
    "source": TEXT, "author": TEXT, **dict.fromkeys(ENTITY_FILTERS, TEXT),
    "quote": TEXT, "quote_exact": TEXT, "speaker": TEXT,
    "byline": SCORED_KEYWORD, "source_key": SCORED_KEYWORD,
    "id": KEYWORD, "story": KEYWORD, "file_key": KEYWORD, "file_sig": KEYWORD,
    "tag": KEYWORD, "entity": KEYWORD, "completion": KEYWORD,
    ENTITY_FIELD: FEATURES,
    "date": DATE,
}
SCORED_KINDS = frozenset({TEXT, SCORED_KEYWORD})
STORED_FIELD = "stored"  # what a hit shows, kept in _source, never indexed
FACETS_FIELD = "facets"  # the values results are counted by, for aggregations
FACET_NAMES = ("source", "author", "entity", "tag")
VOCABULARY_FIELD = "vocabulary"  # each spelling field's distinct terms: aggregated, and suggested from
VOCABULARY_NAMES = SPELLING_FIELDS


def field_kind(name: str) -> str | None:
    """How OpenSearch holds one of our fields (None: a field it does not have)."""
    return FIELD_KINDS.get(name)


def analysis_settings() -> dict:
    """The analyzer that reads a token stream back into our terms and positions (module docstring)."""
    return {
        "tokenizer": {"our_positions": {"type": "pattern", "pattern": POSITION_SEPARATOR}},
        "filter": {
            "our_gaps": {"type": "stop", "stopwords": [GAP], "ignore_case": False},
            "our_stacks": {"type": "pattern_capture", "preserve_original": False,
                           "patterns": [f"([^{STACK_SEPARATOR}]+)"]},
        },
        "analyzer": {TOKENS_ANALYZER: {"type": "custom", "tokenizer": "our_positions",
                                       "filter": ["our_gaps", "our_stacks"]}},
    }


def field_mapping(kind: str, term_vectors: bool = False) -> dict:
    """The mapping of a field of one kind (text fields with stored term vectors if asked: then
    `_termvectors` shows the terms and positions each document holds, which `_source` does not)."""
    if kind == TEXT:
        vectors = {"term_vector": "with_positions"} if term_vectors else {}
        return {"type": "text", "analyzer": TOKENS_ANALYZER, "similarity": SIMILARITY, **vectors}
    if kind == SCORED_KEYWORD:
        return {"type": "keyword", "norms": True, "similarity": SIMILARITY}
    if kind == KEYWORD:
        return {"type": "keyword", "similarity": UNSCORED}
    if kind == FEATURES:
        return {"type": "rank_features"}
    return {"type": "date", "format": "strict_date_optional_time||epoch_millis"}


def mappings(meta: dict | None = None, term_vectors: bool = False) -> dict:
    """Every field, `_routing` required (each story's versions on one shard), and `_source`
    holding only the stored record (the analysed streams are for searching, not showing)."""
    properties = {name: field_mapping(kind, term_vectors) for name, kind in FIELD_KINDS.items()}
    properties[STORED_FIELD] = {"type": "object", "enabled": False}
    properties[FACETS_FIELD] = {"properties": {name: {"type": "keyword"} for name in FACET_NAMES}}
    properties[VOCABULARY_FIELD] = {"properties": {name: {"type": "keyword"}
                                                   for name in VOCABULARY_NAMES}}
    body = {
        "dynamic": "strict",
        "_routing": {"required": True},
        "_source": {"includes": [STORED_FIELD]},
        "properties": properties,
    }
    if meta:
        body["_meta"] = meta
    return body


def index_body(shards: int = DEFAULT_SHARDS, replicas: int = DEFAULT_REPLICAS,
               weights: Weights = DEFAULT_WEIGHTS, meta: dict | None = None,
               term_vectors: bool = False, embedded_bm25: bool = True) -> dict:
    """The body of the request that creates an index for our documents (`meta`: the mapping's
    `_meta`; `term_vectors`: keep the text fields' term vectors, for diagnosis; `embedded_bm25`:
    every node has our similarity plugin)."""
    if shards < 1 or replicas < 0:
        raise ValueError(f"an index needs at least one shard and no negative replicas, "
                         f"got {shards} x {replicas}")
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "similarity": {SIMILARITY: similarity(weights, embedded_bm25)},
            "analysis": analysis_settings(),
        },
        "mappings": mappings(meta, term_vectors),
    }


def similarity(weights: Weights, embedded_bm25: bool) -> dict:
    """Our BM25's settings: the embedded backend's lengths where the plugin is, else Lucene's."""
    if embedded_bm25:
        return {"type": EMBEDDED_BM25, "k1": weights.k1, "b": weights.b}
    return {"type": "BM25", "k1": weights.k1, "b": weights.b, "discount_overlaps": False}


def feature_name(key: str) -> str:
    """An entity key as a `rank_features` key: OpenSearch reads a dot there as a path, so a dot
    becomes U+2024 (which NFKC-normalised text, and so no term, ever holds)."""
    return key.replace(".", "\u2024")
