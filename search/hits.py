"""Shaping a ranked document into a hit: the snippet, what matched and how, its versions.

Match positions come from the postings' stored character offsets; nothing is
re-analysed. `matched` maps each match back to the query word (or alias,
prefix, fuzzy pattern) that produced it.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from itertools import pairwise

import numpy as np
from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.searching import Searcher

from search.analysis import normalize_text
from search.index import content_of
from search.query import EXACT_FIELDS, ParsedQuery
from search.results import Hit, version_record
from search.scoring import Postings, Spans
from search.snippets import JOINERS, Match, coalesce, snippet
from search.stories import StoryMembers
from search.tables import AnalysisTables

CONTENT_FIELDS = ("content", "content_exact")
TITLE_FIELDS = ("title", "title_exact")
TEXT_FIELDS = CONTENT_FIELDS + TITLE_FIELDS
HEADLINE_TWINS = dict(zip(TITLE_FIELDS, CONTENT_FIELDS, strict=True))
MAX_MATCHED = 12
MAX_TERMS_CHECKED = 2000


def phrase_runs(text: str, matches: list[Match], phrases: list[list[str]]) -> list[Match]:
    """Keep an exact-field match only where it stands inside one of the query's phrases,
    word after word; other matches pass through."""
    exact = sorted((m for m in matches if m.text.split(":", 1)[0] in EXACT_FIELDS.values()),
                   key=lambda m: m.startchar)
    kept = [m for m in matches if m.text.split(":", 1)[0] not in EXACT_FIELDS.values()]
    words = [m.text.split(":", 1)[1] for m in exact]
    for start in range(len(exact)):
        for phrase in phrases:
            run = exact[start:start + len(phrase)]
            if words[start:start + len(phrase)] == phrase and all(
                not text[a.endchar:b.startchar].strip(JOINERS) for a, b in pairwise(run)
            ):
                kept.extend(run)
    return list({(m.startchar, m.endchar): m for m in kept}.values())


def story_versions(searcher: Searcher, docnum: int, members: list[int]) -> list[dict]:
    """The story's other versions (`members`: its documents), oldest first (undated last), then by id."""
    others = [searcher.stored_fields(member) for member in members if member != docnum]
    others.sort(key=lambda other: (other.get("date") is None, other.get("date") or 0, other["id"]))
    return [version_record(other) for other in others]


def _matches(found: dict[tuple[str, bytes], Spans], fields: tuple[str, ...]) -> Iterator[Match]:
    """Where the matched terms stand in a document's fields, from the postings' offsets."""
    for (fieldname, btext), spans in found.items():
        if fieldname in fields:
            term = btext.decode("utf-8")
            for startchar, endchar in spans:
                yield Match(startchar, endchar, f"{fieldname}:{term}")


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
                  phrase_hits: dict[int, np.ndarray]) -> dict[int, dict[tuple[str, bytes], Spans]]:
    """Which of the query's terms each document holds in its text fields, and where: looked
    up for the shown page only, not recorded while collecting. A phrase's words count only
    where the whole phrase matches. A headline term is not looked up where its body twin is:
    the body field starts with the headline, analysed alike, so it has the same matches."""
    wanted = _wanted_terms(searcher, query, docnums, phrase_hits)
    found: dict[int, dict] = {docnum: {} for docnum in docnums}
    for (fieldname, btext), holders in wanted.items():
        twin = wanted.get((HEADLINE_TWINS.get(fieldname, ""), btext), set())
        if holders <= twin:
            continue
        for docnum, spans in postings.characters(fieldname, btext, sorted(holders)).items():
            found[docnum][(fieldname, btext)] = spans
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


