"""The `search` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import CORPUS, SEEDS, TELEGRAPH_PRINT, TELEGRAPH_WEB, one_error_line
from index_reading import change_state, document_count

from search.cli import (
    COMMAND_GROUP,
    DISTRIBUTION,
    SUBCOMMANDS,
    counts_line,
    load_command,
    registered_commands,
)
from search.indexer import update_index
from search.results import result_schema

HEADLINE = "Wallace heads to Pentagon over Kyiv strikes"
ANSI = re.compile(r"\x1b\[")
TREC_LINE = re.compile(
    r"^(?P<qid>\S+) Q0 (?P<doc>[A-Za-z0-9._-]+) (?P<rank>\d+) (?P<score>-?\d+\.\d{6}) (?P<tag>\S+)$"
)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory) -> Path:
    """The seed corpus indexed once per module, to be copied by tests that need an index."""
    directory = tmp_path_factory.mktemp("cli") / "index"
    update_index(directory, [CORPUS])
    return directory


@pytest.fixture
def indexed(tmp_path, corpus_copy, built_index) -> Path:
    """tmp_path holding ./corpus and its index in ./index (the CLI's default)."""
    shutil.copytree(built_index, tmp_path / "index")
    return tmp_path


@pytest.fixture
def queries_file(tmp_path) -> Path:
    path = tmp_path / "queries.tsv"
    path.write_text("q1\tAmraam\nq2\tdefense\n\nq3\tUS\n", encoding="utf-8")
    return path


# --- searching --------------------------------------------------------------------------------


def test_index_then_search_shows_headline_and_bracketed_match(tmp_path, corpus_copy, run_cli):
    indexing = run_cli("index", "corpus")
    assert indexing.code == 0, indexing.stderr
    summary, closing = indexing.stdout.strip().split("\n")
    assert summary == "added 5, updated 0, removed 0, unchanged 0, failed 0"
    assert re.fullmatch(r"indexed 5 documents in \d+\.\d s \(\d[\d,]* docs/s\)", closing)
    assert document_count(tmp_path / "index") == 5
    result = run_cli("Amraam")
    assert result.code == 0
    assert f"1. {HEADLINE}" in result.stdout
    assert "[Amraam]" in result.stdout
    assert "<mark>" not in result.stdout


@pytest.mark.parametrize("args", [("--json", "--limit", "5", "Amraam"), ("Amraam", "--json", "--limit", "5")],
                         ids=["options-first", "options-last"])
def test_json_output_is_valid_against_the_schema(indexed, run_cli, args):
    result = run_cli(*args)
    assert result.code == 0, result.stderr
    answer = json.loads(result.stdout)
    jsonschema.Draft202012Validator(result_schema()).validate(answer)
    assert answer["query"] == "Amraam"
    assert [hit["id"] for hit in answer["results"]][:1] == [TELEGRAPH_PRINT]


def test_json_limit_caps_the_results(indexed, run_cli):
    answer = json.loads(run_cli("--json", "--limit", "2", "defense").stdout)
    assert answer["total"] == 4, "five articles, four stories: the Telegraph's two editions are one"
    assert len(answer["results"]) == 2


def test_double_dash_searches_for_a_subcommand_name(indexed, run_cli):
    result = run_cli("--json", "--", "index")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["query"] == "index"
    plain = run_cli("--", "index")
    assert plain.code == 0
    assert "added" not in plain.stdout and "unchanged" not in plain.stdout


def test_a_query_that_starts_with_a_dash_says_how_to_search_for_it(indexed, run_cli):
    line = one_error_line(run_cli("-defense"))
    assert "'-defense' is read as an option" in line and "search -- -defense" in line
    assert "read as an option" not in one_error_line(run_cli("--json"))
    searched = run_cli("--json", "--", "-defense")
    assert searched.code == 0 and json.loads(searched.stdout)["query"] == "-defense"


# --- choosing the index -----------------------------------------------------------------------


ENV_COMMANDS = {
    "search": (("Amraam",), HEADLINE),
    "show": (("show", TELEGRAPH_PRINT), HEADLINE),
    "stats": (("stats",), "documents: 5"),
    "run": (("run", "--queries", "queries.tsv"), f"q1 Q0 {TELEGRAPH_PRINT} 1 "),
}


def test_search_index_env_var_selects_where_index_writes(tmp_path, corpus_copy, run_cli):
    assert run_cli("index", "corpus", env={"SEARCH_INDEX": str(tmp_path / "elsewhere")}).code == 0
    assert document_count(tmp_path / "elsewhere") == 5
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("command", ENV_COMMANDS.values(), ids=ENV_COMMANDS.keys())
def test_search_index_env_var_selects_the_index_for_every_subcommand(
        tmp_path, built_index, queries_file, run_cli, command):
    args, expected = command
    shutil.copytree(built_index, tmp_path / "elsewhere")
    env = {"SEARCH_INDEX": str(tmp_path / "elsewhere")}

    result = run_cli(*args, env=env)
    assert result.code == 0, result.stderr
    assert expected in result.stdout
    assert "search index" in one_error_line(run_cli(*args))


def test_index_option_selects_the_index(tmp_path, corpus_copy, run_cli):
    assert run_cli("index", "--index", "mine", "corpus").code == 0
    assert not (tmp_path / "index").exists()
    result = run_cli("--index", "mine", "Amraam")
    assert result.code == 0
    assert HEADLINE in result.stdout
    assert "search index" in one_error_line(run_cli("Amraam"))


# --- reading the output ----------------------------------------------------------------------

TWO_WIRES = [
    {"id": "wire-1", "title": "OPEC holds its price", "source": "Reuters",
     "date": "1987-02-26T17:34:11.890000",
     "text": "The cartel met in Vienna. The OPEC price committee kept the OPEC price at 18 dlrs."},
    {"id": "wire-2", "title": "OPEC price talk ends", "source": "Reuters", "date": "1987-02-27"},
]


@pytest.fixture
def two_wires(tmp_path, run_cli) -> Path:
    """Two dated wire records in ./wire.jsonl, one of them a headline alone, indexed in ./index."""
    lines = "".join(json.dumps(record) + "\n" for record in TWO_WIRES)
    (tmp_path / "wire.jsonl").write_text(lines, encoding="utf-8")
    assert run_cli("index", "wire.jsonl").code == 0
    return tmp_path / "index"


def test_a_hit_shows_its_id_and_a_readable_date_and_words_matched_apart_stay_apart(two_wires, run_cli):
    result = run_cli("opec price")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    first = lines.index("1. OPEC holds its price")
    assert lines[first + 1] == "   Reuters · 1987-02-26 17:34 · wire-1"
    assert "[OPEC] [price]" in lines[first + 2] and "[OPEC price]" not in result.stdout


def test_a_headline_alone_prints_no_empty_passage_line(two_wires, run_cli):
    lines = run_cli("talk").stdout.splitlines()
    assert lines[:2] == ["1. OPEC price talk ends", "   Reuters · 1987-02-27 · wire-2"]
    assert lines[2] == "", "the next line ends the hit"


def test_bare_search_prints_the_usage_with_every_command(run_cli):
    result = run_cli()
    assert result.code == 0
    assert result.stdout.startswith("usage: search") and result.stdout == run_cli("--help").stdout
    listed = re.findall(r"^  ([a-z]+) {2,}\S", result.stdout.partition("commands")[2], re.MULTILINE)
    assert set(listed) == set(SUBCOMMANDS) | set(registered_commands())


def test_registered_commands_are_the_entry_points_importlib_metadata_finds():
    from importlib.metadata import distribution

    found = distribution(DISTRIBUTION).entry_points.select(group=COMMAND_GROUP)
    assert registered_commands() == {point.name: point.value for point in found}
    assert {"serve", "cluster"} <= set(registered_commands())
    assert all(callable(load_command(target)) for target in registered_commands().values())


def test_a_missing_index_is_named_by_its_absolute_path(tmp_path, run_cli):
    assert f"no index at {tmp_path / 'nowhere'};" in one_error_line(run_cli("--index", "nowhere", "Amraam"))


# --- show, stats, run -------------------------------------------------------------------------


def test_show_prints_title_source_and_text(indexed, run_cli):
    result = run_cli("show", TELEGRAPH_PRINT)
    assert result.code == 0
    assert result.stdout.splitlines()[0] == HEADLINE
    assert "source: The Daily Telegraph" in result.stdout
    assert "BEN WALLACE flew to Washington" in result.stdout


def test_show_lists_entities_versions_and_related_stories_and_json_is_the_apis_article(indexed, run_cli):
    from search.engine import Engine

    text = run_cli("show", TELEGRAPH_PRINT).stdout
    assert re.search(r"^people: .*Ben Wallace", text, re.MULTILINE), text
    versions = text.split("\nother versions:\n")[1].split("\n\n")[0].splitlines()
    assert [line.rsplit(" · ", 1)[1] for line in versions] == [TELEGRAPH_WEB]
    assert "\nrelated stories:\n  " in text
    shown = json.loads(run_cli("show", TELEGRAPH_PRINT, "--json").stdout)
    assert shown == json.loads(json.dumps(Engine(indexed / "index").article(TELEGRAPH_PRINT)))


def test_show_unknown_id_is_one_error_line(indexed, run_cli):
    assert "no-such-article" in one_error_line(run_cli("show", "no-such-article"))


def test_stats_counts_documents_stories_sources_and_terms(indexed, run_cli):
    """The print and web editions are one story; the seed articles are undated, and two of
    them name a source."""
    result = run_cli("stats")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert "documents: 5" in lines and "stories: 4" in lines
    assert "dates: none (no article is dated)" in lines
    assert "sources: HOLR Magazine (1), The Daily Telegraph (1)" in lines
    terms = re.search(r"^terms: (\d+)$", result.stdout, re.MULTILINE)
    assert terms and int(terms.group(1)) > 100


def test_run_prints_one_trec_line_per_document(indexed, queries_file, run_cli):
    result = run_cli("run", "--queries", str(queries_file))
    assert result.code == 0, result.stderr
    rows = [TREC_LINE.match(line) for line in result.stdout.splitlines()]
    assert all(rows), result.stdout
    by_query: dict[str, list] = {}
    for row in rows:
        assert row["tag"] == "news-search"
        by_query.setdefault(row["qid"], []).append(row)
    assert list(by_query) == ["q1", "q2", "q3"]
    for found in by_query.values():
        assert [int(r["rank"]) for r in found] == list(range(1, len(found) + 1))
        assert len({r["doc"] for r in found}) == len(found)
        scores = [float(r["score"]) for r in found]
        assert scores == sorted(scores, reverse=True)
    assert [r["doc"] for r in by_query["q1"]] == [TELEGRAPH_PRINT, TELEGRAPH_WEB], "every edition"
    assert {r["doc"] for r in by_query["q2"]} == {p.stem for p in SEEDS}


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("--limit", "0", "Amraam"), "limit"),
        (("--limit", "abc", "Amraam"), "abc"),
        (("--bogus", "Amraam"), "--bogus"),
        (("show",), "id"),
        (("run",), "--queries"),
        (("--limit", "5", "--limit", "50", "Amraam"), "--limit is given more than once"),
        (("index", "--commit-every", "10", "--commit-every=20"), "--commit-every is given more than once"),
    ],
    ids=["limit-0", "limit-abc", "unknown-option", "show-without-id", "run-without-queries",
         "repeated-limit", "repeated-index-option"],
)
def test_bad_command_line_is_one_error_line(indexed, run_cli, args, mentions):
    result = run_cli(*args)
    assert mentions in one_error_line(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [("Amraam",), ("show", TELEGRAPH_PRINT), ("stats",)])
