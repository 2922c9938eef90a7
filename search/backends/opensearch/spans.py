"""Where a query's terms stand in some documents, for the OpenSearch backend: found in Python by
analysing the stored headline and body again, with the analyzers that indexed them.

OpenSearch's highlighter would analyse the text with its own analyzer, not ours, so snippets would
differ from the embedded backend's; here the terms and character offsets are the ones the index
was written with (`NewsAnalyzer.occurrences`), and the rules are Whoosh's (search/backends/whoosh/
spans.py): a phrase's words count only where the whole phrase stands in the document, prefix,
wildcard and fuzzy terms are the document's own terms they expand to, and a headline term is not
looked up where its body twin is (the body field starts with the headline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.analysis import exact_analyzer, news_analyzer
from search.backends.base import Ref, TermSpans
from search.documents import HEADLINE_TWINS
from search.occurrences import DocumentTerms, Occurrences
from search.query import tree as qt
from search.tables import AnalysisTables

MAX_TERMS_CHECKED = 2000


class SpanFinder:
    """Finds the spans of a tree's text-field terms in stored documents (module docstring)."""

    def __init__(self, tables: AnalysisTables):
        news, exact = news_analyzer(tables), exact_analyzer()
        self.analyzers = {"title": news, "content": news, "quote": news,
                          "title_exact": exact, "content_exact": exact, "quote_exact": exact}

    def spans(self, tree: qt.Node, documents: dict[Ref, dict]) -> dict[Ref, TermSpans]:
        texts = {ref: DocumentTerms(stored, self.analyzers) for ref, stored in documents.items()}
        wanted: dict[tuple[str, str], dict[Ref, list]] = {}
        for leaf in tree.leaves():
            if not isinstance(leaf, qt.Leaf) or leaf.field not in self.analyzers:
                continue
            for ref, document in texts.items():
                for term, places in leaf_terms(leaf, document.field(leaf.field)):
                    key = (leaf.field, term)
                    if key in wanted or len(wanted) < MAX_TERMS_CHECKED:
                        wanted.setdefault(key, {})[ref] = [(start, end) for _, start, end in places]
        found: dict[Ref, TermSpans] = {ref: {} for ref in documents}
        for (fieldname, term), holders in wanted.items():
            twin = wanted.get((HEADLINE_TWINS.get(fieldname, ""), term), {})
            if holders.keys() <= twin.keys():
                continue
            for ref, spans in holders.items():
                found[ref][(fieldname, term)] = spans
        return {ref: dict(sorted(terms.items())) for ref, terms in found.items()}


def leaf_terms(leaf: qt.Leaf, occurrences: Occurrences) -> Iterable[tuple[str, list]]:
    """The document's terms a leaf matches, with where each stands (a phrase's words only when
    the whole phrase stands in the document)."""
    if isinstance(leaf, qt.Term):
        return [(leaf.text, occurrences[leaf.text])] if leaf.text in occurrences else []
    if isinstance(leaf, qt.Phrase):
        if not phrase_stands(leaf.words, leaf.slop, occurrences):
            return []
        return [(word, occurrences[word]) for word in dict.fromkeys(leaf.words)]
    matches = expansion_test(leaf)
    if matches is None:
        return []
    return [(term, places) for term, places in occurrences.items() if matches(term)]


def expansion_test(leaf: qt.Leaf):
    """Whether a term is one of a prefix, wildcard or fuzzy leaf's expansions (None: not such a leaf)."""
    if isinstance(leaf, qt.Prefix):
        return lambda term: term.startswith(leaf.text)
    if isinstance(leaf, qt.Wildcard):
        pattern = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                     for c in leaf.pattern), re.DOTALL)
        return lambda term: pattern.fullmatch(term) is not None
    if isinstance(leaf, qt.Fuzzy):
        from rapidfuzz.distance import Levenshtein

        head = leaf.text[:leaf.prefixlength]
        return lambda term: term.startswith(head) and \
            Levenshtein.distance(term, leaf.text, score_cutoff=leaf.maxdist) <= leaf.maxdist
    return None


def phrase_stands(words: tuple[str, ...], slop: int, occurrences: Occurrences) -> bool:
    """Whether the words stand in order, each at most `slop` positions after the one before."""
    if not words or any(word not in occurrences for word in words):
        return False
    reached = {position for position, _, _ in occurrences[words[0]]}
    for word in words[1:]:
        positions = {position for position, _, _ in occurrences[word]}
        reached = {p for p in positions if any(0 < p - q <= max(slop, 1) for q in reached)}
        if not reached:
            return False
    return True
