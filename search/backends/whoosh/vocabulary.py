"""What spelling reads of a Whoosh index (search.backends.base.Vocabulary): terms as a field
analyses them, how many documents hold them, whether words name something, and (read on first
need, once per commit) the lexicon of words near a word."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from whoosh import query as wq
from whoosh.searching import Searcher

from search.backends.whoosh.scoring import Postings
from search.documents import SPELLING_FIELDS, entity_term
from search.spelling import SpellingLexicon


class IndexVocabulary:
    """A Whoosh index's vocabulary for spelling (see the module's docstring)."""

    def __init__(self, searcher: Searcher, lexicon: Callable[[], SpellingLexicon], postings: Postings):
        self.searcher, self.postings = searcher, postings
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.lexicon = lexicon

    def fields(self, names: Iterable[str]) -> tuple[str, ...]:
        """Those of `names` this index has (an index built before a field was added lacks it)."""
        return tuple(name for name in names if name in self.schema)

    def terms(self, fieldname: str, text: str) -> list[str]:
        """The terms the field's analyzer makes of `text` as a query."""
        return list(self.schema[fieldname].process_text(text, mode="query"))

    def has(self, fieldname: str, text: str) -> bool:
        """Whether `text` analyses to terms of the field, all of them in the index."""
        terms = self.terms(fieldname, text)
        return bool(terms) and all(self.frequency(fieldname, term) for term in terms)

    def frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold the term in the field (from the posting arrays, counted once
        per commit)."""
        return int(self.postings.doc_frequency(fieldname, term.encode("utf-8")))

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        """Nothing to ask ahead: counts are read from the posting arrays."""

    def has_name(self, words: list[str]) -> bool:
        """Whether these words, in order, name an entity or stand as a phrase in a spelling field
        that keeps positions (an author, a headline, a body)."""
        name = " ".join(words)
        if "entity" in self.schema and ("entity", entity_term(name)) in self.reader:
            return True
        for fieldname in self.fields(SPELLING_FIELDS):
            field = self.schema[fieldname]
            terms = self.terms(fieldname, name)
            if len(terms) > 1 and field.format and field.format.supports("positions") \
                    and self._holds_phrase(fieldname, terms):
                return True
        return False

    def _holds_phrase(self, fieldname: str, terms: list[str]) -> bool:
        """Whether the terms stand in a row in some document: from the posting arrays (which the
        ranking reads too), or Whoosh's phrase matcher where a segment has none."""
        held = self.postings.holds_phrase(fieldname, [term.encode("utf-8") for term in terms])
        if held is None:
            return wq.Phrase(fieldname, terms).matcher(self.searcher).is_active()
        return held
