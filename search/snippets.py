"""Query-biased snippets: the passage that answers the query, matches marked.

Whoosh's highlight pipeline, with news-aware parts:

    match spans (from the index) -> SentenceFragmenter -> BasicFragmentScorer
    -> MarkFormatter

Match positions are read from the postings' stored character offsets, so the
stored text is never re-analysed at query time. Output is HTML-escaped text
in which only our own `<mark>` tags are markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from whoosh.highlight import BasicFragmentScorer, Formatter, Fragment, Fragmenter, top_fragments

from search.sentences import sentence_spans

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


class SentenceFragmenter(Fragmenter):
    """Fragments made of whole sentences (split with the abbreviations table),
    about `max_chars` long, cut at word boundaries when a sentence is longer."""

    def __init__(self, max_chars: int = SNIPPET_CHARS):
        self.max_chars = max_chars

    def must_retokenize(self) -> bool:
        return False

    def fragment_matches(self, text: str, matched_tokens: list[Match]) -> Iterator[Fragment]:
        spans = sentence_spans(text)
        for i, (start, end) in enumerate(spans):
            inside = [m for m in matched_tokens if start <= m.startchar and m.endchar <= end]
            if not inside:
                continue
            while end - start < self.max_chars // 2 and i + 1 < len(spans):
                i += 1
                end = spans[i][1]
                inside = [m for m in matched_tokens if start <= m.startchar and m.endchar <= end]
            left, right = _trim(text, start, end, inside, self.max_chars)
            kept = [m for m in inside if left <= m.startchar and m.endchar <= right]
            fragment = Fragment(text, kept, left, right)
            fragment.cut_left, fragment.cut_right = left > start, right < end
            yield fragment


class MarkFormatter(Formatter):
    """Escapes the text and wraps matches in `<mark>`; `…` where text was cut."""

    between = f" {ELLIPSIS} "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=True)

    def format_token(self, text: str, token: Match, replace: bool = False) -> str:
        return f"<mark>{html.escape(text[token.startchar:token.endchar], quote=True)}</mark>"

    def format_fragment(self, fragment: Fragment, replace: bool = False) -> str:
        joined = Fragment(fragment.text, coalesce(fragment.text, fragment.matches),
                          fragment.startchar, fragment.endchar)
        body = super().format_fragment(joined, replace)
        prefix = ELLIPSIS + " " if getattr(fragment, "cut_left", False) else ""
        suffix = " " + ELLIPSIS if getattr(fragment, "cut_right", False) else ""
        return prefix + body + suffix


def coalesce(text: str, matches: Iterable[Match]) -> list[Match]:
    """Adjacent matches separated only by spaces or hyphens become one mark
    (`<mark>medium-range air-to-air missile</mark>`, not seven)."""
    merged: list[Match] = []
    for match in sorted(matches, key=lambda m: (m.startchar, -m.endchar)):
        last = merged[-1] if merged else None
        if last and match.startchar <= last.endchar:
            if match.endchar > last.endchar:
                merged[-1] = Match(last.startchar, match.endchar, last.text)
        elif last and not text[last.endchar:match.startchar].strip(JOINERS):
            merged[-1] = Match(last.startchar, match.endchar, last.text)
        else:
            merged.append(match)
    return merged


def lead(text: str, max_chars: int = SNIPPET_CHARS) -> str:
    """The article's opening, escaped, when no match falls in the body."""
    fragment = next(SentenceFragmenter(max_chars).fragment_matches(text, [Match(0, 0, "")]), None)
    if fragment is None:
        return ""
    fragment.matches = []
    return MarkFormatter().format_fragment(fragment)


def snippet(text: str, matches: Iterable[Match], max_chars: int = SNIPPET_CHARS) -> str:
    """The best passage of `text` for these matches, as escaped HTML with `<mark>`."""
    matches = sorted(matches, key=lambda m: (m.startchar, -m.endchar))
    if not matches:
        return lead(text, max_chars)
    fragments = SentenceFragmenter(max_chars).fragment_matches(text, matches)
    best = top_fragments(fragments, 1, BasicFragmentScorer(), lambda f: f.startchar)
    if not best:
        return lead(text, max_chars)
    return MarkFormatter().format(best)
