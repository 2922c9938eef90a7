"""The analyzer chain, one for documents and queries alike.

Each word the tokenizer finds goes through the same steps, in this order:

    normalize (NFKC, plain quotes and dashes)
    -> compound (`Shahed-136`: the whole, then its parts)
    -> possessive (`US’S` -> `US`)
    -> acronym (`U.S.`, `US`, `Nato` -> `US`, `NATO`; other words lower-cased)
    -> variant (`Zelenskiy` -> `zelensky`, `defence` -> `defense`)
    -> stopword (never an acronym: `US` stays, `us` goes)
    -> stem (NLTK's Snowball English, guarded by the exceptions table)

The steps are small pure functions; `NewsAnalyzer` runs them over a text,
remembering each distinct word's result, since news repeats its words. It
belongs to no search library: a backend adapts it to its own (the Whoosh
backend's schema wraps it, the OpenSearch backend sends its terms). Tokens
keep character offsets into the original text, so highlights mark exactly
what the article printed. Acronyms become upper-case
terms, which keeps them apart from ordinary words.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from search.stems import StemTable
from search.tables import AnalysisTables, analysis_tables

# A token starts with a word character, and the pattern starts with that class, so the regular
# expression engine skips the text between tokens without trying each alternative at each place.
TOKEN_PATTERN = re.compile(
    r"\w(?:"
    r"(?<=[^\W\d_])\.(?:[^\W\d_]\.)+(?![^\W\d_])"  # dotted acronym: U.S., U.K.
    r"|\w*(?:['’]\w+)*(?:[-‐‑]\w+(?:['’]\w+)*)*)",  # words, with inner ' and -
)
PUNCTUATION_MAP = str.maketrans({
    "‘": "'", "’": "'", "‛": "'", "′": "'", "`": "'",
    "“": '"', "”": '"', "„": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
})
HYPHEN = "-"
PRINTED_HYPHEN = re.compile(r"[-‐‑]")  # the hyphens TOKEN_PATTERN lets inside a word
CACHE_LIMIT = 300_000
_known_stems: StemTable | None = None


@cache
def nltk_stemmer() -> Callable[[str], str]:
    """NLTK's Snowball English stemmer, imported at the first call (about two seconds): an
    indexing run loads it before forking its writers, which would each load it again."""
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer().stem


def nltk_stem(word: str) -> str:
    """NLTK's Snowball English stem."""
    return nltk_stemmer()(word)


def use_known_stems(table: StemTable | None) -> None:
    """Stem from an index's table of NLTK's stems (search/stems.py) before asking NLTK."""
    global _known_stems
    if table is not None:
        _known_stems = table


@lru_cache(maxsize=CACHE_LIMIT)
def snowball(word: str) -> str:
    """NLTK's Snowball stem of a word: from the index's table when it holds the word."""
    known = _known_stems.get(word) if _known_stems is not None else None
    return known if known is not None else nltk_stem(word)


@dataclass(frozen=True)
class Term:
    """One term a word yields: its text, where it stands in the word, and its position offset."""

    text: str
    start: int
    end: int
    position: int = 0
    stopword: bool = False


def normalize_text(text: str) -> str:
    """NFKC, with typographic quotes and dashes made plain."""
    return unicodedata.normalize("NFKC", text).translate(PUNCTUATION_MAP)


SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: str) -> str:
    """`value` with each lone surrogate (`"\\ud800"` in JSON, a file name or a command-line byte
    not in UTF-8) as U+FFFD: text that cannot be written as UTF-8 would fail every page and file
    that shows it."""
    return SURROGATE.sub("\ufffd", value)


# Latin letters with no decomposition to a base letter, folded as accented ones are.
LETTER_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ß": "ss",
                              "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})


def fold_accents(word: str) -> str:
    """A lower-case word with the accents of its Latin letters removed (`gdańsk` -> `gdansk`,
    `łódź` -> `lodz`), so each outlet's spelling of a place or a name finds the others. Letters of
    other scripts keep their marks (a Devanagari vowel sign or Cyrillic `й` is not an accent)."""
    if word.isascii():
        return word
    kept: list[str] = []
    for character in unicodedata.normalize("NFD", word):
        if not (kept and kept[-1].isascii() and unicodedata.combining(character)):
            kept.append(character)
    return unicodedata.normalize("NFC", "".join(kept)).translate(LETTER_FOLDS)


