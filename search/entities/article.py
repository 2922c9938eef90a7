"""The working state of one extraction: the article's text and lines, its tokens, what was found so far.

Separate so that the steps (tokens, rules, people, organisations, source,
salience) share these types without importing one another.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

from search.entities.tables import EntityTables, Entry

LOWER_WORD = re.compile(r"\b[a-z][a-z'-]*")


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
