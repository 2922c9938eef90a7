"""Direct quotations and who said them, found at index time.

    the body's quotation marks paired ("…", “…”, «…», „…“; a quote that runs over paragraphs,
    each opening with a mark, is one quote)
    -> scare quotes dropped (a few words with no speaker's cue beside them)
    -> the speaker from the cue beside the quote: `"…," said X`, `"…," X said`, `X said: "…"`,
       `X, a spokesman for Y, said`, `X said the plan was "…"`, `according to X`; `he`, `she`
       and `the Toyota executive` are the last who said something (a quote's cue, or reported
       speech: `Diaz said the panel ...`, `one banker said`), unless a person opened a sentence
       since; a quote with no cue of its own keeps the speaker of the last cued quote of its
       paragraph, or of the paragraph before when it opens its own; a repeated paragraph's
       quote is kept once
    -> the speaker resolved to one of the article's people as the entities name them
       (`Mr Wallace`, `Wallace` and `BEN WALLACE` are Ben Wallace); a cue that names no person
       (`the company said`, `one analyst said`) leaves the quote unattributed.

Reported speech without marks is not a quote; a quote with no cue has no speaker. Tuned on the
`tune` rows of bench/data/quotes.jsonl, measured on its held-out rows (bench/quotes_eval.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from search.analysis import fold_accents, normalize_text
from search.tables import read_words

if TYPE_CHECKING:  # a search reads stored quotes without the extraction code
    from search.entities import Entity

CLOSERS = {'"': '"', "“": "”", "«": "»", "„": "“”"}  # each opening mark and the marks that close it
PARAGRAPH = re.compile(r"^[ \t]*\S", re.MULTILINE)  # a line with words: where a paragraph starts
MARK = re.compile('["“”«»„]')
# A straight mark inside a word (`Turkey"s`, `don"t`): an apostrophe typed where a keyboard had none.
APOSTROPHE_MARK = re.compile(r'(?<=[^\W\d_])"(?=(?:s|t|re|ve|ll|d|m)\b)')
MIN_QUOTE_WORDS = 4  # a quote of fewer words with no cue beside it is a scare quote or a term
CUE_CHARS = 160  # how far after a quote, or before it in its sentence, a cue is looked for
PRONOUNS = frozenset({"he", "she"})
# `the Toyota executive said`: a title that names the person named last (a spokesman, an official
# or an analyst is someone the article does not name)
TITLES = frozenset({"leader", "executive", "president", "minister", "secretary", "chairman",
                    "chancellor", "premier", "governor", "senator", "chief", "director"})
UNNAMED = ""  # the speaker of a cue that names no person (`the spokesman said`): no one
SENTENCE_END = re.compile(r"[.!?][\"”»]?\s+(?=[\"“«„A-Z])")
NAME = r"(?:[A-Z][\w'’.\-]*\s+){0,3}[A-Z][\w'’.\-]*"
SUBJECT = rf"(?:{NAME}|[Hh]e|[Ss]he|[Tt]hey|(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Tt]his)(?:\s+[\w\-]+){{1,3}})"
# someone said something, in reported speech (`one banker said`, `X, author of a book, said`)
REPORTED = r"(?:said|says|told|added)\b"
SPEAKER = re.compile(rf"\b(?P<who>{SUBJECT}),?\s+{REPORTED}"
                     rf"|\b(?P<named>{NAME}),[^,.;\n\"“”]{{1,100}},\s+{REPORTED}")
WHO_CHARS = r"[^.,;:\n\"“”(]"
MAX_TITLE_WORDS = 4  # words before a name that opens its sentence (`Ukrainian President`)
SENTENCE_START = re.compile(r"(?:[.!?][\"”»]?\s+|\n\s*|^)")
ABBREVIATION_DOT = re.compile(r"\b([A-Z][a-z]{0,3})\.(?=\s+[A-Z])")  # `Mr. Bendett`, `James A. Baker`


@dataclass(frozen=True)
class Quote:
    """One direct quotation: its words, where they stand in the body, and who said them."""

    text: str
    start: int  # the first quoted character of the body
    end: int  # one past the last
    speaker: str | None = None

    def as_dict(self) -> dict:
        """The stored shape (the API's `quotes` items)."""
        return {"text": self.text, "speaker": self.speaker, "start": self.start, "end": self.end}


def by_speaker(quotes: list[dict]) -> list[tuple[str | None, list[dict]]]:
    """Stored quotes grouped by who said them: each speaker in the order of their first quote,
    the unattributed last (how the article page and `search show` list them)."""
    groups: dict[str | None, list[dict]] = {}
    for quote in quotes:
        groups.setdefault(quote.get("speaker"), []).append(quote)
    unattributed = groups.pop(None, [])
    return [*groups.items(), *([(None, unattributed)] if unattributed else [])]


@lru_cache(maxsize=1)
def cue_patterns() -> tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    """The cues, compiled once: those that follow a quote (`said X`; `X, a spokesman for Y, said`;
    `Secretary of State X told`; `according to X`), and those before it in its sentence
    (`X, the minister, said "…"`; `X said the plan was "…"`; `according to X, "…"`)."""
    verbs = "|".join(sorted(read_words("speech_verbs.txt"), key=len, reverse=True))
    said, last_verb = rf"(?:{verbs})\b", rf"(?:{verbs})\b(?!.*\b(?:{verbs})\b)"
    apposition = r",[^,.;\n\"“”]{1,100},?\s+"
    after = (
        re.compile(rf"^[\s,]*{said}\s+(?P<who>{WHO_CHARS}{{1,80}})"),
        re.compile(rf"^[\s,]*(?P<who>{NAME}){apposition}{said}"),
        re.compile(rf"^[\s,]*(?:[\w'’\-]+\s+){{0,4}}?(?P<who>{SUBJECT})\s+{said}"),
        re.compile(rf"^[\s,]*according\s+to\s+(?P<who>{WHO_CHARS}{{1,80}})"),
    )
    before = (
        re.compile(rf"\b(?P<who>{NAME}){apposition}{last_verb}"),
        re.compile(rf"(?:^|[\s,(])(?P<who>{SUBJECT}),?\s+{last_verb}"),
        re.compile(rf"\baccording\s+to\s+(?P<who>{WHO_CHARS}{{1,80}}),?\s*$"),
    )
    return after, before


def extract_quotes(text: str, entities: Iterable[Entity] = ()) -> list[Quote]:
    """The direct quotations of an article's body, in order, each with its speaker where a cue
    names one of the article's people."""
    spans = quoted_spans(text)
    if not spans:  # most articles quote no one: their people need not be found
        return []
    people = People(text, [entity for entity in entities if entity.type == "person"], spans)
    paragraphs = [line.start() for line in PARAGRAPH.finditer(text)]
    found: list[Quote] = []
    seen: set[str] = set()
    last: tuple[int, str | None] = (-1, None)  # the paragraph of the last cued quote, its speaker
    for pieces in spans:
        start, end = pieces[0][0], pieces[-1][1]
        words = " ".join(text[s:e].strip() for s, e in pieces).strip()
        named = cues(text, start, end)
        paragraph = bisect_right(paragraphs, start) - 1
        opens_paragraph = not text[paragraphs[paragraph]:start - 1].strip() if paragraph >= 0 else False
        if not named and (last[0] == paragraph or (opens_paragraph and last[0] == paragraph - 1)):
            speaker = last[1]
        elif not named:
            if len(words.split()) < MIN_QUOTE_WORDS:
                continue
            speaker = None
        else:
            speaker, cue_at = people.first_named(named)
            people.spoke(cue_at, speaker)
            last = (bisect_right(paragraphs, end) - 1, speaker)
        quoted = words.rstrip(" ,")
        if quoted not in seen:  # wire copy repeats a paragraph now and then
            seen.add(quoted)
            found.append(Quote(quoted, start, end, speaker or None))
    return found


def cues(text: str, start: int, end: int) -> list[tuple[str, int]]:
    """What the cues beside a quote name (their words as written, and where they stand), the
    likeliest first: those after it, then those before it in its sentence."""
    after_patterns, before_patterns = cue_patterns()
    after_at = end + 1
    after = undotted(text[after_at:after_at + CUE_CHARS].split("\n", 1)[0])
    found = [(match["who"], after_at + match.start("who"))
             for match in (pattern.match(after) for pattern in after_patterns) if match]
    sentence_start = max(text.rfind("\n", 0, start) + 1, start - 1 - CUE_CHARS)
    before = undotted(text[sentence_start:max(sentence_start, start - 1)])
    ends = list(SENTENCE_END.finditer(before))
    offset = ends[-1].end() if ends else 0
    found += [(match["who"], sentence_start + match.start("who"))
              for match in (pattern.search(before, offset) for pattern in before_patterns) if match]
    return found


def undotted(text: str) -> str:
    """The text with the dots of abbreviations before a name made spaces (`Mr. Bendett`), so a
    cue's name does not end at them; as long as the text, so positions hold."""
    return ABBREVIATION_DOT.sub(r"\1 ", text)


def folded(text: str) -> str:
    """`text` lower-cased with the accents of its letters folded character for character, so a name
    spelt `Ładoń` in one place and `Ladon` in another is one person and a match stands where it
    stands in `text` (a letter that folds to two, `ß`, and text whose lower case changes its
    length are left as they are)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return text
    if lowered.isascii():
        return lowered
    return "".join(plain if len(plain := fold_accents(letter)) == 1 else letter for letter in lowered)


class People:
    """The article's people, where each is named outside the quotes and who last said something,
    for resolving a cue's words to one of them."""

    def __init__(self, text: str, people: list[Entity], spans: list[list[tuple[int, int]]]):
        normal = normalize_text(text)
        self.text = normal if len(normal) == len(text) else text
        self.folded = folded(self.text)
        self.forms: dict[str, str] = {}  # a way of naming (folded) -> the person's name
        for person in people:
            for form in (person.name, *person.forms, person.name.split()[-1]):
                self.forms.setdefault(folded(normalize_text(form)), person.name)
        self.starts, self.ends = [pieces[0][0] for pieces in spans], [pieces[-1][1] for pieces in spans]
        self.mentions: list[tuple[int, str, bool]] = []  # (where, whom, opening its sentence), in order
        self.speakers: list[tuple[int, str]] = []  # (where, who: UNNAMED for no one named) said something
        if self.forms:
            self._find_mentions()
            self._find_speakers()

    def _outside_quotes(self, at: int) -> bool:
        inside = bisect_right(self.starts, at) - 1
        return inside < 0 or at >= self.ends[inside]

    def _find_mentions(self) -> None:
        """Where each person is named outside the quotes (`he` after a quote means its speaker,
        not someone the quote names), and whether the name opens its sentence (its subject)."""
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(form) for form in
                                                 sorted(self.forms, key=len, reverse=True)) + r")\b",
                             re.IGNORECASE)
        for match in pattern.finditer(self.folded):
            name = self.forms.get(folded(match.group()))  # None: a letter only IGNORECASE equates
            if name and self._outside_quotes(match.start()):
                self.mentions.append((match.start(), name, self._opens_sentence(match.start())))

    def _opens_sentence(self, at: int) -> bool:
        """Whether only capitalised words (titles: `Ukrainian President`) stand before `at` in its
        sentence."""
        before = undotted(self.text[max(0, at - CUE_CHARS):at + 1])[:-1]  # the name's letter: `U.N. X`
        ends = list(SENTENCE_START.finditer(before))
        lead = before[ends[-1].end():] if ends else before
        return all(word[:1].isupper() for word in lead.split()) and len(lead.split()) <= MAX_TITLE_WORDS

    def _find_speakers(self) -> None:
        """Who says something outside the quotes (`Diaz said the panel ...`, `one veteran banker
        said`): a later `he` is the last of them, rather than someone they only talked about."""
        for match in SPEAKER.finditer(self.text):
            who = match["who"] or match["named"]
            first = who.split()[0].lower()
            if first in PRONOUNS or first in ("the", "they") or not self._outside_quotes(match.start()):
                continue
            insort(self.speakers, (match.start(), self.resolve(who, match.start())))

    def spoke(self, where: int, speaker: str) -> None:
        """A cue at `where` attributed a quote (UNNAMED: to someone the article does not name)."""
        insort(self.speakers, (where, speaker))

    def resolve(self, who: str, where: int) -> str:
        """The person a cue's words name: `he`, `she` or `the Toyota executive` the person named
        last, else the person whose name or surname the words hold; UNNAMED when they name no one."""
        words = who.lower().split()
        if words and (words[0] in PRONOUNS or words[0] == "the" and words[-1] in TITLES):
            return self.last_before(where)
        lowered = folded(normalize_text(who))
        for form, name in sorted(self.forms.items(), key=lambda item: -len(item[0])):
            if re.search(rf"\b{re.escape(form)}\b", lowered):
                return name
        return UNNAMED

    def first_named(self, named: list[tuple[str, int]]) -> tuple[str, int]:
        """The first of a quote's cues that names a person (or UNNAMED, at the first cue)."""
        for who, where in named:
            speaker = self.resolve(who, where)
            if speaker:
                return speaker, where
        return UNNAMED, named[0][1]

    def last_before(self, where: int) -> str:
        """Who `he` or `she` at `where` is: the last who said something, unless a person opened a
        sentence since (`Mr. Zelenskyy has shown ... "…," he told`); with no one said to speak,
        the person named last."""
        spoke = bisect_left(self.speakers, (where, "")) - 1
        named = bisect_left(self.mentions, (where, "", False)) - 1
        subject = next((self.mentions[i] for i in range(named, -1, -1) if self.mentions[i][2]), None)
        if spoke >= 0 and (subject is None or subject[0] < self.speakers[spoke][0]):
            return self.speakers[spoke][1]
        if subject is not None:
            return subject[1]
        return self.mentions[named][1] if named >= 0 else UNNAMED


