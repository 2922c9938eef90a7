"""search.query: the query language, as query trees and as what a real index finds for them."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

import pytest
from conftest import HOLR, SEEDS, TELEGRAPH_PRINT, backend_location, ids, open_engine
from conftest import build_jsonl_index as build
from conftest import checked_search as search

from search.aliases import alias_table
from search.documents import name_key
from search.engine import Engine
from search.fields import query_analyzers
from search.query import MAX_SLOP, ParsedQuery, QueryReader
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights

BUILDER = QueryReader(query_analyzers(), name_key)
SEED_IDS = {p.stem for p in SEEDS}


def parse(text: str) -> ParsedQuery:
    return BUILDER.parse(text)


def terms_of(tree: qt.Node) -> set[tuple[str, str, float]]:
    """(field, text, boost) of every Term in the tree."""
    return {(n.field, n.text, n.boost) for n in tree.walk() if type(n) is qt.Term}


def of_type(tree: qt.Node, kind: type) -> list:
    return [n for n in tree.walk() if isinstance(n, kind)]


def codes(parsed_or_answer) -> list[str]:
    warnings = parsed_or_answer["warnings"] if isinstance(parsed_or_answer, dict) else [
        w.as_dict() for w in parsed_or_answer.warnings]
    return [w["code"] for w in warnings]


def found(engine: Engine, text: str) -> set[str]:
    """The ids Engine.search answers with (one version per story)."""
    answer = search(engine, text, limit=1000)
    assert answer["total"] == len(answer["results"])
    return {hit["id"] for hit in answer["results"]}


def matching(engine: Engine, text: str) -> set[str]:
    """Every document the engine's parsed query matches, before versions are grouped into stories."""
    return {doc_id for doc_id, _ in engine.ranked_ids(text, 1000)}


def assert_finds(engine: Engine, text: str, expected: set[str]) -> None:
    """The query matches exactly `expected`, and the answer shows each of them (or a version of its
    story standing for it) and nothing else."""
    assert matching(engine, text) == expected
    answer = search(engine, text, limit=1000)
    shown = {hit["id"] for hit in answer["results"]}
    assert shown <= expected
    covered = shown | {v["id"] for hit in answer["results"] for v in hit["versions"]}
    assert expected <= covered
    assert answer["total"] == len(shown)


def found_raw(index_dir: Path, text: str) -> set[str]:
    """What the parsed query itself matches (no did-you-mean retry)."""
    return matching(Engine(index_dir), text)


def seeds_matching(pattern: str) -> set[str]:
    regex = re.compile(pattern, re.IGNORECASE)
    return {p.stem for p in SEEDS if regex.search(p.read_text(encoding="utf-8").replace("’", "'"))}


# --- plain words ------------------------------------------------------------------------------


def test_plain_words_are_an_or_over_headline_and_body():
    query = parse("drone strikes").tree
    assert isinstance(query, qt.Or)
    assert terms_of(query) == {("title", "drone", 1.0), ("content", "drone", 1.0),
                               ("title", "strike", 1.0), ("content", "strike", 1.0)}


def test_plain_words_find_documents_with_some_of_them(engine):
    drone, strikes = matching(engine, "drone"), matching(engine, "strikes")
    assert drone - strikes and strikes - drone and drone & strikes
    assert_finds(engine, "drone strikes", drone | strikes)


@pytest.mark.parametrize(("first", "second"), [("drone", "strikes"), ("wallace", "nato"), ("kyiv", "iran")])
def test_seed_documents_with_all_words_rank_above_those_with_some(engine, first, second):
    both = matching(engine, first) & matching(engine, second)
    ranked = [hit["id"] for hit in search(engine, f"{first} {second}", limit=20)["results"]]
    with_both = [doc_id in both for doc_id in ranked]
    assert any(with_both) and not all(with_both)
    assert with_both == sorted(with_both, reverse=True), ranked


