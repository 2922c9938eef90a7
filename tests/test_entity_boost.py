"""The entity boost (search.rank.with_entity_boost) and the entity filters, on real indexes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import (
    BLINKEN_LAMMY,
    CORPUS,
    TELEGRAPH_PRINT,
    TELEGRAPH_WEB,
    WASHINGTON_TIMES,
    ids,
)
from conftest import checked_search as search

from search.documents import entity_keys
from search.engine import Engine
from search.indexer import update_index
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, ENTITY_FIELD, MAX_NAME_TERMS, name_keys, with_entity_boost

NO_BOOST = replace(DEFAULT_WEIGHTS, entity_boost=0)


def found_ids(answer: dict) -> set[str]:
    """Every document the answer found: the hits and the other versions of their stories."""
    return {doc_id for hit in answer["results"]
            for doc_id in [hit["id"], *(version["id"] for version in hit["versions"])]}


def hit(answer: dict, doc_id: str) -> dict:
    return next(h for h in answer["results"] if h["id"] == doc_id)


def entity(result: dict, name: str, kind: str) -> dict | None:
    return next((e for e in result["entities"] if e["name"] == name and e["type"] == kind), None)


def seed_text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")


def build(base: Path, files: dict[str, str]) -> Path:
    root = base / "corpus"
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    update_index(base / "index", [root])
    return base / "index"


# --- the boost decides an order ---------------------------------------------------------------

FILLER = [
    "The talks covered grain exports, rail links, power lines and the repair of ports along the coast.",
    "Officials said the schedule for the coming months would be set by the working groups.",
    "Engineers described the damage to bridges and the cost of rebuilding them before the winter.",
    "Farmers asked for seed, fuel and fertiliser, and for the return of workers to the fields.",
    "Diplomats from several capitals joined the meetings, which ran late into the evening.",
]
PASSING = (
    "Farm budget agreed in Brussels\n\n"
    "Ministers agreed the farm budget in Brussels on Monday after a long night of talks in Brussels.\n\n"
    "A note from Secretary of State Antony Blinken was read out.\n"
)
SALIENT = (
    "Antony Blinken arrives in Kyiv for talks\n\n"
    "Secretary of State Antony Blinken arrived in Kyiv on Wednesday for talks on aid.\n\n"
    + "\n\n".join(FILLER * 6)
    + "\n\nBlinken said the talks had been useful.\n\n"
    + "\n\n".join(FILLER * 6)
    + "\n\nMr Blinken left for Warsaw in the evening.\n"
)


@pytest.fixture(scope="module")
def boost_index(tmp_path_factory) -> Path:
    """A: Blinken once, in passing, in a short text. B: Blinken the subject of a long one."""
    return build(tmp_path_factory.mktemp("boost"), {
        "a_passing.txt": PASSING,
        "b_salient.txt": SALIENT,
        "c_rail.txt": "Rail repairs\n\nEngineers repaired the rail line to the port.\n",
        "d_grain.txt": "Grain exports\n\nGrain exports rose in the autumn.\n",
    })


def test_the_corpus_is_built_as_intended(boost_index):
    """B names Blinken as its most salient person; A names him once, far less salient."""
    answer = search(Engine(boost_index), "Blinken")
    passing = entity(hit(answer, "a_passing"), "Antony Blinken", "person")
    salient = entity(hit(answer, "b_salient"), "Antony Blinken", "person")
    assert passing is not None and salient is not None
    assert passing["mentions"] == 1
    assert salient["mentions"] >= 3
    assert salient["salience"] > passing["salience"] + 0.5
    assert len(SALIENT) > 5 * len(PASSING)


def test_without_the_boost_the_short_passing_mention_ranks_first(boost_index):
    answer = search(Engine(boost_index, weights=NO_BOOST), "Blinken")
    assert ids(answer) == ["a_passing", "b_salient"]


def test_with_the_boost_the_article_about_blinken_ranks_first(boost_index):
    answer = search(Engine(boost_index), "Blinken")
    assert ids(answer) == ["b_salient", "a_passing"]


def test_the_boost_adds_the_entitys_salience_to_the_score(boost_index):
    plain = {h["id"]: h["score"] for h in search(Engine(boost_index, weights=NO_BOOST), "Blinken")["results"]}
    boosted = search(Engine(boost_index), "Blinken")
    for result in boosted["results"]:
        salience = entity(result, "Antony Blinken", "person")["salience"]
        assert result["score"] - plain[result["id"]] == pytest.approx(salience, abs=2e-3)


def test_the_boost_scales_with_its_weight(boost_index):
    plain = {h["id"]: h["score"] for h in search(Engine(boost_index, weights=NO_BOOST), "Blinken")["results"]}
    double = search(Engine(boost_index, weights=replace(DEFAULT_WEIGHTS, entity_boost=2.0)), "Blinken")
    result = hit(double, "b_salient")
    salience = entity(result, "Antony Blinken", "person")["salience"]
    assert result["score"] - plain["b_salient"] == pytest.approx(2 * salience, abs=4e-3)


def test_the_boost_reorders_but_never_adds_documents(boost_index):
    """The boost only scores documents the words matched: `Kyiv` documents stay the same set."""
    for query in ("Blinken", "Kyiv", "talks"):
        plain = search(Engine(boost_index, weights=NO_BOOST), query)
        boosted = search(Engine(boost_index), query)
        assert set(ids(plain)) == set(ids(boosted))
        assert plain["total"] == boosted["total"]


def test_on_the_seeds_blinken_ranks_the_blinken_lammy_article_above_the_washington_times(engine):
    order = ids(search(engine, "Blinken"))
    assert order.index(BLINKEN_LAMMY) < order.index(WASHINGTON_TIMES)


# --- units ------------------------------------------------------------------------------------


def test_name_keys_are_every_run_of_terms():
    assert name_keys(["ben", "wallac"]) == ["ben", "ben wallac", "wallac"]
    assert name_keys(["blinken"]) == ["blinken"]
    assert name_keys([]) == []


def test_name_keys_stop_at_four_terms():
    keys = name_keys(["a", "b", "c", "d", "e"])
    assert MAX_NAME_TERMS == 4
    assert "a b c d" in keys and "b c d e" in keys
    assert "a b c d e" not in keys
    assert len(keys) == 5 + 4 + 3 + 2
    assert keys == sorted(keys)


def test_name_keys_collapse_repeats():
    assert name_keys(["nato", "nato"]) == ["nato", "nato nato"]


def test_with_entity_boost_adds_an_optional_entity_clause():
    base = qt.Term("content", "blinken")
    boosted = with_entity_boost(base, ["blinken"], DEFAULT_WEIGHTS)
    assert isinstance(boosted, qt.AndMaybe)
    assert boosted.required == base
    assert {leaf.field for leaf in boosted.optional.leaves()} == {ENTITY_FIELD}
    assert with_entity_boost(base, ["blinken"], NO_BOOST) is base
    assert with_entity_boost(base, [], DEFAULT_WEIGHTS) is base
    assert with_entity_boost(qt.NOTHING, ["blinken"], DEFAULT_WEIGHTS) is qt.NOTHING


def test_entity_keys_are_the_names_terms_and_a_persons_surname():
    assert entity_keys("person", ["ben", "wallac"]) == ["ben wallac", "wallac"]
    assert entity_keys("org", ["intern", "monetari", "fund"]) == ["intern monetari fund"]
    assert entity_keys("weapon", ["AMRAAM"]) == ["AMRAAM"]
    assert entity_keys("person", []) == []


# --- entities in results ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Blinken", "Amraam", "Ukraine", "drones"])
def test_results_carry_entities_of_the_documented_shape(engine, query):
    answer = search(engine, query)
    assert answer["results"]
    for result in answer["results"]:
        assert result["entities"], result["id"]
        for item in result["entities"]:
            assert set(item) == {"name", "type", "mentions", "salience"}
            assert item["type"] in {"person", "org", "place", "weapon", "acronym"}
            assert item["mentions"] >= 1
            assert 0 <= item["salience"] <= 1
        saliences = [item["salience"] for item in result["entities"]]
        assert saliences == sorted(saliences, reverse=True)


def test_the_blinken_lammy_article_names_its_people_and_weapons(engine):
    result = hit(search(engine, "Lammy"), BLINKEN_LAMMY)
    assert entity(result, "Antony Blinken", "person")["mentions"] == 4
    assert entity(result, "David Lammy", "person") is not None
    assert entity(result, "ATACMS", "weapon") is not None
    assert entity(result, "International Monetary Fund", "org") is not None


# --- entity filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected", "name", "kind"), [
    ("person:blinken", {BLINKEN_LAMMY, WASHINGTON_TIMES}, "Antony Blinken", "person"),
    ("org:nato", {TELEGRAPH_PRINT, TELEGRAPH_WEB, WASHINGTON_TIMES}, "NATO", "org"),
    ("weapon:himars", {WASHINGTON_TIMES}, "HIMARS", "weapon"),
    ('entity:"Ben Wallace"', {TELEGRAPH_PRINT, TELEGRAPH_WEB}, "Ben Wallace", "person"),
])
def test_an_entity_filter_finds_the_documents_that_name_it(engine, query, expected, name, kind):
    answer = search(engine, query)
    assert found_ids(answer) == expected
    for result in answer["results"]:
        assert entity(result, name, kind) is not None, (result["id"], result["entities"])


def test_place_filter_beside_words_narrows_on_the_seeds(engine):
    """Every seed names Kyiv; the Blinken/Lammy article does not mention drones."""
    kyiv = found_ids(search(engine, "place:kyiv"))
    assert BLINKEN_LAMMY in kyiv
    assert "drone" not in seed_text(BLINKEN_LAMMY).lower()
    answer = search(engine, "place:kyiv drones")
    found = found_ids(answer)
    assert BLINKEN_LAMMY not in found
    assert found <= kyiv
    for doc_id in found:
        assert "drone" in seed_text(doc_id).lower(), doc_id
    for result in answer["results"]:
        assert entity(result, "Kyiv", "place") is not None
        assert any(m["query"] == "drones" for m in result["matched"]), result["id"]
    assert answer["total"] == len(answer["results"])


@pytest.fixture(scope="module")
def kyiv_engine(tmp_path_factory) -> Engine:
    base = tmp_path_factory.mktemp("kyiv")
    return Engine(build(base, {
        "kyiv_drones.txt": "Night attack on Kyiv\n\nDrones struck Kyiv overnight, officials in Kyiv said.\n",
        "odesa_drones.txt": "Night attack on Odesa\n\n"
                            "Drones struck Odesa overnight, officials in Odesa said.\n",
        "kyiv_budget.txt": "Kyiv budget\n\nThe council in Kyiv passed its budget for schools.\n",
        "kiev_drones.txt": "Sirens in the capital\n\n"
                           "Residents of Kiev sheltered as drones flew over on Sunday.\n",
    }))


def test_place_filter_beside_words_means_both(kyiv_engine):
    assert set(ids(search(kyiv_engine, "drones"))) == {"kyiv_drones", "odesa_drones", "kiev_drones"}
    assert set(ids(search(kyiv_engine, "place:kyiv"))) == {"kyiv_drones", "kyiv_budget", "kiev_drones"}
    answer = search(kyiv_engine, "place:kyiv drones")
    assert set(ids(answer)) == {"kyiv_drones", "kiev_drones"}
    assert answer["total"] == 2
    assert ids(search(kyiv_engine, "place:odesa drones")) == ["odesa_drones"]


def test_place_filter_finds_a_place_printed_in_another_spelling(kyiv_engine):
    """The filter is on the entity: `Kiev` in the text is the place Kyiv."""
    answer = search(kyiv_engine, "place:kyiv drones")
    assert entity(hit(answer, "kiev_drones"), "Kyiv", "place") is not None
