"""search.aliases: the alias table, alias files, and aliases through real indexes and the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import (
    BLINKEN_LAMMY,
    CORPUS,
    TELEGRAPH_PRINT,
    TELEGRAPH_WEB,
    VALIDATOR,
    backend_location,
    build_jsonl_index,
    ids,
    one_error_line,
    open_engine,
)
from conftest import checked_search as search
from index_reading import index_state

from search.aliases import (
    AliasTable,
    builtin_groups,
    builtin_table,
    find_aliases,
    load_alias_files,
    names_around,
    outside_names,
    read_alias_file,
)
from search.documents import is_company_of
from search.engine import Engine
from search.errors import InvalidParameter
from search.indexer import update_index
from search.settings import SETTINGS
from search.tables import fingerprint

AMRAAM_LONG = "advanced medium-range air-to-air missile"
USER_ALIASES = "Storm Shadow\tWidowmaker\n"


def hit(answer: dict, doc_id: str) -> dict:
    return next(h for h in answer["results"] if h["id"] == doc_id)


def seed_text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")


def write_corpus(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def meta_aliases(index: Path, kind: str = "aliases") -> dict[str, list[str]]:
    """What search-meta.json keeps: the user's `aliases`, or the `learned` acronym definitions."""
    return getattr(index_state(index), kind)


@pytest.fixture
def alias_file(tmp_path) -> Path:
    path = tmp_path / "aliases.tsv"
    path.write_text(USER_ALIASES, encoding="utf-8")
    return path


# --- the table --------------------------------------------------------------------------------


def test_a_group_sharing_a_name_with_an_existing_one_joins_it():
    table = AliasTable()
    table.add("Foo Bar", ["FB"])
    table.add("Quux Widgets", ["QW"])
    assert len(table.groups) == 2
    table.add("Foobar Incorporated", ["FB", "Foo Inc"])
    assert len(table.groups) == 2
    assert table.others(table.key("Foo Inc")) == sorted(["FB", "Foo Bar", "Foobar Incorporated"])
    assert "Foo Inc" in table.others(table.key("Foo Bar"))
    assert "Quux Widgets" not in table.others(table.key("Foo Bar"))


def test_a_name_shared_with_two_groups_merges_all_three():
    table = AliasTable()
    table.add("Alpha Corp", ["AC"])
    table.add("Beta Holdings", ["BH"])
    table.add("Gamma", ["AC", "BH"])
    assert len(table.groups) == 1
    assert table.others(table.key("Gamma")) == sorted(["AC", "Alpha Corp", "BH", "Beta Holdings"])
    assert table.others(table.key("Beta Holdings")) == sorted(["AC", "Alpha Corp", "BH", "Gamma"])


def test_adding_the_same_group_twice_changes_nothing():
    table = AliasTable().add_all([("Foo Bar", ["FB"]), ("Foo Bar", ["FB"])])
    assert len(table.groups) == 1
    assert table.others(table.key("FB")) == ["Foo Bar"]


@pytest.mark.parametrize("spelling", ["Amraam", "AMRAAM", "amraam"])
def test_keys_ignore_case_and_acronym_form(spelling):
    table = builtin_table()
    assert table.key(spelling) == table.key("AMRAAM")
    assert "Advanced Medium-Range Air-to-Air Missile" in table.others(table.key(spelling))


def test_a_user_group_written_in_capitals_is_found_in_title_case():
    table = AliasTable().add_all([("ZORBLAX", ["Zeta Orbital Launch Axis"])])
    assert table.others(table.key("Zorblax")) == ["Zeta Orbital Launch Axis"]
    assert table.others(table.key("zeta orbital launch axis")) == ["ZORBLAX"]


def test_others_leave_out_the_name_itself_and_unknown_names_have_none():
    table = builtin_table()
    others = table.others(table.key("IMF"))
    assert "International Monetary Fund" in others
    assert "IMF" not in others
    assert others == sorted(others)
    assert table.others(table.key("Wallace")) == []


def test_find_aliases_takes_the_longest_run_as_one_match():
    found = find_aliases(builtin_table(), ["International", "Monetary", "Fund"])
    assert [match.words for match in found] == ["International Monetary Fund"]
    assert "IMF" in found[0].alternatives


