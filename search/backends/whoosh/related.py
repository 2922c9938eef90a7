"""Related coverage: the other stories most like an article, by its key terms and the
entities it is about (Whoosh's more-like-this, widened by shared entities)."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from search.backends.base import Row
from search.documents import entity_term, related_text

KEY_TERMS = 12
MAX_ENTITIES = 6
ENTITY_BOOST = 2.0


def related_query(searcher: Searcher, stored: dict) -> wq.Query:
    """The article's most telling words and its most salient entities, any of them."""
    text = related_text(stored)
    key_terms = searcher.key_terms_from_text("content", text, numterms=KEY_TERMS)
    parts: list[wq.Query] = [wq.Term("content", term, boost=weight) for term, weight in key_terms]
    entities = sorted(stored.get("entities") or [], key=lambda e: -e["salience"])[:MAX_ENTITIES]
    parts += [wq.Term("entity", entity_term(e["name"]), boost=ENTITY_BOOST) for e in entities]
    return wq.Or(parts) if parts else wq.NullQuery


def related_stories(searcher: Searcher, docnum: int, limit: int) -> list[Row]:
    """The best version of each of the `limit` most similar other stories."""
    stored = searcher.stored_fields(docnum)
    query = related_query(searcher, stored)
    if query is wq.NullQuery:
        return []
    results = searcher.search(query, limit=limit * 4 + 10, mask=wq.Term("story", stored.get("story") or ""))
    found: dict[str, Row] = {}
    for hit in results:
        other = hit.fields()
        story = other.get("story") or other["id"]
        if story not in found:
            found[story] = Row(hit.docnum, hit.score)
        if len(found) == limit:
            break
    return list(found.values())