def test_no_index_yet_names_search_index(run_cli, args):
    assert "search index" in one_error_line(run_cli(*args))


@pytest.mark.parametrize("args", [("Amraam",), ("stats",), ("index", "corpus")])
def test_incompatible_index_names_search_index_rebuild(indexed, run_cli, args):
    change_state(indexed / "index", format=999)
    assert "search index --rebuild" in one_error_line(run_cli(*args))


def test_rebuild_makes_an_incompatible_index_usable_again(indexed, run_cli):
    change_state(indexed / "index", tables="0123456789abcdef")
    rebuild = run_cli("index", "--rebuild", "corpus")
    assert rebuild.code == 0, rebuild.stderr
    assert "added 5" in rebuild.stdout
    assert HEADLINE in run_cli("Amraam").stdout


@pytest.mark.parametrize("query", ['"unclosed Amraam', "Amraam AND", "((Amraam", "foo:Amraam"])
def test_broken_syntax_exits_0_with_a_note(indexed, run_cli, query):
    result = run_cli(query)
    assert result.code == 0
    assert result.stderr.startswith("note: ")
    assert HEADLINE in result.stdout


def test_index_reports_a_broken_jsonl_line_and_indexes_the_rest(tmp_path, run_cli):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "wire.jsonl").write_text(
        json.dumps({"id": "w1", "title": "First wire story", "text": "Grain exports resumed."}) + "\n"
        + '{"id": "w2", "title": "Truncated", "text": "cut\n'
        + json.dumps({"id": "w3", "title": "Third wire story", "text": "Ports reopened."}) + "\n",
        encoding="utf-8",
    )
    result = run_cli("index", "feeds")
    assert result.code == 0
    assert "wire.jsonl:2" in result.stderr
    assert "Traceback" not in result.stderr
    assert "added 2" in result.stdout
    assert run_cli("show", "w3").code == 0
    assert run_cli("show", "w2").code == 2