def test_find_aliases_walks_left_to_right_past_other_words():
    words = ["loan", "from", "the", "International", "Monetary", "Fund", "and", "Amraam", "rockets"]
    found = find_aliases(builtin_table(), words)
    assert [match.words for match in found] == ["International Monetary Fund", "Amraam"]


def test_find_aliases_prefers_the_longer_name_to_a_name_inside_it():
    table = AliasTable().add_all([("New York", ["NYC"]), ("York", ["Eboracum"])])
    found = find_aliases(table, ["New", "York"])
    assert [(match.words, match.alternatives) for match in found] == [("New York", ("NYC",))]
    assert [match.words for match in find_aliases(table, ["York"])] == ["York"]


def test_a_longer_name_with_no_other_form_still_hides_the_name_inside_it():
    table = AliasTable().add_all([("New York", ["NYC"]), ("New York Times", ["The New York Times"])])
    assert find_aliases(table, ["New", "York", "Times", "said"]) == []
    assert [match.words for match in find_aliases(table, ["New", "York", "said"])] == ["New York"]


def test_find_aliases_finds_nothing_in_part_of_a_name():
    assert find_aliases(builtin_table(), ["Monetary"]) == []


def test_builtin_groups_include_demonyms():
    groups = dict(builtin_groups())
    assert "Iranian" in groups["Iran"]
    assert "British" in groups["United Kingdom"]
    table = builtin_table()
    assert "Iran" in table.others(table.key("Iranian"))


def test_builtin_groups_include_gazetteer_names():
    groups = dict(builtin_groups())
    assert "IMF" in groups["International Monetary Fund"]
    assert "Kiev" in groups["Kyiv"]


# --- alias files ------------------------------------------------------------------------------


def test_read_alias_file_parses_canonical_tab_aliases(tmp_path):
    path = tmp_path / "aliases.tsv"
    path.write_text("Storm Shadow\tWidowmaker | Night Blade||\nAMRAAM\tSlammer\n", encoding="utf-8")
    assert read_alias_file(path) == [("Storm Shadow", ["Widowmaker", "Night Blade"]), ("AMRAAM", ["Slammer"])]


@pytest.mark.parametrize("bad", ["no tab on this line", "   \tOrphan alias"])
def test_a_malformed_line_is_reported_as_path_and_line(tmp_path, bad):
    path = tmp_path / "aliases.tsv"
    path.write_text(f"Storm Shadow\tWidowmaker\n{bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}:2\b"):
        read_alias_file(path)


def test_the_line_number_of_a_malformed_line_counts_comments_and_blank_lines(tmp_path):
    """`path:line` names the line of the file, as an editor shows it."""
    path = tmp_path / "aliases.tsv"
    path.write_text("# my aliases\n\nStorm Shadow\tWidowmaker\nno tab on this line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}:4\b"):
        read_alias_file(path)


def test_comment_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "aliases.tsv"
    path.write_text("# my aliases\n\nStorm Shadow\tWidowmaker\n", encoding="utf-8")
    assert read_alias_file(path) == [("Storm Shadow", ["Widowmaker"])]