def test_documents_with_all_words_rank_above_those_with_some(tmp_path):
    """README: `drone strikes inside Russia` finds articles with all the words first, then those with
    some -- also when one word is repeated often in a short article."""
    records = [
        {"id": "some", "text": "drone drone drone drone drone drone over the city"},
        {"id": "all", "text": "a long report on the war with many words about logistics and supply and "
                              "weather and roads and a drone and some strikes far away in the region"},
        {"id": "other1", "text": "strikes continued in the north"},
        {"id": "other2", "text": "the union called strikes at the docks"},
        {"id": "other3", "text": "air strikes were reported overnight"},
        {"id": "other4", "text": "rail strikes disrupted travel"},
    ]
    engine = Engine(build(tmp_path, records))
    ranked = [hit["id"] for hit in search(engine, "drone strikes", limit=20)["results"]]
    assert ranked[0] == "all", ranked


# --- phrases ----------------------------------------------------------------------------------


def test_a_phrase_searches_the_exact_fields():
    query = parse('"Defence Secretary"').tree
    phrases = of_type(query, qt.Phrase)
    assert {p.field for p in phrases} == {"title_exact", "content_exact"}
    assert all(p.words == ("defence", "secretary") and p.slop == 1 for p in phrases)
    assert not of_type(query, qt.Term)


def test_a_phrase_finds_the_words_as_written(engine):
    expected = seeds_matching(r"\bdefence\s+secretary\b")
    assert {TELEGRAPH_PRINT, HOLR} <= expected
    assert_finds(engine, '"Defence Secretary"', expected)
    # the American spelling is another phrase: the exact fields fold neither spelling nor stem
    american = seeds_matching(r"\bdefense\s+secretary\b")
    assert american and TELEGRAPH_PRINT not in american
    assert_finds(engine, '"Defense Secretary"', american)


def test_a_phrase_of_stems_never_printed_matches_nothing(seed_index):
    assert found_raw(seed_index, "defence secretary")  # the stemmed words match
    assert found_raw(seed_index, '"defens secretari"') == set()


@pytest.fixture(scope="module")
def phrase_index(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("phrases"), [
        {"id": "adjacent", "text": "the drone strikes began at dawn"},
        {"id": "near", "text": "a drone and missile strikes hit the port"},
        {"id": "far", "text": "drone footage was shown on television and then many hours later "
                              "the strikes resumed across the region"},
        {"id": "stemmed", "text": "drones striking the depot"},
        {"id": "woman", "text": "a woman pilot landed"},
        {"id": "women", "text": "women pilots landed"},
    ])


def test_a_phrase_matches_adjacent_words_only(phrase_index):
    assert found_raw(phrase_index, '"drone strikes"') == {"adjacent"}
    assert found_raw(phrase_index, '"drones striking"') == {"stemmed"}
    assert found_raw(phrase_index, '"drone strike"') == set()  # never printed
    assert found_raw(phrase_index, "drone strikes") == {"adjacent", "near", "far", "stemmed"}


def test_proximity_allows_words_between(phrase_index):
    query = parse('"drone strikes"~5').tree
    assert {p.slop for p in of_type(query, qt.Phrase)} == {5}
    assert found_raw(phrase_index, '"drone strikes"~5') == {"adjacent", "near"}
    assert found(Engine(phrase_index), '"drone strikes"~5') == {"adjacent", "near"}


def test_proximity_is_capped():
    assert {p.slop for p in of_type(parse('"drone strikes"~500').tree, qt.Phrase)} == {MAX_SLOP}


# --- boolean logic ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def boolean_engine(tmp_path_factory) -> Engine:
    return Engine(build(tmp_path_factory.mktemp("boolean"), [
        {"id": "n", "text": "nato summit in brussels"},
        {"id": "k", "text": "kyiv under attack"},
        {"id": "ni", "text": "nato and iran talks"},
        {"id": "ki", "text": "kyiv and iran trade"},
        {"id": "w", "text": "sunny weather expected"},
        {"id": "i", "text": "iran oil exports"},
    ]))


