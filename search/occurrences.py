"""Where each term of a stored document's text fields stands, found by analysing its headline and
body again with the analyzers that indexed them: the character offsets snippets and highlights
need, which neither backend keeps in its index (Whoosh's arrays keep word positions only,
OpenSearch's highlighter would analyse with its own analyzer)."""

from __future__ import annotations

from search.analysis import NewsAnalyzer
from search.documents import TITLE_FIELDS, content_of

Occurrences = dict[str, list[tuple[int, int, int]]]  # term -> (position, start, end)


class DocumentTerms:
    """The terms of one stored document's text fields, analysed on first need."""

    def __init__(self, stored: dict, analyzers: dict[str, NewsAnalyzer]):
        self.stored, self.analyzers = stored, analyzers
        self._fields: dict[str, Occurrences] = {}

    @property
    def size(self) -> int:
        """How many characters analysing every field reads (what a cache of these weighs)."""
        return len(self.stored.get("title") or "") + len(self.stored.get("body") or "") + 1

    def field(self, name: str) -> Occurrences:
        """Every term of a field and where it stands."""
        if name not in self._fields:
            self._fields[name] = self._analysed(name, None)
        return self._fields[name]

    def terms(self, name: str, wanted: set[str]) -> Occurrences:
        """Where some terms stand in a field (the field is analysed again unless it was whole)."""
        if name in self._fields:
            return {term: places for term, places in self._fields[name].items() if term in wanted}
        return self._analysed(name, wanted)

    def _analysed(self, name: str, wanted: set[str] | None) -> Occurrences:
        title, body = self.stored.get("title") or "", self.stored.get("body") or ""
        text = title if name in TITLE_FIELDS else content_of(title, body)[0]
        return self.analyzers[name].occurrences(text, wanted) if text else {}
