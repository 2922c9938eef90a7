"""Did-you-mean, and the one case where a correction may take the place of what was typed.

A word of the query is looked at only when it could be a typo: four letters or more, letters
only, not an operator, a wildcard, a fuzzy word or a date. Then, cheapest question first:

1. Is it known? A word of the name tables (variants, spellings, aliases and the gazetteers
   behind them), a term of a searchable field as printed or as analysed, or a word of a run of
   words typed together that names an entity, an author or an indexed phrase (`United States`,
   `Tony Diver`, checked as a whole, in any case): nothing to say. A known word printed only a
   few times is still looked at when a word one edit away is far more frequent (`recieved`, 4
   times in Reuters, 765 `received`).
2. Its closest word in the spelling vocabulary (SPELLING_FIELDS in search/documents.py, plus the
   name tables), at most one edit away (a swap of two letters is one), two for words of
   LONG_WORD_CHARS letters or more: fewest edits first, then the most frequent; never a word that
   analyses to the same terms as the typed one (`States` is never offered `State`). A word typed
   with a capital is a name more often than not: it is only offered a word of a name field
   (NAME_FIELDS) or of the name tables.
3. Is it a real word? Frequent enough in the reference list (search/wordlist.py) and its
   correction not far more frequent there (lists hold common misspellings): left alone, with
   no suggestion.

What survives is a suggestion ("Did you mean …?"). It may replace the results only when every
corrected word was typed in lower case as a plain word (never in quotes, after `+` or `-`, as a
field value, or with a capital; a capital on the first word alone, as phones add it, still gets
a suggestion, from every field) and is not in the index at all; the engine adds the rest: the
typed query finds nothing and the corrected query's words occur together in a story.

Every lookup runs outside the search's time budget, so at most MAX_LOOKUPS words are looked up
and none once LOOKUP_SECONDS have passed. The backend's Vocabulary (search/backends/base.py)
is what reads the index.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import AnyStr, Protocol

from search import wordlist
from search.aliases import AliasTable
from search.analysis import normalize_text
from search.backends.base import Vocabulary
from search.documents import NAME_FIELDS, SPELLING_FIELDS
from search.query import EXACT_FIELDS, FIELD_ALIASES, OPERATORS, QUERY_FIELDS, SEARCH_FIELDS
from search.settings import SETTINGS
from search.tables import AnalysisTables


class TermsBySize(Protocol):
    """A field's terms as a backend keeps them (for one segment, say), by length in bytes."""

    def sized(self, length: int) -> tuple[list[bytes], list[int]]:
        """The terms of this many bytes, and how many documents hold each."""

MIN_WORD_CHARS = 4
LONG_WORD_CHARS = 8  # from this length a correction may be two edits away
FARTHER_WORD_CHARS = 5  # from this length a word two edits away may outdo a typo one edit away
MAX_LOOKUPS = SETTINGS.spelling_lookups  # words looked up per query
LOOKUP_SECONDS = SETTINGS.spelling_seconds  # and no lookup starts after this long
RARE_WORD_MAX = 10  # a known word printed at most this often may still be a typo …
RARE_WORD_RATIO = 50  # … of a word one edit away printed this many times as often
REAL_WORD_RATIO = 10_000  # a listed word is a misspelling of a correction this many times as frequent
ANALYSED_FIELD = "content"  # a correction must analyse to other terms than the typed word here
MAX_RUN_WORDS = 4  # the longest run of words checked as one name

PLAIN, QUOTED, REQUIRED, EXCLUDED, FIELD = "plain", "quoted", "required", "excluded", "field"
CHUNK = re.compile(
    r"(?P<sign>(?<![^\s(])[+-])?"  # + or - at the start of a chunk
    r"(?:(?P<field>\w+):)?"
    r'(?:"(?P<phrase>[^"]*)(?:"(?:~\d*)?|$)|(?P<bare>[^\s"()]+))'
)
WORD = re.compile(r"\w+(?:['’]\w+)*")
NOT_A_WORD = re.compile(r"[*?~]")  # wildcards and fuzzy words ask for near spellings themselves
FIELD_NAMES = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}
SKIPPED_FIELDS = {"date", "entity"}
# Fields whose words are spelled as another's: a quotation's are the body's, a speaker's a person's.
SPELLED_AS = {"quote_exact": "content_exact", "speaker": "person"}


@dataclass(frozen=True)
class QueryWord:
    """One word of the query: where it stands, how it was typed, and the field it is a value of."""

    text: str
    start: int
    end: int
    kind: str = PLAIN
    field: str | None = None
    phone_capital: bool = False

    @property
    def capitalised(self) -> bool:
        """Typed with a capital (other than the phone's on the first word alone)."""
        return self.text != self.text.lower() and not self.phone_capital

    @property
    def replaceable(self) -> bool:
        """Typed as a plain word in lower case: the only kind a correction may replace."""
        return self.kind == PLAIN and self.text == self.text.lower()


