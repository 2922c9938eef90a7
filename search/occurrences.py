"""Where each term of a stored document's text fields stands, found by analysing its headline and
body again with the analyzers that indexed them: the character offsets snippets and highlights
need, which neither backend keeps in its index (Whoosh's arrays keep word positions only,
OpenSearch's highlighter would analyse with its own analyzer)."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from itertools import compress
from weakref import WeakKeyDictionary

from search.analysis import CACHE_LIMIT, QUIET_LINE, TOKEN_PATTERN, NewsAnalyzer, is_capitals
from search.documents import QUOTE_FIELDS, TITLE_FIELDS, content_of

Occurrences = dict[str, list[tuple[int, int, int]]]  # term -> (position, start, end)
Spans = dict[str, list[tuple[int, int]]]  # term -> (start, end)
SHOUTED = "\0"  # marks a shouted word in `spans` (no token holds it)


class DocumentTerms:
    """The terms of one stored document's text fields, analysed on first need."""

    def __init__(self, stored: dict, analyzers: dict[str, NewsAnalyzer]):
        self.stored, self.analyzers = stored, analyzers
        self._fields: dict[str, Occurrences] = {}

    @property
    def size(self) -> int:
        """How many characters analysing every field reads (what a cache of these weighs)."""
        return len(self.stored.get("title") or "") + len(self.stored.get("body") or "") + 1

    def field(self, name: str) -> Occurrences:
        """Every term of a field and where it stands (a quote field's: the content's, inside
        the quotes)."""
        if name not in self._fields:
            text = self._text(name)
            found = self.analyzers[name].occurrences(text) if text else {}
            self._fields[name] = self._quoted(found) if name in QUOTE_FIELDS else found
        return self._fields[name]

    def spans(self, name: str, wanted: set[str]) -> Spans:
        """Where some terms stand in a field, as (start, end) characters (the field is read
        again for them unless it was analysed whole)."""
        if name in self._fields:
            return {term: [(start, end) for _, start, end in places]
                    for term, places in self._fields[name].items() if term in wanted}
        text = self._text(name)
        found = spans(self.analyzers[name], text, wanted) if text else {}
        return self._quoted(found) if name in QUOTE_FIELDS else found

    def _quoted(self, found: dict) -> dict:
        """Only the places inside the article's quotes (given in the content's characters; the
        quotes are in text order, each place found by bisection: a long article has thousands)."""
        offset = content_of(self.stored.get("title"), self.stored.get("body") or "")[1]
        quotes = self.stored.get("quotes") or ()
        starts = [offset + quote["start"] for quote in quotes]
        ends = [offset + quote["end"] for quote in quotes]

        def inside(start: int, end: int) -> bool:
            at = bisect_right(starts, start) - 1
            return at >= 0 and end <= ends[at]

        kept = {term: [place for place in places if inside(place[-2], place[-1])]
                for term, places in found.items()}
        return {term: places for term, places in kept.items() if places}

    def _text(self, name: str) -> str:
        title, body = self.stored.get("title") or "", self.stored.get("body") or ""
        return title if name in TITLE_FIELDS else content_of(title, body)[0]


def spans(analyzer: NewsAnalyzer, text: str, wanted: set[str]) -> Spans:
    """Where some terms occur in a text, as (start, end) characters in text order: what
    `analyzer.occurrences` finds for them, without a Python step per token. The text's words
    are matched against the words known to make a wanted term (set operations, a capitalised
    word both as written and shouted); only those tokens are looked at, and only a capitalised
    one that would make a wanted term is asked whether it is shouted."""
    matches = list(TOKEN_PATTERN.finditer(text))
    keys = list(map(re.Match.group, matches))
    capitals = [index for index in compress(range(len(keys)), map(str.isupper, keys))
                if is_capitals(keys[index])]
    words = {*keys, *(keys[index] + SHOUTED for index in capitals)}
    makers = word_makers(analyzer).learned(analyzer, words).making(wanted) & words
    if not makers:
        return {}
    for index in capitals:
        if (keys[index] in makers or keys[index] + SHOUTED in makers) and is_shouted(text, matches, index):
            keys[index] += SHOUTED
    found: Spans = {}
    for index in compress(range(len(keys)), map(makers.__contains__, keys)):
        offset = matches[index].start()
        for term in analyzer.terms_of(*_word(keys[index]), False)[0]:
            if not term.stopword and term.text in wanted:
                found.setdefault(term.text, []).append((offset + term.start, offset + term.end))
    return found


def is_shouted(text: str, matches: list[re.Match], index: int) -> bool:
    """Whether one capitalised token is shouted, as `analysis.shouted_flags` decides for every
    token of a text: its line has no lower-case letter, or a capitalised word stands next to it
    (tokens without letters between them do not part them)."""
    start = matches[index].start()
    line_end = text.find("\n", start)
    if QUIET_LINE.fullmatch(text, text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end):
        return True
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(matches):
            word = matches[other].group()
            if is_capitals(word):
                return True
            if any(character.isalpha() for character in word):
                break
            other += step
    return False


class WordMakers:
    """Which words an analyzer has seen make which terms (a shouted word is its own word): lets
    `spans` pass over the words that make none of the terms asked for. Kept as strings and
    tuples of strings, which the garbage collector stops tracking: a long-lived process holds
    every word it has shown, and a full collection walks every object it tracks."""

    def __init__(self):
        self.seen: set[str] = set()
        self.by_term: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()  # a server's threads share it: no word may be half learned

    def learned(self, analyzer: NewsAnalyzer, words: set[str]) -> WordMakers:
        """Itself, having analysed with `analyzer` the words it had not seen (forgetting all past
        a limit); the analyzer's own memo is left to the words that make a term asked for."""
        if words <= self.seen:
            return self
        with self._lock:
            unseen = words - self.seen
            if len(self.seen) + len(unseen) > CACHE_LIMIT:
                self.seen, self.by_term = set(), {}
            rule, tables, by_term = analyzer.rule, analyzer.tables, self.by_term
            for key in unseen:
                for term in rule(*_word(key), False, tables):
                    if not term.stopword:
                        by_term[term.text] = (*by_term.get(term.text, ()), key)
            self.seen |= unseen
        return self

    def making(self, terms: set[str]) -> set[str]:
        """The words seen that make any of the terms."""
        return set().union(*(self.by_term.get(term, ()) for term in terms))


_WORD_MAKERS: WeakKeyDictionary[NewsAnalyzer, WordMakers] = WeakKeyDictionary()


def word_makers(analyzer: NewsAnalyzer) -> WordMakers:
    """The word makers of an analyzer (analyzers equal in rule and tables share theirs; they
    go with the last of those analyzers)."""
    found = _WORD_MAKERS.get(analyzer)
    if found is None:
        found = _WORD_MAKERS[analyzer] = WordMakers()
    return found


def _word(key: str) -> tuple[str, bool]:
    """A word as `spans` keys it: the token and whether it is shouted."""
    return (key[:-1], True) if key.endswith(SHOUTED) else (key, False)
