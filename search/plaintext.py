"""Reading a plain-text news article: masthead, headline, byline, dateline, body.

Clippings and saved articles carry more than the story: the paper's name on
the first line, a byline, site furniture (`Newspapers in English`, `SEE ALSO:`,
`Read More`). The patterns live in `data/boilerplate.tsv` and
`data/publications.tsv`; this module only applies them, line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from search.bylines import parse_byline
from search.dates import find_date, is_date_line
from search.tables import DATA_DIR, read_pairs

MAX_MASTHEAD_WORDS = 6
MAX_HEADLINE_WORDS = 30
MIN_JOINED_WORDS = 12
SENTENCE_END = tuple(".!?:;\"'”’)…")
BYLINE = re.compile(r"^[-–—•*\s]*By\s+(?P<names>[A-Z][^.!?]*?)\s*$", re.IGNORECASE)
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
DATE_ONLY_LINES = 4
SMALL_WORDS = {"of", "the", "and", "a", "an", "in", "on", "for", "&"}


@dataclass
class ParsedText:
    """What a plain-text article says about itself."""

    title: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    agency: str | None = None
    date: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Patterns:
    """The compiled tables: boilerplate lines and tails, credits, masthead words."""

    drop_lines: re.Pattern
    cut_tails: re.Pattern
    credits: tuple[re.Pattern, ...]
    masthead_words: re.Pattern


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    """Compile the boilerplate and publication tables once."""
    boiler = read_pairs(DATA_DIR / "boilerplate.tsv")
    pubs = read_pairs(DATA_DIR / "publications.tsv")

    def alternation(kind_rows: list[str]) -> str:
        return "|".join(f"(?:{row})" for row in kind_rows)

    lines = [regex for kind, regex in boiler if kind == "line"]
    tails = [regex for kind, regex in boiler if kind == "tail"]
    words = [re.escape(regex) for kind, regex in pubs if kind == "word"]
    return Patterns(
        drop_lines=re.compile(rf"^(?:{alternation(lines)})$", re.IGNORECASE),
        cut_tails=re.compile(rf"(?:{alternation(tails)})$", re.IGNORECASE),
        credits=tuple(
            re.compile(rf"^{regex}$", re.IGNORECASE) for kind, regex in pubs if kind == "credit"
        ),
        masthead_words=re.compile(rf"\b(?:{'|'.join(words)})\b", re.IGNORECASE),
    )


def parse_article(raw: str) -> ParsedText:
    """Split a plain-text article into its metadata and clean paragraphs."""
    found = ParsedText()
    lines = _clean_lines(raw, found)
    lines = _take_masthead(lines, found)
    lines = _take_dateline(lines, found)
    lines = _take_headline(lines, found)
    lines = _take_byline(lines, found)
    lines = _take_dateline(lines, found)
    if found.date is None:
        found.date = find_date("\n".join(lines[i] for i in _content(lines)[:3]))
    found.paragraphs = _paragraphs(lines)
    return found


def _clean_lines(raw: str, found: ParsedText) -> list[str]:
    """Stripped lines without boilerplate; a credit line sets the source."""
    table = patterns()
    lines = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = MARKDOWN_HEADING.sub("", table.cut_tails.sub("", line.strip()).strip())
        if table.drop_lines.match(line):
            continue
        source = _credited_source(line, table)
        if source:
            found.source = found.source or source
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _credited_source(line: str, table: Patterns) -> str | None:
    if not line or len(line.split()) > 12:
        return None
    for credit in table.credits:
        match = credit.match(line)
        if match:
            return match.group(1).strip()
    return None


def _content(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line]


def _is_headline_like(line: str, max_words: int) -> bool:
    words = line.split()
    return 0 < len(words) <= max_words and not line.endswith((".", ",", ";"))


def _is_title_case(line: str) -> bool:
    if line.isupper():
        return True
    words = line.split()
    return all(w[0].isupper() or w.lower() in SMALL_WORDS or not w[0].isalpha() for w in words)


def _take_masthead(lines: list[str], found: ParsedText) -> list[str]:
    """A short, title-case first line naming a publication, above a headline."""
    content = _content(lines)
    if len(content) < 2:
        return lines
    first, following = lines[content[0]], lines[content[1]]
    if (
        _is_headline_like(first, MAX_MASTHEAD_WORDS)
        and _is_title_case(first)
        and patterns().masthead_words.search(first)
        and _is_headline_like(following, MAX_HEADLINE_WORDS)
    ):
        found.source = first
        return lines[content[0] + 1:]
    return lines


def _take_headline(lines: list[str], found: ParsedText) -> list[str]:
    """The first line, when it reads as a headline; a repeat of it is dropped."""
    content = _content(lines)
    if len(content) < 2:
        return lines
    first = lines[content[0]]
    if not _is_headline_like(first, MAX_HEADLINE_WORDS) or BYLINE.match(first):
        return lines
    found.title = first
    rest = lines[content[0] + 1:]
    rest_content = _content(rest)
    if rest_content and rest[rest_content[0]] == first:
        rest = rest[rest_content[0] + 1:]
    return rest


def _take_byline(lines: list[str], found: ParsedText) -> list[str]:
    """A `By A, B and C` line among the first lines gives the authors."""
    for i in _content(lines)[:2]:
        if BYLINE.match(lines[i]):
            byline = parse_byline(lines[i])
            found.authors, found.agency = byline.names, byline.agency
            return lines[:i] + lines[i + 1:]
    return lines


def _take_dateline(lines: list[str], found: ParsedText) -> list[str]:
    """A line near the top that is only a date (`October 12, 2022`) dates the article."""
    if found.date is not None:
        return lines
    for i in _content(lines)[:DATE_ONLY_LINES]:
        if is_date_line(lines[i]):
            found.date = find_date(lines[i])
            return lines[:i] + lines[i + 1:]
    return lines


def _paragraphs(lines: list[str]) -> list[str]:
    """Non-empty lines as paragraphs, rejoining a sentence a page break split."""
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        previous = paragraphs[-1] if paragraphs else ""
        if (
            previous
            and not previous.endswith(SENTENCE_END)
            and len(previous.split()) >= MIN_JOINED_WORDS
        ):
            paragraphs[-1] = f"{previous} {line}"
        else:
            paragraphs.append(line)
    return paragraphs
