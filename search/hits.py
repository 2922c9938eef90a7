"""Shaping a ranked document into a hit: the snippet, what matched and how, its versions.

Match positions come from the backend (`View.spans`: where each of the query's terms stands);
nothing is re-analysed here. `matched` maps each match back to the query word (or alias,
prefix, fuzzy pattern) that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from itertools import pairwise

from search.analysis import normalize_text
from search.articles import printed_forms
from search.backends.base import TermSpans
from search.documents import (
    CONTENT_FIELDS,
    ENTITY_FILTERS,
    QUOTE_FIELDS,
    TITLE_FIELDS,
    byline_keys,
    content_of,
    source_keys,
)
from search.fields import FieldAnalyzer
from search.query import EXACT_FIELDS, ParsedQuery
from search.query import tree as qt
from search.results import Hit, version_record
from search.snippets import ELLIPSIS, JOINERS, Match, coalesce, plain_text, snippet
from search.tables import AnalysisTables

ENTITY = "entity:"  # the text of a match that marks an entity a filter names
SPEAKER = "speaker:"  # the text of an empty match at the start of a quote by the speaker a filter names
ENTITY_PASSAGE_BOOST = 1000.0  # a passage that names the filtered entity beats any that does not
VIA_NAME = {"byline": "byline", "source_key": "source"}
ENTITY_FIELDS = (*ENTITY_FILTERS, "entity")
MAX_MATCHED = 12


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
    exact, other = [], []
    for match in matches:
        (exact if match.text.split(":", 1)[0] in EXACT_FIELDS.values() else other).append(match)
    return sorted(coalesce(text, exact) + other, key=lambda m: m.startchar)


def by_date(stored: list[dict]) -> list[int]:
    """The positions of stored articles oldest first (undated last), then by id."""
    def key(i: int) -> tuple:
        return stored[i].get("date") is None, stored[i].get("date") or 0, stored[i]["id"]

    return sorted(range(len(stored)), key=key)


def first_report(stored: list[dict]) -> int | None:
    """Which of a story's versions reported it first: the one dated before every other; None
    for a story of one version, when none is dated, or when the earliest date is shared."""
    dates = sorted(doc["date"] for doc in stored if doc.get("date") is not None)
    if len(stored) < 2 or not dates or (len(dates) > 1 and dates[0] == dates[1]):
        return None
    return next(i for i, doc in enumerate(stored) if doc.get("date") == dates[0])


def _names_match(printed: str, key: str, fieldname: str) -> bool:
    """Whether a byline's or source's name is the one the query named (a surname names its byline)."""
    if fieldname == "byline":
        return key in byline_keys([printed])
    return key in source_keys(printed)


def entity_filter_names(filters: tuple[tuple[str, str], ...], tree: qt.Node) -> tuple[tuple[str, str], ...]:
    """(type or `entity`, lower-cased words) of each entity a search is filtered to: the filter's
    own names and the query's entity fields (`person:wallace`, `weapon:himars`)."""
    found = [(kind, " ".join(name.lower().split())) for kind, name in filters]
    for leaf in tree.leaves():
        if isinstance(leaf, (qt.Term, qt.Phrase)) and leaf.field in ENTITY_FIELDS:
            words = leaf.words if isinstance(leaf, qt.Phrase) else [leaf.text]
            found.append((leaf.field, " ".join(words)))
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


def speaker_quotes(quotes: list[dict], speakers: list[tuple[str, ...]]) -> list[Match]:
    """An empty match at the start of each quote by a speaker the query names (`speaker:martin`),
    weighted so the passage shows what that person said."""
    return [Match(quote["start"], quote["start"], f"{SPEAKER}{quote['speaker']}", boost=ENTITY_PASSAGE_BOOST)
            for quote in quotes if quote.get("speaker") and any(
                set(words) <= set(quote["speaker"].lower().split()) for words in speakers)]


def quote_shown(passage: str, body: str, quotes: list[dict], matches: list[Match]) -> dict | None:
    """The quotation a passage shows a match inside (its words and speaker), or None."""
    shown = plain_text(passage).removeprefix(f"{ELLIPSIS} ").removesuffix(f" {ELLIPSIS}")
    start = body.find(shown) if quotes and shown else -1
    if start < 0:
        return None
    inside = sorted(m.startchar for m in matches if start <= m.startchar < start + len(shown))
    for char in inside:
        for quote in quotes:
            if quote["start"] <= char < quote["end"]:
                return {"text": quote["text"], "speaker": quote["speaker"]}
    return None


def _matches(found: TermSpans, fields: tuple[str, ...]) -> Iterator[Match]:
    """Where the matched terms stand in a document's fields."""
    for (fieldname, term), spans in found.items():
        if fieldname in fields:
            for startchar, endchar in spans:
                yield Match(startchar, endchar, f"{fieldname}:{term}")


