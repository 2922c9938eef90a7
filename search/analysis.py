"""The analyzer chain, one for documents and queries alike.

Whoosh tokenizers and filters, with NLTK's Snowball stemmer inside:

    NewsTokenizer -> NormalizeFilter -> CompoundFilter -> PossessiveFilter
    -> AcronymFilter -> VariantFilter -> StopFilter -> StemFilter

Tokens keep their character offsets in the original text, so the highlighter
marks exactly what the article printed. Acronyms become upper-case terms
(`U.S.`, `US` -> `US`), which keeps them apart from ordinary words (`us`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from whoosh.analysis import Composable, Filter, Token, Tokenizer

from search.tables import AnalysisTables, analysis_tables

TOKEN_PATTERN = re.compile(
    r"(?:[^\W\d_]\.){2,}(?![^\W\d_])"  # dotted acronym: U.S., U.K.
    r"|\w+(?:['’]\w+)*(?:[-‐‑]\w+(?:['’]\w+)*)*",  # words, with inner ' and -
)
PUNCTUATION_MAP = str.maketrans({
    "‘": "'", "’": "'", "‛": "'", "′": "'", "`": "'",
    "“": '"', "”": '"', "„": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-",
})
HYPHEN = "-"
snowball = lru_cache(maxsize=200_000)(EnglishStemmer().stem)


def normalize_text(text: str) -> str:
    """NFKC, with typographic quotes and dashes made plain."""
    return unicodedata.normalize("NFKC", text).translate(PUNCTUATION_MAP)


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _shouted_flags(text: str, matches: list[re.Match]) -> list[bool]:
    """Which tokens stand in capitals only because the text is shouting.

    A capitalised word is shouted when it stands on a line with no lower-case
    letter (a wire headline) or in a run of two or more capitalised words
    (`BEN WALLACE flew`); a lone capitalised word in ordinary text is an acronym.
    """
    flags = [False] * len(matches)
    capitals = [_is_capitals(m.group()) for m in matches]
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if line and not any(c.islower() for c in line):
            for i, match in enumerate(matches):
                if line_start <= match.start() < line_end and capitals[i]:
                    flags[i] = True
        line_start = line_end + 1
    run: list[int] = []
    for i, match in enumerate(matches + [None]):
        word = match.group() if match else ""
        if match and capitals[i]:
            run.append(i)
            continue
        if match and not any(c.isalpha() for c in word):
            continue
        if len(run) >= 2:
            for j in run:
                flags[j] = True
        run = []
    return flags


class NewsTokenizer(Tokenizer):
    """Splits text into words, dotted acronyms and hyphenated compounds.

    Each token carries `shouted`: written in capitals because its line or
    phrase is, so not an acronym.
    """

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True,
                 start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.shouted = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        matches = list(TOKEN_PATTERN.finditer(value))
        shouted = _shouted_flags(value, matches)
        for pos, (match, is_shouted) in enumerate(zip(matches, shouted, strict=True)):
            token.text = match.group()
            token.shouted = is_shouted
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class NormalizeFilter(Filter):
    """NFKC with plain quotes and dashes; case is kept for the acronym rule."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = normalize_text(token.text)
            yield token


class CompoundFilter(Filter):
    """Indexes a hyphenated word whole and by part: `Shahed-136` gives
    `shahed-136`, `shahed` and `136`, the parts at consecutive positions.

    Queries keep the whole word only, so `Shahed-136` asks for the compound,
    while `Shahed 136` and `Shahed` find it by its parts.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        for token in tokens:
            if hasattr(token, "pos"):
                token.pos += shift
            token.compound = False
            parts = token.text.split(HYPHEN)
            if len(parts) == 1 or token.mode == "query" or not all(parts):
                token.compound = len(parts) > 1
                yield token
                continue
            yield from self._expand(token, parts)
            shift += len(parts) - 1

    @staticmethod
    def _expand(token: Token, parts: list[str]) -> Iterator[Token]:
        whole_text, shouted = token.text, token.shouted
        start_pos = getattr(token, "pos", None)
        start_char = getattr(token, "startchar", None)
        token.compound = True
        yield token
        offset = 0
        for i, part in enumerate(parts):
            token.text, token.compound, token.shouted = part, False, shouted
            if start_pos is not None:
                token.pos = start_pos + i
            if start_char is not None:
                token.startchar = start_char + offset
                token.endchar = token.startchar + len(part)
            offset += len(part) + 1
            yield token
        token.text = whole_text


class PossessiveFilter(Filter):
    """Drops a possessive `'s` or trailing apostrophe: `US’S` -> `US`."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            text = token.text
            if text[-2:] in ("'s", "'S"):
                token.text = text[:-2]
            elif text.endswith("'"):
                token.text = text[:-1]
            if token.text:
                yield token