# --- no colour when it is not wanted ----------------------------------------------------------


@pytest.mark.parametrize("no_color", ["1", ""], ids=["NO_COLOR-set", "not-a-terminal"])
def test_no_ansi_escape_codes(indexed, run_cli, no_color):
    search = run_cli('"unclosed Amraam', env={"NO_COLOR": no_color})
    show = run_cli("show", TELEGRAPH_PRINT, env={"NO_COLOR": no_color})
    assert (search.code, show.code) == (0, 0)
    assert "[Amraam]" in search.stdout
    for output in (search.stdout, search.stderr, show.stdout):
        assert not ANSI.search(output)


def test_a_corrected_query_says_so_in_one_line(spelling_index, run_cli):
    result = run_cli("--index", str(spelling_index), "amram")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Showing results for 'amraam' · Search instead for 'amram': add --spell off"
    assert lines[1] == "1. Missiles delivered"


def test_spell_off_runs_the_query_as_typed(spelling_index, run_cli):
    result = run_cli("--index", str(spelling_index), "--spell", "off", "amram")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == ["Did you mean: amraam?", "No results for 'amram'."]


def test_a_suggestion_keeps_the_results_of_the_query_typed(spelling_index, run_cli):
    result = run_cli("--index", str(spelling_index), "recieved")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["Did you mean: received?", "1. Mexico gets first loan"]


