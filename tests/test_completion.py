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
    shown = [(item["text"], item["kind"]) for item in found]
    assert ("Wallace heads to Pentagon over Kyiv strikes", "headline") in shown


def test_the_commonest_word_ranks_with_the_names_and_other_words_come_last(engine):
    found = engine.suggest("drone str")
    assert found, "the seed corpus has 'strikes'"
    assert all(item["kind"] == "word" for item in found)
    assert "drone strikes" in texts(found)
    assert all(text.startswith("drone str") for text in texts(found))
    mixed = engine.suggest("ze", limit=20)
    kinds = [item["kind"] for item in mixed]
    first_word = kinds.index("word")
    after = kinds[first_word + 1:]
    assert "entity" in kinds and after == sorted(after, key=lambda kind: kind == "word")
    assert texts(engine.suggest("wal"))[0] == "Ben Wallace", "a name more articles hold comes before 'walked'"


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


def test_a_headline_comes_with_its_article(engine):
    [headline] = [item for item in engine.suggest("wallace heads") if item["kind"] == "headline"]
    assert headline["text"] == "Wallace heads to Pentagon over Kyiv strikes"
    assert engine.article(headline["id"])["headline"] == headline["text"]
    assert all("id" not in item for item in engine.suggest("wal") if item["kind"] != "headline")
