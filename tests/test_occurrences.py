"""Where terms stand in a stored article (search/occurrences.py): `spans`, which looks only at
the words that make the terms asked for, finds exactly what analysing every token finds
(`NewsAnalyzer.occurrences`), shouting and compounds included; and what it remembers stays
cheap for a long-lived process."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import NewsAnalyzer, exact_analyzer, news_analyzer
from search.occurrences import spans, word_makers

ANALYZERS = {"stemmed": news_analyzer(), "exact": exact_analyzer()}
PIECES = ["Zelenskiy", "ZELENSKY", "Zelenskyy's", "U.S.", "US", "us", "NATO", "Nato", "MPs", "BEN", "WALLACE",
          "flew", "drone-strikes", "air-to-air", "Amraam", "AMRAAM", "missiles", "organised", "the", "a",
          "3M", "1,000", "KYIV", "Kyiv", "Kiev", "OIL", "oil", "prices", "Russia's", "fire-truck", "I",
          "oil-rich", "U.S.A.", "1", "u.s", "Oil's", "pre"]
SEPARATORS = [" ", " ", ", ", ". ", "\n", " - ", "\n\n", "-", ".", "'", "’", "‑", "--", ""]


def expected(analyzer: NewsAnalyzer, text: str, wanted: set[str]) -> dict[str, list[tuple[int, int]]]:
    return {term: [(start, end) for _, start, end in places]
            for term, places in analyzer.occurrences(text, wanted).items()}


pieces = st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS))
texts = st.lists(pieces, min_size=1, max_size=40).map(lambda pairs: "".join(a + b for a, b in pairs))


@pytest.mark.parametrize("name", sorted(ANALYZERS))
@settings(max_examples=300, deadline=None)
@given(text=texts, picks=st.lists(st.integers(min_value=0), max_size=4))
def test_spans_are_the_occurrences_of_the_wanted_terms(name, text, picks):
    analyzer = ANALYZERS[name]
    every = sorted(analyzer.occurrences(text))
    wanted = {every[pick % len(every)] for pick in picks} if every else set()
    wanted |= {"oil", "nato", "u.s."}
    assert spans(analyzer, text, wanted) == expected(analyzer, text, wanted)


@pytest.mark.parametrize("name", sorted(ANALYZERS))
def test_every_term_of_the_seed_articles_is_found_where_a_full_analysis_finds_it(name):
    analyzer = ANALYZERS[name]
    articles = sorted((ROOT / "corpus").glob("*.txt"))
    assert articles
    for path in articles:
        text = Path(path).read_text(encoding="utf-8")
        every = set(analyzer.occurrences(text))
        assert spans(analyzer, text, every) == expected(analyzer, text, every), path.name
        assert spans(analyzer, text, {"no-such-term"}) == {}


def test_what_a_process_remembers_of_the_words_it_has_shown_is_not_walked_by_the_collector():
    analyzer = news_analyzer()
    text = "BEN WALLACE flew to Kyiv; NATO drone-strikes and Zelenskiy's Amraam missiles."
    assert spans(analyzer, text, {"NATO", "wallac", "strike"}) == {
        "wallac": [(4, 11)], "NATO": [(26, 30)], "strike": [(37, 44)]}
    makers = word_makers(analyzer)
    assert "NATO" in makers.by_term["NATO"], "analyzers equal in rule and tables share what they learn"
    gc.collect()
    assert not any(gc.is_tracked(words) for words in makers.by_term.values())
