"""The query language as it was read before our own parser: Whoosh's query parser and the steps
around it, kept unchanged in behaviour as the oracle of the parser parity test
(tests/test_query_parity.py). It is `search/query.py` as of 7aac252, its query classes (capped
expansions, NewsPhrase) now imported from the Whoosh backend where they moved, with two
additions that change nothing it returns: `alternative_query` (then in `search/aliases.py`), and
`parsed_texts`, the texts it handed to Whoosh's parser (the parity test asks Whoosh's own
tagger about them to tell its deviation classes). One later change to what it returns, made to
both sides because it is the alias table's reading, not the parser's: a one-word other name in
capitals is also asked for as the acronym a sentence indexes (`NYC` as `nyc` and `NYC`, read
as a typed word is: `search.query.parser.news_query`; tested in tests/test_aliases.py).

The module's docstring then:

Plain words (all preferred, some enough), `"exact phrases"` (words as written,
on the unstemmed fields), `"a b"~5`, `AND` `OR` `NOT` `+` `-`, parentheses,
`title:` `source:` `author:` filters, `date:2022-10-01..2022-12-31`, `drone*`
and `Zelensky~`. Syntax that does not hold together is searched as plain words
with a warning; only the caller's options can be errors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
    PlusMinusPlugin,
)
from whoosh.qparser.plugins import BoostPlugin, PhrasePlugin, RangePlugin

from search.aliases import AliasTable, find_aliases
from search.analysis import exact_analyzer, news_analyzer
from search.backends.whoosh.queries import CappedFuzzyTerm, CappedPrefix, CappedWildcard, NewsPhrase
from search.documents import name_key
from search.entities import entity_tables, phrase_key
from search.query.parser import news_query
from search.tables import read_words

SEARCH_FIELDS = ("title", "content")
EXACT_FIELDS = {"title": "title_exact", "content": "content_exact"}
FILTER_FIELDS = {"source", "author", "entity", "person", "org", "place", "weapon", "tag"}
FIELD_ALIASES = {"title": ["headline"], "content": ["body", "text"], "author": ["by", "authors"]}
QUERY_FIELDS = set(SEARCH_FIELDS) | FILTER_FIELDS | {"date"} | {
    alias for aliases in FIELD_ALIASES.values() for alias in aliases
}
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
PLAIN_QUERY_WORD = re.compile(r"\w+(?:['’.\-]\w+)*[.,]?")  # a query word Whoosh's parser reads as itself
SYNTAX = re.compile(r"[\"()*?~]|(?<!\S)[+-]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|\w:")
QUESTION_MARK = re.compile(r"\?+(?=[\s\"')\]]|$)")
SYNTAX_CHARACTERS = re.compile(r"[\"()*?~^+\[\]{}:\\]|(?<!\w)-")
EXCLUSION = re.compile(r"(?:(?<!\S)-|\b(?:AND)?NOT\s+)(?=\S)(\"[^\"]*\"|\([^()]*\)|[^\s()]+)")
OPERATOR_WORD = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
TOP_LEVEL_ITEM = re.compile(r'[+-]?"[^"]*"(?:~\d*)?|[()]|[^\s()"]+')
BINARY_OPERATORS = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
PRONOUN_US = re.compile(r"(?<![\w\"'])us(?![\w'])")


def alternative_query(name: str, fields: dict[str, str]) -> tuple[wq.Query, list[str]]:
    """A query for one other name, and the `field:term` keys it can match.

    A one-word name is a term of the stemmed fields (`Britain`, `IMF`); a longer
    one is a phrase of its exact words on their exact twins, weighted to count as
    one word (a phrase scores the sum of its words).
    """
    stemmed = [t.text for t in STEMMED(name, mode="query")]
    if len(stemmed) == 1:
        texts = news_query(STEMMED)(name, False)
        return (wq.Or([wq.Term(f, text) for f in fields for text in texts]),
                [f"{f}:{text}" for f in fields for text in texts])
    words = [t.text for t in EXACT(name, mode="query")]
    keys = [f"{exact}:{word}" for exact in fields.values() for word in words]
    weight = 1.0 / len(words)
    return wq.Or([wq.Phrase(exact, words, boost=weight) for exact in fields.values()]), keys


STEMMED = news_analyzer()
EXACT = exact_analyzer()


@dataclass(frozen=True)
class QueryWarning:
    """A note for the user about how their query was read."""

    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass
class Clause:
    """One optional word or phrase of a query, as typed, and what counts as having it: its
    terms, and the other names (aliases, a reporter's byline, a source's name) it is part of.
    `missing` and the all-words count are about clauses."""

    text: str
    query: wq.Query
    words: tuple[str, ...] = ()

    def widened(self, alternative: wq.Query) -> Clause:
        return Clause(self.text, wq.Or([self.query, alternative]), self.words)


@dataclass
class ParsedQuery:
    """A query ready to run, and what the user should be told about it."""

    text: str
    query: wq.Query
    warnings: list[QueryWarning] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    alias_terms: dict[str, str] = field(default_factory=dict)
    plain: bool = False
    terms: list[str] = field(default_factory=list)
    all_words: wq.Query | None = None
    clauses: list[Clause] = field(default_factory=list)
    only_optional: bool = False
    name_terms: dict[str, str] = field(default_factory=dict)

    def with_all_words(self) -> ParsedQuery:
        """The all-words tier of a query of optional words and phrases only (None otherwise)."""
        if self.only_optional and len(self.clauses) > 1:
            self.all_words = wq.And([clause.query for clause in self.clauses])
        return self

    @property
    def distinct_terms(self) -> int:
        """How many different terms the user's words make."""
        return len(set(self.terms))