@pytest.mark.parametrize(("text", "expected"), [
    ("nato", {"n", "ni"}),
    ("nato AND iran", {"ni"}),
    ("nato OR iran", {"n", "ni", "ki", "i"}),
    ("nato iran", {"n", "ni", "ki", "i"}),
    ("+nato kyiv", {"n", "ni"}),
    ("+nato +iran", {"ni"}),
    ("nato -iran", {"n"}),
    ("nato NOT iran", {"n"}),
    ("NOT iran", {"n", "k", "w"}),
    ("-iran", {"n", "k", "w"}),
    ("-iran -kyiv", {"n", "w"}),
    ("-in", {"k", "ni", "ki", "w", "i"}),
    ("(nato OR kyiv) AND iran", {"ni", "ki"}),
    ("(nato OR kyiv) NOT iran", {"n", "k"}),
    ("nato OR kyiv NOT iran", {"n", "k"}),
    ("(nato OR kyiv) -iran", {"n", "k"}),
])
def test_boolean_logic_finds(boolean_engine, text, expected):
    answer = search(boolean_engine, text, limit=100)
    assert answer["warnings"] == []
    assert {hit["id"] for hit in answer["results"]} == expected
    assert matching(boolean_engine, text) == expected


def test_boolean_query_trees():
    assert isinstance(parse("wallace AND nato").tree, qt.And)
    assert isinstance(parse("+nato kyiv").tree, qt.AndMaybe)
    assert isinstance(parse("nato -iran").tree, qt.AndNot)
    assert isinstance(parse("NOT iran").tree, qt.Not)
    excluded = parse("(nato OR kyiv) NOT iran").tree
    assert isinstance(excluded, qt.AndNot)
    assert terms_of(excluded.negative) == {("title", "iran", 1.0), ("content", "iran", 1.0)}
    assert {t[1] for t in terms_of(excluded.positive)} == {"NATO", "kyiv"}
    assert not of_type(excluded.positive, qt.Not)


def test_the_operators_find_on_the_seeds(engine):
    nato, iran, kyiv, wallace = (matching(engine, w) for w in ("nato", "iran", "kyiv", "wallace"))
    assert nato - iran and nato & iran and SEED_IDS - iran
    assert_finds(engine, "wallace AND nato", wallace & nato)
    assert_finds(engine, "nato OR iran", nato | iran)
    assert_finds(engine, "nato -iran", nato - iran)
    assert_finds(engine, "nato NOT iran", nato - iran)
    assert_finds(engine, "NOT iran", SEED_IDS - iran)
    assert_finds(engine, "+nato kyiv", nato)
    assert_finds(engine, "(nato OR kyiv) NOT iran", (nato | kyiv) - iran)


def test_words_matching_more_rank_first(boolean_engine):
    ranked = [hit["id"] for hit in search(boolean_engine, "nato iran")["results"]]
    assert ranked[0] == "ni"


# --- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "term"), [
    ("title:Wallace", ("title", "wallac", 1.0)),
    ("headline:Wallace", ("title", "wallac", 1.0)),
    ("body:Amraam", ("content", "AMRAAM", 1.0)),
    ("text:Amraam", ("content", "AMRAAM", 1.0)),
    ("source:telegraph", ("source", "telegraph", 1.0)),
    ("author:diver", ("author", "diver", 1.0)),
    ("by:Diver", ("author", "diver", 1.0)),
])
def test_field_queries_search_one_field(text, term):
    parsed = parse(text)
    assert parsed.warnings == []
    assert terms_of(parsed.tree) == {term}