class AcronymFilter(Filter):
    """Upper-cases acronyms and lower-cases every other word.

    An acronym is dotted (`U.S.`), written in capitals in mixed-case text
    (`HIMARS`), or listed in the acronym table in any case (`Nato`), except
    that a lower-case stopword (`us`) stays a word.
    """

    def __init__(self, tables: AnalysisTables):
        self.acronyms = tables.acronyms
        self.stopwords = tables.stopwords

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            acronym = self.acronym_form(token.text, token.shouted)
            token.acronym = acronym is not None
            token.text = acronym if acronym is not None else token.text.lower()
            yield token

    def acronym_form(self, word: str, shouted: bool) -> str | None:
        """The upper-case term of an acronym, or None for an ordinary word."""
        if "." in word:
            return word.replace(".", "").upper()
        upper = word.upper()
        if upper in self.acronyms and not (word.islower() and word in self.stopwords):
            return upper
        if shouted or HYPHEN in word:
            return None
        if _is_capitals(word):
            return upper
        if word.endswith("s") and len(word) >= 3 and _is_capitals(word[:-1]):
            return word[:-1]
        return None


class VariantFilter(Filter):
    """Folds transliterations and British spellings to one form:
    `Zelenskiy` -> `zelensky`, `defence` -> `defense`."""

    def __init__(self, tables: AnalysisTables):
        self.variants = tables.variants
        self.spellings = tables.spellings

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.acronym:
                text = token.text
                text = self.variants.get(text, text)
                token.text = self.spellings.lookup(text) or text
            yield token


class StopFilter(Filter):
    """Removes stopwords, but never acronyms; positions keep their gaps."""

    def __init__(self, tables: AnalysisTables):
        self.stopwords = tables.stopwords

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.acronym or token.text not in self.stopwords:
                token.stopped = False
                yield token
            elif not token.removestops:
                token.stopped = True
                yield token


class StemFilter(Filter):
    """Snowball English stemming, guarded by the exceptions table.

    Acronyms and hyphenated wholes are left as they are.
    """

    def __init__(self, tables: AnalysisTables):
        self.exceptions = tables.stem_exceptions

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.acronym and not token.compound:
                exception = self.exceptions.lookup(token.text, keep_rest=False)
                token.text = exception if exception is not None else snowball(token.text)
            yield token


class LowercaseFilter(Filter):
    """Lower-cases every token (the exact fields' only change to the words)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = token.text.lower()
            yield token


def news_analyzer(tables: AnalysisTables | None = None) -> Composable:
    """The stemmed analyzer for headline and body."""
    tables = tables or analysis_tables()
    return (
        NewsTokenizer()
        | NormalizeFilter()
        | CompoundFilter()
        | PossessiveFilter()
        | AcronymFilter(tables)
        | VariantFilter(tables)
        | StopFilter(tables)
        | StemFilter(tables)
    )


def exact_analyzer() -> Composable:
    """The analyzer for exact phrases: words as written, only case and quotes folded."""
    return NewsTokenizer() | NormalizeFilter() | CompoundFilter() | LowercaseFilter()


def terms(text: str, analyzer: Composable | None = None, mode: str = "index") -> list[str]:
    """The terms an analyzer makes of `text` (a convenience for tests and tools)."""
    analyzer = analyzer or news_analyzer()
    return [token.text for token in analyzer(text, mode=mode)]
