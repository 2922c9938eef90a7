"""Did-you-mean: search.spelling and how Engine.search uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TELEGRAPH_PRINT, ids
from conftest import checked_search as search

from search import spelling
from search.engine import Engine
from search.indexer import update_index

ZELENSKY_SPELLINGS = {"Zelensky", "Zelenskiy", "Zelenskyy", "Zelenskii"}


@pytest.fixture(scope="module")
def vocabulary_index(tmp_path_factory) -> Path:
    """`array` is far more frequent than `amraam`; `brake` more frequent than `brand`."""
    base = tmp_path_factory.mktemp("vocabulary")
    root = base / "corpus"
    root.mkdir()
    records = [{"id": "amraam", "text": "the amraam missile was delivered"}]
    records += [{"id": f"array{i}", "text": f"an array of sensors and a brake number {i}"} for i in range(8)]
    records += [{"id": "brand", "text": "a new brand of radar"}]
    (root / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    update_index(base / "index", [root])
    return base / "index"


# --- the closest word -------------------------------------------------------------------------


def test_fewest_edits_win_over_frequency(vocabulary_index):
    with Engine(vocabulary_index).ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.frequency(spelling.VOCABULARY_FIELD, "array") > reader.frequency(
            spelling.VOCABULARY_FIELD, "amraam")
        assert spelling.closest_word(reader, "amram") == "amraam"


def test_frequency_breaks_a_tie_in_edits(vocabulary_index):
    with Engine(vocabulary_index).ix.searcher() as searcher:
        # brane -> brake and brane -> brand are one edit each; brake is more frequent
        assert spelling.closest_word(searcher.reader(), "brane") == "brake"


def test_a_swap_of_two_letters_is_one_edit(vocabulary_index):
    with Engine(vocabulary_index).ix.searcher() as searcher:
        assert spelling.closest_word(searcher.reader(), "amrama") == "amraam"


def test_corrections_skip_known_short_and_non_alphabetic_words(engine):
    searcher = engine.searcher()
    assert spelling.corrections(searcher, ["Amram", "Wallace", "nat", "f16x", "2022"]) == {"Amram": "Amraam"}


def test_corrections_look_up_only_the_first_unknown_words(engine):
    """Each lookup scans the vocabulary outside the time budget: a few words, then no more."""
    searcher = engine.searcher()
    unknown = [f"qwxzv{letter}" for letter in "abcdefghijklmnop"[:spelling.MAX_LOOKUPS]]
    assert spelling.corrections(searcher, [*unknown, "Amram"]) == {}
    assert spelling.corrections(searcher, ["Amram", *unknown]) == {"Amram": "Amraam"}
    # a word typed again is looked up once, and both spellings are corrected
    assert spelling.corrections(searcher, ["Amram", *unknown[1:], "amram"]) == {
        "Amram": "Amraam", "amram": "amraam"}


def test_corrections_stop_when_their_time_is_spent(engine, monkeypatch):
    monkeypatch.setattr(spelling, "LOOKUP_SECONDS", -1.0)
    assert spelling.corrections(engine.searcher(), ["Amram"]) == {}


def test_corrected_query_replaces_whole_words_and_keeps_syntax():
    fixes = {"Amram": "Amraam"}
    assert spelling.corrected_query('"Amram rockets" AND title:Amram', fixes) == (
        '"Amraam rockets" AND title:Amraam')
    assert spelling.corrected_query("Amramx Amram", fixes) == "Amramx Amraam"
    assert spelling.corrected_query("Amram", {}) is None


# --- through the engine -----------------------------------------------------------------------


def test_amram_suggests_amraam_not_array(engine):
    assert engine.searcher().reader().frequency("content_exact", "array") > 0  # a candidate that loses
    answer = search(engine, "Amram")
    assert answer["suggestion"] == "Amraam"


def test_a_query_with_no_hits_is_answered_with_the_corrected_query(engine):
    answer = search(engine, "Amram")
    assert answer["corrected_query"] == "Amraam"
    assert answer["total"] > 0
    assert ids(answer) == ids(search(engine, "Amraam"))
    assert TELEGRAPH_PRINT in ids(answer)
    assert answer["query"] == "Amram"


def test_zelenksy_suggests_a_zelensky_spelling(engine):
    answer = search(engine, "Zelenksy")
    assert answer["suggestion"] in ZELENSKY_SPELLINGS
    assert answer["corrected_query"] == answer["suggestion"]
    assert answer["total"] > 0
    assert ids(answer) == ids(search(engine, answer["suggestion"]))


@pytest.mark.parametrize(("typed", "suggested"), [
    ("Amram", "Amraam"),
    ("AMRAM", "AMRAAM"),
    ("amram", "amraam"),
])
def test_the_suggestion_follows_the_case_typed(engine, typed, suggested):
    answer = search(engine, typed)
    assert answer["suggestion"] == suggested
    assert answer["corrected_query"] == suggested


def test_a_query_with_hits_keeps_its_results_and_gets_a_suggestion(engine):
    answer = search(engine, "Amram Wallace")
    assert answer["suggestion"] == "Amraam Wallace"
    assert answer["corrected_query"] is None
    assert ids(answer) == ids(search(engine, "Wallace"))


def test_the_suggestion_keeps_the_query_syntax(engine):
    answer = search(engine, '"Amram rockets"')
    assert answer["suggestion"] == '"Amraam rockets"'


def test_no_suggestion_when_nothing_is_close(engine):
    answer = search(engine, "qwxzvy")
    assert answer["suggestion"] is None
    assert answer["corrected_query"] is None
    assert answer["total"] == 0


@pytest.mark.parametrize("text", [
    "Amraam",
    "drone strikes",
    "Zelensky",
    "wallace AND nato",
    '"Defence Secretary"',
    "source:telegraph",
    "author:diver",
    "title:Wallace",
    "headline:Wallace",
    "body:drones",
    "text:Amraam",
])
def test_a_correctly_spelled_query_gets_no_suggestion(engine, text):
    answer = search(engine, text)
    assert answer["total"] > 0
    assert answer["suggestion"] is None
    assert answer["corrected_query"] is None
