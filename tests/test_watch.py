"""`search watch`: the stories indexed since a query's last watch, through the command line on a
real index (search/watch.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import one_error_line

FIRST = {"id": "grain-1", "source": "Reuters", "date": "2022-09-28",
         "title": "Grain ships leave Odesa under Black Sea deal",
         "text": "Three more ships carrying grain left the port of Odesa on Wednesday under the deal "
                 "brokered by Turkey and the United Nations. Ukraine hopes to export millions of tonnes "
                 "of wheat and corn before the end of the year, officials said."}
OTHER = {"id": "power-1", "source": "Reuters", "date": "2022-10-10",
         "title": "Drones strike power stations", "text": "Russian drones hit power stations across Ukraine."}
NEW_STORY = {"id": "grain-2", "source": "AP", "date": "2022-11-02",
             "title": "Grain deal resumes as ships sail from Odesa",
             "text": "Ships loaded with grain sailed from Odesa again after Russia rejoined the deal, "
                     "the Joint Coordination Centre in Istanbul said."}
NEW_VERSION = {**FIRST, "id": "grain-1b", "source": "The Guardian", "date": "2022-09-29"}


def write(folder: Path, name: str, records: list[dict]) -> None:
    (folder / name).write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


@pytest.fixture
def watched(tmp_path, run_cli):
    """A run of `search` on an index of two stories, with watches kept under tmp_path."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write(corpus, "first.jsonl", [FIRST, OTHER])
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}

    def run(*args: str):
        return run_cli(*args, "--index", str(index), env=env)

    assert run("index", str(corpus)).code == 0
    return run, corpus


def test_a_first_watch_starts_quietly_and_nothing_new_prints_nothing(watched):
    run, _ = watched
    first = run("watch", "grain", "Odesa")
    assert first.code == 0 and first.stdout == "" and "watching 'grain Odesa'" in first.stderr
    again = run("watch", "grain", "Odesa")
    assert again.code == 0 and again.stdout == "" and again.stderr == ""


def test_new_stories_and_new_versions_of_known_ones_are_reported_once(watched):
    run, corpus = watched
    run("watch", "grain Odesa")
    write(corpus, "later.jsonl", [NEW_STORY, NEW_VERSION])
    assert run("index", str(corpus)).code == 0
    found = run("watch", "--json", "grain Odesa")
    assert found.code == 0, found.stderr
    report = json.loads(found.stdout)
    assert [hit["id"] for hit in report["new"]] == ["grain-2"]
    [update] = report["updated"]
    assert {update["id"], *(version["id"] for version in update["versions"])} == {"grain-1", "grain-1b"}
    assert report["since"] > 0 and report["query"] == "grain Odesa"
    assert run("watch", "grain Odesa").stdout == "", "reported once"


def test_the_text_report_names_each_story_and_its_kind(watched):
    run, corpus = watched
    run("watch", "grain")
    write(corpus, "later.jsonl", [NEW_STORY])
    run("index", str(corpus))
    lines = run("watch", "grain").stdout.splitlines()
    assert lines[0] == "new: Grain deal resumes as ships sail from Odesa"
    assert "AP · 2022-11-02 · grain-2" in lines[1] and "[grain]" in lines[2].lower()


def test_watches_are_listed_and_forgotten(watched):
    run, _ = watched
    run("watch", "grain")
    run("watch", "drones")
    assert [line.split("\t")[0] for line in run("watch", "--list").stdout.splitlines()] == ["drones", "grain"]
    assert run("watch", "--forget", "grain").code == 0
    assert [line.split("\t")[0] for line in run("watch", "--list").stdout.splitlines()] == ["drones"]
    unknown = run("watch", "--forget", "grain")
    assert unknown.code == 2 and "not watched" in unknown.stderr and unknown.stderr.count("\n") == 1
    bare = run("watch")
    assert bare.code == 2 and "give the query" in bare.stderr


def test_a_place_for_the_watches_that_cannot_hold_them_is_one_line(tmp_path, run_cli):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    write(corpus, "first.jsonl", [FIRST, OTHER])
    assert run_cli("index", str(corpus), "--index", str(index)).code == 0
    result = run_cli("watch", "grain", "--index", str(index), env={"XDG_STATE_HOME": "/dev/null"})
    assert "cannot keep the watches in /dev/null" in one_error_line(result)