@pytest.mark.parametrize(("text", "expected"), [
    ("title:Wallace", {TELEGRAPH_PRINT}),       # 001 says Wallace in its body only
    ("headline:wallace", {TELEGRAPH_PRINT}),
    ("source:telegraph", {TELEGRAPH_PRINT}),
    ('source:"Daily Telegraph"', {TELEGRAPH_PRINT}),
    ("author:diver", {TELEGRAPH_PRINT}),
    ('title:"Defence Secretary"', {HOLR}),
])
def test_field_queries_find(engine, text, expected):
    assert_finds(engine, text, expected)


@pytest.mark.parametrize(("text", "words"), [
    ("weapon:B-2", ("b", "2")),
    ("author:chou-wiest", ("chou", "wiest")),
    ("person:al-Assad", ("al", "assad")),
])
def test_a_name_value_of_several_words_is_those_words_in_order(text, words):
    """On Reuters `weapon:B-2` listed B-52 and B-1 stories: the value's words were alternatives."""
    assert parse(text).tree == qt.Phrase(text.split(":")[0], words)


def test_a_hyphenated_weapon_finds_that_weapon_only(backend_name, request, tmp_path):
    location = backend_location(backend_name, request, tmp_path / "index", "weapons")
    engine = open_engine(backend_name, build(tmp_path, location=location, backend=backend_name, records=[
        {"id": "b52", "title": "Bombers fly", "text": "The Air Force flew two B-52 bombers to Guam."},
        {"id": "b2", "title": "Stealth bombers fly", "text": "Two B-2 stealth bombers flew to Guam."},
    ]))
    assert [ids(search(engine, name)) for name in ("weapon:B-2", "weapon:B-52")] == [["b2"], ["b52"]]


@pytest.mark.parametrize("text", ["body:Amraam", "text:Amraam", "title:Amraam", "body:nato", "title:nato"])
def test_a_field_query_on_a_name_with_other_names_is_searched(engine, text):
    """Names the alias tables know (Amraam, Nato) are searched in one field like any word."""
    word = text.split(":")[1]
    answer = search(engine, text)
    assert answer["warnings"] == []
    if text.startswith("title:"):
        assert matching(engine, text) == {d for d in matching(engine, word) if word.lower() in
                                          (engine.document(d).get("title") or "").lower()}
    else:
        assert TELEGRAPH_PRINT in matching(engine, text)
        assert matching(engine, text) <= matching(engine, word)


def test_a_title_query_is_narrower_than_a_word_query(engine):
    assert matching(engine, "wallace") == seeds_matching(r"\bwallace\b")
    assert matching(engine, "title:wallace") < matching(engine, "wallace")


# --- dates ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated_engine(tmp_path_factory) -> Engine:
    return Engine(build(tmp_path_factory.mktemp("dated"), [
        {"id": "sep30", "date": "2022-09-30", "text": "nato ministers met in brussels"},
        {"id": "oct01", "date": "2022-10-01", "text": "nato summit opens"},
        {"id": "oct31", "date": "2022-10-31T23:00:00", "text": "drone strikes on kyiv"},
        {"id": "nov15", "date": "2022-11-15", "text": "nato talks continue"},
        {"id": "dec31", "date": "2022-12-31", "text": "year in review for nato"},
        {"id": "jan01", "date": "2023-01-01", "text": "new year message from nato"},
        {"id": "undated", "text": "nato archive material"},
    ]))


@pytest.mark.parametrize(("text", "expected"), [
    ("date:2022-10", {"oct01", "oct31"}),
    ("date:2022-10-01..2022-12-31", {"oct01", "oct31", "nov15", "dec31"}),
    ("date:2022", {"sep30", "oct01", "oct31", "nov15", "dec31"}),
    ("date:2022-12..", {"dec31", "jan01"}),
    ("date:..2022-09", {"sep30"}),
    ("date:2022-10-31", {"oct31"}),
    ("nato date:2022-10", {"oct01"}),
    ("date:2022-10-01..2022-12-31 nato", {"oct01", "nov15", "dec31"}),
])
def test_date_ranges_find(dated_engine, text, expected):
    answer = search(dated_engine, text, limit=100)
    assert answer["warnings"] == []
    assert {hit["id"] for hit in answer["results"]} == expected
    assert matching(dated_engine, text) == expected