def quoted_spans(text: str) -> list[list[tuple[int, int]]]:
    """The stretches inside quotation marks, each as its pieces (one per paragraph it runs over:
    a quote left open at a paragraph's end goes on when the next paragraph opens with a mark,
    as wire copy writes a long quote; otherwise it ends with its paragraph). A straight mark
    between a word and `s` (`Turkey"s`) is an apostrophe typed on a keyboard without one."""
    found: list[list[tuple[int, int]]] = []
    pieces: list[tuple[int, int]] = []
    closers, piece_start = "", 0
    text = APOSTROPHE_MARK.sub("'", text)  # same length: the spans stand where they stood
    for mark in MARK.finditer(text):
        char, at = mark.group(), mark.start()
        if closers:
            line_end = text.find("\n", piece_start, at)
            if line_end < 0 and char in closers:
                found.append([*pieces, (piece_start, at)])
                pieces, closers = [], ""
                continue
            if line_end < 0:
                continue  # a stray opening mark inside a quote
            pieces.append((piece_start, line_end))
            next_line = line_end + len(text[line_end:at]) - len(text[line_end:at].lstrip())
            if at == next_line and char in CLOSERS:
                piece_start = at + 1
                continue
            found.append(pieces)
            pieces, closers = [], ""
        if char in CLOSERS:
            closers, piece_start = CLOSERS[char], at + 1
    if closers:
        line_end = text.find("\n", piece_start)
        found.append([*pieces, (piece_start, len(text) if line_end < 0 else line_end)])
    return [spans for spans in found if any(text[s:e].strip() for s, e in spans)]