class ExactPhrasePlugin(PhrasePlugin):
    """`"quoted words"` match the words as written, on the unstemmed fields."""

    class ExactPhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            self.set_fieldname(EXACT_FIELDS.get(fieldname, fieldname), override=True)
            self.slop = min(self.slop, MAX_SLOP)
            return super().query(parser)

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            slop = match.group("slop")
            return ExactPhrasePlugin.ExactPhraseNode(
                match.group("text"), match.start("text"), int(slop) if slop else 1
            )


def make_parser(schema: Schema) -> MultifieldParser:
    """The parser for the full query language over headline and body."""
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, group=OrGroup, phraseclass=NewsPhrase)
    parser.remove_plugin_class(RangePlugin)
    parser.remove_plugin_class(BoostPlugin)
    parser.remove_plugin_class(PhrasePlugin)
    parser.add_plugin(ExactPhrasePlugin())
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?<!\S)\+", minusexpr=r"(?<!\S)-(?=\S)"))
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    return parser


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


def date_range(start: str | None, end: str | None) -> wq.Query | None:
    """A date filter from `YYYY[-MM[-DD]]` bounds (either may be open); None if malformed."""
    low = _day(start, end=False) if start else None
    high = _day(end, end=True) if end else None
    if (start and low is None) or (end and high is None) or (low is None and high is None):
        return None
    return wq.DateRange("date", low, high)


def _extract_dates(text: str, warnings: list[QueryWarning]) -> tuple[str, list[wq.Query]]:
    filters = []

    def take(match: re.Match) -> str:
        start, end = match["start"], match["end"]
        if end is None:
            end = start
        found = date_range(start or None, end or None)
        if found is None:
            warnings.append(QueryWarning(
                "invalid_date", f"ignored {match.group()!r}: dates are YYYY, YYYY-MM or YYYY-MM-DD"
            ))
        else:
            filters.append(found)
        return " "

    return DATE_FILTER.sub(take, text), filters


def is_plain(query: wq.Query) -> bool:
    """Plain words: an OR of terms of the searched fields, no operator, phrase or filter."""
    if isinstance(query, wq.Term):
        return query.fieldname in SEARCH_FIELDS
    return isinstance(query, wq.Or) and all(
        isinstance(q, wq.Term) and q.fieldname in SEARCH_FIELDS for q in query.subqueries
    )