def test_date_range_tree():
    query = parse("date:2022-10-01..2022-12-31").tree
    assert isinstance(query, qt.DateRange) and query.field == "date"
    assert query.start == datetime(2022, 10, 1)
    assert query.end.date() == datetime(2022, 12, 31).date() and query.end.hour == 23
    month = parse("date:2022-10").tree
    assert (month.start, month.end.date()) == (datetime(2022, 10, 1), datetime(2022, 10, 31).date())
    combined = parse("nato date:2022-10").tree
    assert isinstance(combined, qt.And)
    assert of_type(combined, qt.DateRange) and ("content", "NATO", 1.0) in terms_of(combined)


def test_an_invalid_date_is_a_warning_not_an_error(dated_engine):
    answer = search(dated_engine, "nato date:2022-13", limit=100)
    assert "invalid_date" in codes(answer)
    assert {hit["id"] for hit in answer["results"]} == {
        "sep30", "oct01", "nov15", "dec31", "jan01", "undated"}


# --- prefix, wildcard, fuzzy ------------------------------------------------------------------


def test_prefix_tree_and_matches(engine):
    query = parse("drone*").tree
    prefixes = of_type(query, qt.Prefix)
    assert prefixes and all(p.text == "drone" for p in prefixes)
    assert {p.field for p in prefixes} == {"title", "content"}
    assert_finds(engine, "drone*", seeds_matching(r"\bdrone\w*"))
    answer = search(engine, "drone*", limit=10)
    for hit in answer["results"]:
        assert hit["matched"] and all(m["found"].lower().startswith("drone") for m in hit["matched"])


def test_a_wildcard_matches_one_letter(phrase_index):
    query = parse("wom?n").tree
    assert {n.pattern for n in of_type(query, qt.Wildcard)} == {"wom?n"}
    assert found(Engine(phrase_index), "wom?n") == {"woman", "women"}


def test_a_trailing_question_mark_is_punctuation(engine):
    parsed = parse("where is kyiv?")
    assert parsed.warnings == []
    assert not of_type(parsed.tree, qt.Wildcard)
    assert ("content", "kyiv", 1.0) in terms_of(parsed.tree)
    assert matching(engine, "where is kyiv?") == matching(engine, "kyiv") == seeds_matching(r"\bkyiv\b")
    assert found(engine, "where is kyiv?") == found(engine, "kyiv")


def test_fuzzy_tree():
    fuzzy = of_type(parse("Zelensky~").tree, qt.Fuzzy)
    assert fuzzy and all(f.maxdist == 1 for f in fuzzy)
    assert {f.field for f in fuzzy} == {"title", "content"}
    assert {f.maxdist for f in of_type(parse("Zelensky~2").tree, qt.Fuzzy)} == {2}
    assert {f.maxdist for f in of_type(parse("Zelensky~9").tree, qt.Fuzzy)} == {2}


def test_fuzzy_terms_find_near_spellings(engine):
    assert_finds(engine, "Zelensky~", seeds_matching(r"\bzelensk"))
    assert_finds(engine, "Pentagan~", seeds_matching(r"\bpentagon\b"))
    answer = search(engine, "Pentagan~", limit=10)
    assert answer["corrected_query"] is None  # the fuzzy query found them itself
    assert all(m["via"] == "fuzzy" for hit in answer["results"] for m in hit["matched"])


# --- query term frequency ---------------------------------------------------------------------


