"""The stem table an index keeps (search/stems.py): looked up by bisection, NLTK's stems exactly,
and what lets a search run without importing NLTK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from search.analysis import nltk_stem
from search.stems import BISECTIONS_BEFORE_PARSING, STEMS_FILE, StemTable, update_stem_table

WORDS = ["a", "ab", "abc", "abd", "b", "drones", "strikes", "zelenskyy", "ärger", "ﬁre", "日本", "𝔘nicode",
         "generously", "running", "runs"]


def test_every_word_of_a_table_is_found_with_its_stem_and_no_other(tmp_path):
    path = tmp_path / STEMS_FILE
    assert update_stem_table(path, WORDS, nltk_stem) == len(WORDS)
    table = StemTable.read(path)
    assert all(table.get(word) == nltk_stem(word) for word in WORDS)
    for absent in ("", "0", "aa", "abb", "abcd", "c", "zz", "ärge", "日", "\U0010ffff"):
        assert table.get(absent) is None, absent


def test_a_table_asked_often_enough_to_be_parsed_answers_as_its_bisection_did(tmp_path):
    path = tmp_path / STEMS_FILE
    update_stem_table(path, WORDS, nltk_stem)
    table, asked = StemTable.read(path), ["abd", "aa", "ärger", "zz", "日本", "\U0010ffff", "runs"]
    bisected = [table.get(word) for word in asked]
    table.asked = BISECTIONS_BEFORE_PARSING
    assert [table.get(word) for word in asked] == bisected
    assert table._parsed is not None, "parsed after that many bisections"


def test_a_table_grows_by_the_words_it_lacks_and_skips_what_a_line_cannot_hold(tmp_path):
    path = tmp_path / STEMS_FILE
    update_stem_table(path, ["drones"], nltk_stem)
    assert update_stem_table(path, ["drones", "strikes", "tab\there", "line\nbreak", ""], nltk_stem) == 1
    table = StemTable.read(path)
    assert dict(table.items()) == {"drones": "drone", "strikes": "strike"}
    assert StemTable.read(tmp_path / "absent.tsv") is None
    assert StemTable(b"").get("drones") is None


def test_the_table_an_index_keeps_is_nltks_stem_of_every_word_it_holds(seed_index):
    table = StemTable.read(Path(seed_index) / STEMS_FILE)
    kept = dict(table.items())
    assert len(kept) > 1000, "the index's words and the alias table's names"
    assert {word: nltk_stem(word) for word in kept} == kept
    assert {"pledg", "rocket", "missil"} <= set(kept.values())


HEAVY = ("nltk", "whoosh", "numpy", "search.engine", "datasketch", "ir_measures")
RUN_AND_REPORT = f"""
import json, sys
from search.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]), file=sys.stderr)
"""


def run_in_a_new_process(*args: str) -> tuple[str, list[str]]:
    """What `search ARGS` prints in a fresh interpreter, and which of the HEAVY modules it imported."""
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *args],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def search_in_a_new_process(index: Path, query: str) -> tuple[dict, bool]:
    """The JSON answer of `search --json QUERY` in a fresh interpreter, and whether it imported NLTK."""
    printed, imported = run_in_a_new_process("--index", str(index), "--json", query)
    return json.loads(printed), "nltk" in imported


def test_a_search_of_the_indexs_words_never_imports_nltk_and_another_word_does(seed_index):
    answer, imported = search_in_a_new_process(seed_index, "Amraam rockets pledged")
    assert answer["results"] and not imported
    answer, imported = search_in_a_new_process(seed_index, "rocketing pledges")  # forms the index lacks
    assert answer["results"] and imported, "a word the table lacks is stemmed by NLTK, to the same stem"


def test_an_index_without_a_table_answers_the_same(tmp_path, seed_index):
    from search.indexer import update_index

    update_index(tmp_path / "index", [CORPUS])
    (tmp_path / "index" / STEMS_FILE).unlink()
    for query in ("Amraam", "drone strikes inside Russia"):
        without, imported = search_in_a_new_process(tmp_path / "index", query)
        with_table, _ = search_in_a_new_process(seed_index, query)
        assert imported
        assert [hit["id"] for hit in without["results"]] == [hit["id"] for hit in with_table["results"]]


@pytest.mark.parametrize("command", [["--help"], ["index", "--help"]])
def test_help_imports_neither_the_engine_nor_nltk(command):
    printed, imported = run_in_a_new_process(*command)
    assert "usage: search" in printed and imported == []
