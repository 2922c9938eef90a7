"""No query hangs: pathological queries over a generated corpus answer within ten times the budget.

The corpus (tests/corpus_generator.py, 20,000 short documents by default; SLOW_CORPUS_DOCS
overrides) is written and indexed once per module. Without a budget some of these queries run
for minutes on it (a 500-word OR about 100 s, five common words about 13 s); with one they must
answer within ten times the budget plus the fixed cost of a trivial query (wall clock, or CPU
time when other processes load the machine: see check_bounded), in the result shape, with
`partial: true` when the budget cut them short. Building the index takes about 1 minute on
an idle 2-core machine, 3 under load.

The queries are the regression list bench/slow_queries.txt (also run over Reuters by `make
bench`) and patterns built from the generated vocabulary.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path

import pytest
from conftest import ROOT, VALIDATOR
from corpus_generator import vocabulary, write_corpus

from search.engine import Engine
from search.errors import SearchError
from search.indexer import update_index

DOCS = int(os.environ.get("SLOW_CORPUS_DOCS", "20000"))
SEED = 7
BUDGET = 0.2
SMALL_BUDGET = 0.05
SLACK = 10
LOADED_SLACK = 3
REGRESSION_LIST = ROOT / "bench" / "slow_queries.txt"
VOCABULARY = vocabulary(SEED)
COMMON = VOCABULARY[:6]  # time year people way day man: the most frequent words


def regression_queries() -> list[str]:
    """The queries of the regression list: one a line, `#` comments and blank lines skipped."""
    if not REGRESSION_LIST.exists():
        return []
    lines = REGRESSION_LIST.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def unknown_words(count: int, seed: int = 1) -> list[str]:
    """Four-letter words the corpus never uses (each gets a did-you-mean lookup)."""
    rng, known, found = random.Random(seed), set(VOCABULARY), []
    while len(found) < count:
        word = "".join(rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(2))
        if word not in known and word not in found:
            found.append(word)
    return found


SHORT_WORDS = [w for w in VOCABULARY if len(w) == 3][:500]
GENERATED = {
    "or-500-words": " ".join(SHORT_WORDS),
    "or-300-words-explicit": " OR ".join(SHORT_WORDS[:300])[:2000].rsplit(" OR ", 1)[0],
    "and-of-common-words": " AND ".join(COMMON),
    "five-common-words": " ".join(COMMON[:5]),
    "two-common-words": f"{COMMON[0]} {COMMON[1]}",
    "two-common-words-or": f"{COMMON[0]} OR {COMMON[2]}",
    "two-common-words-not": f"{COMMON[0]} -{COMMON[1]}",
    "nested-200": "(" * 200 + COMMON[0] + ")" * 200,
    "nested-200-or": "(" * 200 + f"{COMMON[0]} OR {COMMON[1]}" + ")" * 200,
    "nested-200-unbalanced": "(" * 200 + COMMON[0],
    "prefix-ba": "ba*",
    "prefix-co": "co*",
    "prefix-ma": "ma*",
    "prefix-ti": "ti*",
    "prefixes-or": "ba* OR co* OR ma* OR ti* OR ka*",
    "wildcard-a": "a*",
    "wildcard-inner-a": "*a*",
    "wildcard-question": "?",
    "wildcard-middle": "wo?an",
    "wildcard-mixed": "ba?a*",
    "fuzzy-common": f"{COMMON[0]}~2",
    "fuzzy-common-2": f"{COMMON[2]}~2",
    "fuzzy-made-up": f"{VOCABULARY[200]}~2",
    "fuzzy-several": " ".join(f"{w}~2" for w in VOCABULARY[:4]),
    "phrase-common": f'"{COMMON[0]} {COMMON[1]} {COMMON[2]}"',
    "phrase-slop": f'"{COMMON[0]} {COMMON[1]}"~50',
    # a sloppy phrase of 300 common words: each word's positions in every document holding them all
    "phrase-slop-300-words": '"' + " ".join(VOCABULARY[:300]) + '"~1000',
    "date-all-common": f"date:2020..2023 {COMMON[0]}",
    # did-you-mean runs outside the budget: only its first few lookups (search/spelling.py)
    "four-hundred-unknown-words": " ".join(unknown_words(399)),
}
# Once known to blow the budget, each now runs with the small budget, where it is slowest
# relative to its bound. A phrase of one repeated word: the budget is only checked when a
# document is collected, and Whoosh's SpanNear2 matcher scanned every document with the
# word while it was built (`"time time ... time"`, 10 words, took ~10 s at 20,000 documents,
# 400 words ~390 s); search/query.py NewsPhrase now matches it by a run of positions.
ONCE_SLOW = {
    "phrase-of-a-repeated-common-word": '"' + " ".join([COMMON[0]] * 10) + '"',
    "phrase-of-300-repeated-common-words": '"' + " ".join([COMMON[0]] * 300) + '"',
    "phrase-of-a-repeated-word-twice": f'"{COMMON[0]} {COMMON[0]}"',
}


@pytest.fixture(scope="module")
def slow_index(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("slow-corpus")
    corpus = write_corpus(directory / "corpus" / "generated.jsonl", DOCS, SEED)
    started = time.perf_counter()
    report = update_index(directory / "index", [corpus], rebuild=True)
    print(f"\nindexed {DOCS} generated documents in {time.perf_counter() - started:.1f} s")
    assert report.added == DOCS, report.problems[:5]
    return directory / "index"


@pytest.fixture(scope="module")
def engines(slow_index) -> dict[float, Engine]:
    return {budget: Engine(slow_index, time_budget=budget) for budget in (BUDGET, SMALL_BUDGET, 60.0)}


@pytest.fixture(scope="module")
def overhead(engines) -> float:
    """The fixed cost of a trivial query (a rare word), measured here: the slowest of five."""
    engine = engines[BUDGET]
    rare = VOCABULARY[-1]
    engine.search(rare)  # warm the searcher, the story codes and the analyzer cache
    times = []
    for _ in range(5):
        started = time.perf_counter()
        engine.search(rare)
        times.append(time.perf_counter() - started)
    print(f"\ntrivial query: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    return max(times)


def timed(engine: Engine, text: str) -> tuple[dict | None, float, float]:
    """The answer (None for a typed refusal), wall-clock seconds and CPU seconds of one search."""
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        answer = engine.search(text)
    except SearchError:
        answer = None  # a typed refusal (the query is too long) is a proper answer too
    return answer, time.perf_counter() - started, time.process_time() - cpu_started


def check_bounded(engine: Engine, text: str, overhead: float) -> tuple[dict | None, float]:
    """The search answers within SLACK budgets plus the trivial query's cost, in the result shape.

    The machine these tests run on is shared: when other processes hold the CPU, a search's
    wall-clock time stretches with them. So the bound holds on wall-clock time, or else on the
    search's own CPU time with the wall-clock time within LOADED_SLACK bounds; a query that
    really runs away (as the known slow ones do) breaks both.
    """
    answer, elapsed, cpu = timed(engine, text)
    bound = SLACK * engine.time_budget + overhead
    assert elapsed <= bound or (cpu <= bound and elapsed <= LOADED_SLACK * bound), (
        f"{elapsed:.2f} s ({cpu:.2f} s CPU) > {bound:.2f} s for {text[:60]!r}")
    if answer is None:
        return answer, elapsed
    VALIDATOR.validate(answer)
    if answer["partial"]:
        # the budget can only have run out once at least the budget has passed
        assert elapsed >= engine.time_budget
    return answer, elapsed


def check_complete(engines: dict, text: str, answer: dict | None, elapsed: float) -> None:
    """An answer well inside the budget that says it is complete is what an unbounded search gives."""
    if answer is None or answer["partial"] or elapsed > BUDGET / 2:
        return
    unbounded = engines[60.0].search(text)
    assert not unbounded["partial"]
    assert answer["total"] == unbounded["total"]
    assert [h["id"] for h in answer["results"]] == [h["id"] for h in unbounded["results"]]


@pytest.mark.parametrize("text", regression_queries(), ids=lambda q: q[:40])
def test_regression_list_query_answers_within_ten_budgets(engines, overhead, text):
    answer, elapsed = check_bounded(engines[BUDGET], text, overhead)
    check_complete(engines, text, answer, elapsed)


@pytest.mark.parametrize("text", GENERATED.values(), ids=GENERATED.keys())
def test_pathological_query_answers_within_ten_budgets(engines, overhead, text):
    answer, elapsed = check_bounded(engines[BUDGET], text, overhead)
    check_complete(engines, text, answer, elapsed)


@pytest.mark.parametrize("text", ONCE_SLOW.values(), ids=ONCE_SLOW.keys())
def test_once_slow_query_answers_within_ten_small_budgets(engines, overhead, text):
    answer, elapsed = check_bounded(engines[SMALL_BUDGET], text, overhead)
    check_complete(engines, text, answer, elapsed)


@pytest.mark.parametrize("budget", [SMALL_BUDGET, BUDGET])
def test_the_budget_really_cuts_searches_short(slow_index, budget):
    """Without this the other tests prove nothing: some queries must run out of time.

    Asked of a fresh engine, as each `search` command is: one that has answered these queries
    before holds their postings and answers every one within 0.2 s of scoring on this corpus.
    (Not held to ten budgets at 0.05 s: a query's parse and the building of its matchers are
    outside the budget, and for the 500-word OR they alone take about 0.6 s.)
    """
    cut, engine = [], Engine(slow_index, time_budget=budget)
    for name in ("or-500-words", "five-common-words", "prefix-co", "fuzzy-common", "phrase-slop-300-words",
                 "phrase-common"):
        answer, elapsed, _ = timed(engine, GENERATED[name])
        VALIDATOR.validate(answer)
        if answer["partial"]:
            assert elapsed >= budget
            cut.append(name)
    assert cut, f"no query ran out of a {budget} s budget"

