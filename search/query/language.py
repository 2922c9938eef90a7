"""The query language's words and limits, and the rules that read a query's text as text.

Plain words (all preferred, some enough), `"exact phrases"` (words as written,
on the unstemmed fields), `"a b"~5`, `AND` `OR` `NOT` `+` `-`, parentheses,
`title:` `source:` `author:` filters, `quote:"air superiority"` (inside quotations),
`speaker:martin` (stories quoting that person), `date:2022-10-01..2022-12-31`, `drone*`
and `Zelensky~`. Syntax that does not hold together is searched as plain words
with a warning; only the caller's options can be errors.

What is here works on the typed text (is it well formed, which words does it hold, which
items are optional, which dates does it name); `parser.py` reads its structure into a tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from search.entities import entity_tables, phrase_key
from search.query.tree import DateRange
from search.tables import read_words

SEARCH_FIELDS = ("title", "content")
EXACT_FIELDS = {"title": "title_exact", "content": "content_exact", "quote": "quote_exact"}
FILTER_FIELDS = {"source", "author", "entity", "person", "org", "place", "weapon", "tag", "quote", "speaker"}
# Fields whose value is a name: a word that analyses to several terms there is the name's words
# in order (`weapon:B-2` is `b 2`, never any weapon holding `b` or `2`; `author:chou-wiest`).
NAME_VALUE_FIELDS = frozenset({"source", "author", "person", "org", "place", "weapon", "speaker"})
FIELD_ALIASES = {"title": ["headline"], "content": ["body", "text"], "author": ["by", "authors"]}
QUERY_FIELDS = set(SEARCH_FIELDS) | FILTER_FIELDS | {"date"} | {
    alias for aliases in FIELD_ALIASES.values() for alias in aliases
}
DATE_FIELD = "date"
NAME_MATCH_WEIGHTS = {"byline": 1.25, "source_key": 1.0}  # a name's field, and what each word weighs there
MAX_NAME_WORDS = 4
MIN_PREFIX = 2
MAX_SLOP = 50

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
DATE_FILTER = re.compile(r"(?<!\S)date:(?=\S)(?P<start>\S*?)(?:\.\.(?P<end>\S*))?(?=\s|$)")
DATE_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
FIELD_PREFIX = re.compile(r"(?<![\w\"])(\w+):")
WILDCARD_WORD = re.compile(r"[^\s\"()]*[*?][^\s\"()]*")
PLAIN_WORD = re.compile(r"\w+(?:['’.\-]\w+)*\.?")
PLAIN_QUERY_WORD = re.compile(r"\w+(?:['’.\-]\w+)*[.,]?")  # a query word the parser reads as itself
SYNTAX = re.compile(r"[\"()*?~]|(?<!\S)[+-]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|\w:")
QUESTION_MARK = re.compile(r"\?+(?=[\s\"')\]]|$)")
SYNTAX_CHARACTERS = re.compile(r"[\"()*?~^+\[\]{}:\\]|(?<!\w)-")
EXCLUSION = re.compile(r"(?:(?<!\S)-|\b(?:AND)?NOT\s+)(?=\S)(\"[^\"]*\"|\([^()]*\)|[^\s()]+)")
OPERATOR_WORD = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
TOP_LEVEL_ITEM = re.compile(r'[+-]?(?:\w+:)?"[^"]*"(?:~\d*)?|[()]|[^\s()"]+')  # field:"a b": one item
BINARY_OPERATORS = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
PRONOUN_US = re.compile(r"(?<![\w\"'])us(?![\w'])")


@dataclass(frozen=True)
class QueryWarning:
    """A note for the user about how their query was read."""

    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def syntax_problem(text: str) -> str | None:
    """Why `text` is not a well-formed query, or None when it is."""
    if text.count('"') % 2:
        return "an unclosed quote"
    depth = 0
    for char in text.replace('"', " "):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return "a closing parenthesis without an opening one"
    if depth:
        return "an unclosed parenthesis"
    for match in FIELD_PREFIX.finditer(text):
        name = match.group(1)
        if name.lower() not in QUERY_FIELDS:
            return f"an unknown field {name}:"
        rest = text[match.end():]
        if not rest or rest[0].isspace() or rest[0] == ")":
            return f"a field {name}: with nothing after it"
    words = text.replace("(", " ( ").replace(")", " ) ").split()
    for i, word in enumerate(words):
        if word in OPERATORS:
            before = words[i - 1] if i else None
            after = words[i + 1] if i + 1 < len(words) else None
            dangling_after = after in (None, ")") or (after in OPERATORS and after != "NOT")
            dangling_before = word != "NOT" and before in (None, "(")
            if dangling_after or dangling_before:
                return f"the operator {word} without a term on each side"
    for match in WILDCARD_WORD.finditer(text):
        word = match.group().split(":")[-1]
        head = re.split(r"[*?]", word, maxsplit=1)[0]
        if len(head) < MIN_PREFIX:
            return f"the wildcard {word} needs at least {MIN_PREFIX} letters before * or ?"
    if not any(ch.isalnum() for ch in text):
        return "no words"
    return None


def plain_words(text: str) -> list[str]:
    """The words of a query with every piece of syntax (and the names of known fields) taken away."""
    cleaned = FIELD_PREFIX.sub(lambda m: " " if m.group(1).lower() in QUERY_FIELDS else m.group(), text)
    cleaned = SYNTAX_CHARACTERS.sub(" ", cleaned)
    return [
        word.lower() if word in OPERATORS else word for word in PLAIN_WORD.findall(cleaned)
    ]


def top_level_items(text: str) -> list[str]:
    """The query's items outside parentheses (a group is one item), operators included."""
    items, depth, group = [], 0, []
    for match in TOP_LEVEL_ITEM.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        if depth:
            group.append(token)
        else:
            items.append(token)
        if token == ")" and depth:
            depth -= 1
            if not depth:
                items.append(" ".join(group))
                group = []
    return items + ([" ".join(group)] if group else [])


