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
from search.sentences import sentence_spans
from search.tables import DATA_DIR

SCHEMA_PATH = DATA_DIR / "result.schema.json"
SCORE_DECIMALS = 6
MAX_HEADLINE_CHARS = 140


@lru_cache(maxsize=1)
def result_schema() -> dict:
    """The committed JSON Schema of a search response."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def headline_of(stored: dict) -> str:
    """What to show as an article's headline: its title, else its first sentence (cut on a word
    edge), else its id: never a file name posing as a headline."""
    title = (stored.get("title") or "").strip()
    if title:
        return title
    body = stored.get("body") or ""
    spans = sentence_spans(body)
    if not spans:
        return stored["id"]
    first = " ".join(body[spans[0][0]:spans[0][1]].split())
    if len(first) <= MAX_HEADLINE_CHARS:
        return first
    return first[:MAX_HEADLINE_CHARS].rsplit(" ", 1)[0] + " …"


def article_metadata(stored: dict) -> dict:
    """What every full view of an article starts with: id, where it came from, headline, byline."""
    return {
        "id": stored["id"],
        "path": stored.get("path") or "",
        "url": stored.get("url"),
        "title": stored.get("title"),
        "headline": headline_of(stored),
        "source": stored.get("source"),
        "date": format_date(stored.get("date")),
        "authors": list(stored.get("authors") or []),
        "credit": stored.get("credit"),
        "tags": list(stored.get("tags") or []),
    }


@dataclass
class Hit:
    """One ranked document with everything shown about it."""

    fields: dict
    score: float
    snippet: str = ""
    matched: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    first_report: bool = False  # the earliest dated of its story's versions
    quote: dict | None = None  # the quotation the passage shows a match inside, with its speaker

    def as_dict(self) -> dict:
        stored = self.fields
        return {
            **article_metadata(stored),
            "score": round(self.score, SCORE_DECIMALS),
            "snippet": self.snippet,
            "matched": self.matched,
            "missing": self.missing,
            "entities": [public_entity(entity) for entity in stored.get("entities") or []],
            "versions": self.versions,
            "first_report": self.first_report,
            "quote": self.quote,
        }


def public_entity(entity: dict) -> dict:
    """An entity as answers show it (the printed forms kept for passages stay inside)."""
    return {key: value for key, value in entity.items() if key != "forms"}


def version_record(stored: dict, snippet: str | None = None) -> dict:
    """A short reference to another version of the same story (with its own passage, when given)."""
    record = {
        "id": stored["id"],
        "path": stored.get("path") or "",
        "title": stored.get("title"),
        "headline": headline_of(stored),
        "source": stored.get("source"),
        "date": format_date(stored.get("date")),
    }
    if snippet is not None:
        record["snippet"] = snippet
    return record


def version_reference(version: dict) -> str:
    """Another version as a citation names it: `id (source, date)`, with what is known."""
    known = [part for part in (version.get("source"), version.get("date")) if part]
    return f"{version['id']} ({', '.join(known)})" if known else version["id"]


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


@dataclass
class SearchResponse:
    """The answer to a search as a typed object; `as_dict` is its one JSON form, the shape
    `data/result.schema.json` describes (tests validate every answer against it). `facets` is
    there only when they were asked for."""

    query: str
    hits: list[Hit]
    total: int
    took_ms: float
    warnings: list[QueryWarning]
    all_words_total: int | None = None
    partial: bool = False
    suggestion: str | None = None
    corrected_query: str | None = None
    facets: dict | None = None
    total_relation: str = "eq"
    all_words_total_relation: str = "eq"
    generation: int | None = None  # the commit read (not in the JSON form: the server sends it as a header)

    def as_dict(self) -> dict:
        shaped = {
            "query": self.query,
            "corrected_query": self.corrected_query,
            "total": self.total,
            "total_relation": self.total_relation,
            "all_words_total": self.all_words_total,
            "all_words_total_relation": self.all_words_total_relation,
            "took_ms": round(self.took_ms, 3),
            "partial": self.partial,
            "warnings": [warning.as_dict() for warning in self.warnings],
            "suggestion": self.suggestion,
            "results": [hit.as_dict() for hit in self.hits],
        }
        if self.facets is not None:
            shaped["facets"] = self.facets
        return shaped
