"""Query-biased snippets: the passage that answers the query, matches marked.

    match spans (from the index) -> passages of whole sentences -> the best-scored one
    -> escaped HTML with `<mark>`

Match positions come from the backend (its analysis of the shown articles' stored text, with
the analyzers that indexed them: search/occurrences.py), so the text is not analysed here. A passage
scores the sum of its matches' boosts times a hundred per distinct term matched (variety
first); on a tie the later passage wins, as Whoosh's highlighter chose, which the snippets
were first written with. Output is HTML-escaped text in which only our own `<mark>` tags
are markup.
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from search.sentences import sentence_spans
from search.settings import SETTINGS

SNIPPET_CHARS = 200
ELLIPSIS = "…"
JOINERS = " -‐‑"


@dataclass(frozen=True)
class Match:
    """One matched term in a text: where it stands and which index term it is."""

    startchar: int
    endchar: int
    text: str
    boost: float = 1.0


@dataclass
class Passage:
    """A stretch of whole sentences (cut at word edges when too long) and the matches inside."""

    text: str
    matches: list[Match]
    start: int
    end: int
    cut_left: bool = False
    cut_right: bool = False

    def score(self) -> float:
        """The matches' boosts, times a hundred per distinct term matched."""
        distinct = len({match.text for match in self.matches})
        return sum(match.boost for match in self.matches) * (distinct * 100 or 1)


def _trim(text: str, start: int, end: int, matches: list[Match], limit: int) -> tuple[int, int]:
    """Narrow `[start, end)` to about `limit` characters around the first match, on word edges."""
    if end - start <= limit:
        return start, end
    first = min((m.startchar for m in matches), default=start)
    left = max(start, first - limit // 3)
    right = min(end, left + limit)
    while left > start and not text[left - 1].isspace():
        left -= 1
    while right < end and not text[right].isspace():
        right += 1
    return left, right


def passages(text: str, matches: list[Match], max_chars: int = SNIPPET_CHARS) -> Iterator[Passage]:
    """Passages made of whole sentences (split with the abbreviations table) that hold matches,
    each about `max_chars` long: short sentences joined with the next, long ones cut at word
    boundaries around the first match. Each sentence's matches are found by bisection of the
    matches in order (scanning them all per sentence took minutes for a 3 MB article)."""
    matches = sorted(matches, key=lambda m: (m.startchar, -m.endchar))
    starts = [match.startchar for match in matches]
    spans = sentence_spans(text)
    for i, (start, end) in enumerate(spans):
        if not _within(matches, starts, start, end):
            continue
        while end - start < max_chars // 2 and i + 1 < len(spans):
            i += 1
            end = spans[i][1]
        inside = _within(matches, starts, start, end)
        left, right = _trim(text, start, end, inside, max_chars)
        kept = [m for m in inside if left <= m.startchar and m.endchar <= right]
        yield Passage(text, kept, left, right, left > start, right < end)


def _within(matches: list[Match], starts: list[int], start: int, end: int) -> list[Match]:
    """The matches (in order, `starts` their first characters) wholly inside `[start, end)`."""
    return [m for m in matches[bisect_left(starts, start):bisect_left(starts, end)] if m.endchar <= end]


def marked(passage: Passage) -> str:
    """A passage as escaped HTML, its matches in `<mark>`, `…` where text was cut. Overlapping
    matches are one mark, empty ones (a place a filter asked for) none; neighbours stay apart
    (`[OPEC] [price]` would read as a phrase match if joined: the caller joins a phrase's words,
    `hits.joined_phrases`)."""
    text, out, index = passage.text, [], passage.start
    for match in coalesce(text, [m for m in passage.matches if m.endchar > m.startchar], adjacent=False):
        if match.startchar < index:
            continue
        out.append(html.escape(text[index:match.startchar], quote=True))
        out.append(f"<mark>{html.escape(text[match.startchar:match.endchar], quote=True)}</mark>")
        index = match.endchar
    out.append(html.escape(text[index:passage.end], quote=True))
    prefix = ELLIPSIS + " " if passage.cut_left else ""
    suffix = " " + ELLIPSIS if passage.cut_right else ""
    return prefix + "".join(out) + suffix


def coalesce(text: str, matches: Iterable[Match], adjacent: bool = True) -> list[Match]:
    """Overlapping matches, and with `adjacent` those separated only by spaces or hyphens,
    become one mark (`<mark>medium-range air-to-air missile</mark>`, not seven)."""
    merged: list[Match] = []
    for match in sorted(matches, key=lambda m: (m.startchar, -m.endchar)):
        last = merged[-1] if merged else None
        if last and match.startchar <= last.endchar:
            if match.endchar > last.endchar:
                merged[-1] = Match(last.startchar, match.endchar, last.text)
        elif adjacent and last and not text[last.endchar:match.startchar].strip(JOINERS):
            merged[-1] = Match(last.startchar, match.endchar, last.text)
        else:
            merged.append(match)
    return merged


def lead(text: str, max_chars: int = SNIPPET_CHARS) -> str:
    """The article's opening, escaped, when no match falls in the body."""
    passage = next(passages(text[:SETTINGS.snippet_scan_chars], [Match(0, 0, "")], max_chars), None)
    if passage is None:
        return ""
    passage.matches = []
    return marked(passage)


def snippet(text: str, matches: Iterable[Match], max_chars: int = SNIPPET_CHARS) -> str:
    """The best passage of `text` for these matches, as escaped HTML with `<mark>`; in a long
    text, the best within SETTINGS.snippet_scan_chars from the line of its first match
    (splitting a whole 3 MB article into sentences took seconds for each result)."""
    matches = sorted(matches, key=lambda m: (m.startchar, -m.endchar))
    if not matches:
        return lead(text, max_chars)
    start, end = scanned_window(text, matches[0].startchar, SETTINGS.snippet_scan_chars)
    if (start, end) != (0, len(text)):
        text = text[start:end]
        matches = [Match(m.startchar - start, m.endchar - start, m.text, m.boost) for m in matches
                   if m.endchar <= end]
    scored = [(passage.score(), passage.start, passage) for passage in passages(text, matches, max_chars)]
    if not scored or max(scored, key=lambda item: item[:2])[0] < 1:
        return lead(text, max_chars)
    return marked(max(scored, key=lambda item: item[:2])[2])


def scanned_window(text: str, first: int, limit: int) -> tuple[int, int]:
    """About `limit` characters of `text` from the start of the line holding character `first`
    (the whole text when it is shorter), ending on a line break or a space."""
    if len(text) <= limit:
        return 0, len(text)
    earliest = max(0, first - limit // 10)
    start = earliest and (text.rfind("\n", earliest, first) + 1 or text.find(" ", earliest, first) + 1
                          or earliest)
    end = min(len(text), start + limit)
    if end < len(text):
        end = max(text.rfind("\n", start, end), text.rfind(" ", start, end), start + 1)
    return start, end


def plain_text(passage: str) -> str:
    """A passage (escaped HTML with `<mark>`) as the plain text it shows."""
    return html.unescape(passage.replace("<mark>", "").replace("</mark>", ""))
