"""The entity tables: gazetteers, titles and cue words read from `search/data/entities/`, compiled once.

Separate because every step of an extraction reads them, and the query parser
(`phrase_key`) and the alias table (`read_columns`) read them too without
extracting anything. Here too are the patterns that cut capitalised text into
tokens, since a table phrase is keyed by the same tokenisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from search.analysis import fold_accents, normalize_text
from search.tables import DATA_DIR, analysis_tables, data_lines, read_words

ENTITY_DIR = DATA_DIR / "entities"
CUE_KINDS = ("org-suffix", "org-head", "weapon-word", "verb", "role", "stop", "common", "company-word",
             "not-name", "legal-suffix", "person-thing", "date", "date-before", "thing-before",
             "company-before", "person-role", "rating-word", "portfolio")

# Capital letters of the Latin script (a character class's body): ASCII, Latin-1, Extended-A and -B
# and Latin Extended Additional, so `Ładoń`, `Šimonytė` and `Đặng` start names as `Kędzierski` does.
UPPER = "A-Z" + "".join(chr(code) for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
                        if chr(code).isupper())
PARTICLES = frozenset((
    "de", "du", "da", "del", "della", "di", "van", "von", "der", "den", "le", "la", "al", "el", "bin", "ibn",
    "dos", "das",
))
CONNECTORS = PARTICLES | frozenset(("of", "for", "on", "in", "and", "&", "the", "a", "an", "y"))
DOTTED = rf"(?:[{UPPER}]\.){{2,}}"
WORD = rf"(?:(?:al|el|bin)-)?[{UPPER}][\w&/]*(?:'\w+)*(?:-\w+(?:'\w+)*)*"
CONNECTOR = "|".join(sorted((re.escape(c) for c in CONNECTORS), key=len, reverse=True))


class Entry(NamedTuple):
    """What a gazetteer phrase stands for; an acronym matches only in capitals."""

    name: str
    type: str
    acronym: bool = False


class SourceRoles(NamedTuple):
    """Where a story's own source is only at work (`data/entities/source-roles.tsv`)."""

    before: re.Pattern
    after: frozenset[str]
    credit: re.Pattern


@dataclass(frozen=True)
class EntityTables:
    """The compiled entity tables, loaded once."""

    lexicon: dict[str, Entry]
    first_words: frozenset[str]
    countries: dict[str, str]
    country_names: frozenset[str]
    ignorable: frozenset[str]
    title_ends: frozenset[str]
    titles_any_case: frozenset[str]
    cues: dict[str, frozenset[str]]
    stopwords: frozenset[str]
    variants: dict[str, str]
    span: re.Pattern
    token: re.Pattern
    person_after: re.Pattern
    source_roles: SourceRoles
    conflicts: tuple[str, ...] = ()


def read_columns(name: str) -> list[list[str]]:
    """TAB-separated rows of an entity table, each field stripped."""
    return [[cell.strip() for cell in line.split("\t")] for line in data_lines(ENTITY_DIR / name)]


def split_aliases(cell: str) -> list[str]:
    """`A|B|C` -> ["A", "B", "C"], blanks dropped."""
    return [alias.strip() for alias in cell.split("|") if alias.strip()]


def is_acronym_form(phrase: str) -> bool:
    """Written in capitals with two letters or more (`NATO`, `US`), not dotted: matched only in capitals."""
    letters = [c for c in phrase if c.isalpha()]
    return "." not in phrase and len(letters) >= 2 and all(c.isupper() for c in letters)


def fold_token(text: str, kind: str) -> str:
    """The lookup form of one token: lower case, accents folded, no possessive, no abbreviation
    stop (`Mr.` -> `mr`, `Gdańsk` -> `gdansk`)."""
    bare = strip_possessive(text)
    if kind in ("abbrev", "initial"):
        bare = bare.rstrip(".")
    return fold_accents(bare.lower())


