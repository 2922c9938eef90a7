"""Shaping a ranked document into a hit: the snippet, what matched and how, its versions.

Match positions come from the postings' stored character offsets; nothing is
re-analysed. `matched` maps each match back to the query word (or alias,
prefix, fuzzy pattern) that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from itertools import pairwise

import numpy as np
from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.searching import Searcher

from search.analysis import normalize_text
from search.articles import printed_forms
from search.backends.whoosh.scoring import Postings, Spans
from search.documents import ENTITY_FILTERS, byline_keys, content_of, source_keys
from search.query import EXACT_FIELDS, ParsedQuery
from search.results import Hit, version_record
from search.snippets import JOINERS, Match, coalesce, snippet
from search.tables import AnalysisTables

ENTITY = "entity:"  # the text of a match that marks an entity a filter names
ENTITY_PASSAGE_BOOST = 1000.0  # a passage that names the filtered entity beats any that does not
VIA_NAME = {"byline": "byline", "source_key": "source"}
CONTENT_FIELDS = ("content", "content_exact")
TITLE_FIELDS = ("title", "title_exact")
TEXT_FIELDS = CONTENT_FIELDS + TITLE_FIELDS
ENTITY_FIELDS = (*ENTITY_FILTERS, "entity")
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


def joined_phrases(text: str, matches: list[Match]) -> list[Match]:
    """Matches with a phrase's (or a multi-word alias's) words joined into one mark; other
    matches stay one a word, so neighbouring words matched apart read as apart."""
    exact = [m for m in matches if m.text.split(":", 1)[0] in EXACT_FIELDS.values()]
    return sorted(coalesce(text, exact) + [m for m in matches if m not in exact], key=lambda m: m.startchar)


def story_versions(searcher: Searcher, docnum: int, members: list[int]) -> list[int]:
    """The story's other versions (`members`: its documents), oldest first (undated last), then by id."""
    others = [(searcher.stored_fields(member), member) for member in members if member != docnum]
    others.sort(key=lambda pair: (pair[0].get("date") is None, pair[0].get("date") or 0, pair[0]["id"]))
    return [member for _, member in others]


def _names_match(printed: str, key: str, fieldname: str) -> bool:
    """Whether a byline's or source's name is the one the query named (a surname names its byline)."""
    if fieldname == "byline":
        return key in byline_keys([printed])
    return key in source_keys(printed)


def entity_filter_names(filters: tuple[tuple[str, str], ...], query: wq.Query) -> tuple[tuple[str, str], ...]:
    """(type or `entity`, lower-cased words) of each entity a search is filtered to: the filter's
    own names and the query's entity fields (`person:wallace`, `weapon:himars`)."""
    found = [(kind, " ".join(name.lower().split())) for kind, name in filters]
    for leaf in query.leaves():
        if getattr(leaf, "fieldname", None) in ENTITY_FIELDS and isinstance(leaf, (wq.Term, wq.Phrase)):
            words = leaf.words if isinstance(leaf, wq.Phrase) else [str(leaf.text)]
            found.append((leaf.fieldname, " ".join(words)))
    return tuple(dict.fromkeys(found))