def all_words_query(terms: list[str]) -> wq.Query | None:
    """Every one of the terms, each in headline or body (None for one term)."""
    if len(terms) < 2:
        return None
    return wq.And([wq.Or([wq.Term(f, term) for f in SEARCH_FIELDS]) for term in terms])


def _name_runs(clauses: list[Clause]) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    """Where a name may stand: runs of up to MAX_NAME_WORDS consecutive one-word clauses
    (longest first), and each quoted phrase's words."""
    runs = []
    for i, clause in enumerate(clauses):
        if clause.text.startswith('"'):
            runs.append(((i,), tuple(plain_words(clause.text))))
            continue
        for size in range(MAX_NAME_WORDS, 0, -1):
            window = clauses[i:i + size]
            if len(window) == size and all(len(c.words) == 1 for c in window):
                runs.append((tuple(range(i, i + size)), tuple(c.words[0] for c in window)))
    return runs


def require_filters(query: wq.Query) -> wq.Query:
    """`place:kyiv drones` means drones, in articles about Kyiv: a filter field beside
    plain words narrows the results instead of adding to them."""
    if not isinstance(query, wq.Or):
        return query
    filters = [q for q in query.subqueries if getattr(q, "fieldname", None) in FILTER_FIELDS]
    rest = [q for q in query.subqueries if getattr(q, "fieldname", None) not in FILTER_FIELDS]
    if not filters or not rest:
        return query
    return wq.And([wq.Or(rest, boost=query.boost), *filters])


