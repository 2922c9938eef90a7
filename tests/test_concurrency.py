"""Concurrent use of one index: searches during `search index`, two indexers, a damaged index.

(a) While `search index` (a real subprocess, committing every few hundred documents) adds a
    few thousand documents, the test thread searches without pause: no errors, and the seed
    article is always found; a second `search index` started meanwhile gives up with one line.
(b) A second indexer waits for the lock (`--wait`, default 30 s: set to 2 s here), then exits 2
    with one clear line naming the run that holds it (process id, start, command); when the
    lock comes free in time, it goes ahead; the index is intact.
(c) A damaged index directory gives one line naming `search index --rebuild` and exit 2, and
    `search index --rebuild` recovers; a foreign folder is never emptied.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_support import SEARCH
from conftest import CORPUS, TELEGRAPH_PRINT, VALIDATOR, CliResult, one_error_line
from corpus_generator import write_corpus
from index_reading import document_count, holding_the_lock

from search.cli import main
from search.engine import Engine
from search.indexer import update_index

SEED = {"id": "seed-article", "title": "Zorblax reactor reopens after the winter repairs",
        "text": "The Zorblax reactor reopened on Monday after repairs that took the whole winter.",
        "date": "2022-11-02", "source": "Test Wire"}
SEED_QUERY = "zorblax reactor"
BATCHES = 4
PER_BATCH = 500


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "search.cli", *args]


def environment() -> dict:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SEARCH_INDEX", None)
    return env


def lock_is_held(index_dir: Path) -> bool:
    """Whether some process holds the index's write lock (probed without blocking)."""
    path = index_dir / "MAIN_WRITELOCK"
    if not path.exists():
        return False
    fd = os.open(path, os.O_WRONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def run_main(*args: str) -> CliResult:
    """The `search` command in this process (a subprocess costs seconds of imports each)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def seeded_index(tmp_path) -> Path:
    """An index holding the seed article and 200 generated documents."""
    write_corpus(tmp_path / "seed" / "seed.jsonl", 200, seed=21, extra=[SEED])
    report = update_index(tmp_path / "index", [tmp_path / "seed"])
    assert report.added == 201, report.problems
    return tmp_path / "index"


@pytest.fixture
def more_documents(tmp_path) -> Path:
    """BATCHES files of PER_BATCH generated documents each (ids apart from the seed index's)."""
    root = tmp_path / "more"
    for batch in range(BATCHES):
        write_corpus(root / f"batch-{batch}.jsonl", PER_BATCH, seed=100 + batch)
    return root


# --- (a) searching while `search index` writes ------------------------------------------------

def test_searches_keep_answering_while_search_index_runs(tmp_path, seeded_index, more_documents):
    engine = Engine(seeded_index)
    indexer = subprocess.Popen(
        cli("index", str(more_documents), "--index", str(seeded_index), "--commit-every", str(PER_BATCH)),
        cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    searches, counts, second = 0, [], None
    try:
        while indexer.poll() is None:
            answer = engine.search(SEED_QUERY)
            VALIDATOR.validate(answer)
            assert [hit["id"] for hit in answer["results"]] == ["seed-article"], answer
            assert answer["total"] == 1
            other = engine.search("time year", limit=20)  # a broad query over the growing index
            VALIDATOR.validate(other)
            counts.append(engine.stats()["documents"])
            searches += 1
            if second is None and lock_is_held(seeded_index):
                # a second indexer now, with work of its own to do, gives up with one line
                (tmp_path / "late").mkdir()
                (tmp_path / "late" / "late.jsonl").write_text(json.dumps(
                    {"id": "late", "title": "Late", "text": "A late record."}) + "\n", encoding="utf-8")
                second = subprocess.run(
                    cli("index", str(tmp_path / "late"), "--index", str(seeded_index), "--wait", "1"),
                    cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=120,
                )
        stdout, stderr = indexer.communicate(timeout=600)
    finally:
        if indexer.poll() is None:
            indexer.kill()
            indexer.wait()

    print(f"\n{searches} rounds of searches; document counts seen: {sorted(set(counts))}; "
          f"second indexer: {'exit ' + str(second.returncode) if second else 'not started'}")
    assert indexer.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert f"added {BATCHES * PER_BATCH}," in stdout
    assert searches >= 5, "the indexer finished before the searches could overlap it"
    assert counts == sorted(counts), "the document count went backwards between commits"
    assert len(set(counts)) >= 2, f"no commit was seen while searching: {set(counts)}"
    final = engine.search(SEED_QUERY)
    assert [hit["id"] for hit in final["results"]] == ["seed-article"]
    assert engine.stats()["documents"] == 201 + BATCHES * PER_BATCH == document_count(seeded_index)
    assert second is not None, "the running indexer's lock was never seen held"
    assert second.returncode == 2, second.stderr
    assert "Traceback" not in second.stderr
    [line] = second.stderr.strip().splitlines()
    assert "another `search index`" in line


# --- (b) a second indexer waits for the lock --------------------------------------------------

@pytest.fixture
def late_root(tmp_path) -> Path:
    root = tmp_path / "late"
    root.mkdir()
    (root / "late.jsonl").write_text(
        json.dumps({"id": "late", "title": "Late wire", "text": "A record that arrives late."}) + "\n",
        encoding="utf-8")
    return root


def test_a_second_indexer_waits_then_exits_2_with_one_line(seeded_index, late_root, run_cli):
    writer = holding_the_lock(seeded_index)
    try:
        started = time.monotonic()
        result = run_cli("index", str(late_root), "--index", str(seeded_index), "--wait", "2")
        waited = time.monotonic() - started
    finally:
        writer.cancel()

    line = one_error_line(result)
    assert "another `search index`" in line and "2 seconds" in line
    assert waited >= 2
    assert document_count(seeded_index) == 201
    again = run_main("index", str(late_root), "--index", str(seeded_index))
    assert again.code == 0, again.stderr
    assert "added 1," in again.stdout
    assert document_count(seeded_index) == 202


def test_a_second_indexer_goes_ahead_when_the_lock_comes_free_in_time(tmp_path, seeded_index, late_root):
    writer = holding_the_lock(seeded_index)
    waiting = subprocess.Popen(
        cli("index", str(late_root), "--index", str(seeded_index), "--wait", "60"),
        cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(5)  # time to start, plan the run and ask for the lock
        assert waiting.poll() is None, "the second indexer did not wait for the lock"
    finally:
        writer.cancel()
    stdout, stderr = waiting.communicate(timeout=120)

    assert waiting.returncode == 0, stderr
    assert "added 1," in stdout
    assert document_count(seeded_index) == 202


def test_the_busy_message_names_the_indexer_holding_the_lock(tmp_path, seeded_index, more_documents,
                                                              late_root):
    first = subprocess.Popen(
        [str(SEARCH), "index", str(more_documents), "--index", str(seeded_index), "--commit-every", "500"],
        cwd=tmp_path, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not lock_is_held(seeded_index) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cli("index", str(late_root), "--index", str(seeded_index), "--wait", "1"),
                                cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=120)
        still_running = first.poll() is None
    finally:
        first.terminate()  # its run is not what is tested here (test (a) lets one finish)
        first.communicate(timeout=120)

    assert still_running, "the first indexer ended before the second met its lock"
    line = one_error_line(CliResult(second.returncode, second.stdout, second.stderr))
    assert f"(process {first.pid}, started " in line, line
    assert f"`search index {more_documents} --index {seeded_index}" in line, line
    assert "gave up after 1 seconds" in line


def test_the_lock_wait_is_an_option_and_defaults_to_thirty_seconds(run_cli):
    result = run_cli("index", "--help")
    assert result.code == 0
    assert "--wait" in result.stdout and "30" in result.stdout


# --- (c) a damaged or foreign index -----------------------------------------------------------

def _segment(index_dir: Path) -> Path:
    """The segment's term dictionary (segments are separate files, read when the index opens)."""
    [terms] = sorted(index_dir.glob("MAIN_*.trm"))
    return terms


def _garble_header(path: Path) -> None:
    """Garbage over the start of a file (damage deep inside a segment file is only met, and
    reported with the rebuild hint, when a search reads that part)."""
    data = bytearray(path.read_bytes())
    data[:64] = random.Random(3).randbytes(64)
    path.write_bytes(bytes(data))


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(size)


DAMAGE = {
    "segment-truncated": lambda ix: _truncate(_segment(ix), 1000),
    "segment-emptied": lambda ix: _truncate(_segment(ix), 0),
    "segment-deleted": lambda ix: _segment(ix).unlink(),
    "segment-garbled": lambda ix: _garble_header(_segment(ix)),
    "toc-garbage": lambda ix: next(ix.glob("_MAIN_*.toc")).write_bytes(os.urandom(100)),
    "toc-emptied": lambda ix: _truncate(next(ix.glob("_MAIN_*.toc")), 0),
    "metadata-garbage": lambda ix: (ix / "search-meta.json").write_bytes(b"{\x00garbage"),
    "metadata-deleted": lambda ix: (ix / "search-meta.json").unlink(),
}


@pytest.fixture
def seed_copy_index(tmp_path) -> Path:
    assert update_index(tmp_path / "index", [CORPUS]).added == 5
    return tmp_path / "index"


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_index_names_rebuild_and_rebuild_recovers(seed_copy_index, run_cli, damage):
    damage(seed_copy_index)

    line = one_error_line(run_cli("Amraam", "--index", "index"))  # the real command, once
    assert "search index --rebuild" in line, line
    for args in (("stats",), ("show", TELEGRAPH_PRINT), ("index", str(CORPUS))):
        line = one_error_line(run_main(*args, "--index", str(seed_copy_index)))
        assert "search index --rebuild" in line, (args, line)

    rebuilt = run_main("index", "--rebuild", str(CORPUS), "--index", str(seed_copy_index))
    assert rebuilt.code == 0, rebuilt.stderr
    assert "added 5," in rebuilt.stdout
    found = run_main("--json", "Amraam", "--index", str(seed_copy_index))
    assert found.code == 0, found.stderr
    assert [hit["id"] for hit in json.loads(found.stdout)["results"]] == [TELEGRAPH_PRINT]


def test_a_foreign_folder_is_reported_and_never_emptied(tmp_path, run_cli):
    foreign = tmp_path / "holiday-photos"
    foreign.mkdir()
    files = {"IMG_0001.jpg": os.urandom(2000), "notes.txt": b"not an index", "MAIN_x.seg.bak": b"\x00" * 10}
    for name, data in files.items():
        (foreign / name).write_bytes(data)

    assert "search index" in one_error_line(run_cli("Amraam", "--index", str(foreign)))
    for args in (("index", str(CORPUS)), ("index", "--rebuild", str(CORPUS))):
        line = one_error_line(run_main(*args, "--index", str(foreign)))
        assert "not an index" in line, line
    assert {p.name: p.read_bytes() for p in foreign.iterdir()} == files
