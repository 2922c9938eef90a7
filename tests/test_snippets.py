"""search/snippets.py: passages hold the matches inside them, and a long article's snippet is
chosen from a window around its first match, in time that does not grow with its length."""

from __future__ import annotations

import random
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from search.sentences import sentence_spans
from search.settings import SETTINGS
from search.snippets import Match, passages, scanned_window, snippet

SENTENCES = ["Oil rose.", "Mr. Smith sold wheat in the U.S. market today.", "Prices fell!",
             "A much longer sentence about grain exports and the oil price that goes on and on."]


def scanned_passages(text: str, matches: list[Match], max_chars: int) -> list[tuple[int, int, list]]:
    """What `passages` means, scanning every match for every sentence: the definition the
    bisection must agree with."""
    found, spans = [], sentence_spans(text)
    for i, (start, end) in enumerate(spans):
        if not [m for m in matches if start <= m.startchar and m.endchar <= end]:
            continue
        while end - start < max_chars // 2 and i + 1 < len(spans):
            i += 1
            end = spans[i][1]
        found.append((start, end))
    return found


@given(picks=st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=12),
       spots=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 8)), max_size=20),
       max_chars=st.sampled_from([40, 120, 200]))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_passages_found_by_bisection_are_those_a_scan_finds(picks, spots, max_chars):
    text = " ".join(picks)
    matches = [Match(start, start + length, "t") for start, length in spots if start + length <= len(text)]
    made = list(passages(text, matches, max_chars))
    expected = scanned_passages(text, matches, max_chars)
    assert len(made) == len(expected)
    for passage, (start, end) in zip(made, expected, strict=True):
        assert start <= passage.start <= passage.end <= end
        assert all(start <= m.startchar and m.endchar <= end for m in passage.matches)


def long_article(paragraphs: int, seed: int = 3) -> str:
    """Paragraphs of the sample sentences, a blank line between them."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choice(SENTENCES) for _ in range(6)) for _ in range(paragraphs))


def test_a_short_text_is_searched_whole():
    assert scanned_window("Oil rose.", 4, SETTINGS.snippet_scan_chars) == (0, 9)


def test_a_long_texts_window_starts_on_the_line_of_its_first_match():
    text = long_article(20_000)
    first = len(text) // 2
    start, end = scanned_window(text, first, 50_000)
    assert start <= first < end and end - start <= 50_000
    assert text[start - 1] == "\n" and text[end] in "\n "


def test_a_long_articles_snippet_is_the_best_passage_of_its_window_and_comes_quickly():
    """3 MB with a match in every `oil`: the snippet is the one of the window alone, and it is
    found in far less CPU time than the minutes a scan of every match per sentence took."""
    text = long_article(20_000)
    matches = [Match(at, at + 3, "oil") for at in range(len(text)) if text.startswith("oil", at)]
    started = time.process_time()
    found = snippet(text, matches)
    assert time.process_time() - started < 10
    start, end = scanned_window(text, matches[0].startchar, SETTINGS.snippet_scan_chars)
    window = [Match(m.startchar - start, m.endchar - start, m.text) for m in matches if m.endchar <= end]
    assert found == snippet(text[start:end], window) and "<mark>oil</mark>" in found.lower()


def test_a_long_texts_window_starts_at_its_beginning_when_the_first_match_is_near_it():
    text = "Opening words " + "and more words " * 10_000
    assert scanned_window(text, 20, 50_000)[0] == 0