def test_load_alias_files_reports_a_bad_or_missing_file_as_invalid_parameter(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tab\n", encoding="utf-8")
    with pytest.raises(InvalidParameter, match="--aliases") as raised:
        load_alias_files([bad])
    assert f"{bad}:1" in raised.value.message
    with pytest.raises(InvalidParameter, match="missing.tsv"):
        load_alias_files([tmp_path / "missing.tsv"])


# --- through the seed index -------------------------------------------------------------------


def test_amraam_finds_both_telegraph_editions_as_one_story(engine):
    answer = search(engine, "Amraam")
    assert answer["total"] == 1
    assert ids(answer) == [TELEGRAPH_PRINT]
    assert [version["id"] for version in answer["results"][0]["versions"]] == [TELEGRAPH_WEB]


@pytest.fixture(scope="module")
def web_edition_engine(tmp_path_factory) -> Engine:
    """An index of the Telegraph web edition alone (it never says `Amraam`)."""
    base = tmp_path_factory.mktemp("web-edition")
    root = base / "corpus"
    root.mkdir()
    shutil.copy(CORPUS / f"{TELEGRAPH_WEB}.txt", root)
    update_index(base / "index", [root])
    return Engine(base / "index")


@pytest.mark.parametrize("spelling", ["Amraam", "AMRAAM"])
def test_the_web_edition_alone_is_found_through_the_alias(web_edition_engine, spelling):
    assert "amraam" not in seed_text(TELEGRAPH_WEB).lower()
    answer = search(web_edition_engine, spelling)
    assert ids(answer) == [TELEGRAPH_WEB]
    result = answer["results"][0]
    assert result["matched"] == [{"query": spelling, "found": AMRAAM_LONG, "via": "alias"}]
    assert f"<mark>{AMRAAM_LONG}</mark>" in result["snippet"]


def test_imf_finds_the_blinken_lammy_article_by_its_long_name(engine):
    assert "IMF" not in seed_text(BLINKEN_LAMMY)
    answer = search(engine, "IMF")
    assert ids(answer)[0] == BLINKEN_LAMMY
    expected = {"query": "IMF", "found": "International Monetary Fund", "via": "alias"}
    assert expected in hit(answer, BLINKEN_LAMMY)["matched"]
    assert "<mark>International Monetary Fund</mark>" in hit(answer, BLINKEN_LAMMY)["snippet"]


def test_atacms_finds_the_blinken_lammy_article(engine):
    answer = search(engine, "ATACMS")
    assert ids(answer)[0] == BLINKEN_LAMMY
    assert {"query": "ATACMS", "found": "ATACMS", "via": "exact"} in answer["results"][0]["matched"]


def test_iranian_finds_an_article_that_says_iran_through_the_demonym(engine):
    answer = search(engine, "Iranian")
    assert TELEGRAPH_PRINT in ids(answer)
    assert {"query": "Iranian", "found": "Iran", "via": "alias"} in hit(answer, TELEGRAPH_PRINT)["matched"]


# --- a word of a longer name the index holds --------------------------------------------------

def test_the_names_around_a_match_are_the_longer_runs_of_words_holding_it():
    words = ["shares", "of", "american", "brands", "rose"]
    [match] = find_aliases(builtin_table(), words)
    around = names_around(match, words)
    assert "american brands" in around and "of american brands" in around and "shares of american" in around
    assert "american" not in around, "only longer runs: the match alone is the alias itself"
    assert all(len(run.split()) <= 4 for run in around), "three more words at most"


@pytest.mark.parametrize(("typed", "held", "company"), [
    ("american brands", "american brands inc", True),
    ("american barrick", "american barrick resources corp", True),
    ("american express", "american express co", True),
    ("american brands", "american brands", False),
    ("american brands", "american brands distillers", False),
    ("american brands", "american brandsx inc", False),
    ("japanese", "japanese government", False),
    ("japanese", "japanese finance ministry", False),
])
def test_a_company_is_the_words_typed_then_company_words_ending_in_a_legal_form(typed, held, company):
    assert is_company_of(typed, held) == company


def test_a_match_inside_a_company_name_is_dropped_and_the_index_is_asked_once():
    words = ["american", "brands", "and", "iranian", "oil"]
    asked = []

    def held(names: list[str]) -> set[str]:
        asked.append(names)
        return {"american brands"} & set(names)

    kept = outside_names(find_aliases(builtin_table(), words), words, held)
    assert [match.words for match in kept] == ["iranian"]
    assert len(asked) == 1
    assert [m.words for m in outside_names(find_aliases(builtin_table(), words), words, None)] \
        == ["american", "iranian"], "with no index to ask, every match stands"


COMPANY_STORIES = [
    "American Brands Inc said on Monday it would sell its spirits unit to a rival distiller.",
    "American Brands Inc expects record first quarter earnings, its chairman told shareholders.",
    "American Barrick Resources Corp said its gold output rose, and its shares gained.",
    "Exports from the United States rose in March as makers of consumer brands shipped more abroad.",
    "The New York Evening Times said on Monday that grain exports through the port had doubled.",
    "Officials in NYC said the harvest was late.",
]


@pytest.fixture(scope="module")
def company_engine(backend_name, request, tmp_path_factory) -> Engine:
    directory = tmp_path_factory.mktemp(f"companies-{backend_name}")
    records = [{"id": f"company-{n}", "title": f"Company news {n}", "text": text, "date": f"1987-04-0{n + 1}",
                "source": "Reuters"} for n, text in enumerate(COMPANY_STORIES)]
    location = backend_location(backend_name, request, directory / "index", "companies")
    return open_engine(backend_name, build_jsonl_index(directory, records, location, backend_name))


def test_the_index_says_which_names_it_holds_whole_or_as_a_company(company_engine):
    asked = ["american brands", "american barrick", "brands inc", "american exports", "gold output"]
    view = company_engine.view()
    assert view.held_names(asked) == {"american brands", "american barrick"}
    again = ["american barrick", "gold output", "american brands"]  # remembered for the commit
    assert view.held_names(again) == {"american brands", "american barrick"}
    assert view.held_names(["gold output", "barrick gold", "american brands"]) == {"american brands"}
    paper = "new york evening times"  # held whole, as typed
    assert view.held_names([paper, "new york evening", "evening times"]) == {paper}


def test_a_demonym_inside_a_company_name_brings_none_of_its_country_names(company_engine):
    answer = search(company_engine, "American Brands")
    assert set(ids(answer)[:2]) == {"company-0", "company-1"}
    vias = {match["via"] for hit in answer["results"] for match in hit["matched"]}
    assert "alias" not in vias, answer["results"]
    alone = search(company_engine, "American exports")
    country = {"query": "American", "found": "United States", "via": "alias"}
    assert country in hit(alone, "company-3")["matched"]


def test_a_place_inside_a_name_the_index_holds_brings_none_of_its_other_names(company_engine):
    paper = search(company_engine, "New York Evening Times")
    assert ids(paper) == ["company-4"], "the city's other name, NYC, is not searched"
    city = {"query": "New York", "found": "NYC", "via": "alias"}
    assert city in hit(search(company_engine, "New York harvest"), "company-5")["matched"]


# --- definitions the corpus gives -------------------------------------------------------------

LONG_FORM_ONLY = (
    "Missiles for the front\n\n"
    "Officials said the Army Tactical Missile Systems would reach the front before winter. "
    "The launchers have a range of 300 kilometres.\n"
)


def test_a_definition_from_the_corpus_is_kept_and_finds_the_long_form(tmp_path):
    root = write_corpus(tmp_path / "corpus", {
        f"{BLINKEN_LAMMY}.txt": seed_text(BLINKEN_LAMMY),
        "long_form_only.txt": LONG_FORM_ONLY,
    })
    update_index(tmp_path / "index", [root])
    assert "Army Tactical Missile Systems" in meta_aliases(tmp_path / "index", "learned")["ATACMS"]
    answer = search(Engine(tmp_path / "index"), "ATACMS")
    assert {BLINKEN_LAMMY, "long_form_only"} <= set(ids(answer))
    expected = {"query": "ATACMS", "found": "Army Tactical Missile Systems", "via": "alias"}
    assert expected in hit(answer, "long_form_only")["matched"]


GDIU_DEFINED = (
    "New unit for the border\n\n"
    "The Ground Drone Interception Unit (GDIU) was sent to the border on Monday. "
    "The GDIU has ten teams and its own radar.\n"
)
GDIU_LONG_ONLY = (
    "Radar teams move east\n\n"
    "Soldiers of the Ground Drone Interception Unit set up their radar near the river.\n"
)


def test_a_made_up_acronym_is_found_only_once_the_corpus_defines_it(tmp_path):
    root = write_corpus(tmp_path / "corpus", {"long_only.txt": GDIU_LONG_ONLY})
    index = tmp_path / "index"
    update_index(index, [root])
    assert "GDIU" not in meta_aliases(index, "learned")
    assert "long_only" not in ids(search(Engine(index), "GDIU"))
    write_corpus(root, {"defined.txt": GDIU_DEFINED})
    assert update_index(index, [root]).added == 1
    assert meta_aliases(index, "learned")["GDIU"] == ["Ground Drone Interception Unit"]
    answer = search(Engine(index), "GDIU")
    assert set(ids(answer)) == {"defined", "long_only"}
    expected = {"query": "GDIU", "found": "Ground Drone Interception Unit", "via": "alias"}
    assert expected in hit(answer, "long_only")["matched"]


def test_a_learned_definition_survives_later_runs(tmp_path):
    root = write_corpus(tmp_path / "corpus", {"defined.txt": GDIU_DEFINED})
    index = tmp_path / "index"
    update_index(index, [root])
    write_corpus(root, {"long_only.txt": GDIU_LONG_ONLY})
    update_index(index, [root])
    assert meta_aliases(index, "learned")["GDIU"] == ["Ground Drone Interception Unit"]
    assert "long_only" in ids(search(Engine(index), "GDIU"))


# --- the user's aliases -----------------------------------------------------------------------


def test_the_made_up_alias_finds_nothing_without_the_file(engine):
    assert search(engine, "Widowmaker")["total"] == 0


def test_an_alias_file_given_to_update_index_is_kept_with_the_index(tmp_path, corpus_copy, alias_file):
    index = tmp_path / "index"
    update_index(index, [corpus_copy], alias_files=[alias_file])
    assert "Widowmaker" in meta_aliases(index)["Storm Shadow"]
    answer = search(Engine(index), "Widowmaker")
    assert ids(answer) == [BLINKEN_LAMMY]
    assert answer["results"][0]["matched"] == [
        {"query": "Widowmaker", "found": "Storm Shadow", "via": "alias"}
    ]
    assert "<mark>Storm Shadow</mark>" in answer["results"][0]["snippet"]


def test_an_alias_file_given_to_an_up_to_date_index_is_kept(tmp_path, corpus_copy, alias_file):
    index = tmp_path / "index"
    update_index(index, [corpus_copy])
    report = update_index(index, [corpus_copy], alias_files=[alias_file])
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert "Widowmaker" in meta_aliases(index)["Storm Shadow"]
    assert ids(search(Engine(index), "Widowmaker")) == [BLINKEN_LAMMY]


def test_an_alias_file_given_to_the_engine_works_for_that_engine_only(seed_index, alias_file):
    before = index_state(seed_index)
    answer = search(Engine(seed_index, alias_files=(alias_file,)), "Widowmaker")
    assert ids(answer) == [BLINKEN_LAMMY]
    assert {"query": "Widowmaker", "found": "Storm Shadow", "via": "alias"} in answer["results"][0]["matched"]
    assert index_state(seed_index) == before
    assert search(Engine(seed_index), "Widowmaker")["total"] == 0


def test_a_bad_alias_file_is_an_invalid_parameter_for_engine_and_indexer(tmp_path, seed_index, corpus_copy):
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(InvalidParameter, match="bad.tsv:1"):
        Engine(seed_index, alias_files=(bad,))
    with pytest.raises(InvalidParameter, match="bad.tsv:1"):
        update_index(tmp_path / "index", [corpus_copy], alias_files=[bad])
    assert not (tmp_path / "index").exists()


def test_cli_index_with_aliases_then_search(tmp_path, corpus_copy, alias_file, run_cli):
    indexing = run_cli("index", "corpus", "--aliases", alias_file.name)
    assert indexing.code == 0, indexing.stderr
    found = run_cli("--json", "Widowmaker")
    assert found.code == 0, found.stderr
    answer = json.loads(found.stdout)
    VALIDATOR.validate(answer)
    assert ids(answer) == [BLINKEN_LAMMY]
    assert answer["results"][0]["matched"][0]["via"] == "alias"


def test_cli_search_with_aliases_for_one_run(tmp_path, corpus_copy, alias_file, run_cli):
    assert run_cli("index", "corpus").code == 0
    without = json.loads(run_cli("--json", "Widowmaker").stdout)
    assert without["total"] == 0
    found = run_cli("--aliases", alias_file.name, "--json", "Widowmaker")
    assert found.code == 0, found.stderr
    assert ids(json.loads(found.stdout)) == [BLINKEN_LAMMY]
    plain = run_cli("Widowmaker", "--aliases", alias_file.name)
    assert plain.code == 0, plain.stderr
    assert "[Storm Shadow]" in plain.stdout


@pytest.mark.parametrize("command", [("--aliases", "bad.tsv", "Amraam"),
                                     ("index", "corpus", "--aliases", "bad.tsv")],
                         ids=["search", "index"])
def test_cli_bad_alias_file_is_exit_2_with_one_line(tmp_path, corpus_copy, run_cli, command):
    (tmp_path / "bad.tsv").write_text("Storm Shadow\tWidowmaker\nno tab here\n", encoding="utf-8")
    if command[0] != "index":
        assert run_cli("index", "corpus").code == 0
    line = one_error_line(run_cli(*command))
    assert "bad.tsv:2" in line
    assert line.startswith("search: ")


def test_cli_missing_alias_file_is_exit_2_with_one_line(tmp_path, corpus_copy, run_cli):
    assert run_cli("index", "corpus").code == 0
    assert "missing.tsv" in one_error_line(run_cli("--aliases", "missing.tsv", "Amraam"))


# --- field queries are not widened ------------------------------------------------------------


@pytest.fixture(scope="module")
def titled_engine(tmp_path_factory) -> Engine:
    """Headlines that print the long names, bodies that print neither form."""
    base = tmp_path_factory.mktemp("titled")
    root = write_corpus(base / "corpus", {
        "missile.txt": "Advanced medium-range air-to-air missile deliveries begin\n\n"
                       "The first batch reached the airbase on Monday.\n",
        "fund.txt": "International Monetary Fund approves new loan\n\n"
                    "The board agreed the money after a long meeting.\n",
    })
    update_index(base / "index", [root])
    return Engine(base / "index")


@pytest.mark.parametrize(("word", "doc_id"), [("Amraam", "missile"), ("IMF", "fund")])
def test_a_plain_word_is_widened_by_aliases(titled_engine, word, doc_id):
    assert ids(search(titled_engine, word)) == [doc_id]


@pytest.mark.parametrize(("query", "control", "doc_id"), [
    ("title:Amraam", "title:Advanced", "missile"),
    ("title:IMF", "title:Monetary", "fund"),
])
def test_a_field_query_is_not_widened_by_aliases(titled_engine, query, control, doc_id):
    assert ids(search(titled_engine, control)) == [doc_id]
    answer = search(titled_engine, query)
    assert answer["total"] == 0
    assert answer["results"] == []


def test_a_field_query_on_the_seeds_is_not_widened(engine):
    assert search(engine, "title:Amraam")["total"] == 0
    assert search(engine, "Amraam")["total"] == 1


def test_a_corpus_definition_does_not_make_a_known_name_mean_something_else(tmp_path):
    """One article defining `US` as `Ukraine Support` must not make every `Ukraine support`
    a name of the United States (aliases are names of one thing)."""
    root = write_corpus(tmp_path / "corpus", {
        "aid_plan.txt": "Aid plan\n\nThe Ukraine Support (US) programme pays for generators.\n",
        "farm_fair.txt": "Farm news\n\nFarmers voiced strong Ukraine support at the fair.\n",
        "tariffs.txt": "Trade\n\nThe United States raised tariffs on steel.\n",
    })
    update_index(tmp_path / "index", [root])
    engine = Engine(tmp_path / "index")
    assert "tariffs" in ids(search(engine, "America"))
    assert "farm_fair" not in ids(search(engine, "America"))
    assert "tariffs" not in ids(search(engine, "Ukraine support"))


# --- the name keys remembered between processes (aliases.KeyMemo) -----------------------------------

BUILD_AND_PRINT = """
import json
from search.aliases import alias_table
table = alias_table([("Storm Shadow", ["Widowmaker"])], [("ATACMS", ["Army Tactical Missile System"])])
groups = {key: sorted(names) for key, names in table.groups.items()}
print(json.dumps({"keys": table.keys, "groups": groups}, sort_keys=True))
"""


def build_in_a_new_process(cache: Path) -> str:
    environment = {**os.environ, SETTINGS.cache_env: str(cache)}
    done = subprocess.run([sys.executable, "-c", BUILD_AND_PRINT], env=environment, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout


def test_name_keys_are_remembered_between_processes_and_give_the_same_table(tmp_path):
    first = build_in_a_new_process(tmp_path)
    kept = list(tmp_path.glob("alias-keys-*.json"))
    assert len(kept) == 1 and kept[0].name == f"alias-keys-{fingerprint()}.json"
    memo = json.loads(kept[0].read_text(encoding="utf-8"))
    assert memo["Widowmaker"] == "widowmak" and memo["ATACMS"] == "ATACMS" and len(memo) > 1000
    assert build_in_a_new_process(tmp_path) == first
    kept[0].write_text("{not json", encoding="utf-8")  # a damaged memo: analysed again, rewritten
    assert build_in_a_new_process(tmp_path) == first
    assert json.loads(kept[0].read_text(encoding="utf-8")) == memo
    unwritable = tmp_path / "file"
    unwritable.write_text("", encoding="utf-8")  # the cache folder cannot be made: nothing is kept
    assert build_in_a_new_process(unwritable) == first