def is_capitals(word: str) -> bool:
    """Written in capitals: at least two letters, none lower-case."""
    return word.isupper() and sum(c.isalpha() for c in word) >= 2


def strip_possessive(word: str) -> str:
    """`Russia's` -> `Russia`, `allies'` -> `allies`."""
    if word[-2:] in ("'s", "'S"):
        return word[:-2]
    return word[:-1] if word.endswith("'") else word


def acronym_form(word: str, shouted: bool, tables: AnalysisTables) -> str | None:
    """The upper-case term of an acronym, or None for an ordinary word.

    An acronym is dotted (`U.S.`), written in capitals in mixed-case text
    (`HIMARS`; `MPs` -> `MP`), or listed in the acronym table in any case
    (`Nato`); a listed acronym that is also a stopword (`US`, `WHO`) only in
    capitals, so `us` and `Who` stay words. A known place in capitals (a
    dateline's `KYIV`) is a word too.
    """
    if "." in word:
        return word.replace(".", "").upper()
    upper, lower = word.upper(), word.lower()
    if upper in tables.acronyms and (word.isupper() or lower not in tables.stopwords):
        return upper
    if shouted or lower in tables.names:
        return None
    if is_capitals(word):
        return upper
    if len(word) >= 3 and word.endswith("s") and is_capitals(word[:-1]):
        return word[:-1]
    return None


def fold_variant(word: str, tables: AnalysisTables) -> str:
    """A lower-case word's accents, transliterations and British spellings folded to one form."""
    word = fold_accents(word)
    word = tables.variants.get(word, word)
    return tables.spellings.lookup(word) or word


def stem(word: str, tables: AnalysisTables) -> str:
    """Snowball's stem, unless the exceptions table knows better."""
    exception = tables.stem_exceptions.lookup(word, keep_rest=False)
    return exception if exception is not None else snowball(word)


def news_term(word: str, shouted: bool, tables: AnalysisTables) -> tuple[str, bool] | None:
    """The stemmed-field term of one (non-compound) word, and whether it is a stopword."""
    word = strip_possessive(word)
    if not word:
        return None
    acronym = acronym_form(word, shouted, tables)
    if acronym is not None:
        return acronym, False
    lowered = fold_variant(word.lower(), tables)
    if lowered in tables.stopwords:
        return lowered, True
    return stem(lowered, tables), False


def stem_inputs(word: str, tables: AnalysisTables) -> list[str]:
    """What the stemmer is asked for a word of a phrase field (`Russia's` -> `russia`; a
    compound's parts): the keys of an index's stem table."""
    pieces = [part for part, _ in compound_parts(word)] or [word]
    keys = (fold_variant(strip_possessive(piece).lower(), tables) for piece in pieces)
    return [key for key in keys if key and key not in tables.stopwords]


def compound_parts(word: str) -> list[tuple[str, int]]:
    """The parts of a hyphenated word with their offsets (`[]` if not a compound)."""
    if HYPHEN not in word:
        return []
    parts, offset = [], 0
    for part in word.split(HYPHEN):
        if not part:
            return []
        parts.append((part, offset))
        offset += len(part) + 1
    return parts