def test_a_word_typed_twice_gets_boost_two():
    assert terms_of(parse("nato nato kyiv").tree) == {
        ("title", "NATO", 2.0), ("content", "NATO", 2.0), ("title", "kyiv", 1.0), ("content", "kyiv", 1.0)}
    assert terms_of(parse("Nato NATO nato").tree) == {("title", "NATO", 3.0), ("content", "NATO", 3.0)}
    assert terms_of(parse("drone drones").tree) == {("title", "drone", 2.0), ("content", "drone", 2.0)}


def test_a_word_typed_twice_doubles_the_score(seed_index):
    # BM25 alone: other boosts (an entity's salience) do not depend on how often a word was typed
    no_boosts = {f.name: 0.0 for f in fields(Weights) if f.name.endswith("_boost")}
    engine = Engine(seed_index, weights=replace(DEFAULT_WEIGHTS, **no_boosts))
    once = {hit["id"]: hit["score"] for hit in search(engine, "nato")["results"]}
    twice = {hit["id"]: hit["score"] for hit in search(engine, "nato nato")["results"]}
    assert once and set(once) == set(twice)
    for doc_id, score in once.items():
        assert twice[doc_id] == pytest.approx(2 * score, abs=2e-6)


# --- broken syntax ----------------------------------------------------------------------------

BROKEN = ['"unclosed', "AND", "title:", "((", "foo:bar", "nato)", "*", "x*", "Amraam AND",
          "((Amraam", '"unclosed Amraam', "foo:Amraam", "OR OR", "NOT", ")(", "+", "-", "source:"]


@pytest.mark.parametrize("text", BROKEN)
def test_broken_syntax_is_a_warning(text):
    parsed = parse(text)
    assert isinstance(parsed.tree, qt.Node)
    assert "syntax" in codes(parsed)


@pytest.mark.parametrize("text", BROKEN)
def test_broken_syntax_is_searched_without_raising(engine, text):
    answer = search(engine, text)
    assert "syntax" in codes(answer)
    assert answer["query"] == text


@pytest.mark.parametrize("text", ["Amraam AND", "((Amraam", '"unclosed Amraam', "foo:Amraam", "Amraam)"])
def test_broken_syntax_searches_the_words(engine, text):
    assert TELEGRAPH_PRINT in found(engine, "Amraam")
    assert found(engine, text) == found(engine, "Amraam")
    assert matching(engine, text) == matching(engine, "Amraam")


def test_unbalanced_parenthesis_searches_the_word(engine):
    assert matching(engine, "nato)") == matching(engine, "nato") == seeds_matching(r"\bnato\b")
    assert found(engine, "nato)") == found(engine, "nato")


def test_an_empty_date_is_a_warning_not_an_error(engine):
    answer = search(engine, "date: nato")
    assert answer["warnings"]
    assert found(engine, "date: nato") == found(engine, "nato")


def test_a_lone_star_finds_nothing(engine):
    answer = search(engine, "*")
    assert answer["total"] == 0 and answer["results"] == []


# --- stopwords --------------------------------------------------------------------------------


def test_a_stopword_only_query_searches_the_exact_fields(engine):
    query = parse("the who").tree
    leaves = terms_of(query)
    assert leaves and {field for field, _, _ in leaves} <= {"title_exact", "content_exact"}
    assert {text for _, text, _ in leaves} == {"the", "who"}
    assert_finds(engine, "the who", SEED_IDS)
    answer = search(engine, "the who")
    assert {m["query"].lower() for hit in answer["results"] for m in hit["matched"]} <= {"the", "who"}


# --- optional words and phrases: what `missing` and the all-words count are about ------------------