def query_words(text: str) -> list[QueryWord]:
    """The words of a query, each with how it was typed (operators, wildcards and dates left out)."""
    words: list[QueryWord] = []
    negated = False
    for chunk in CHUNK.finditer(text):
        if chunk["bare"] in OPERATORS:
            negated = chunk["bare"] == "NOT"
            continue
        sign = chunk["sign"]
        kind = EXCLUDED if negated or sign == "-" else REQUIRED if sign == "+" else PLAIN
        negated = False
        words.extend(_chunk_words(text, chunk, kind))
    return _with_phone_capital(words)


def _chunk_words(text: str, chunk: re.Match, kind: str) -> list[QueryWord]:
    value = "phrase" if chunk["phrase"] is not None else "bare"
    if value == "bare" and NOT_A_WORD.search(chunk["bare"]):
        return []
    start, field = chunk.start(value), None
    if chunk["field"] is not None:
        name = chunk["field"].lower()
        if name not in QUERY_FIELDS:  # not a field: `foo:bar` is searched as words
            start = chunk.start("field")
        elif name in SKIPPED_FIELDS:
            return []
        else:
            field = FIELD_NAMES.get(name, name)
    if kind == PLAIN:
        kind = QUOTED if value == "phrase" else FIELD if field else PLAIN
    return [QueryWord(m.group(), m.start(), m.end(), kind, field)
            for m in WORD.finditer(text, start, chunk.end(value))]


def searched_words(text: str) -> list[str]:
    """The words a query looks for in headline and body: not those it excludes, nor the
    values of filter fields (`place:kyiv`)."""
    return [word.text for word in query_words(text)
            if word.kind != EXCLUDED and (word.field is None or word.field in SEARCH_FIELDS)]


def _with_phone_capital(words: list[QueryWord]) -> list[QueryWord]:
    """Marks a capital on the first word alone (`Recieved oil`), as phones add it."""
    if not words:
        return words
    first = words[0].text
    if first[:1].isupper() and first[1:] == first[1:].lower() and all(
            word.text == word.text.lower() for word in words[1:]):
        words[0] = replace(words[0], phone_capital=True)
    return words


def max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD_CHARS else 1


def near_words(word: AnyStr, choices: list[AnyStr], edits: int) -> list[tuple[AnyStr, int]]:
    """The choices within `edits` of `word` (a swap of two letters counts one), with where each
    stands, by rapidfuzz's optimal string alignment (imported here: it is only needed once a
    word looks misspelled)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    return [(choice, index) for choice, _, index in process.extract(
        word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None)]


def distance(word: str, other: str) -> int:
    """Edits from one word to the other; a swap of two letters is one."""
    from rapidfuzz.distance import OSA

    return OSA.distance(word, other)


def by_length(words: Iterable[str]) -> dict[int, list[str]]:
    lengths: dict[int, list[str]] = defaultdict(list)
    for word in sorted(words):
        lengths[len(word)].append(word)
    return lengths


def near_by_length(word: str, lengths: dict[int, list[str]], edits: int) -> list[str]:
    """The words of a by-length table within `edits` of `word` (only lengths that can be)."""
    found = []
    for length in range(len(word) - edits, len(word) + edits + 1):
        if lengths.get(length):
            found.extend(known for known, _ in near_words(word, lengths[length], edits))
    return [known for known in found if known != word]


class NameWords:
    """The words of the name tables: variants, spellings, and every name of the alias table
    (the gazetteers, demonyms, the user's aliases and the corpus's own definitions)."""

    def __init__(self, words: Iterable[str]):
        self.words = frozenset(word for word in words if len(word) >= MIN_WORD_CHARS and word.isalpha())
        self.lengths = by_length(self.words)

    @classmethod
    def of_tables(cls, tables: AnalysisTables, aliases: AliasTable | None) -> NameWords:
        spellings = tables.spellings.words
        words = [*tables.variants, *tables.variants.values(), *spellings, *spellings.values()]
        for names in (aliases.groups.values() if aliases else ()):
            for name in names:
                words.extend(WORD.findall(normalize_text(name).lower()))
        return cls(words)

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def near(self, word: str, edits: int) -> list[str]:
        """The table's words within `edits` of `word`."""
        return near_by_length(word, self.lengths, edits)


