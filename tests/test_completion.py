"""Completions: names and headlines that start with what was typed, then words."""

from __future__ import annotations

import pytest

from search.errors import InvalidParameter


def texts(found: list[dict]) -> list[str]:
    return [item["text"] for item in found]


def test_a_surname_completes_to_the_full_name(engine):
    found = engine.suggest("wal")
    assert {"text": "Ben Wallace", "kind": "entity"} in found
    assert found.index({"text": "Ben Wallace", "kind": "entity"}) < len(found)


def test_headlines_complete_from_their_start(engine):
    found = engine.suggest("Wallace heads")
    assert {"text": "Wallace heads to Pentagon over Kyiv strikes", "kind": "headline"} in found


def test_the_word_being_typed_comes_first_then_names_then_other_words(engine):
    found = engine.suggest("drone str")
    assert found, "the seed corpus has 'strikes'"
    assert all(item["kind"] == "word" for item in found)
    assert "drone strikes" in texts(found)
    assert all(text.startswith("drone str") for text in texts(found))
    mixed = engine.suggest("ze", limit=20)
    kinds = [item["kind"] for item in mixed]
    assert kinds[0] == "word" and mixed[0]["text"].startswith("ze")
    assert "entity" in kinds and kinds[1:] == sorted(kinds[1:], key=lambda kind: kind == "word")


def test_completions_are_case_and_space_insensitive_and_unique(engine):
    assert texts(engine.suggest("BEN   WAL")) == texts(engine.suggest("ben wal"))
    found = texts(engine.suggest("u", limit=20))
    assert len({text.lower() for text in found}) == len(found)


def test_nothing_typed_completes_to_nothing(engine):
    assert engine.suggest("   ") == []
    assert engine.suggest("qqqzzz") == []


@pytest.mark.parametrize("limit", [0, 21])
def test_limit_is_checked(engine, limit):
    with pytest.raises(InvalidParameter):
        engine.suggest("wal", limit=limit)


def test_limit_caps_the_list(engine):
    assert len(engine.suggest("s", limit=3)) <= 3
