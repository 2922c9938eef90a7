"""What spelling reads of an index on OpenSearch (search.backends.base.Vocabulary): terms as a field
analyses them (in Python), how many documents hold them (counts), whether words name something
(one count), and the spelling fields' terms near a typed word, asked of each field's term
dictionary with OpenSearch's `term` suggester (Lucene's DirectSpellChecker).

The embedded backend reads its whole lexicon once per commit and searches it in Python. On a
cluster that read grew with the index (a composite aggregation paged over every document: at
1M articles the first search failed in it), while the suggester walks the term dictionary with a
Levenshtein automaton, so one word costs the same at any size. Its one difference: a candidate
two edits away shares the typed word's first letter (DirectSpellChecker keeps a one-letter
prefix at two edits), where the embedded backend also finds a first letter mistyped.
"""

from __future__ import annotations

from collections.abc import Iterable

from search.backends.opensearch.compile import Compiler
from search.backends.opensearch.mapping import VOCABULARY_FIELD, VOCABULARY_NAMES, field_kind
from search.documents import SPELLING_FIELDS, entity_term
from search.fields import query_analyzers
from search.query import tree as qt
from search.spelling import distance

NEAR_LIMIT = 100  # candidates the suggester returns a field (each shard's best by closeness, then count)
NEAR_REMEMBERED = 1024  # typed words whose near terms a view keeps
LEVENSHTEIN_MAX = 2  # the farthest Lucene's automaton reaches
NEVER_TOO_FREQUENT = 2**31 - 1  # `max_term_freq`: a typed word printed often is still checked


def suggester(word: str, fieldname: str, edits: int) -> dict:
    """One field's `term` suggester for every term within `edits` of the word, however short or
    frequent, and however close (the speller weighs the candidates, not OpenSearch)."""
    return {"text": word, "term": {
        "field": f"{VOCABULARY_FIELD}.{fieldname}", "suggest_mode": "always", "max_edits": edits,
        "prefix_length": 0, "min_word_length": 1, "size": NEAR_LIMIT, "shard_size": NEAR_LIMIT,
        "accuracy": 0.0, "min_doc_freq": 0, "max_term_freq": NEVER_TOO_FREQUENT,
        "string_distance": "damerau_levenshtein", "sort": "score"}}


class ClusterLexicon:
    """The spelling fields' terms near a word (search.spelling.SpellingLexicon's `near`), one
    request a word, remembered by the view for its checkpoint."""

    def __init__(self, view):
        self.view = view

    def near(self, word: str, fields: tuple[str, ...], edits: int) -> dict[str, int]:
        """The words (letters only) of these fields within `edits` of `word`, each with how many
        documents print it (summed over the fields, as the embedded lexicon sums them)."""
        key, remembered = (word, fields, edits), self.view.near_words
        if key not in remembered:
            remembered[key] = self._asked(word, fields, edits)
            while len(remembered) > NEAR_REMEMBERED:
                remembered.popitem(last=False)
        return remembered[key]

    def _asked(self, word: str, fields: tuple[str, ...], edits: int) -> dict[str, int]:
        names = [name for name in fields if name in VOCABULARY_NAMES]
        reach = max(1, min(edits, LEVENSHTEIN_MAX))
        if not names or not word:
            return {}
        suggest = {f"near-{at}": suggester(word, name, reach) for at, name in enumerate(names)}
        answer = self.view.search({"size": 0, "track_total_hits": False, "suggest": suggest})
        found: dict[str, int] = {}
        for entries in answer.get("suggest", {}).values():
            for option in (option for entry in entries for option in entry["options"]):
                known = option["text"]
                if known.isalpha() and known != word and distance(word, known) <= edits:
                    found[known] = found.get(known, 0) + int(option["freq"])
        return found


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
        """How many documents hold the term: a count, remembered by the view."""
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

    def lexicon(self) -> ClusterLexicon:
        return ClusterLexicon(self.view)