def strip_possessive(word: str) -> str:
    """`Britain's` -> `Britain`, `US'S` -> `US`."""
    return word[:-2] if word[-2:] in ("'s", "'S") else word


def phrase_key(phrase: str, token_pattern: re.Pattern) -> str:
    """The lexicon key of a table phrase, tokenised as capitalised text is (`secretary-general`: one word)."""
    words = normalize_text(phrase).split()
    phrase = " ".join(word[:1].upper() + word[1:] for word in words)
    return " ".join(fold_token(m.group(), m.lastgroup) for m in token_pattern.finditer(phrase))


def compile_patterns(abbreviations: list[str]) -> tuple[re.Pattern, re.Pattern]:
    """The capitalised-sequence pattern and the pattern that splits one into tokens."""
    abbrev = "|".join(sorted((re.escape(a) for a in abbreviations), key=len, reverse=True))
    abbrev = rf"(?:{abbrev})\." if abbrev else r"(?!x)x"
    one = rf"(?:{DOTTED}|{abbrev}|[{UPPER}]\.(?=[ \t]+[{UPPER}])|{WORD})"
    span = re.compile(
        rf"(?<![\w.'&/-]){one}(?:[ \t]+(?:(?:{CONNECTOR})[ \t]+)*{one}|[ \t]+\d[\w-]*(?!\w))*"
    )
    token = re.compile(
        rf"(?P<dotted>{DOTTED})|(?P<abbrev>{abbrev})|(?P<initial>[{UPPER}]\.)|(?P<word>{WORD})"
        rf"|(?P<number>\d[\w-]*)|(?P<conn>[a-z]+|&)"
    )
    return span, token


def person_after_pattern(verbs: frozenset[str], roles: frozenset[str]) -> re.Pattern:
    """What may follow a name to make it a person: a speech verb, an appositive role, `, who`, an age."""
    verb = "|".join(sorted(verbs, key=len, reverse=True))
    role = "|".join(sorted((re.escape(r) for r in roles), key=len, reverse=True))
    helpers = ("has|have|had|was|is|also|later|then|previously|earlier|recently|again|once|"
               "further|separately|reportedly|publicly|privately|repeatedly")
    return re.compile(
        rf"(?:\s*,\s*\d{{1,3}}\s*,)?(?:\s+(?:{helpers}))*\s+(?:{verb})\b"
        rf"|\s*,\s+(?:(?:the|a|an|his|her|its|their)\s+)?(?:[\w.'&-]+\s+){{0,5}}?(?:{role})s?\b"
        rf"|\s*,\s*(?:{verb})\b"
        r"|\s*,\s+(?:who|whose)\b"
        r"|\s*,\s+\d{1,3}\s*,",
        re.IGNORECASE,
    )


def source_roles() -> SourceRoles:
    """The source-role table compiled: phrases before the name, words after it, credit-line starts."""
    kinds: dict[str, list[str]] = {"before": [], "after": [], "credit": []}
    for kind, phrase in read_columns("source-roles.tsv"):
        kinds[kind].append(phrase.lower())

    def alternatives(phrases: list[str]) -> str:
        longest_first = sorted(phrases, key=len, reverse=True)
        return "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in longest_first)

    before = alternatives(kinds["before"])
    return SourceRoles(
        before=re.compile(rf"(?<!\w)(?:{before})\s+(?:(?:the|a|an)\s+)?$", re.IGNORECASE),
        after=frozenset(kinds["after"]),
        credit=re.compile(rf"\s*\(?(?:{alternatives(kinds['credit'])})(?!\w)", re.IGNORECASE),
    )


def add_phrase(lexicon: dict[str, Entry], conflicts: list[str], key: str, entry: Entry) -> None:
    """Add one phrase; a phrase that already means something else is a conflict (first wins)."""
    if not key:
        return
    found = lexicon.get(key)
    if found is None:
        lexicon[key] = entry
    elif (found.name, found.type) != (entry.name, entry.type):
        conflicts.append(f"{key!r}: {found.type} {found.name} / {entry.type} {entry.name}")


