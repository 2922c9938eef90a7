"""Named entities of one article: people, organisations, places, weapons and acronyms.

Everything runs offline, without NLTK's chunker or any model:

    capitalised sequences (one regular expression over the text)
    -> gazetteers and titles (`data/entities/*`, longest match first)
    -> rules for the rest: people (`Maj Gen James Martin`, `Jens Stoltenberg, the
       Nato Secretary General`, `Liz Truss has also spoken`), organisations
       (`Warfighting Division`, `Ministry of Finance`) and acronyms, typed by the
       definitions the text gives (Schwartz & Hearst 2003); a word that only opens
       a sentence (`Adding Piedmont`) is no name part
    -> people resolved within the article (`Mr Wallace`, `BEN WALLACE` and
       `Wallace` are `Ben Wallace`; `Zelenskiy's office` is a person's)
    -> one name per organisation whatever its legal form (`Norfolk Southern Corp.`
       is `Norfolk Southern Corp`), and the article's own source dropped where it
       only reports (`told Reuters`)
    -> mentions counted over headline and body, and a salience for each entity.

The English dictionary that tells ordinary words from names (`Adding`,
`Workers`) is lemminflect's, loaded on first use.

People come from rules, never from a list of names. A line in capitals (a
wire headline) or in title case (`Key Talks on Long-Range Weapons`) says
nothing with its capitals: there only the gazetteers and the people the rest
of the article names are found.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from search.analysis import normalize_text
from search.tables import DATA_DIR, analysis_tables, data_lines, read_words

ENTITY_DIR = DATA_DIR / "entities"
TYPES = ("person", "org", "place", "weapon", "acronym")
TEXT, HEADLINE, SHOUT = "text", "headline", "shout"
NEVER_NAME, ORDINARY = "never-name", "ordinary"
VERB_FORM, ADVERB, PLURAL = "verb-form", "adverb", "plural"
CUE_KINDS = ("org-suffix", "org-head", "weapon-word", "verb", "role", "stop", "common", "company-word",
             "not-name", "legal-suffix", "person-thing", "date", "date-before")

FREQUENCY_WEIGHT = 0.5
HEADLINE_WEIGHT = 0.3
LEAD_WEIGHT = 0.2
LEAD_CHARS = 600
MAX_NAME_WORDS = 4
MAX_PHRASE_WORDS = 8
TITLE_WINDOW = 45
CREDIT_LINE_CHARS = 100
SIGN_OFF_NOISE = 3

UPPER = "A-ZÀ-ÖØ-Þ"
PARTICLES = frozenset((
    "de", "du", "da", "del", "della", "di", "van", "von", "der", "den", "le", "la", "al", "el", "bin", "ibn",
    "dos", "das",
))
CONNECTORS = PARTICLES | frozenset(("of", "for", "on", "in", "and", "&", "the", "a", "an", "y"))
ORG_LINKS = frozenset(("of", "for", "and", "the", "&"))
DOTTED = rf"(?:[{UPPER}]\.){{2,}}"
WORD = rf"(?:(?:al|el|bin)-)?[{UPPER}][\w&/]*(?:'\w+)*(?:-\w+(?:'\w+)*)*"
CONNECTOR = "|".join(sorted((re.escape(c) for c in CONNECTORS), key=len, reverse=True))
LOWER_WORD = re.compile(r"\b[a-z][a-z'-]*")
LINE = re.compile(r"[^\n]+")
PAREN = re.compile(r"\(([^()\n]{1,120})\)")
LONG_FORM_START = re.compile(r"[.!?;:()\[\]\n\"]")
SAID_BEFORE = re.compile(r"\b(?:said|says|according to)\s*,?\s*$", re.IGNORECASE)
HEADLINE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SIGN_OFF = " \t\r.,;:-–—()'\"*"
DATELINE_DASH = re.compile(r"\s*\)?\s*[-–—]{1,2}\s")
POSSESSED = re.compile(r"'s?((?:\s+[a-z][a-z-]*){1,3})")
PREVIOUS_WORD = re.compile(r"(?<![\w-])([A-Za-z]+)[ \t]+$")
TICKER = re.compile(rf"[{UPPER}0-9]{{1,6}}")
PLURAL_POSSESSIVE = re.compile(r"'(?![^\W\d_])")
NAME_PART = re.compile(r"^[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*$")


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


@dataclass(frozen=True)
class Entity:
    """One named entity of an article."""

    name: str
    type: str
    mentions: int
    salience: float
    forms: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The stored shape: name, type, mentions, salience (3 places)."""
        return {"name": self.name, "type": self.type, "mentions": self.mentions,
                "salience": round(self.salience, 3)}


class Token(NamedTuple):
    """One word of a capitalised sequence, with its offsets in the article."""

    text: str
    bare: str
    fold: str
    kind: str
    start: int
    end: int
    possessive: bool


class Mention(NamedTuple):
    """A found mention: its entity (type, name), where it stands, and how it was printed."""

    type: str
    name: str
    start: int
    end: int
    surface: str


class PersonMention(NamedTuple):
    """A name that the rules or the resolution took for a person."""

    key: tuple[str, ...]
    display: tuple[str, ...]
    start: int
    end: int
    surface: str
    shouted: bool
    weak: bool = False  # found by a weak cue: never a person of its own beside a fuller name


@dataclass
class Article:
    """The working state of one extraction: the text, its lines, what was found so far."""

    text: str
    title_end: int
    lead: tuple[int, int]
    tables: EntityTables
    extras: dict[str, Entry]
    definitions: dict[str, str]
    line_starts: list[int]
    line_modes: list[str]
    mentions: list[Mention] = field(default_factory=list)
    people: list[PersonMention] = field(default_factory=list)
    candidates: list[tuple[tuple[Token, ...], str]] = field(default_factory=list)
    _lower_words: frozenset[str] | None = None

    def lower_words(self) -> frozenset[str]:
        """Every word the article prints in lower case (computed when first asked)."""
        if self._lower_words is None:
            self._lower_words = frozenset(LOWER_WORD.findall(self.text))
        return self._lower_words

    def mode_at(self, position: int) -> str:
        """The mode (text, headline, shout) of the line holding `position`."""
        return self.line_modes[bisect_right(self.line_starts, position) - 1]