class SpellingLexicon:
    """The terms of the spelling fields as the index keeps them, searched for near words one
    length at a time (the terms of one length, of each field and segment, made into a list on
    first need; read once per commit)."""

    def __init__(self, fields: dict[str, list[TermsBySize]]):
        self.fields = fields

    def near(self, word: str, fields: tuple[str, ...], edits: int) -> dict[str, int]:
        """The words (letters only) of these fields within `edits` of `word`, each with how many
        documents print it (summed over the fields)."""
        target = word.encode("utf-8")
        found: dict[str, int] = {}
        for length in range(len(target) - edits, len(target) + edits + 1):
            choices, counts = self._sized(fields, length)
            for text, index in near_words(target, choices, edits):
                known = text.decode("utf-8", "replace")
                if known.isalpha() and known != word:
                    found[known] = found.get(known, 0) + counts[index]
        return found

    def _sized(self, fields: tuple[str, ...], length: int) -> tuple[list[bytes], list[int]]:
        """The terms of one length of every field and segment, one after the other (a term in
        several of them is there several times, its counts summed once found)."""
        choices: list[bytes] = []
        counts: list[int] = []
        for fieldname in fields:
            for part in self.fields.get(fieldname, ()):
                texts, numbers = part.sized(length)
                choices.extend(texts)
                counts.extend(numbers)
        return choices, counts


@dataclass(frozen=True)
class Fix:
    """A word to correct, its correction as shown, and whether it may replace what was typed."""

    word: QueryWord
    correction: str
    replaceable: bool


@dataclass(frozen=True)
class Review:
    """What spelling says about a query: the fixes, as a suggestion and maybe as a replacement."""

    text: str
    fixes: tuple[Fix, ...] = ()

    @property
    def suggestion(self) -> str | None:
        """The query with every fix made, syntax kept; None when there is nothing to fix."""
        return rewrite(self.text, self.fixes) if self.fixes else None

    @property
    def replacement(self) -> str | None:
        """The suggestion, when every fix in it may replace what was typed."""
        return self.suggestion if self.fixes and all(fix.replaceable for fix in self.fixes) else None


def rewrite(text: str, fixes: Iterable[Fix]) -> str:
    """`text` with each fixed word replaced where it stands."""
    for fix in sorted(fixes, key=lambda fix: -fix.word.start):
        text = text[:fix.word.start] + fix.correction + text[fix.word.end:]
    return text


def in_case_of(typed: str, word: str) -> str:
    """`word` in the case `typed` was written in."""
    if typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def is_real_word(word: str, correction: str) -> bool:
    """Whether the reference list says `word` is a word of its own, not a misspelling of
    `correction`: frequent enough, and `correction` not REAL_WORD_RATIO times as frequent.
    Without the list every word counts as real: nothing is corrected."""
    if not wordlist.available():
        return True
    zipf = wordlist.zipf_frequency(word)
    return zipf >= wordlist.REAL_WORD_ZIPF and \
        wordlist.zipf_frequency(correction) - zipf <= math.log10(REAL_WORD_RATIO)


def printed_fields(word: QueryWord) -> tuple[str, ...]:
    """The spelling fields a word is looked for in: all of them, or its field's own."""
    if word.field is None:
        return SPELLING_FIELDS
    fieldname = EXACT_FIELDS.get(word.field, word.field)
    fieldname = SPELLED_AS.get(fieldname, fieldname)
    return (fieldname,) if fieldname in SPELLING_FIELDS else ()


def stemmed_fields(word: QueryWord) -> tuple[str, ...]:
    """The analysed fields that also make a word known (`tankers` is known where `tanker` is)."""
    if word.field is None:
        return SEARCH_FIELDS
    return (word.field,) if word.field in SEARCH_FIELDS else ()


def word_runs(words: list[QueryWord]) -> dict[int, list[int]]:
    """Each word's run, by index: the words typed next to it (a space apart, in the same part
    of the query: plain words, or one quote, or one field's value)."""
    runs: dict[int, list[int]] = {}
    run: list[int] = []
    for index, word in enumerate(words):
        if run and not _typed_together(words[run[-1]], word):
            run = []
        run.append(index)
        for member in run:
            runs[member] = run
    return runs


def _typed_together(first: QueryWord, second: QueryWord) -> bool:
    """Whether two words were typed one after the other, a space apart, in one part of the query."""
    return (first.kind, first.field) == (second.kind, second.field) and 0 < second.start - first.end <= 1