class QueryBuilder:
    """Turns query text into a runnable query for one schema."""

    def __init__(self, schema: Schema, aliases: AliasTable | None = None):
        self.schema = schema
        self.aliases = aliases
        self.parser = make_parser(schema)
        self.exact_analyzer = schema["content_exact"].analyzer
        self.content_analyzer = schema["content"].analyzer
        self.parsed_texts: list[str] = []  # what reached Whoosh's parser (for the parity test)

    def parse(self, text: str) -> ParsedQuery:
        warnings: list[QueryWarning] = []
        rest, date_filters = _extract_dates(QUESTION_MARK.sub(" ", text), warnings)
        problem = syntax_problem(rest) if rest.strip() else None
        if problem:
            warnings.append(QueryWarning(
                "syntax", f"the query has {problem}; searched as plain words"
            ))
            rest = " ".join(plain_words(rest))
        rest = country_us(rest, is_place_word)
        words = plain_words(rest)
        query = self._parse_words(rest) if rest.strip() else wq.NullQuery
        if query is wq.NullQuery and words:
            query, words = self._unparsed_words(rest, words)
        query = self._with_term_counts(query, words)
        plain = is_plain(query) and not date_filters and not SYNTAX.search(rest)
        query, alias_terms = self._with_aliases(query, words, plain)
        if date_filters:
            query = wq.And([query, *date_filters]) if query is not wq.NullQuery else wq.And(date_filters)
        terms = [t.text for t in self.content_analyzer(" ".join(words), mode="query")]
        items, only_optional = optional_items(rest)
        parsed = ParsedQuery(text, query.normalize(), warnings, words, alias_terms, plain=plain,
                             terms=terms, clauses=self._clauses(items),
                             only_optional=only_optional and not date_filters)
        return parsed.with_all_words()

    def _clauses(self, items: list[str]) -> list[Clause]:
        """Each optional item's clause (stopwords alone have none), with the aliases of the
        names the items spell, alone or in a run of words (`advanced medium-range …`)."""
        clauses = []
        for item in dict.fromkeys(items):
            found = self._parse_words(item).normalize()
            if found is not wq.NullQuery:
                words = tuple(plain_words(item)) if not item.startswith('"') else ()
                clauses.append(Clause(item, found, words))
        if not self.aliases:
            return clauses
        runs = [(i, clause.words[0]) for i, clause in enumerate(clauses) if len(clause.words) == 1]
        for match in find_aliases(self.aliases, [word for _, word in runs]):
            alternatives = wq.Or([alternative_query(name, EXACT_FIELDS)[0] for name in match.alternatives])
            for place in match.places:
                index = runs[place][0]
                clauses[index] = clauses[index].widened(alternatives)
        return clauses

    def with_names(self, parsed: ParsedQuery, known: Callable[[str, str], bool],
                   common: Callable[[str], bool]) -> ParsedQuery:
        """Reporters and sources found by name: a run of the query's words (or a quoted phrase)
        that is a byline as the index holds it (`tony diver`; a lone surname only when it is not
        a common English word) or a source's whole name also matches there. The run's clauses
        count it as theirs; a plain query adds it to what it matches. Longer runs go first: words
        already matched as a longer name (`Patti Domm`) are not matched again alone (`Domm`)."""
        runs = sorted(_name_runs(parsed.clauses), key=lambda run: -len(run[1]))
        extra: list[wq.Query] = []
        covered: dict[str, set[int]] = {fieldname: set() for fieldname in NAME_MATCH_WEIGHTS}
        for places, words in runs:
            key = name_key(" ".join(words))
            for fieldname, weight in NAME_MATCH_WEIGHTS.items():
                lone = len(words) == 1 and fieldname == "byline"
                if not key or covered[fieldname].issuperset(places) or not known(fieldname, key) \
                        or (lone and common(words[0])):
                    continue
                covered[fieldname].update(places)
                term = wq.Term(fieldname, key, boost=weight * len(words))
                parsed.name_terms[f"{fieldname}:{key}"] = " ".join(words)
                extra.append(term)
                for place in places:
                    parsed.clauses[place] = parsed.clauses[place].widened(term)
        if not extra:
            return parsed
        if parsed.plain:
            top = parsed.query.subqueries if isinstance(parsed.query, wq.Or) else [parsed.query]
            parsed.query = wq.Or([*top, *extra]).normalize()
        return parsed.with_all_words()

    def _with_aliases(self, query: wq.Query, words: list[str],
                      plain: bool) -> tuple[wq.Query, dict[str, str]]:
        """Every other name of a thing the query names becomes another way to match it.

        In a plain-word query the names join the top-level OR; elsewhere only a
        one-word name is widened, in place, so AND and NOT keep their meaning.
        """
        if not self.aliases or query is wq.NullQuery:
            return query, {}
        alias_terms: dict[str, str] = {}
        widen: dict[str, wq.Query] = {}
        if plain and isinstance(query, wq.Term):
            query = wq.Or([query])
        extra = []
        for match in find_aliases(self.aliases, words):
            alternatives = []
            for name in match.alternatives:
                alternative, keys = alternative_query(name, EXACT_FIELDS)
                alternatives.append(alternative)
                alias_terms.update((key, match.words) for key in keys)
            key = self.aliases.key(match.words)
            if plain:
                extra.extend(alternatives)
            elif " " not in key:
                widen[key] = wq.Or(alternatives)
        if plain:
            return (wq.Or([*query.subqueries, *extra]) if extra else query), alias_terms

        def replace(node: wq.Query) -> wq.Query:
            if isinstance(node, wq.Term) and node.fieldname == "content" and node.text in widen:
                return wq.Or([node, widen[node.text]])
            return node

        return (query.accept(replace) if widen else query), alias_terms

    def _parse_words(self, text: str) -> wq.Query:
        plain = self._plain_words_query(text)
        if plain is not None:
            return plain
        self.parsed_texts.append(text)
        try:
            parsed = self.parser.parse(text)
        except Exception:  # the parser has no error contract; fall back to words
            self.parsed_texts.append(" ".join(plain_words(text)))
            parsed = self.parser.parse(" ".join(plain_words(text)))
        return require_filters(parsed.accept(self._rewrite))

    def _plain_words_query(self, text: str) -> wq.Query | None:
        """What Whoosh's parser makes of words without syntax, made without it (the parser took
        a fifth of a ranked query's time): each word's term in each searched field, in one OR.
        None for anything else, a word that analyses to several terms included."""
        words = text.split()
        if not all(map(PLAIN_QUERY_WORD.fullmatch, words)) or any(word in OPERATORS for word in words):
            return None
        terms = []
        for word in words:
            for fieldname in SEARCH_FIELDS:
                analysed = [token.text for token in self.schema[fieldname].analyzer(word, mode="query")]
                if len(analysed) > 1:
                    return None
                terms.extend(wq.Term(fieldname, term) for term in analysed)
        terms = list(dict.fromkeys(terms))  # the parser keeps a word typed twice once
        if len(terms) > 1:
            return wq.Or(terms)
        return terms[0] if terms else wq.NullQuery

    def _rewrite(self, node: wq.Query) -> wq.Query:
        """Caps the expansion of wildcard, prefix and fuzzy terms, and makes
        `a OR b NOT c` exclude `c` instead of adding every document without it."""
        if isinstance(node, (wq.Or, wq.And)) and any(isinstance(q, wq.Not) for q in node.subqueries):
            kept = [q for q in node.subqueries if not isinstance(q, wq.Not)]
            banned = [q.query for q in node.subqueries if isinstance(q, wq.Not)]
            if kept:
                return wq.AndNot(type(node)(kept, boost=node.boost), wq.Or(banned))
        if isinstance(node, wq.FuzzyTerm) and not isinstance(node, CappedFuzzyTerm):
            return CappedFuzzyTerm(node.fieldname, node.text, boost=node.boost,
                                   maxdist=min(node.maxdist, 2), prefixlength=max(node.prefixlength, 1))
        if isinstance(node, wq.Prefix) and not isinstance(node, CappedPrefix):
            return CappedPrefix(node.fieldname, node.text, boost=node.boost)
        if isinstance(node, wq.Wildcard) and not isinstance(node, CappedWildcard):
            return CappedWildcard(node.fieldname, node.text, boost=node.boost)
        return node

    def _unparsed_words(self, text: str, words: list[str]) -> tuple[wq.Query, list[str]]:
        """A query the parser reads as nothing: stopwords (`the who`) search the exact fields,
        and words after `-` or NOT (`-Amraam`, `-a -b`, `NOT the`) are excluded, never searched:
        a query of exclusions only finds everything else, as `NOT iran` does. Returns the
        query and the words searched for."""
        excluded = EXCLUSION.findall(text)
        if not excluded:
            return self._exact_words(words), words
        wanted = plain_words(OPERATOR_WORD.sub(" ", EXCLUSION.sub(" ", text)))
        banned = []
        for fragment in excluded:
            found = self._parse_words(fragment)
            if found is wq.NullQuery:
                found = self._exact_words(plain_words(fragment)).normalize()
            if found is not wq.NullQuery:
                banned.append(found)
        query = self._exact_words(wanted).normalize() if wanted else wq.NullQuery
        if not banned:
            return query, wanted
        if query is wq.NullQuery:
            return wq.Not(wq.Or(banned)), wanted
        return wq.AndNot(query, wq.Or(banned)), wanted

    def _exact_words(self, words: list[str]) -> wq.Query:
        """Stopword-only queries (`the who`) search the exact fields."""
        terms = [t.text for t in self.exact_analyzer(" ".join(words), mode="query")]
        return wq.Or([wq.Term(EXACT_FIELDS[f], term) for term in terms for f in SEARCH_FIELDS])

    def _with_term_counts(self, query: wq.Query, words: list[str]) -> wq.Query:
        """A word typed twice counts twice (BM25's query term frequency)."""
        counts = Counter(t.text for t in self.content_analyzer(" ".join(words), mode="query"))
        repeated = {term: n for term, n in counts.items() if n > 1}
        if not repeated:
            return query

        def boost(node: wq.Query) -> wq.Query:
            if isinstance(node, wq.Term) and node.fieldname in SEARCH_FIELDS and node.text in repeated:
                return wq.Term(node.fieldname, node.text, boost=node.boost * repeated[node.text])
            return node

        return query.accept(boost)
