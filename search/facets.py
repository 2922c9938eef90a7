"""Facets: how the matching stories divide by source, author, entity and month.

Each value counts stories, not documents, like the total: a count is the number
of results its filter would leave. Values come from columns, so counting never
loads a stored article.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from whoosh.reading import IndexReader

from search.index import UNDATED, ColumnValues, read_facet_values

FACET_NAMES = ("source", "author", "entity", "month")
MAX_FACET_VALUES = 10


def month_of(reader: IndexReader, raw_date: int) -> str | None:
    """`YYYY-MM` of a raw date column value, or None when undated."""
    if raw_date == UNDATED:
        return None
    return reader.schema["date"].from_column_value(raw_date).strftime("%Y-%m")


def count_facets(reader: IndexReader, docnums: Iterable[int]) -> dict[str, list[dict]]:
    """The most frequent sources, authors and entities, and every month, with story counts."""
    values, stories = ColumnValues(reader, "facets"), ColumnValues(reader, "story")
    dates = ColumnValues(reader, "date", translate=False)
    found: dict[str, dict[tuple, set]] = {name: defaultdict(set) for name in FACET_NAMES}
    for docnum in docnums:
        story, doc = stories[docnum], read_facet_values(values[docnum])
        if doc["source"]:
            found["source"][(doc["source"],)].add(story)
        for author in doc["author"]:
            found["author"][(author,)].add(story)
        for kind, name in doc["entity"]:
            found["entity"][(name, kind)].add(story)
        month = month_of(reader, dates[docnum])
        if month:
            found["month"][(month,)].add(story)
    return {
        "source": _top(found["source"]),
        "author": _top(found["author"]),
        "entity": _top(found["entity"], ("value", "type")),
        "month": [{"value": key[0], "count": len(found["month"][key])} for key in sorted(found["month"])],
    }


def _top(counts: dict[tuple, set], names: tuple[str, ...] = ("value",)) -> list[dict]:
    """The most frequent keys (ties by value), each as its named parts and a count."""
    ranked = sorted(counts, key=lambda key: (-len(counts[key]), key))[:MAX_FACET_VALUES]
    return [{**dict(zip(names, key, strict=True)), "count": len(counts[key])} for key in ranked]