def optional_items(text: str) -> tuple[list[str], bool]:
    """The words and phrases a result may have or lack, as typed: neither required (`+w`, AND),
    negated (`-w`, NOT), alternatives (`a OR b`), groups nor field values. Also whether the
    query holds nothing else (its all-words tier then ranks results with every item first)."""
    items = top_level_items(text)
    excluded = set()
    for i, item in enumerate(items):
        if item in BINARY_OPERATORS:
            excluded.update({i, i - 1, i + 1})
        elif item == "NOT":
            excluded.update({i, i + 1})
    kept = []
    for i, item in enumerate(items):
        plain_item = item[:1] not in "+-(" and not FIELD_PREFIX.match(item)
        if i not in excluded and plain_item:
            kept.append(item)
    return kept, len(kept) == len(items)


def country_us(text: str, places: Callable[[str], bool]) -> str:
    """`us` typed in lower case means the country when it is the whole query or stands beside a
    country or place name (`us china trade`), unless a pronoun context says otherwise (`told us`,
    `let us`); inside quotes it stays as typed. Documents keep `us` a stopword; this is the one
    place queries are read differently."""
    if not PRONOUN_US.search(text):
        return text
    words = plain_words(text)
    others = [word for word in words if word.lower() != "us"]
    if others and not any(places(word) for word in others):
        return text
    cues = pronoun_cues()
    pieces = re.split(r'("[^"]*")', text)
    for i in range(0, len(pieces), 2):
        pieces[i] = PRONOUN_US.sub(lambda m, piece=pieces[i]: _us_form(piece, m, cues), pieces[i])
    return "".join(pieces)


@lru_cache(maxsize=1)
def pronoun_cues() -> frozenset[str]:
    """The words after which `us` is the pronoun (`data/pronoun_us.txt`)."""
    return frozenset(read_words("pronoun_us.txt"))


def _us_form(piece: str, match: re.Match, cues: frozenset[str]) -> str:
    before = re.findall(r"[\w']+", piece[:match.start()].lower())
    return "us" if before and before[-1] in cues else "US"


def is_place_word(word: str) -> bool:
    """A country or place name in the gazetteers (`china`, `brazilian`), as a query may type it."""
    tables = entity_tables()
    entry = tables.lexicon.get(phrase_key(word, tables.token))
    return entry is not None and entry.type == "place" and (not entry.acronym or word.isupper())


def _day(value: str, end: bool) -> datetime | None:
    match = DATE_VALUE.match(value)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        start = datetime(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if not end:
        return start
    try:
        if day:
            following = start + timedelta(days=1)
        elif month:
            following = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            following = datetime(start.year + 1, 1, 1)
    except (ValueError, OverflowError):  # the end of year 9999: the last moment datetime holds
        return datetime.max
    return following - timedelta(microseconds=1)


def date_filter(start: str | None, end: str | None) -> DateRange | None:
    """A date filter from `YYYY[-MM[-DD]]` bounds (either may be open); None if malformed."""
    low = _day(start, end=False) if start else None
    high = _day(end, end=True) if end else None
    if (start and low is None) or (end and high is None) or (low is None and high is None):
        return None
    return DateRange(DATE_FIELD, low, high)


def date_value(value: str) -> DateRange | None:
    """The dates a `date:` value names (`2022-10`, `2022-10-01..2022-12-31`, `2022..`)."""
    start, dots, end = value.partition("..")
    if not dots:
        end = start
    return date_filter(start or None, end or None)


def extract_dates(text: str, warnings: list[QueryWarning]) -> tuple[str, list[DateRange]]:
    """The text with its `date:` filters taken out, and the filters (a malformed one is a warning)."""
    filters = []

    def take(match: re.Match) -> str:
        start, end = match["start"], match["end"]
        if end is None:
            end = start
        found = date_filter(start or None, end or None)
        if found is None:
            warnings.append(QueryWarning(
                "invalid_date", f"ignored {match.group()!r}: dates are YYYY, YYYY-MM or YYYY-MM-DD"
            ))
        else:
            filters.append(found)
        return " "

    return DATE_FILTER.sub(take, text), filters