class HitMaker:
    """Makes the hits of one query's results."""

    def __init__(self, searcher: Searcher, parsed: ParsedQuery, schema: Schema, tables: AnalysisTables,
                 stories: StoryMembers):
        self.searcher, self.parsed, self.tables, self.stories = searcher, parsed, tables, stories
        self.sources = self._term_sources(parsed, schema)

    def hit(self, docnum: int, score: float, terms: dict[tuple[str, bytes], Spans]) -> Hit:
        """The hit for one ranked document: snippet, what matched, the story's versions."""
        searcher, parsed = self.searcher, self.parsed
        stored = searcher.stored_fields(docnum)
        title, body = stored.get("title") or "", stored.get("body") or ""
        offset = content_of(title, body)[1]
        in_content = list(_matches(terms, CONTENT_FIELDS))
        title_matches = {(m.startchar, m.endchar): m for m in in_content if m.endchar <= len(title)}
        title_matches.update(
            ((m.startchar, m.endchar), m) for m in _matches(terms, TITLE_FIELDS)
        )
        body_matches = [Match(m.startchar - offset, m.endchar - offset, m.text)
                        for m in in_content if m.startchar >= offset]
        phrases = [leaf.words for leaf in parsed.query.leaves() if isinstance(leaf, wq.Phrase)]
        if phrases:
            body_matches = phrase_runs(body, body_matches, phrases)
        hit = Hit(stored, score, snippet=snippet(body, body_matches),
                  versions=story_versions(searcher, docnum, self.stories.of(docnum)))
        hit.matched = self._explain([(title, list(title_matches.values())), (body, body_matches)])
        return hit

    def _explain(self, texts: list[tuple[str, list[Match]]]) -> list[dict]:
        """Which query word each match answers, the form printed, and how it matched.

        An alias printed in several words (`advanced medium-range air-to-air
        missile`) is one form.
        """
        parsed, sources = self.parsed, self.sources
        seen: dict[tuple[str, str], dict] = {}
        for text, matches in texts:
            by_alias = [m for m in matches if m.text in parsed.alias_terms]
            direct = [m for m in matches if m.text not in parsed.alias_terms]
            for match in sorted(direct + coalesce(text, by_alias), key=lambda m: m.startchar):
                found = text[match.startchar:match.endchar]
                if match.text in parsed.alias_terms:
                    query_word, via = parsed.alias_terms[match.text], "alias"
                else:
                    query_word, via = self._source_of(match.text, sources, parsed)
                    if via == "exact":
                        via = self._kind(query_word, found)
                key = (query_word.lower(), normalize_text(found).lower())
                if key not in seen and len(seen) < MAX_MATCHED:
                    seen[key] = {"query": query_word, "found": found, "via": via}
        return list(seen.values())

    @staticmethod
    def _term_sources(parsed: ParsedQuery, schema: Schema) -> dict[str, str]:
        """`field:term` -> the query word that produced the term."""
        sources: dict[str, str] = {}
        for word in parsed.words:
            for fieldname in (*CONTENT_FIELDS, *TITLE_FIELDS):
                for token in schema[fieldname].analyzer(word, mode="query"):
                    sources.setdefault(f"{fieldname}:{token.text}", word)
        return sources

    @staticmethod
    def _source_of(key: str, sources: dict[str, str], parsed: ParsedQuery) -> tuple[str, str]:
        if key in sources:
            return sources[key], "exact"
        fieldname, _, term = key.partition(":")
        for leaf in parsed.query.leaves():
            if getattr(leaf, "fieldname", None) not in (fieldname, EXACT_FIELDS.get(fieldname)):
                continue
            if isinstance(leaf, wq.Prefix) and term.startswith(leaf.text):
                return f"{leaf.text}*", "prefix"
            if isinstance(leaf, wq.Wildcard) and fnmatchcase(term, leaf.text):
                return leaf.text, "prefix"
            if isinstance(leaf, wq.FuzzyTerm):
                return f"{leaf.text}~", "fuzzy"
        return term, "exact"

    def _kind(self, query_word: str, found: str) -> str:
        """exact (as typed), variant (a spelling table made them one), or stem."""
        typed, printed = normalize_text(query_word).lower(), normalize_text(found).lower()
        for suffix in ("'s", "'"):
            printed = printed.removesuffix(suffix)
        if typed == printed or typed.replace(".", "") == printed.replace(".", ""):
            return "exact"
        tables = self.tables
        if any(word in tables.variants or tables.spellings.lookup(word) for word in (typed, printed)):
            return "variant"
        return "stem"
