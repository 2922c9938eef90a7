"""Where a query's terms stand in some documents, for the Whoosh backend: the terms the index's
expansions and phrase matches give, found in the shown documents' text analysed again
(`Postings.characters`; the index keeps word positions, not character offsets).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search.backends.base import TermSpans
from search.backends.whoosh.scoring import TEXT_FIELDS, Postings
from search.documents import HEADLINE_TWINS

MAX_TERMS_CHECKED = 2000


def _leaf_terms(leaf: wq.Query, reader) -> Iterator[tuple[str, bytes]]:
    """A leaf's terms, prefix, wildcard and fuzzy terms expanded (capped by the parser)."""
    if isinstance(leaf, wq.MultiTerm):
        texts = ((leaf.fieldname, btext) for btext in leaf._btexts(reader))  # Whoosh's own expansion
    else:
        texts = leaf.iter_all_terms(phrases=True)
    for fieldname, text in texts:
        yield fieldname, text if isinstance(text, bytes) else str(text).encode("utf-8")


def _matching_docs(searcher: Searcher, leaf: wq.Query, docnums: list[int],
                   phrase_hits: dict[int, np.ndarray]) -> set[int]:
    """Which of `docnums` the leaf (a phrase) matches as a whole (`phrase_hits`: the matches
    of the leaves the ranking already ran, by id)."""
    if id(leaf) in phrase_hits:
        return {docnum for docnum in docnums if phrase_hits[id(leaf)][docnum]}
    matcher = leaf.matcher(searcher)
    found = set()
    for docnum in sorted(docnums):
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found.add(docnum)
    return found


def matched_terms(searcher: Searcher, query: wq.Query, docnums: list[int], postings: Postings,
                  phrase_hits: dict[int, np.ndarray]) -> dict[int, TermSpans]:
    """Which of the query's terms each document holds in its text fields, and where: looked
    up for the shown page only, not recorded while collecting. A phrase's words count only
    where the whole phrase matches. A headline term is not looked up where its body twin is:
    the body field starts with the headline, analysed alike, so it has the same matches."""
    wanted = _wanted_terms(searcher, query, docnums, phrase_hits)
    by_field: dict[str, dict[bytes, set[int]]] = {}
    for (fieldname, btext), holders in wanted.items():
        twin = wanted.get((HEADLINE_TWINS.get(fieldname, ""), btext), set())
        if not holders <= twin:
            by_field.setdefault(fieldname, {})[btext] = holders
    found: dict[int, dict] = {docnum: {} for docnum in docnums}
    for fieldname, holders in by_field.items():
        for docnum, terms in postings.characters(fieldname, holders).items():
            for btext, spans in terms.items():
                found[docnum][(fieldname, btext.decode("utf-8"))] = spans
    return {docnum: dict(sorted(terms.items())) for docnum, terms in found.items()}


def _wanted_terms(searcher: Searcher, query: wq.Query, docnums: list[int],
                  phrase_hits: dict[int, np.ndarray]) -> dict[tuple[str, bytes], set[int]]:
    """Each text-field term of the query (at most MAX_TERMS_CHECKED) and the documents to look in."""
    reader = searcher.reader()
    wanted: dict[tuple[str, bytes], set[int]] = {}
    for leaf in query.leaves():
        is_phrase = isinstance(leaf, wq.Phrase)
        holders = _matching_docs(searcher, leaf, docnums, phrase_hits) if is_phrase else set(docnums)
        for key in _leaf_terms(leaf, reader):
            if not holders or len(wanted) >= MAX_TERMS_CHECKED and key not in wanted:
                continue
            if key[0] in TEXT_FIELDS and key in reader:
                wanted.setdefault(key, set()).update(holders)
    return wanted
