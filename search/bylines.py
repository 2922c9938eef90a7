"""Bylines as printed, made into reporters' names and the agency they credit.

Wire copy carries its byline as one string: `By Patti Domm, Reuters`,
`BY TED D'AFFLISIO, Reuters`, `By Norma Cohen and Geert Linnebank, Reuters`.
A reader wants `Patti Domm` on the hit, in the author facet and in the export,
and the agency as the article's source (or its credit when the record names
another source). Names printed in capitals are shown in title case; one
reporter's bylines are one author whatever their casing (`author_key`).
The agencies and the job titles are rows of `data/publications.tsv`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from search.tables import DATA_DIR, read_pairs

BY = re.compile(r"^\s*[-–—•*]*\s*(?:(?:written|reporting|words|story|text)\s+)?by\s*:?\s+", re.IGNORECASE)
PARTS = re.compile(r"\s*(?:[,;]|\band\b|&)\s*", re.IGNORECASE)
PLACE = re.compile(r"\s+in\s+[A-Z][\w\s]*$")
PARTICLE = re.compile(r"^[^\W\d_]{1,3}['’]")  # d'AFFLISIO, O'NEILL
HYPHENS = re.compile(r"[-‐‑–]")  # between the words of a name: `Chou-Wiest` is `Chou Wiest`
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?$")
MAX_NAME_WORDS = 5
MIN_AGENCY_TYPO_CHARS = 5  # a one-word byline part this long a letter from an agency is that agency


@dataclass(frozen=True)
class Byline:
    """What a byline says: the reporters' names and the agency credited, if any."""

    names: list[str] = field(default_factory=list)
    agency: str | None = None


@dataclass(frozen=True)
class BylineTables:
    """Agencies (each way a byline prints one, as a key -> the agency's name) and job-title words."""

    agencies: dict[str, str]
    roles: re.Pattern


@lru_cache(maxsize=1)
def byline_tables() -> BylineTables:
    rows = read_pairs(DATA_DIR / "publications.tsv")
    agencies = {author_key(alias): names.split("|")[0]
                for kind, names in rows if kind == "agency" for alias in names.split("|")}
    roles = [re.escape(word) for kind, word in rows if kind == "role"]
    return BylineTables(agencies, re.compile(rf"\b(?:{'|'.join(roles)})\b", re.IGNORECASE))


def author_key(name: str) -> str:
    """One reporter's key, whatever the casing, spacing or hyphens of the byline (`ted d'afflisio`;
    Reuters prints both `Nailene Chou Wiest` and `Nailene Chou-Wiest`)."""
    return " ".join(HYPHENS.sub(" ", name.replace("’", "'")).split()).casefold()


def shown_case(name: str) -> str:
    """A name as shown: words printed in capitals in title case (`TED D'AFFLISIO` ->
    `Ted D'Afflisio`, `d'AFFLISIO` -> `D'Afflisio`); mixed case as printed (`McNeil`)."""
    return " ".join(word.title() if _is_shouted(word) else word for word in name.split())


def _is_shouted(word: str) -> bool:
    """Printed in capitals: two letters or more, none lower case after a particle (`d'`)."""
    rest = PARTICLE.sub("", word)
    return bool(NAME_WORD.match(word)) and sum(c.isalpha() for c in rest) >= 2 and rest.isupper()


def _agency_of(part: str, tables: BylineTables) -> str | None:
    """The agency a byline part names: as printed, or one word a letter away from one of five
    letters or more (`Reutersd`, `Reutrs`), which no reporter is named alone."""
    key = author_key(part)
    found = tables.agencies.get(key)
    if found or " " in key or len(key) < MIN_AGENCY_TYPO_CHARS:
        return found
    from rapidfuzz.distance import OSA

    return next((agency for alias, agency in tables.agencies.items()
                 if len(alias) >= MIN_AGENCY_TYPO_CHARS and OSA.distance(key, alias) == 1), None)


def _trailing_agency(part: str, tables: BylineTables) -> tuple[str, str | None]:
    """`Brad Schade Reuters` -> (`Brad Schade`, `Reuters`): an agency printed without a comma."""
    words = part.split()
    for size in (3, 2, 1):
        if len(words) > size:
            agency = _agency_of(" ".join(words[-size:]), tables)
            if agency:
                return " ".join(words[:-size]), agency
    return part, None


def parse_byline(raw: str) -> Byline:
    """The names and agency of one byline string (`By A, B and C, Reuters`)."""
    tables = byline_tables()
    text = PLACE.sub("", BY.sub("", " ".join(raw.split())))
    names: list[str] = []
    agency = None
    for part in PARTS.split(text):
        part = part.strip(" .:-–—")
        if not part:
            continue
        credited = _agency_of(part, tables)
        if credited:
            agency = agency or credited
            continue
        part, trailing = _trailing_agency(part, tables)
        agency = agency or trailing
        if _is_name(part, tables):
            names.append(shown_case(part))
    return Byline(names, agency)


def _is_name(part: str, tables: BylineTables) -> bool:
    """A reporter's name, not a job title or a stray word: one to MAX_NAME_WORDS words with a letter."""
    words = part.split()
    return (0 < len(words) <= MAX_NAME_WORDS and any(c.isalpha() for c in part)
            and not tables.roles.search(part))


def bylines(value: object) -> Byline:
    """The names and agency of a record's `authors`/`author` value: a list of names or
    bylines, or one string (names separated by `;` or `,`/`and` after `By`)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return Byline()
    names: list[str] = []
    agency = None
    for item in value:
        found = parse_byline(str(item)) if isinstance(item, (str, int, float)) else Byline()
        names.extend(found.names)
        agency = agency or found.agency
    return Byline(list(dict.fromkeys(names)), agency)


def credit_and_source(byline: Byline, source: str | None) -> tuple[str | None, str | None]:
    """(source, credit): the agency becomes the source of a record that names none; when the
    record names another source it is the article's credit; the same source twice is once."""
    agency = byline.agency
    if not agency:
        return source, None
    if not source:
        return agency, None
    if author_key(agency) == author_key(source) or _agency_of(source, byline_tables()) == agency:
        return source, None
    return source, agency
