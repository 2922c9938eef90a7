"""The result shape: the one JSON form of an answer, for the CLI and the web.

`data/result.schema.json` is its contract; tests validate every answer
against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from search.dates import format_date
from search.query import QueryWarning
from search.tables import DATA_DIR

SCHEMA_PATH = DATA_DIR / "result.schema.json"
SCORE_DECIMALS = 6


@lru_cache(maxsize=1)
def result_schema() -> dict:
    """The committed JSON Schema of a search response."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def article_metadata(stored: dict) -> dict:
    """What every full view of an article starts with: id, where it came from, headline, byline."""
    return {
        "id": stored["id"],
        "path": stored.get("path") or "",
        "url": stored.get("url"),
        "title": stored.get("title"),
        "source": stored.get("source"),
        "date": format_date(stored.get("date")),
        "authors": list(stored.get("authors") or []),
    }


@dataclass
class Hit:
    """One ranked document with everything shown about it."""

    fields: dict
    score: float
    snippet: str = ""
    matched: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        stored = self.fields
        return {
            **article_metadata(stored),
            "score": round(self.score, SCORE_DECIMALS),
            "snippet": self.snippet,
            "matched": self.matched,
            "entities": list(stored.get("entities") or []),
            "versions": self.versions,
        }


def version_record(stored: dict) -> dict:
    """A short reference to another version of the same story."""
    return {
        "id": stored["id"],
        "path": stored.get("path") or "",
        "title": stored.get("title"),
        "source": stored.get("source"),
        "date": format_date(stored.get("date")),
    }


def citation_record(stored: dict) -> dict:
    """What it takes to cite an article: the export row."""
    return {
        "id": stored["id"],
        "title": stored.get("title"),
        "source": stored.get("source"),
        "date": format_date(stored.get("date")),
        "authors": list(stored.get("authors") or []),
        "url": stored.get("url"),
    }


def response(
    query: str,
    hits: list[Hit],
    total: int,
    took_ms: float,
    warnings: list[QueryWarning],
    *,
    partial: bool = False,
    suggestion: str | None = None,
    corrected_query: str | None = None,
) -> dict:
    """The search response in its one shape."""
    return {
        "query": query,
        "corrected_query": corrected_query,
        "total": total,
        "took_ms": round(took_ms, 3),
        "partial": partial,
        "warnings": [w.as_dict() for w in warnings],
        "suggestion": suggestion,
        "results": [hit.as_dict() for hit in hits],
    }