def without_repeated_passages(passage: str, versions: list[dict]) -> list[dict]:
    """The versions without a passage the hit already shows (the row's, or an earlier version's):
    an update resent with the same paragraph would show the reader the same lines twice."""
    shown, kept = {" ".join(plain_text(passage).split())}, []
    for version in versions:
        if "snippet" in version:
            text = " ".join(plain_text(version["snippet"]).split())
            if text in shown:
                version = {key: value for key, value in version.items() if key != "snippet"}
            shown.add(text)
        kept.append(version)
    return kept


class HitMaker:
    """Makes the hits of one query's results: each shown version's passage, what matched and how,
    and its story's other versions with their own passages."""

    def __init__(self, parsed: ParsedQuery, analyzers: Mapping[str, FieldAnalyzer], tables: AnalysisTables,
                 entity_filters: tuple[tuple[str, str], ...] = ()):
        self.parsed, self.tables = parsed, tables
        self.sources = self._term_sources(parsed, analyzers)
        self.phrases = [list(leaf.words) for leaf in parsed.tree.leaves() if isinstance(leaf, qt.Phrase)]
        self.entity_filters = entity_filters
        self.speakers = [leaf.words if isinstance(leaf, qt.Phrase) else (leaf.text,)
                         for leaf in parsed.tree.leaves() if getattr(leaf, "field", None) == "speaker"]

    def hit(self, stored: dict, score: float, terms: TermSpans, missing: list[str],
            versions: list[dict]) -> Hit:
        """The hit for one shown document: its passage, what matched, what it lacks, its versions."""
        passage, title_matches, body_matches = self._passage(stored, terms)
        title, body = stored.get("title") or "", stored.get("body") or ""
        words = [m for m in body_matches if not m.text.startswith((ENTITY, SPEAKER))]
        quoted = [m for m in body_matches if not m.text.startswith(ENTITY)]
        hit = Hit(stored, score, snippet=passage, versions=without_repeated_passages(passage, versions),
                  missing=missing, quote=quote_shown(passage, body, stored.get("quotes") or [], quoted))
        found = [(title, title_matches), (body, words)]
        hit.matched = self._explain(found) + self._by_name(stored)
        return hit

    def version(self, stored: dict, terms: TermSpans | None) -> dict:
        """Another version of a shown story: its headline, source, date and (when its matches were
        looked up) its own highlighted passage."""
        if terms is None:
            return version_record(stored)
        return version_record(stored, self._passage(stored, terms)[0])

    def _passage(self, stored: dict, terms: TermSpans) -> tuple[str, list, list]:
        """The best passage of the body (HTML), and the matches in headline and body."""
        title_matches, body_matches = self.matches(stored, terms)
        body = stored.get("body") or ""
        return snippet(body, joined_phrases(body, body_matches)), title_matches, body_matches

    def matches(self, stored: dict, terms: TermSpans) -> tuple[list[Match], list[Match]]:
        """Where the query matched in the headline and in the body: its terms (a phrase's only
        where the whole phrase stands) and the entities a filter names."""
        title, body = stored.get("title") or "", stored.get("body") or ""
        offset = content_of(title, body)[1]
        in_content = list(_matches(terms, (*CONTENT_FIELDS, *QUOTE_FIELDS)))
        title_matches = {(m.startchar, m.endchar): m for m in in_content if m.endchar <= len(title)}
        title_matches.update(((m.startchar, m.endchar), m) for m in _matches(terms, TITLE_FIELDS))
        body_matches = [Match(m.startchar - offset, m.endchar - offset, m.text)
                        for m in in_content if m.startchar >= offset]
        if self.phrases:
            body_matches = phrase_runs(body, body_matches, self.phrases)
        body_matches += entity_mentions(body, stored.get("entities") or [], self.entity_filters)
        body_matches += speaker_quotes(stored.get("quotes") or [], self.speakers)
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
    def _term_sources(parsed: ParsedQuery, analyzers: Mapping[str, FieldAnalyzer]) -> dict[str, str]:
        """`field:term` -> the query word that produced the term."""
        sources: dict[str, str] = {}
        for word in parsed.words:
            for fieldname in (*CONTENT_FIELDS, *TITLE_FIELDS):
                for term in analyzers[fieldname](word, False):
                    sources.setdefault(f"{fieldname}:{term}", word)
        return sources

    @staticmethod
    def _source_of(key: str, sources: dict[str, str], parsed: ParsedQuery) -> tuple[str, str]:
        if key in sources:
            return sources[key], "exact"
        fieldname, _, term = key.partition(":")
        for leaf in parsed.tree.leaves():
            if getattr(leaf, "field", None) not in (fieldname, EXACT_FIELDS.get(fieldname)):
                continue
            if isinstance(leaf, qt.Prefix) and term.startswith(leaf.text):
                return f"{leaf.text}*", "prefix"
            if isinstance(leaf, qt.Wildcard) and fnmatchcase(term, leaf.pattern):
                return leaf.pattern, "prefix"
            if isinstance(leaf, qt.Fuzzy):
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