@pytest.mark.parametrize(("text", "clauses", "only_optional"), [
    ("hezbollah tanker", ["hezbollah", "tanker"], True),
    ('"trade deficit" japan', ['"trade deficit"', "japan"], True),
    ("+nato wallace -iran", ["wallace"], False),
    ("nato AND wallace kyiv", ["kyiv"], False),
    ("wallace OR nato kyiv", ["kyiv"], False),
    ("NOT iran drones", ["drones"], False),
    ("(drone strikes) russia", ["russia"], False),
    ("place:kyiv drones", ["drones"], False),
    ('speaker:"james baker" oil', ["oil"], False),  # a quoted field value was a clause of its own
    ('person:"ben wallace"', [], False),
    ("drone* the russia", ["drone*", "russia"], True),
    ("drones drones", ["drones"], True),
])
def test_clauses_are_the_optional_words_and_phrases_as_typed(text, clauses, only_optional):
    parsed = parse(text)
    assert [clause.text for clause in parsed.clauses] == clauses
    assert parsed.only_optional is only_optional
    assert (parsed.all_words_tree is not None) is (only_optional and len(clauses) > 1)


def test_a_clause_holds_the_aliases_of_the_names_it_spells():
    builder = QueryReader(query_analyzers(), name_key, alias_table())
    amraam = builder.parse("Amraam drones").clauses[0]
    assert ("title_exact", "advanced") in {(leaf.field, word) for leaf in amraam.tree.leaves()
                                           if isinstance(leaf, qt.Phrase) for word in leaf.words}
    spelled = builder.parse("advanced medium-range air-to-air missile").clauses
    assert all(("content", "AMRAAM", 1.0) in terms_of(clause.tree) for clause in spelled)


def test_an_entity_filters_other_names_are_whole_entity_names():
    """`place:britain` finds the entity named United Kingdom, never a place holding the word
    `british` (British Columbia: Reuters' first hit before)."""
    builder = QueryReader(query_analyzers(), name_key, alias_table())
    leaves = set(builder.parse("place:britain").tree.leaves())
    assert qt.Term("entity", "united kingdom") in leaves and qt.Term("place", "britain") in leaves
    assert not [leaf for leaf in leaves if leaf.field == "place" and leaf != qt.Term("place", "britain")]


@pytest.mark.parametrize(("text", "country"), [
    ("us", True),
    ("us china trade", True),
    ("china us", True),
    ("us trade", False),
    ("told us china", False),
    ("let us brazil", False),
    ('"us" china', False),
    ("US", True),
])
def test_lower_case_us_means_the_country_alone_or_beside_a_place(text, country):
    terms = {leaf.text for leaf in parse(text).tree.leaves() if isinstance(leaf, qt.Term)}
    assert ("US" in terms) is country


def test_only_the_first_words_are_expanded_and_a_long_sloppy_phrase_is_matched_word_for_word():
    from search.query.tree import Fuzzy, Phrase, Prefix, Wildcard
    from search.settings import SETTINGS

    words = [f"word{n}" for n in range(SETTINGS.max_expanded_words + 5)]
    parsed = parse(" ".join(f"{word}~" for word in words[:-2]) + f" {words[-2]}* wo?{words[-1]}")
    expanded = {node.text if not isinstance(node, Wildcard) else node.pattern
                for node in parsed.tree.walk() if isinstance(node, Fuzzy | Prefix | Wildcard)}
    assert len(expanded) == SETTINGS.max_expanded_words
    assert [warning.code for warning in parsed.warnings] == ["cost"]
    for clause in parsed.clauses:
        assert all(not isinstance(node, Fuzzy | Prefix | Wildcard) or
                   (node.pattern if isinstance(node, Wildcard) else node.text) in expanded
                   for node in clause.tree.walk())

    long_phrase = '"' + " ".join(["grain"] * (SETTINGS.max_sloppy_phrase_words + 1)) + '"~5'
    parsed = parse(long_phrase)
    assert all(node.slop == 1 for node in parsed.tree.walk() if isinstance(node, Phrase))
    assert [warning.code for warning in parsed.warnings] == ["cost"]
    short = parse('"' + " ".join(["grain"] * SETTINGS.max_sloppy_phrase_words) + '"~5')
    assert any(node.slop == 5 for node in short.tree.walk() if isinstance(node, Phrase))
    assert not short.warnings
