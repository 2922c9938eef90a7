"""What spelling reads of an index on OpenSearch (search.backends.base.Vocabulary): terms as a field
analyses them (in Python), how many documents hold them (counts), whether
words name something (one count), and the lexicon of the spelling fields' terms, read once per
checkpoint from their keyword doc values with a paged composite aggregation."""

from __future__ import annotations

from collections.abc import Iterable

from search.backends.opensearch.compile import Compiler
from search.backends.opensearch.mapping import VOCABULARY_FIELD, VOCABULARY_NAMES, field_kind
from search.documents import SPELLING_FIELDS, entity_term
from search.fields import query_analyzers
from search.query import tree as qt
from search.spelling import SpellingLexicon

LEXICON_PAGE = 10_000


class TermsOfLength:
    """A field's terms and document counts, by length in bytes (search.spelling.TermsBySize)."""

    def __init__(self, pairs: list[tuple[str, int]]):
        self.by_length: dict[int, tuple[list[bytes], list[int]]] = {}
        for term, count in pairs:
            encoded = term.encode("utf-8")
            texts, counts = self.by_length.setdefault(len(encoded), ([], []))
            texts.append(encoded)
            counts.append(count)

    def sized(self, length: int) -> tuple[list[bytes], list[int]]:
        return self.by_length.get(length, ([], []))


class ClusterVocabulary:
    """What spelling reads of the index (search.backends.base.Vocabulary), from the cluster."""

    def __init__(self, view):
        self.view = view
        self.analyzers = query_analyzers(view.tables)

    def fields(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(name for name in names if field_kind(name) is not None)

    def terms(self, fieldname: str, text: str) -> list[str]:
        return self.analyzers[fieldname](text, False)

    def has(self, fieldname: str, text: str) -> bool:
        terms = self.terms(fieldname, text)
        return bool(terms) and all(self.view.has_term(fieldname, term) for term in terms)

    def frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold the term: a count, remembered by the view (not the lexicon,
        which is read only when a word looks misspelled: every command-line call would pay it)."""
        return self.view.frequency(fieldname, term)

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        self.view.learn_frequencies(terms)

    def has_name(self, words: list[str]) -> bool:
        """Whether the words name an entity or stand as a phrase of a spelling field that keeps
        positions: one count of any of them."""
        name = " ".join(words)
        compiler = Compiler()
        parts = [compiler.compile(qt.Term("entity", entity_term(name)))]
        for fieldname in self.fields(SPELLING_FIELDS):
            terms = self.terms(fieldname, name)
            if len(terms) > 1 and field_kind(fieldname) == "text":
                parts.append(compiler.compile(qt.Phrase(fieldname, tuple(terms))))
        return self.view.count({"bool": {"should": parts, "minimum_should_match": 1}}, terminate_after=1) > 0

    def lexicon(self) -> SpellingLexicon:
        view = self.view
        return view.backend.lexicon(view.index, view.generation, self.read_lexicon)

    def read_lexicon(self) -> SpellingLexicon:
        """Every term of the spelling fields with its document count, paged through with a
        composite aggregation."""
        fields = {}
        for fieldname in VOCABULARY_NAMES:
            pairs: list[tuple[str, int]] = []
            after = None
            while True:
                source = {"terms": {"field": f"{VOCABULARY_FIELD}.{fieldname}"}}
                composite: dict = {"size": LEXICON_PAGE, "sources": [{"term": source}]}
                if after:
                    composite["after"] = after
                found = self.view.search({"size": 0, "aggs": {"terms": {"composite": composite}}})
                answer = found["aggregations"]["terms"]
                pairs += [(bucket["key"]["term"], bucket["doc_count"]) for bucket in answer["buckets"]]
                after = answer.get("after_key")
                if not answer["buckets"] or after is None:
                    break
            fields[fieldname] = [TermsOfLength(pairs)]
        return SpellingLexicon(fields)