# --- tables --------------------------------------------------------------------------------------

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
    """The lookup form of one token: lower case, no possessive, no abbreviation stop (`Mr.` -> `mr`)."""
    bare = strip_possessive(text)
    if kind in ("abbrev", "initial"):
        bare = bare.rstrip(".")
    return bare.lower()


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


# --- acronym definitions (Schwartz & Hearst 2003) -----------------------------------------------

def is_short_form(candidate: str) -> bool:
    """An acronym candidate: 2-10 characters, at most two words, starts alphanumeric, two capitals."""
    return (
        2 <= len(candidate) <= 10
        and len(candidate.split()) <= 2
        and candidate[0].isalnum()
        and sum(c.isupper() for c in candidate) >= 2
    )


def best_long_form(short: str, long: str) -> str | None:
    """Schwartz & Hearst's match: the shortest tail of `long` holding the short form's
    characters in order, its first character at the start of a word."""
    s_index, l_index = len(short) - 1, len(long) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while (l_index >= 0 and long[l_index].lower() != char) or (
            s_index == 0 and l_index > 0 and long[l_index - 1].isalnum()
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    return long[long.rfind(" ", 0, l_index + 1) + 1:]


def valid_pair(short: str, long: str | None) -> bool:
    """Schwartz & Hearst's checks: a long form longer than the short one, not holding it,
    and at most min(|short| + 5, 2 |short|) words."""
    if not long:
        return False
    words = len(long.split())
    return (
        len(long) > len(short)
        and words > 1
        and words <= min(len(short) + 5, 2 * len(short))
        and short.lower() not in long.lower().split()
    )


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """(short, long) pairs defined in the text, Schwartz & Hearst style.

    `Army Tactical Missile Systems (ATACMS)` and `ATACMS (Army Tactical Missile
    Systems)` both give ("ATACMS", "Army Tactical Missile Systems").
    """
    text = normalize_text(text)
    pairs: list[tuple[str, str]] = []
    for match in PAREN.finditer(text):
        inner = match.group(1).strip()
        before = text[max(0, match.start() - 300):match.start()]
        pair = None
        if is_short_form(inner):
            cut = max((m.end() for m in LONG_FORM_START.finditer(before)), default=0)
            words = before[cut:].split()[-min(len(inner) + 5, 2 * len(inner)):]
            long = best_long_form(inner, " ".join(words))
            pair = (inner, long) if valid_pair(inner, long) else None
        elif len(inner.split()) > 2:
            previous = before.split()[-1:] if before.endswith((" ", "\t")) else []
            short = strip_possessive(previous[0].strip(",;:")) if previous else ""
            if short and is_short_form(short):
                long = best_long_form(short, inner)
                pair = (short, long) if valid_pair(short, long) else None
        if pair and pair not in pairs:
            pairs.append(pair)
    return pairs


def definition_entries(short: str, long: str, tables: EntityTables) -> tuple[Entry, Entry]:
    """The entries a definition teaches, for its short form and for its long form.

    A long form the gazetteers know gives that entity; else a weapon word in
    it (`Missile`) makes a weapon named by the acronym, an organisation word
    (`Fund`, `Council`) an organisation named by the long form, and anything
    else an acronym.
    """
    if len(short) > 2 and short.endswith("s") and short[:-1].isupper():
        short = short[:-1]
    known = tables.lexicon.get(phrase_key(long, tables.token))
    if known is not None and known.type != "title":
        return Entry(known.name, known.type, True), Entry(known.name, known.type)
    words = {w.lower().strip(",") for w in long.split()}
    if words & tables.cues["weapon-word"]:
        return Entry(short, "weapon", True), Entry(short, "weapon")
    if words & (tables.cues["org-suffix"] | tables.cues["org-head"]):
        return Entry(long, "org", True), Entry(long, "org")
    return Entry(short, "acronym", True), Entry(short, "acronym")


def learned_lexicon(local: list[tuple[str, str]], tables: EntityTables) -> dict[str, Entry]:
    """The article's own lexicon: the acronyms it defines, which win over the gazetteers (unless
    their definition says nothing more than `acronym`)."""
    extras: dict[str, Entry] = {}
    for short, long in local:
        short_entry, long_entry = definition_entries(short, long, tables)
        key = phrase_key(short, tables.token)
        if short_entry.type == "acronym" and key in tables.lexicon:
            continue
        extras[key] = short_entry
        extras.setdefault(phrase_key(long, tables.token), long_entry)
    return extras


@lru_cache(maxsize=20_000)
def corpus_entry(short: str, long: str) -> Entry:
    """The entry of an acronym defined elsewhere in the corpus (remembered: the indexer asks often)."""
    return definition_entries(short, long, entity_tables())[0]


# --- lines, tokens and the lexicon ---------------------------------------------------------------

def line_mode(line: str) -> str:
    """`shout` for a line without lower case, `headline` for one in title case, else `text`.

    Title case: three capitalised words of four letters or more, at most one
    in five such words in lower case, and no full stop at the end (a sentence
    full of names still ends with one).
    """
    if line.upper() == line:
        return SHOUT
    if line.rstrip(" \"'").endswith("."):
        return TEXT
    long = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    lower = sum(w[0].islower() for w in long)
    if len(long) - lower >= 3 and lower <= max(1, len(long) // 5):
        return HEADLINE
    return TEXT


def sentence_initial(text: str, position: int) -> bool:
    """Whether `position` starts a sentence (or a line, or a quotation)."""
    i = position - 1
    while i >= 0 and text[i] in " \t\"'([":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n-"


def span_tokens(span: re.Match) -> list[Token]:
    """The tokens of one capitalised sequence, with offsets in the article; a last word in -s
    with an apostrophe after it is possessive too (`Shapps' inaugural trip`)."""
    base = span.start()
    tokens = [Token(text, bare, fold, kind, base + start, base + end, possessive)
              for text, bare, fold, kind, start, end, possessive in relative_tokens(span.group())]
    if tokens and tokens[-1].kind == "word" and tokens[-1].bare[-1:] in ("s", "S") \
            and PLURAL_POSSESSIVE.match(span.string, span.end()):
        tokens[-1] = tokens[-1]._replace(possessive=True)
    return tokens


@lru_cache(maxsize=200_000)
def relative_tokens(span: str) -> tuple[tuple, ...]:
    """The tokens of a capitalised sequence, offsets from its start (remembered: news repeats its names)."""
    tables = entity_tables()
    tokens = []
    for m in tables.token.finditer(span):
        text, kind = m.group(), m.lastgroup
        if kind == "dotted" and len(text) <= 6 and text.lower() not in tables.lexicon:
            kind = "initial"  # `G.H. Walker`: initials, not an acronym
        bare = strip_possessive(text)
        start = m.start()
        tokens.append((text, bare, fold_token(text, kind), kind, start, start + len(bare), bare != text))
    return tuple(tokens)


def lookup(article: Article, tokens: list[Token], i: int, mode: str) -> tuple[Entry | None, int]:
    """The longest lexicon phrase starting at token i, and the index after it."""
    tables = article.tables
    first = tokens[i]
    if first.kind in ("conn", "number") or (
        first.fold not in tables.first_words and first.fold not in article.extras
    ):
        return None, i
    stop = min(len(tokens), i + MAX_PHRASE_WORDS)
    for j in range(i + 1, stop + 1):
        if tokens[j - 1].possessive:
            stop = j
            break
    for j in range(stop, i, -1):
        if tokens[j - 1].kind == "conn":
            continue
        key = " ".join(t.fold for t in tokens[i:j])
        entry = article.extras.get(key) or tables.lexicon.get(key)
        if entry is not None and case_fits(entry, tokens[i], mode, article):
            return entry, j
    return None, i


def case_fits(entry: Entry, token: Token, mode: str, article: Article) -> bool:
    """Whether the printed case allows the entry: an acronym in capitals (or with two capitals:
    `PrSM`), or in title case (`Nato`, `Amraam`) when four letters or more, not a common word,
    and not starting a sentence."""
    if not entry.acronym:
        return True
    word = token.bare
    letters = word[:-1] if len(word) > 2 and word.endswith("s") and word[:-1].isupper() else word
    if letters.isupper() or sum(c.isupper() for c in letters) >= 2:
        return mode != SHOUT or token.fold not in article.tables.stopwords
    return (
        mode == TEXT
        and len(word) >= 4
        and word[0].isupper()
        and word[1:].islower()
        and token.fold not in article.tables.stopwords
        and not sentence_initial(article.text, token.start)
    )


def name_like(token: Token) -> bool:
    """A word that can be part of a person's name: `Wallace`, `O'Brien`, `Leigh-Pemberton`, `H.`."""
    if token.kind == "initial":
        return True
    if token.kind != "word":
        return False
    word = token.bare
    for prefix in ("al-", "el-", "bin-"):
        if word.startswith(prefix):
            word = word[len(prefix):]
    if not word[:1].isupper() or word.isupper() or len(word) < 2:
        return False
    return all(part[:1].isupper() and NAME_PART.match(part) for part in word.split("-"))


def common_plural(words: list[Token]) -> bool:
    """English words ending in a plural noun name a body of people or things, not a person:
    `United Auto Workers said`, `Social Democrats said` (but `Robert Gates`, `Anne Mills`: given
    names are not in the dictionary)."""
    return plural_noun(words[-1]) and all(english_word(t.bare.lower()) for t in words[:-1])


def plural_noun(token: Token) -> bool:
    """A plural English noun (`Workers' union`, `Producers' group`): a possessive of it names no one."""
    return english_reading(token.bare.lower()) == PLURAL


def caps_word(token: Token) -> bool:
    """A word printed in capitals (`BEN`, `HIMARS`, `MPs`)."""
    word = token.bare.replace(".", "")
    if len(word) > 2 and word.endswith("s"):
        word = word[:-1]
    return word.isupper() and sum(c.isalpha() for c in word) >= 2


def ordinary_start(article: Article, token: Token) -> str | None:
    """Why a capitalised word is no name part, or None when it may be one.

    NEVER_NAME: a stop word (`The`, `This`), a day or month after `in`, `on` ... (`in February
    USAir offered`), or at a sentence start a word of the `common` cues (`Yesterday`, `Neither`)
    or an adverb (`Separately`). ORDINARY: at a sentence start, a word
    the article also prints in lower case, or a verb form (`Adding Piedmont`, `Replacing Inco`):
    these also begin company names (`Advanced Systems Inc`), which keep them.
    """
    word = token.bare.lower()
    tables = article.tables
    if word in tables.stopwords:
        return NEVER_NAME
    if word in tables.cues["date"] and date_before(article, token):
        return NEVER_NAME  # `in February USAir offered`, `on Friday Reagan said`
    if not sentence_initial(article.text, token.start):
        return None
    if word in tables.cues["common"]:
        return NEVER_NAME
    reading = english_reading(word)
    if reading == ADVERB:
        return NEVER_NAME
    return ORDINARY if reading == VERB_FORM or word in article.lower_words() else None


def date_before(article: Article, token: Token) -> bool:
    """Whether the word before `token` makes it a date (`in`, `on`, `since`: the `date-before` cues)."""
    before = PREVIOUS_WORD.search(article.text, max(0, token.start - 12), token.start)
    return before is not None and before.group(1).lower() in article.tables.cues["date-before"]


@lru_cache(maxsize=1)
def english_lemmas() -> Callable[[str], dict[str, tuple[str, ...]]]:
    """lemminflect's dictionary look-up (imported when first needed: it takes a third of a second)."""
    from lemminflect import getAllLemmas

    return getAllLemmas


@lru_cache(maxsize=50_000)
def english_word(word: str) -> bool:
    """Whether the English dictionary holds a lower-case word (`gulf`, `social`; not `robert`)."""
    return bool(english_lemmas()(word))


@lru_cache(maxsize=50_000)
def english_reading(word: str) -> str | None:
    """What an English dictionary makes of a lower-case word: VERB_FORM for an inflected verb
    ending in -ing or -ed (`adding`, `remained`), ADVERB for a word that is only an adverb
    (`separately`), PLURAL for a plural noun (`workers`), else None.

    The dictionary is lemminflect's (built from the NLM SPECIALIST lexicon): it knows English
    words, not proper names, so `boeing` or `harding` read as None; a hand list could not
    cover English verbs.
    """
    if not word.isalpha() or len(word) < 4:
        return None
    readings = english_lemmas()(word)
    if word.endswith(("ing", "ed")) and any(lemma != word for lemma in readings.get("VERB", ())):
        return VERB_FORM
    if word.endswith("ly") and set(readings) == {"ADV"}:
        return ADVERB
    if word.endswith("s") and any(lemma != word for lemma in readings.get("NOUN", ())):
        return PLURAL
    return None


# --- the rules -----------------------------------------------------------------------------------

def scan_span(article: Article, tokens: list[Token], mode: str) -> None:
    """Walk one capitalised sequence: titles and names, gazetteer phrases, unknown runs."""
    i, n = 0, len(tokens)
    prefix: int | None = None
    while i < n:
        token = tokens[i]
        if token.kind in ("conn", "number"):
            i, prefix = i + 1, None
            continue
        entry, j = lookup(article, tokens, i, mode)
        if entry is not None and entry.type == "title":
            i, prefix = title_and_name(article, tokens, i, j, mode), None
        elif entry is not None:
            add_mention(article, entry, tokens[i].start, tokens[j - 1].end)
            prefix = i if entry.type in ("place", "org") and not tokens[j - 1].possessive else None
            i = j
        elif "-" in token.bare and compound_parts(article, token, mode):
            i, prefix = i + 1, None
        else:
            i, prefix = unknown_run(article, tokens, i, mode, prefix), None


def title_and_name(article: Article, tokens: list[Token], i: int, j: int, mode: str) -> int:
    """A title (and any titles after it) and the name it introduces: `Maj Gen James Martin`."""
    while j < len(tokens) and not tokens[j - 1].possessive:
        entry, after = lookup(article, tokens, j, mode)
        if entry is None or entry.type != "title":
            break
        j = after
    if tokens[j - 1].possessive or mode != TEXT:
        return j
    j = past_portfolio(tokens, j)
    k = name_end(article, tokens, j, mode)
    if k == j:
        return j
    if not plain_name(article, tokens[j:k]):
        return unknown_run(article, tokens, i, mode, None) if j == i + 1 else k
    add_person(article, tokens[j:k], tokens[i].start, tokens[k - 1].end, shouted=False)
    return k


def past_portfolio(tokens: list[Token], j: int) -> int:
    """`Minister of Finance Tom Hockin`: skip the portfolio after a title to the name, its last two words."""
    if j >= len(tokens) or tokens[j].fold not in ("of", "for"):
        return j
    k = j + 1
    while k < len(tokens) and name_like(tokens[k]) and not tokens[k].possessive:
        k += 1
    return k - 2 if k - (j + 1) >= 3 else j


def plain_name(article: Article, tokens: list[Token]) -> bool:
    """No word of the name belongs to companies or places (`Industrial`, `City`, `Bank`) or is a stop word."""
    banned = article.tables.cues["no-name"]
    stopwords = article.tables.stopwords
    return not any(t.fold in banned or t.fold in stopwords for t in tokens)


def name_end(article: Article, tokens: list[Token], j: int, mode: str) -> int:
    """Where the name after a title ends: up to four name-like words, particles between them."""
    k, words = j, 0
    suffixes = article.tables.cues["org-suffix"]
    while k < len(tokens) and words < MAX_NAME_WORDS:
        token = tokens[k]
        if token.fold in PARTICLES and words and k + 1 < len(tokens) and name_like(tokens[k + 1]):
            k += 1
            continue
        if not name_like(token) or token.fold in suffixes:
            break
        entry, _ = lookup(article, tokens, k, mode)
        if entry is not None and (entry.type != "place" or entry.name in article.tables.country_names):
            break
        k += 1
        words += 1
        if token.possessive:
            break
    while k > j and tokens[k - 1].fold in PARTICLES:
        k -= 1
    return k


def compound_parts(article: Article, token: Token, mode: str) -> bool:
    """The known parts of an unknown hyphenated word (`Russia-Ukraine`); False when none is known."""
    found = False
    offset = token.start
    for part in token.bare.split("-"):
        key = part.lower()
        entry = article.extras.get(key) or article.tables.lexicon.get(key)
        if entry is not None and entry.type != "title" and part[:1].isupper():
            piece = Token(part, part, key, "word", offset, offset + len(part), False)
            if case_fits(entry, piece, mode, article):
                add_mention(article, entry, offset, offset + len(part))
                found = True
        offset += len(part) + 1
    return found


def unknown_run(article: Article, tokens: list[Token], i: int, mode: str, prefix: int | None) -> int:
    """Collect the words no table knows, from token i, and decide what they name.

    `prefix` is where a place or organisation printed right before them starts,
    which an organisation's name takes in (`London Metal Exchange`).
    """
    if tokens[i].fold in article.tables.stopwords:
        return i + 1  # `The`, `This`: the run starts after it
    k, n = i, len(tokens)
    while k < n:
        token = tokens[k]
        if token.kind == "number":
            break
        if token.kind == "conn":
            if token.fold in PARTICLES and k > i and k + 1 < n and name_like(tokens[k + 1]):
                k += 1
                continue
            break
        if k > i and lookup(article, tokens, k, mode)[0] is not None:
            break
        k += 1
        if token.possessive or ends_company(article, tokens, k):
            break
    run = tokens[i:k]
    while run and run[-1].kind == "conn":
        run = run[:-1]
    if mode == TEXT and len(run) == 1 and run[0].fold in article.tables.cues["org-head"]:
        end = org_of(article, tokens, i + 1, mode)
        if end > i + 1:
            add_typed(article, "org", tokens[i:end])
            return end
    classify_run(article, run, mode, tokens[prefix:i] if prefix is not None else [])
    return max(k, i + 1)


def ends_company(article: Article, tokens: list[Token], k: int) -> bool:
    """Whether an abbreviated legal form with its stop ends a name before token k (`... from
    Norfolk Southern Corp. Norfolk owns 20 pct`: one sequence of capitals, two sentences),
    unless another legal form follows (`Hudson's Bay Co. Ltd.`). Without a stop the name goes on
    (`Swiss Bank Corp International`)."""
    last = tokens[k - 1]
    if last.kind != "abbrev" or k >= len(tokens):
        return False
    legal = article.tables.cues["legal-suffix"]
    return last.fold in legal and tokens[k].fold not in legal


def org_of(article: Article, tokens: list[Token], j: int, mode: str) -> int:
    """`Ministry` + `of Foreign Affairs`: where such an organisation's name ends (j if it does not go on)."""
    n, end = len(tokens), j
    while j < n and tokens[j].kind == "conn" and (tokens[j].fold in ORG_LINKS or tokens[j].fold == "on"):
        j += 1
    if j == end or j >= n or tokens[j].kind != "word" or tokens[j - 1].fold not in ("of", "for", "on"):
        return end
    while j < n:
        token = tokens[j]
        if token.kind == "conn":
            if token.fold not in ORG_LINKS:
                break
            j += 1
            continue
        if token.kind not in ("word", "dotted"):
            break
        entry, after = lookup(article, tokens, j, mode)
        if entry is not None and entry.type == "title":
            break  # `Bank of Finland Governor Rolf Kullberg`
        if entry is not None:
            add_mention(article, entry, token.start, tokens[after - 1].end)
            j = after
        else:
            j += 1
        end = j
        if tokens[j - 1].possessive:
            break
    return end


def classify_run(article: Article, run: list[Token], mode: str, prefix: list[Token]) -> None:
    """Type a run of unknown capitalised words: organisation, person, acronym, or a candidate name."""
    while run and (reason := ordinary_start(article, run[0])):
        if reason == ORDINARY and len(run) > 1 and is_org(article, run):
            break  # `Circuit Systems Inc said`, `Advanced Systems Inc said`
        run, prefix = run[1:], []
    if not run:
        return
    if mode != TEXT:
        article.candidates.append((tuple(run), mode))
        return
    if all(caps_word(t) for t in run):
        if len(run) == 1:
            add_acronym(article, run[0])
        else:
            article.candidates.append((tuple(run), SHOUT))
        return
    if all(t.fold in article.tables.cues["legal-suffix"] for t in run):
        return  # `Exxon Corp` is Exxon; `and Co Inc` names nothing
    if is_org(article, prefix + run):
        if prefix and article.mentions and article.mentions[-1].type == "org" \
                and article.mentions[-1].start == prefix[0].start:
            article.mentions.pop()
        add_typed(article, "org", prefix + run)
        return
    if is_person(article, run):
        add_person(article, run, run[0].start, run[-1].end, shouted=False)
        return
    article.candidates.append((tuple(run), TEXT))
    for token in run:
        if caps_word(token):
            add_acronym(article, token)


def is_org(article: Article, run: list[Token]) -> bool:
    """Two words or more ending in an organisation word (`Warfighting Division`, `Exxon Corp`)
    or holding a company word (`Wako International`)."""
    if len(run) < 2:
        return False
    cues = article.tables.cues
    if run[-1].fold in cues["org-suffix"]:
        return True
    company = cues["company-word"]
    return any(t.fold in company for t in run)


def is_person(article: Article, run: list[Token]) -> bool:
    """The person rules: a title before the name; or a name of two to four words that holds an
    initial (`Ivan F. Boesky`), is possessive (`Carl Icahn's bid`), is followed by a speech verb,
    a comma appositive (`, the French president`), `, who` or an age, or comes after `said`."""
    names = [t for t in run if t.fold not in PARTICLES]
    if not names or len(names) > MAX_NAME_WORDS or not all(name_like(t) for t in names):
        return False
    if not plain_name(article, names):
        return False
    text = article.text
    if title_before(article, run[0].start, len(names)):
        return True
    words = [t for t in names if t.kind != "initial"]
    if len(words) < 2 or run[-1].kind == "initial" or common_plural(words):
        return False
    if run[-1].possessive and not plural_noun(run[-1]) or len(words) < len(names):
        return len(names) <= 3
    if article.tables.person_after.match(text, run[-1].end):
        return True
    return SAID_BEFORE.search(text, max(0, run[0].start - 20), run[0].start) is not None


def title_before(article: Article, start: int, words: int) -> bool:
    """Whether a title stands right before `start` (`spokesman Ned Price`, `the French president, X`);
    a title in lower case only before a name of two words or more."""
    window = article.text[max(0, start - TITLE_WINDOW):start].rstrip()
    if window.endswith(","):
        window = window[:-1].rstrip()
    if not window or window[-1] in ".!?:;\n\"')":
        return False
    names = words
    words = [word.rstrip(".") for word in window.split()[-4:]]
    tables = article.tables
    if words[-1].lower() not in tables.title_ends:
        return False
    for size in range(len(words), 0, -1):
        key = " ".join(words[-size:]).lower()
        entry = tables.lexicon.get(key)
        if entry is not None and entry.type == "title":
            if words[-size][:1].islower():
                return key in tables.titles_any_case and names >= 2
            return True
    return False


def add_acronym(article: Article, token: Token) -> None:
    """An unknown word in capitals in ordinary text: an acronym entity, unless it is a stop word,
    typed by its definition elsewhere in the corpus when there is one."""
    if token.kind == "initial" or (token.start and article.text[token.start - 1] == "<"):
        return
    if len(token.bare) >= 6 and (token.start == 0 or article.text[token.start - 1] == "\n"):
        return  # a dateline (`CINCINNATI, March 2`), not an acronym
    short = token.bare.replace(".", "")
    if len(short) > 2 and short.endswith("s") and short[:-1].isupper():
        short = short[:-1]
    cues = article.tables.cues
    if not 2 <= len(short) <= 10 or short.lower() in cues["stop"] or short.lower() in cues["legal-suffix"]:
        return
    long = article.definitions.get(short)
    entry = corpus_entry(short, long) if long else Entry(short, "acronym", True)
    add_mention(article, entry, token.start, token.end)


def add_typed(article: Article, kind: str, tokens: list[Token]) -> None:
    """A mention named by its own words (`Warfighting Division`)."""
    start, end = tokens[0].start, tokens[-1].end
    name = article.text[start:end]
    if article.mode_at(start) != TEXT or name.isupper():
        name = " ".join(t.bare.capitalize() if t.kind == "word" else t.bare for t in tokens)
    add_mention(article, Entry(name, kind), start, end)


def add_mention(article: Article, entry: Entry, start: int, end: int) -> None:
    """Record one mention of a typed entity."""
    article.mentions.append(Mention(entry.type, entry.name, start, end, article.text[start:end]))


def add_person(article: Article, tokens: list[Token], start: int, end: int, shouted: bool,
               weak: bool = False) -> None:
    """Record one mention of a person, keyed by the folded name (initials left out)."""
    key, display = person_key(article, tokens)
    if key:
        article.people.append(PersonMention(key, display, start, end, article.text[start:end], shouted, weak))


def person_key(article: Article, tokens: tuple[Token, ...] | list[Token]) -> tuple[tuple[str, ...], ...]:
    """The resolution key (lower case, spelling variants folded) and the display words of a name."""
    variants = article.tables.variants
    key, display = [], []
    for token in tokens:
        word = token.bare
        if token.kind != "initial":
            lower = word.lower()
            folded = variants.get(lower, lower)
            key.append(folded)
            if folded != lower:
                word = folded.capitalize()
        display.append(word)
    return tuple(key), tuple(display)


# --- people: resolution within the article --------------------------------------------------------

def named_in_headline(article: Article) -> None:
    """A name of two or three words in the body whose surname alone the headline prints is a
    person: headlines name people by surname (`FURTHER TERM FOR POEHL LIKELY`, then
    `Karl Otto Poehl is likely...`), companies in full."""
    if not article.title_end:
        return
    headline = {w.lower() for w in HEADLINE_WORD.findall(article.text[:article.title_end])}
    for run, mode in article.candidates:
        if mode != TEXT or run[0].start < article.title_end:
            continue
        names = [t for t in run if t.fold not in PARTICLES]
        words = [t for t in names if t.kind != "initial"]
        if (
            2 <= len(words) <= 3
            and words[-1].fold in headline
            and words[0].fold not in headline
            and all(name_like(t) for t in names)
            and plain_name(article, names)
        ):
            add_person(article, list(run), run[0].start, run[-1].end, shouted=False)


def promote_candidates(article: Article) -> None:
    """Unknown names that end in a known person's surname are that person's mentions
    (`BEN WALLACE`, `Wallace heads to Pentagon`); in capitals or title-case lines any known
    name or surname among the words counts."""
    if not article.people:
        return
    surnames = {p.key[-1] for p in article.people}
    pairs = {(p.key[0], p.key[-1]) for p in article.people if len(p.key) >= 2}
    for run, mode in article.candidates:
        if mode == HEADLINE or (mode == SHOUT and article.mode_at(run[0].start) != TEXT):
            promote_words(article, run, surnames, pairs)
            continue
        key, _ = person_key(article, run)
        names = [t for t in run if t.kind != "initial"]
        if key and key[-1] in surnames and len(names) <= MAX_NAME_WORDS and all(
            name_like(t) or caps_word(t) or t.fold in PARTICLES for t in run
        ):
            add_person(article, list(run), run[0].start, run[-1].end, shouted=mode == SHOUT, weak=True)


def promote_words(article: Article, run: tuple[Token, ...], surnames: set[str],
                  pairs: set[tuple[str, str]]) -> None:
    """In a headline, find known first-and-last names and known surnames among the words."""
    i = 0
    while i < len(run):
        key = person_key(article, run[i:i + 2])[0]
        if len(key) == 2 and (key[0], key[1]) in pairs:
            add_person(article, list(run[i:i + 2]), run[i].start, run[i + 1].end, shouted=True)
            i += 2
            continue
        if key and key[0] in surnames:
            add_person(article, [run[i]], run[i].start, run[i].end, shouted=True)
        i += 1


def possessive_people(article: Article) -> None:
    """A lone unknown name in the possessive before something only a person has is a person:
    `Shapps' inaugural trip`, `Zelenskiy's office` (the `person-thing` cues). `Piedmont's board`
    or `TWA's offer` say nothing, and places and organisations the tables know keep their type
    (`Britain's`, `NATO's`)."""
    taken = {person.start for person in article.people}
    things = article.tables.cues["person-thing"]
    for run, mode in article.candidates:
        token = run[-1]
        if mode != TEXT or len(run) != 1 or not token.possessive or token.start in taken:
            continue
        if not name_like(token) or not plain_name(article, [token]) or plural_noun(token):
            continue
        following = POSSESSED.match(article.text, token.end)
        if following and things.intersection(following.group(1).split()):
            add_person(article, [token], token.start, token.end, shouted=False, weak=True)


def compatible(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether a name can be a shorter form of another: its tail (`Wallace`, `Perez de Cuellar`),
    or the same first and last names (`George Bush` for `George Walker Bush`)."""
    if len(short) <= len(full) and full[len(full) - len(short):] == short:
        return True
    return len(short) >= 2 and short[0] == full[0] and short[-1] == full[-1]


def resolve_people(article: Article) -> list[Mention]:
    """Group person mentions into people, each named by its fullest name.

    A name compatible with several fuller ones (`Baker` with `James Baker` and
    `Howard Baker`) goes to the one mentioned last before it. A short name the
    body prints before any fuller one (`President Reagan` ... `Nancy Reagan`) is
    a person of its own too: news names a person in full first.
    """
    people = sorted(article.people, key=lambda p: p.start)
    keys = sorted({p.key for p in people}, key=len, reverse=True)
    first: dict[tuple[str, ...], int] = {}
    for person in people:
        if person.start >= article.title_end and not person.weak:
            first.setdefault(person.key, person.start)
    fullest: list[tuple[str, ...]] = []
    owners: dict[tuple[str, ...], list[int]] = {}
    for key in keys:
        matches = [n for n, full in enumerate(fullest) if compatible(key, full)]
        if not matches or (key in first and all(first[key] < first.get(fullest[n], -1) for n in matches)):
            fullest.append(key)
            matches = [len(fullest) - 1, *matches]
        owners[key] = matches
    last_seen: dict[int, int] = {}
    assigned = []
    for person in people:
        choices = owners[person.key]
        owner = choices[0] if len(choices) == 1 else max(choices, key=lambda c: last_seen.get(c, -1))
        last_seen[owner] = person.start
        assigned.append((owner, person))
    names = {n: display_name(full, [p for o, p in assigned if o == n]) for n, full in enumerate(fullest)}
    return [Mention("person", names[owner], p.start, p.end, p.surface) for owner, p in assigned]


def display_name(key: tuple[str, ...], mentions: list[PersonMention]) -> str:
    """The printed form of a person's fullest name: as written in ordinary text if it was, else
    title-cased from capitals."""
    best = [m for m in mentions if m.key == key]
    best.sort(key=lambda m: (m.shouted, len(m.display), m.start))
    if best and not best[0].shouted:
        return " ".join(best[0].display)
    display = best[0].display if best else key
    return " ".join(title_case(word) for word in display)


def title_case(word: str) -> str:
    """`WALLACE` -> `Wallace`, `LEIGH-PEMBERTON` -> `Leigh-Pemberton`; particles stay lower case."""
    if word.lower() in PARTICLES:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


# --- organisations: one name per company ---------------------------------------------------------

@lru_cache(maxsize=50_000)
def company_key(name: str, legal: frozenset[str]) -> str:
    """What tells one organisation's names apart: lower case, without abbreviation stops, a
    leading `The` and the legal forms at the end (`Norfolk Southern Corp.`, `Norfolk Southern
    Corporation` and `NORFOLK SOUTHERN` are `norfolk southern`, as `Exxon Corp` is Exxon)."""
    words = [word.strip(",").rstrip(".").lower() for word in name.split()]
    words = [word for word in words if word]
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    while len(words) > 1 and (words[-1] in legal or words[-1] in ("&", "and")):
        words.pop()
    return " ".join(words)


def promote_companies(article: Article) -> None:
    """Unknown names that are an organisation of the article without its legal form are that
    organisation (`Norfolk Southern Corp` ... `Norfolk Southern declined comment`)."""
    legal = article.tables.cues["legal-suffix"]
    keys = {company_key(m.name, legal) for m in article.mentions if m.type == "org"}
    if not keys:
        return
    left = []
    for run, mode in article.candidates:
        start, end = run[0].start, run[-1].end
        if company_key(article.text[start:end], legal) in keys:
            add_typed(article, "org", list(run))
        else:
            left.append((run, mode))
    article.candidates = left


def company_names(article: Article, mentions: list[Mention]) -> list[Mention]:
    """Each organisation under one name: the gazetteer's when it has one, else the most complete
    form the article prints (`Norfolk Southern Corporation` over `Norfolk Southern Corp` over
    `Norfolk Southern`). A stop that is also the sentence's full stop (`... from Norfolk Southern
    Corp.` at a sentence end) does not count: wire copy writes `Corp`."""
    legal = article.tables.cues["legal-suffix"]
    best: dict[str, tuple[tuple, str]] = {}
    for mention in mentions:
        if mention.type != "org":
            continue
        shown = printed_company_name(article, mention)
        printed = mention.name == mention.surface
        rank = (gazetteer_org(mention.name), printed, len(shown), -mention.start)
        key = company_key(mention.name, legal)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, shown)
    return [m._replace(name=best[company_key(m.name, legal)][1]) if m.type == "org" else m for m in mentions]


def printed_company_name(article: Article, mention: Mention) -> str:
    """A mention's organisation name, less a final stop that also ends the sentence."""
    name = mention.name
    if name.endswith(".") and name == mention.surface:
        after = article.text[mention.end:mention.end + 3].lstrip(" \t\"')")
        if not after or after[0] == "\n" or after[0].isupper():
            return name[:-1]
    return name


@lru_cache(maxsize=20_000)
def gazetteer_org(name: str) -> bool:
    """Whether `name` is the canonical name of a gazetteer organisation (remembered: few names recur)."""
    tables = entity_tables()
    entry = tables.lexicon.get(phrase_key(name, tables.token))
    return entry is not None and entry.type == "org" and entry.name == name


# --- the article's own source ---------------------------------------------------------------------

@lru_cache(maxsize=1_000)
def source_names(source: str | None) -> frozenset[str]:
    """The company keys that name the article's source: its own name and, when the gazetteer
    knows it, the canonical name (`The Telegraph` is `Daily Telegraph`). Remembered: a corpus
    has few sources."""
    if not source or not source.strip():
        return frozenset()
    tables = entity_tables()
    legal = tables.cues["legal-suffix"]
    names = {company_key(source, legal)}
    entry = tables.lexicon.get(phrase_key(source, tables.token))
    if entry is not None and entry.type in ("org", "acronym"):
        names.add(company_key(entry.name, legal))
    return frozenset(names)


def without_source_at_work(article: Article, mentions: list[Mention], source: str | None) -> list[Mention]:
    """Drop the mentions of the article's own source where it is only at work: credited (`LONDON
    (Reuters) -`, `By Patti Domm, Reuters`), signing off (`Reuter` alone on the last line), or
    reporting (`told Reuters`, `a Reuter survey`). Where the story is about it (`Reuters Holdings
    said`, `REUTERS TO CARRY JIJI SERVICE`, `Reuters will carry`), it stays an entity."""
    names = source_names(source)
    if not names:
        return mentions
    legal = article.tables.cues["legal-suffix"]
    return [mention for mention in mentions
            if mention.type == "person" or company_key(mention.name, legal) not in names
            or not source_at_work(article, mention)]


def source_at_work(article: Article, mention: Mention) -> bool:
    """Whether a mention of the source stands where a credit, a sign-off or a reporting role puts it."""
    text, roles = article.text, article.tables.source_roles
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.end)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[line_start:mention.start], text[mention.end:line_end]
    bare_after = after.lstrip("'s").lstrip()
    if before.rstrip().endswith("(") and after.lstrip().startswith(")"):
        return True  # `(Reuters)`
    if not before.strip(SIGN_OFF) and not after.strip(SIGN_OFF):
        return True  # alone on its line: a sign-off or a credit
    if len(text[mention.end:].strip(SIGN_OFF)) <= SIGN_OFF_NOISE:
        return True  # the text's last word, but for a stray mark (`REUTER^M`)
    if DATELINE_DASH.match(after):
        return True  # `Reuters - `
    if line_end - line_start <= CREDIT_LINE_CHARS and roles.credit.match(text, line_start):
        return True  # `By Patti Domm, Reuters`
    if roles.before.search(before):
        return True  # `told Reuters`
    following = bare_after.split(None, 1)[:1]
    return bool(following) and following[0].strip(",.;:").lower() in roles.after  # `a Reuter survey`


# --- the article ---------------------------------------------------------------------------------

def salience(mentions: int, most: int, in_headline: bool, in_lead: bool) -> float:
    """How central an entity is to its article, from 0 to 1.

    Frequency, damped by a log and relative to the article's most mentioned
    entity, weighs 0.5; a mention in the headline 0.3; a mention in the first
    paragraph 0.2. The headline entity of a story thus outranks a place the
    story merely repeats.
    """
    frequency = math.log1p(mentions) / math.log1p(most) if most > 0 else 0.0
    return FREQUENCY_WEIGHT * frequency + HEADLINE_WEIGHT * in_headline + LEAD_WEIGHT * in_lead


def prepare(title: str | None, text: str, definitions: dict[str, str] | None) -> Article:
    """Join headline and body, split the lines and learn the article's acronyms."""
    tables = entity_tables()
    title = normalize_text(title or "").strip()
    body = normalize_text(text or "")
    joined = f"{title}\n\n{body}" if title else body
    body_start = len(joined) - len(body)
    lead_start = body_start + len(body) - len(body.lstrip())
    newline = joined.find("\n", lead_start)
    lead_end = min(newline if newline >= 0 else len(joined), lead_start + LEAD_CHARS)
    starts, modes = [0], [TEXT]
    for line in LINE.finditer(joined):
        starts.append(line.start())
        modes.append(line_mode(line.group()))
    extras = learned_lexicon(acronym_definitions(joined), tables)
    return Article(joined, len(title), (lead_start, lead_end), tables, extras, definitions or {},
                   starts, modes)


def gather(mentions: list[Mention], article: Article) -> list[Entity]:
    """Count each entity's mentions and forms, score their salience, most salient first."""
    seen: dict[tuple[str, str], dict] = {}
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        key = (mention.type, mention.name)
        found = seen.setdefault(key, {"count": 0, "forms": [], "end": -10, "headline": False, "lead": False})
        if mention.start < found["end"] or article.text[found["end"]:mention.start] in (" (", "("):
            continue
        found["count"] += 1
        found["end"] = mention.end
        if mention.surface not in found["forms"]:
            found["forms"].append(mention.surface)
        found["headline"] |= mention.start < article.title_end
        found["lead"] |= article.lead[0] <= mention.start < article.lead[1]
    most = max((found["count"] for found in seen.values()), default=0)
    entities = [
        Entity(name, kind, found["count"], salience(found["count"], most, found["headline"], found["lead"]),
               tuple(found["forms"]))
        for (kind, name), found in seen.items()
    ]
    entities.sort(key=lambda e: (-e.salience, e.name, e.type))
    return entities


def ticker_at(span: re.Match) -> bool:
    """Whether a word in capitals is a ticker symbol in its brackets (`<NSC>`, `<RTRS.L>`): a
    market code, not the National Security Council. A name in brackets (`<Siemens AG>`, Reuters'
    mark of an unlisted company) is a name."""
    text, start, end = span.string, span.start(), span.end()
    return start > 0 and text[start - 1] == "<" and text[end:end + 1] in (">", ".")


def extract_entities(title: str | None, text: str, definitions: dict[str, str] | None = None, *,
                     source: str | None = None) -> list[Entity]:
    """Entities of one article, most salient first (ties by name).

    `source` is the publication the article comes from (`Reuters`): where it is only at work
    (credit, sign-off, `told Reuters`) it is no entity of the article.
    """
    article = prepare(title, text, definitions)
    for span in article.tables.span.finditer(article.text):
        if span.group() in article.tables.ignorable or TICKER.fullmatch(span.group()) and ticker_at(span):
            continue
        tokens = span_tokens(span)
        if tokens:
            scan_span(article, tokens, article.mode_at(span.start()))
    named_in_headline(article)
    promote_companies(article)
    promote_candidates(article)
    possessive_people(article)
    mentions = without_source_at_work(article, company_names(article, article.mentions), source)
    known = {(m.type, m.name.lower()) for m in mentions}
    people = [m for m in resolve_people(article) if not any((t, m.name.lower()) in known for t in TYPES[1:])]
    return gather(mentions + companies_not_people(article, mentions, people), article)


def companies_not_people(article: Article, mentions: list[Mention], people: list[Mention]) -> list[Mention]:
    """A person named like an organisation of the article without its legal form is that
    organisation (`Circle Fine Art said` beside `Circle Fine Art Corp`)."""
    legal = article.tables.cues["legal-suffix"]
    companies = {company_key(m.name, legal): m.name for m in mentions if m.type == "org"}
    found = []
    for person in people:
        company = companies.get(company_key(person.name, legal))
        found.append(person._replace(type="org", name=company) if company else person)
    return found