def add_named(lexicon: dict[str, Entry], conflicts: list[str], token: re.Pattern,
              names: list[str], canonical: str, kind: str, plurals: bool = False) -> None:
    """Add a canonical name and its aliases (and their plurals) as one entity."""
    for alias in names:
        key = phrase_key(alias, token)
        entry = Entry(canonical, kind, is_acronym_form(alias))
        add_phrase(lexicon, conflicts, key, entry)
        if plurals and key and not key.endswith("s"):
            add_phrase(lexicon, conflicts, key + "s", entry)


@lru_cache(maxsize=1)
def entity_tables() -> EntityTables:
    """Load and compile the entity tables (once)."""
    titles = read_words("entities/titles.txt")
    cues: dict[str, set[str]] = {kind: set() for kind in CUE_KINDS}
    conflicts: list[str] = []
    for kind, word in read_columns("cues.tsv"):
        if kind not in cues:
            conflicts.append(f"cues.tsv: unknown kind {kind!r}")
        cues.setdefault(kind, set()).add(word.lower())
    cues["no-name"] = cues["company-word"] | cues["not-name"]
    cues["common"] |= cues["date"]
    short_titles = [t for t in titles if " " not in t and len(t) <= 4 and t[0].isupper()]
    abbreviations = sorted({w.capitalize() for w in read_words("abbreviations.txt")
                            if w.isalpha() and w not in ("no", "vs", "etc")} | set(short_titles))
    span, token = compile_patterns(abbreviations)
    lexicon: dict[str, Entry] = {}
    countries: dict[str, str] = {}
    for row in read_columns("weapons.tsv"):
        add_named(lexicon, conflicts, token, [row[0], *split_aliases(row[1] if len(row) > 1 else "")],
                  row[0], "weapon", plurals=True)
    for row in read_columns("organisations.tsv"):
        add_named(lexicon, conflicts, token, [row[0], *split_aliases(row[1] if len(row) > 1 else "")],
                  row[0], "org")
    for row in read_columns("countries.tsv"):
        countries[row[0]] = row[0]
        add_named(lexicon, conflicts, token, [row[0], *split_aliases(row[1] if len(row) > 1 else "")],
                  row[0], "place")
    for row in read_columns("places.tsv"):
        countries[row[0]] = "" if row[1] == "-" else row[1]
        add_named(lexicon, conflicts, token, [row[0], *split_aliases(row[2] if len(row) > 2 else "")],
                  row[0], "place")
    for demonym, place in read_columns("demonyms.tsv"):
        if place not in countries:
            conflicts.append(f"demonym {demonym!r}: unknown place {place!r}")
        add_named(lexicon, conflicts, token, [demonym], place, "place", plurals=True)
    for title in titles:
        add_phrase(lexicon, conflicts, phrase_key(title, token), Entry(title, "title"))
    analysis = analysis_tables()
    return EntityTables(
        lexicon=lexicon,
        first_words=frozenset(key.split(" ", 1)[0] for key in lexicon),
        countries=countries,
        country_names=frozenset(name for name, country in countries.items() if name == country),
        ignorable=frozenset(w.capitalize() for w in analysis.stopwords if w not in lexicon),
        title_ends=frozenset(phrase_key(t, token).rsplit(" ", 1)[-1] for t in titles),
        titles_any_case=frozenset(phrase_key(t, token) for t in titles if t == t.lower()),
        cues={kind: frozenset(words) for kind, words in cues.items()},
        stopwords=analysis.stopwords,
        variants=analysis.variants,
        span=span,
        token=token,
        person_after=person_after_pattern(frozenset(cues["verb"]), frozenset(cues["role"])),
        source_roles=source_roles(),
        conflicts=tuple(conflicts),
    )


def country_of(place: str) -> str | None:
    """The country a place (canonical name) lies in: itself for a country, None for a region."""
    return entity_tables().countries.get(place) or None
