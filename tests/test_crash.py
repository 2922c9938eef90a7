"""A run killed with SIGKILL loses nothing: the index opens at its last commit, searches
work, and running `search index` again leaves every document present exactly once; killed
inside a big file, the next run reads on from the last commit and builds what an
uninterrupted run builds."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from index_reading import generation, index_state, stored_documents

from search.engine import Engine

FILES = 400
COMMIT_EVERY = 40


def write_corpus(root: Path) -> set[str]:
    """One article per file."""
    root.mkdir()
    ids = set()
    for number in range(FILES):
        doc_id = f"crash-{number:04d}"
        record = {"id": doc_id, "title": f"Report {number} on harbour cranes",
                  "text": f"Dockers at berth {number} unloaded {number * 7} containers of grain. " * 5}
        (root / f"{doc_id}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
        ids.add(doc_id)
    return ids


def indexed_ids(index_dir: Path) -> list[str]:
    return [document["id"] for document in stored_documents(index_dir)]


def run_index(root: Path, index_dir: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "search.cli", "index", str(root), "--index", str(index_dir), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def test_a_killed_run_leaves_the_last_commit_and_a_rerun_completes(tmp_path):
    root, index_dir = tmp_path / "corpus", tmp_path / "index"
    expected = write_corpus(root)
    started = run_index(root, index_dir, "--rebuild", "--commit-every", str(COMMIT_EVERY))
    first = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and started.poll() is None:
        current = generation(index_dir)
        if first is None and current >= 0:
            first = current
        if first is not None and current > first:
            break
        time.sleep(0.05)
    if started.poll() is not None:
        pytest.fail(f"the run finished before a commit could be observed: {started.communicate()}")
    assert first is not None and generation(index_dir) > first, "no commit observed within the deadline"
    os.killpg(started.pid, signal.SIGKILL)
    started.wait(timeout=30)

    survived = indexed_ids(index_dir)
    assert 0 < len(survived) < FILES, "the kill should land between the first commit and the end"
    assert len(survived) == len(set(survived))
    engine = Engine(index_dir)
    answer = engine.search("harbour cranes", limit=5)
    assert answer["total"] == len(survived)

    rerun = run_index(root, index_dir)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"added {FILES - len(survived)}," in out
    final = indexed_ids(index_dir)
    assert sorted(final) == sorted(expected)
    assert Engine(index_dir).search("harbour cranes", limit=1)["total"] == FILES


# --- one big file, killed inside it -------------------------------------------------------------

BIG_RECORDS = 2000
BIG_COMMIT_EVERY = 100
KILL_TRIALS = 6  # two a format, each at a commit drawn from a seeded generator
KILL_ATTEMPTS = 3  # a trial whose kill came after the run's last commit is tried again
FORMATS = ("wire.jsonl", "wire.jsonl.gz", "wire.json")
PEOPLE = ("Olaf Scholz", "Kaja Kallas", "Mark Rutte", "Ursula von der Leyen")


WORDS = ("grain", "berth", "crane", "tanker", "ferry", "freight", "insurer", "premium", "harvest",
         "silo", "rail", "permit", "union", "shift", "backlog", "convoy", "customs", "tariff",
         "broker", "charter", "cargo", "terminal", "dredging", "pilot", "storm", "quay", "levy",
         "fertiliser", "steel", "timber", "barley", "maize", "sunflower", "coal", "diesel")


def big_records() -> list[dict]:
    """2,000 wire stories over 1 MB, seeded: acronyms defined early and used later, and every
    tenth a second outlet's version of an earlier story (story grouping must not depend on
    where a run stopped)."""
    draw, records = random.Random(7), []
    for number in range(BIG_RECORDS):
        if number % 10 == 9:
            earlier = records[number - 7]
            records.append({"id": f"wire-{number:04d}", "title": earlier["title"], "source": "Second Wire",
                            "text": earlier["text"].replace(" said ", " told reporters ", 1)})
            continue
        person = PEOPLE[number % len(PEOPLE)]
        sentences = [" ".join(draw.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(6)]
        acronym = f"JHA{number - number % 50}"
        sentences.insert(2, f"The Joint Harbour Authority {number} ({acronym}) opened berth {number}."
                         if number % 50 == 0 else f"{acronym} inspected the cranes.")
        records.append({
            "id": f"wire-{number:04d}", "title": f"{person} visits port of call {number}",
            "source": "First Wire", "date": f"2024-03-{1 + number % 28:02d}",
            "text": f"{person} said on Tuesday that {number * 7} containers left Odesa. "
                    + " ".join(sentences),
        })
    return records


def write_big(path: Path, records: list[dict]) -> None:
    if path.name.endswith(".json"):
        path.write_text(json.dumps(records), encoding="utf-8")
        return
    lines = "".join(json.dumps(record) + "\n" for record in records).encode("utf-8")
    path.write_bytes(gzip.compress(lines) if path.suffix == ".gz" else lines)


def index_contents(index_dir: Path) -> tuple[dict, dict]:
    """What a build must give whether or not it was interrupted: per id its entities and
    story, and the acronym definitions learned."""
    documents = {d["id"]: (d.get("entities"), d.get("story")) for d in stored_documents(index_dir)}
    return documents, index_state(index_dir).learned


def kill_after_commits(command: subprocess.Popen, index_dir: Path, commits: int) -> int:
    """Kill a run once `commits` commits after its first are seen; the generation then."""
    first, deadline = None, time.monotonic() + 240
    while time.monotonic() < deadline and command.poll() is None:
        current = generation(index_dir)
        if first is None and current >= 0:
            first = current
        if first is not None and current >= first + commits:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait(timeout=30)
            return current
        time.sleep(0.02)
    pytest.fail(f"the run ended before {commits} commits: {command.communicate()}")


def test_a_run_killed_inside_a_big_file_resumes_to_the_index_an_uninterrupted_run_builds(tmp_path):
    records = big_records()
    uninterrupted = {}
    for name in FORMATS:
        corpus = tmp_path / "whole" / name
        corpus.parent.mkdir(exist_ok=True)
        write_big(corpus, records)
        done = run_index(corpus, tmp_path / f"whole-{name}")  # one commit
        out, err = done.communicate(timeout=600)
        assert done.returncode == 0, err
        uninterrupted[name] = index_contents(tmp_path / f"whole-{name}")
    assert len(uninterrupted["wire.jsonl"][0]) == BIG_RECORDS
    assert uninterrupted["wire.jsonl"][1], "the corpus defines acronyms"
    assert len({story for _, story in uninterrupted["wire.jsonl"][0].values()}) < BIG_RECORDS

    draw = random.Random(20)
    for trial in range(KILL_TRIALS):
        name = FORMATS[trial % len(FORMATS)]
        corpus = tmp_path / f"trial-{trial}" / name
        corpus.parent.mkdir()
        write_big(corpus, records)
        commits = draw.randint(1, 8)
        for attempt in range(KILL_ATTEMPTS):  # a loaded machine may see the commits late
            index_dir = tmp_path / f"index-{trial}-{attempt}"
            started = run_index(corpus, index_dir, "--commit-every", str(BIG_COMMIT_EVERY))
            kill_after_commits(started, index_dir, commits)
            survived = len(stored_documents(index_dir))
            if survived < BIG_RECORDS:
                break
        assert 0 < survived < BIG_RECORDS, f"trial {trial}: the kill should land inside the file"

        rerun = run_index(corpus, index_dir, "--commit-every", str(BIG_COMMIT_EVERY))
        out, err = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, err
        assert "duplicate" not in err
        added = int(re.search(r"added (\d+)", out).group(1))
        assert added <= BIG_RECORDS - survived + BIG_COMMIT_EVERY + 200, f"trial {trial}: read on, not again"
        assert index_contents(index_dir) == uninterrupted[name], f"trial {trial} ({name})"


@pytest.mark.parametrize("name", ["wire.jsonl", "wire.jsonl.gz"])
def test_a_big_file_that_grew_is_read_on_from_where_the_last_run_ended(tmp_path, name):
    records = big_records()
    corpus, index_dir = tmp_path / name, tmp_path / "index"
    write_big(corpus, records[:1500])
    first = run_index(corpus, index_dir)
    assert first.communicate(timeout=600)[0].startswith("added 1500,")

    appended = tmp_path / f"appended-{name}"  # a daily export's new records (a gzip member more)
    write_big(appended, records[1500:])
    with corpus.open("ab") as export:
        export.write(appended.read_bytes())
    grown = run_index(corpus, index_dir)
    out, err = grown.communicate(timeout=600)

    assert out.startswith("added 500, updated 0, removed 0, unchanged 1500,"), (out, err)
    assert sorted(indexed_ids(index_dir)) == sorted(record["id"] for record in records)
    again = run_index(corpus, index_dir)
    assert again.communicate(timeout=600)[0].startswith("added 0, updated 0, removed 0, unchanged 2000,")


def test_workers_die_with_a_run_killed_alone_and_the_next_run_is_not_locked_out(tmp_path):
    """`kill -9` of the run's own process (not its group, as a user or an OOM killer does): its
    enrichment pool and Whoosh's writer processes must not live on holding the index's lock."""
    records = big_records()
    records += [{**record, "id": f"{record['id']}-copy"} for record in records]  # > 2 MB: writer processes
    corpus, index_dir = tmp_path / "wire.jsonl", tmp_path / "index"
    write_big(corpus, records)
    started = run_index(corpus, index_dir, "--commit-every", "500")
    run, workers, deadline = psutil.Process(started.pid), [], time.monotonic() + 240
    while time.monotonic() < deadline and started.poll() is None:
        workers = run.children(recursive=True)
        if workers and generation(index_dir) > 0:
            break
        time.sleep(0.05)
    assert workers and started.poll() is None, "the run should be writing with its workers"

    os.kill(started.pid, signal.SIGKILL)
    started.wait(timeout=30)
    _, alive = psutil.wait_procs(workers, timeout=15)

    assert not alive, f"workers outlived their run: {alive}"
    rerun = run_index(corpus, index_dir, "--wait", "5")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert sorted(indexed_ids(index_dir)) == sorted(record["id"] for record in records)