class Speller:
    """The spelling rules over one index's name tables."""

    def __init__(self, tables: AnalysisTables, aliases: AliasTable | None):
        self.tables = tables
        self.aliases = aliases

    @cached_property
    def names(self) -> NameWords:
        return NameWords.of_tables(self.tables, self.aliases)

    def review(self, vocabulary: Vocabulary, text: str) -> Review:
        """The fixes spelling offers for a query."""
        words = query_words(text)
        runs = word_runs(words)
        named: dict[tuple[str, ...], bool] = {}
        found: dict[tuple, str | None] = {}
        deadline = time.perf_counter() + LOOKUP_SECONDS
        fixes = []
        checked = {index: lowered for index, word in enumerate(words)
                   if self._checkable(word, lowered := normalize_text(word.text).lower())}
        vocabulary.learn_frequencies((fieldname, lowered) for index, lowered in checked.items()
                                     for fieldname in vocabulary.fields(printed_fields(words[index])))
        for index, lowered in checked.items():
            word = words[index]
            printed = self._printed(vocabulary, word, lowered)
            if printed > RARE_WORD_MAX or (not printed and self._analysed_known(vocabulary, word)):
                continue
            key = (lowered, word.field, word.capitalised)
            if key not in found and (len(found) >= MAX_LOOKUPS or time.perf_counter() > deadline):
                break
            if self._in_named_run(vocabulary, words, runs[index], index, named):
                continue
            if key not in found:
                found[key] = self._correction(vocabulary, word, lowered, printed)
            if found[key]:
                fixes.append(Fix(word, in_case_of(word.text, found[key]), word.replaceable and not printed))
        return Review(text, tuple(fixes))

    def _checkable(self, word: QueryWord, lowered: str) -> bool:
        """A word long enough, of letters, in a field with a vocabulary, and in no name table."""
        return len(lowered) >= MIN_WORD_CHARS and lowered.isalpha() and bool(printed_fields(word)) \
            and lowered not in self.names

    @staticmethod
    def _printed(vocabulary: Vocabulary, word: QueryWord, lowered: str) -> int:
        """How many documents print the word in its spelling fields (counted only until it is
        plainly no rare word: most words of most queries stop at the first field)."""
        printed = 0
        for fieldname in vocabulary.fields(printed_fields(word)):
            printed += vocabulary.frequency(fieldname, lowered)
            if printed > RARE_WORD_MAX:
                break
        return printed

    @staticmethod
    def _analysed_known(vocabulary: Vocabulary, word: QueryWord) -> bool:
        """Whether an analysed field knows the word (`tankers` where only `tanker` is printed)."""
        text = normalize_text(word.text)
        return any(vocabulary.has(f, text) for f in vocabulary.fields(stemmed_fields(word)))

    @staticmethod
    def _in_named_run(vocabulary: Vocabulary, words: list[QueryWord], run: list[int], index: int,
                      named: dict[tuple[str, ...], bool]) -> bool:
        """Whether a stretch of the run holding this word, two words or more, names something
        (each stretch of words asked once: a query repeating a word repeats its stretches)."""
        at = run.index(index)
        for size in range(min(len(run), MAX_RUN_WORDS), 1, -1):
            for first in range(max(0, at - size + 1), min(at, len(run) - size) + 1):
                stretch = tuple(words[i].text for i in run[first:first + size])
                if stretch not in named:
                    named[stretch] = vocabulary.has_name(list(stretch))
                if named[stretch]:
                    return True
        return False

    def _correction(self, vocabulary: Vocabulary, word: QueryWord, lowered: str,
                    printed: int) -> str | None:
        """The closest word of the vocabulary a typo is taken for, or None (a real word, or
        nothing close; for a word printed a few times, nothing far more frequent)."""
        fields = vocabulary.fields(printed_fields(word))
        # (a capitalised word's candidates are counted in the name fields, where they were found)
        offered = vocabulary.fields(NAME_FIELDS) if word.capitalised and word.field is None else fields
        edits = max_edits(lowered)
        reach = edits + 1 if edits == 1 and len(lowered) >= FARTHER_WORD_CHARS else edits
        near = {name: 0 for name in self.names.near(lowered, edits)}
        near.update(vocabulary.lexicon().near(lowered, offered, reach))
        ranked = sorted((distance(lowered, term), -count, term) for term, count in near.items())
        typed_terms = vocabulary.terms(ANALYSED_FIELD, lowered)

        def offered_for(count: int, term: str) -> bool:
            """Frequent enough beside the typed word, and not the typed word's own terms."""
            return (count >= printed * RARE_WORD_RATIO
                    and vocabulary.terms(ANALYSED_FIELD, term) != typed_terms)

        chosen = next(((steps, term, -negative) for steps, negative, term in ranked
                       if steps <= edits and offered_for(-negative, term)), None)
        if chosen is not None and chosen[2] <= RARE_WORD_MAX:  # itself perhaps a typo (`vokcer`: Vocker
            # printed once; `govermnet`: goverment, 3 stories): a word farther away and far more
            # frequent wins (Volcker, 111 stories; government, 2,000)
            chosen = next(((steps, term, -negative) for steps, negative, term in ranked if steps > chosen[0]
                           and -negative >= chosen[2] * RARE_WORD_RATIO and offered_for(-negative, term)),
                          chosen)
        if chosen is None:
            return None
        return None if is_real_word(lowered, chosen[1]) else chosen[1]