def printed_spans(raw: str, parts: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Where each part of a compound stands in the token as printed.

    The parts are found in the normalised word, whose length can differ from the printed
    one (`ﬁre-truck` -> `fire-truck`, `İ` lower-cased is two characters), so the spans come
    from the printed token's own hyphens; when those do not line up with the parts, each
    part is given the whole token.
    """
    spans, start = [], 0
    for match in PRINTED_HYPHEN.finditer(raw):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(raw)))
    return spans if len(spans) == len(parts) else [(0, len(raw))] * len(parts)


def news_terms(raw: str, shouted: bool, query: bool, tables: AnalysisTables) -> tuple[Term, ...]:
    """Every stemmed-field term of one token as printed.

    A compound yields its whole (lower-cased, unstemmed) and, when indexing,
    its parts at consecutive positions; a query asks for the whole only.
    """
    word = normalize_text(raw)
    parts = compound_parts(word)
    if not parts:
        found = news_term(word, shouted, tables)
        return (Term(found[0], 0, len(raw), 0, found[1]),) if found else ()
    whole = HYPHEN.join(fold_variant(part.lower(), tables) for part, _ in parts)
    terms = [Term(strip_possessive(whole), 0, len(raw))]
    if not query:
        spans = printed_spans(raw, parts)
        for position, ((part, _), (start, end)) in enumerate(zip(parts, spans, strict=True)):
            found = news_term(part, shouted, tables)
            if found:
                terms.append(Term(found[0], start, end, position, found[1]))
    return tuple(terms)


def exact_terms(raw: str, shouted: bool, query: bool, tables: AnalysisTables | None) -> tuple[Term, ...]:
    """Exact-field terms: the word as printed, only case, accents, quotes and dashes folded.

    A compound is indexed whole and by part; a query asks for its parts, one
    position each, so a phrase such as `"medium-range air-to-air missile"`
    lines up with the parts' consecutive positions in the text.
    """
    word = fold_accents(normalize_text(raw).lower())
    pieces = compound_parts(word)
    spans = printed_spans(raw, pieces)
    parts = [
        Term(part, start, end, position)
        for position, ((part, _), (start, end)) in enumerate(zip(pieces, spans, strict=True))
    ]
    if query and parts:
        return tuple(parts)
    return (Term(word, 0, len(raw)), *parts)


QUIET_LINE = re.compile(r"^[^a-z\n]*[A-Z][^a-z\n]*$", re.MULTILINE)


def shouted_flags(text: str, matches: list[re.Match]) -> list[bool]:
    """Which tokens stand in capitals only because the text is shouting.

    A capitalised word is shouted when its line has no lower-case letter (a
    wire headline) or it stands in a run of two or more capitalised words
    (`BEN WALLACE flew`); a lone capitalised word in ordinary text is an acronym.
    """
    capitals = [is_capitals(m.group()) for m in matches]
    if not any(capitals):
        return capitals
    quiet = [(m.start(), m.end()) for m in QUIET_LINE.finditer(text)]
    quiet_starts = [low for low, _ in quiet]
    flags = [False] * len(matches)
    run: list[int] = []
    for i, match in enumerate(matches):
        if capitals[i]:
            line = bisect_right(quiet_starts, match.start()) - 1
            if line >= 0 and match.start() < quiet[line][1]:
                flags[i] = True
            run.append(i)
        elif run and any(c.isalpha() for c in match.group()):
            _mark_run(run, flags)
            run = []
    _mark_run(run, flags)
    return flags


def _mark_run(run: list[int], flags: list[bool]) -> None:
    if len(run) >= 2:
        for i in run:
            flags[i] = True


@lru_cache(maxsize=8)
def token_spans(text: str) -> list[tuple[str, int, bool]]:
    """Each token of a text, where it starts and whether it is shouted. Remembered for the
    last few texts: a headline and a body are each analysed for two fields."""
    matches = list(TOKEN_PATTERN.finditer(text))
    shouted = shouted_flags(text, matches)
    return [(m.group(), m.start(), flag) for m, flag in zip(matches, shouted, strict=True)]


Places = dict[str, list[tuple[int, int, int]]]  # term -> (position, start, end)
WordRule = Callable[[str, bool, bool, AnalysisTables], tuple[Term, ...]]


class Token:
    """One term of a text as an analyzer yields it, with where it stands (one object reused from
    term to term, as search libraries' analyzers do: copy what you keep)."""

    __slots__ = ("text", "pos", "startchar", "endchar", "stopped", "boost", "original")

    def __init__(self):
        self.text, self.pos, self.startchar, self.endchar = "", 0, 0, 0
        self.stopped, self.boost, self.original = False, 1.0, ""


class NewsAnalyzer:
    """Runs one word rule over every token of a text.

    The rule's answer for each distinct (word, shouted, mode) is remembered,
    so the Snowball stemmer and the tables see each word once.
    """

    def __init__(self, rule: WordRule, tables: AnalysisTables | None = None):
        self.rule = rule
        self.tables = tables or analysis_tables()
        self._cache: dict = {}

    def __getstate__(self) -> dict:
        return {"rule": self.rule, "tables": self.tables}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["rule"], state["tables"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsAnalyzer) and (self.rule, self.tables) == (other.rule, other.tables)

    def __hash__(self) -> int:
        return hash(self.rule)

    def terms_of(self, raw: str, shouted: bool, query: bool) -> tuple[tuple[Term, ...], int]:
        """The terms of one token and how many positions it takes."""
        key = (raw, shouted, query)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            terms = self.rule(raw, shouted, query, self.tables)
            found = self._cache[key] = (terms, 1 + max((t.position for t in terms), default=0))
        return found

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **_options) -> Iterator[Token]:
        """The terms of `value` (`mode="query"`: as a query asks for them), with positions and
        character offsets when asked; the call search libraries make of an analyzer."""
        token = Token()
        query = mode == "query"
        spans = token_spans(value) if tokenize else [(value, 0, False)]
        position = start_pos
        for raw, offset, is_shouted in spans:
            terms, advance = self.terms_of(raw, is_shouted, query)
            for term in terms:
                if term.stopword and removestops:
                    continue
                token.text = term.text
                token.stopped = term.stopword
                token.boost = 1.0
                if keeporiginal:
                    token.original = raw
                if positions:
                    token.pos = position + term.position
                if chars:
                    token.startchar = start_char + offset + term.start
                    token.endchar = start_char + offset + term.end
                yield token
            position += advance

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each term of a text (as indexed, stopwords left out) and its word positions: what a
        positional field without character offsets keeps (the indexer's `occurrences`)."""
        found: dict[str, list[int]] = {}
        position, known = 0, self._cache
        for raw, _, is_shouted in token_spans(value):
            terms, advance = known.get((raw, is_shouted, False)) or self.terms_of(raw, is_shouted, False)
            for term in terms:
                if not term.stopword:
                    found.setdefault(term.text, []).append(position + term.position)
            position += advance
        return found

    def occurrences(self, value: str, wanted: set[str] | None = None) -> Places:
        """Each term of a text (as indexed, stopwords left out; only the `wanted` ones when
        given) and where it occurs, as (position, start, end): what a positional field with
        character offsets keeps, collected without a Token per occurrence."""
        found: dict[str, list[tuple[int, int, int]]] = {}
        position, known = 0, self._cache
        for raw, offset, is_shouted in token_spans(value):
            terms, advance = known.get((raw, is_shouted, False)) or self.terms_of(raw, is_shouted, False)
            for term in terms:
                if not term.stopword and (wanted is None or term.text in wanted):
                    place = (position + term.position, offset + term.start, offset + term.end)
                    found.setdefault(term.text, []).append(place)
            position += advance
        return found


def news_analyzer(tables: AnalysisTables | None = None) -> NewsAnalyzer:
    """The stemmed analyzer for headline and body."""
    return NewsAnalyzer(news_terms, tables)


def exact_analyzer() -> NewsAnalyzer:
    """The analyzer for exact phrases: words as written, only case and quotes folded."""
    return NewsAnalyzer(exact_terms)


def terms(text: str, analyzer: NewsAnalyzer | None = None, mode: str = "index") -> list[str]:
    """The terms an analyzer makes of `text` (a convenience for tests and tools)."""
    analyzer = analyzer or news_analyzer()
    return [token.text for token in analyzer(text, mode=mode)]


NAME_WORD = re.compile(r"[\w*]+(?:\.?[\w*]+)*")


def name_terms(text: str) -> list[str]:
    """The words of a name as the name fields index them (source, author, the entity types):
    runs of letters, digits and `*` (a stop between two is kept: `U.S`), lower-cased, accents
    folded."""
    return [fold_accents(match.group().lower()) for match in NAME_WORD.finditer(text)]