def entity_mentions(body: str, entities: list[dict], wanted: tuple[tuple[str, str], ...]) -> list[Match]:
    """Where the article prints the entities a filter names (as it printed them: its stored forms,
    the name, a person's surname), so the passage is about the entity, not the lead."""
    if not wanted:
        return []
    forms: set[str] = set()
    for entity in entities:
        name = entity["name"]
        if any(_names_entity(entity, kind, words) for kind, words in wanted):
            forms.update(entity.get("forms") or ())
            forms.update(printed_forms(name))
            if entity["type"] == "person" and " " in name:
                forms.add(name.split()[-1])
    forms = {form for form in forms if form.strip()}
    if not forms:
        return []
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return [Match(m.start(), m.end(), f"{ENTITY}{m.group()}", boost=ENTITY_PASSAGE_BOOST)
            for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", body)]


def _names_entity(entity: dict, kind: str, words: str) -> bool:
    """Whether a filter (`person` + `wallace`, `entity` + `ben wallace`) names this entity."""
    if kind not in ("entity", entity["type"]):
        return False
    name = " ".join(entity["name"].lower().split())
    return name == words or (kind != "entity" and words in name.split())


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
    """Makes the hits of one query's results: each shown version's passage, what matched and how,
    and its story's other versions with their own passages."""

    def __init__(self, searcher: Searcher, parsed: ParsedQuery, schema: Schema, tables: AnalysisTables,
                 entity_filters: tuple[tuple[str, str], ...] = ()):
        self.searcher, self.parsed, self.tables = searcher, parsed, tables
        self.sources = self._term_sources(parsed, schema)
        self.phrases = [leaf.words for leaf in parsed.query.leaves() if isinstance(leaf, wq.Phrase)]
        self.entity_filters = entity_filters

    def hit(self, docnum: int, score: float, terms: dict[tuple[str, bytes], Spans],
            missing: list[str], versions: list[dict]) -> Hit:
        """The hit for one shown document: its passage, what matched, what it lacks, its versions."""
        stored = self.searcher.stored_fields(docnum)
        passage, title_matches, body_matches = self._passage(stored, terms)
        hit = Hit(stored, score, snippet=passage, versions=versions, missing=missing)
        title, body = stored.get("title") or "", stored.get("body") or ""
        found = [(title, title_matches), (body, [m for m in body_matches if not m.text.startswith(ENTITY)])]
        hit.matched = self._explain(found) + self._by_name(stored)
        return hit

    def version(self, docnum: int, terms: dict[tuple[str, bytes], Spans] | None) -> dict:
        """Another version of a shown story: its headline, source, date and (when its matches were
        looked up) its own highlighted passage."""
        stored = self.searcher.stored_fields(docnum)
        if terms is None:
            return version_record(stored)
        return version_record(stored, self._passage(stored, terms)[0])

    def _passage(self, stored: dict, terms: dict[tuple[str, bytes], Spans]) -> tuple[str, list, list]:
        """The best passage of the body (HTML), and the matches in headline and body."""
        title_matches, body_matches = self.matches(stored, terms)
        return snippet(stored.get("body") or "", body_matches), title_matches, body_matches

    def matches(self, stored: dict, terms: dict[tuple[str, bytes], Spans]) -> tuple[list[Match], list[Match]]:
        """Where the query matched in the headline and in the body: its terms (a phrase's only
        where the whole phrase stands) and the entities a filter names."""
        title, body = stored.get("title") or "", stored.get("body") or ""
        offset = content_of(title, body)[1]
        in_content = list(_matches(terms, CONTENT_FIELDS))
        title_matches = {(m.startchar, m.endchar): m for m in in_content if m.endchar <= len(title)}
        title_matches.update(((m.startchar, m.endchar), m) for m in _matches(terms, TITLE_FIELDS))
        body_matches = [Match(m.startchar - offset, m.endchar - offset, m.text)
                        for m in in_content if m.startchar >= offset]
        if self.phrases:
            body_matches = phrase_runs(body, body_matches, self.phrases)
        body_matches += entity_mentions(body, stored.get("entities") or [], self.entity_filters)
        return list(title_matches.values()), body_matches

    def _by_name(self, stored: dict) -> list[dict]:
        """Reporters and sources the query named, as this article's byline or source has them."""
        found = []
        names = {"byline": stored.get("authors") or [], "source_key": [stored.get("source") or ""]}
        for key, typed in self.parsed.name_terms.items():
            fieldname, _, wanted = key.partition(":")
            printed = [name for name in names.get(fieldname, []) if _names_match(name, wanted, fieldname)]
            if printed:
                found.append({"query": typed, "found": printed[0], "via": VIA_NAME[fieldname]})
        return found

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
