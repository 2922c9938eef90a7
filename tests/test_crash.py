"""A run killed with SIGKILL loses nothing: the index opens at its last commit, searches
work, and running `search index` again leaves every document present exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from index_reading import generation, stored_documents

from search.engine import Engine

FILES = 400
COMMIT_EVERY = 40


def write_corpus(root: Path) -> set[str]:
    """One article per file (a commit can only fall between files)."""
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