def test_partial_matches_bylines_and_versions_read_on_the_command_line(wire_index, run_cli):
    result = run_cli("--index", str(wire_index), "hezbollah tanker")
    assert result.code == 0, result.stderr
    assert "   missing: hezbollah" in result.stdout.splitlines()
    assert result.stdout.rstrip().splitlines()[-1].startswith("1-2 of 2 stories, 1 with all words")
    story = run_cli("--index", str(wire_index), "OPEC Vienna ceiling")
    lines = story.stdout.splitlines()
    assert lines[0] == "1. OPEC MINISTERS TO REVIEW CEILING AS OIL PRICES SLIDE", "the fuller version"
    assert "   also: OPEC TO MEET ON OUTPUT CEILING · Reuters · 1987-03-05 09:10 · wire-1" in lines
    reporter = run_cli("--index", str(wire_index), "--json", "Patti Domm")
    hits = json.loads(reporter.stdout)["results"]
    assert hits and all(hit["authors"] == ["Patti Domm"] for hit in hits)


def test_article_text_and_file_names_cannot_drive_the_terminal_or_forge_a_line(tmp_path, run_cli):
    root = tmp_path / "feeds"
    root.mkdir()
    record = {"id": "esc", "title": "Grain \x1b[2J\x1b[31mcleared\u202e screen",
              "text": "Grain ships \x1b]0;owned\x07 left Odesa.\rskipped: fake"}
    (root / "wire.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (root / "bad\nskipped: forged.jsonl").write_text("{not json\n", encoding="utf-8")

    indexing = run_cli("index", str(root), "--index", str(tmp_path / "index"))
    found = run_cli("--index", str(tmp_path / "index"), "grain")
    shown = run_cli("--index", str(tmp_path / "index"), "show", "esc")

    assert indexing.code == found.code == shown.code == 0
    for output in (indexing.stderr, found.stdout, shown.stdout):
        assert "\x1b" not in output and "\r" not in output and "\u202e" not in output and "\x07" not in output
    skipped = [line for line in indexing.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and skipped[0].startswith("skipped: bad\\nskipped: forged.jsonl:1: invalid JSON")
    assert "\\x1b[2J" in found.stdout and "\\x1b[2J" in shown.stdout


@pytest.mark.parametrize(("answer", "line"), [
    ({"total": 12, "total_relation": "eq", "all_words_total": 3, "all_words_total_relation": "eq"},
     "12 stories, 3 with all words"),
    ({"total": 10000, "total_relation": "gte", "all_words_total": 10000, "all_words_total_relation": "gte"},
     "more than 10000 stories"),
    ({"total": 10000, "total_relation": "gte", "all_words_total": 42, "all_words_total_relation": "eq"},
     "more than 10000 stories, 42 with all words"),
    ({"total": 1, "total_relation": "eq", "all_words_total": None, "all_words_total_relation": "eq"},
     "1 story"),
])
def test_the_counts_line_says_when_a_count_is_a_lower_bound(answer, line):
    assert counts_line(answer) == line


@pytest.mark.parametrize("option", ["--aliases", "--variants"])
@pytest.mark.parametrize("table", ["/dev/zero", "."])
def test_a_table_that_is_no_regular_file_is_one_line_not_a_read_without_end(run_cli, option, table):
    result = run_cli("index", option, table, str(CORPUS), timeout=30)
    assert f"{option} {table}: not a regular file" in one_error_line(result)


def test_json_stays_valid_utf8_for_a_query_with_bytes_that_are_not(indexed, run_cli):
    answer = json.loads(run_cli("--json", os.fsdecode(b"Amraam \xff")).stdout)
    assert answer["query"] == "Amraam \ufffd" and answer["results"]
