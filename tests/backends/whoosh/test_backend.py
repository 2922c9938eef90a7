"""The embedded backend: damage in its files (rebuild) told from a bug; a live engine across merges and
rebuilds of the folder it reads."""

import errno
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import pytest
from conftest import ids
from index_reading import EachRead

from search.backends.whoosh.backend import OPEN_RETRY_PAUSES, is_damage, is_unavailable
from search.backends.whoosh.sink import MAX_SEGMENTS
from search.backends.whoosh.store import REBUILD_FOLDER
from search.engine import Engine
from search.errors import IndexBusy, IndexIncompatible
from search.indexer import update_index


def raised(action) -> BaseException:
    with pytest.raises(BaseException) as caught:
        action()
    return caught.value


def test_an_error_raised_in_our_own_code_is_a_bug_not_damage():
    assert not is_damage(raised(lambda: {}["missing"]))
    assert not is_damage(raised(lambda: None.attribute))


def test_a_truncated_read_is_damage(tmp_path):
    assert is_damage(raised(lambda: struct.unpack("<I", b"\x00")))
    assert is_damage(raised(lambda: (tmp_path / "gone.pst").read_bytes()))


def test_a_read_refused_or_failing_for_now_is_unavailable_not_damage():
    refused = PermissionError(errno.EACCES, "Permission denied")
    assert is_unavailable(refused) and not is_unavailable(FileNotFoundError(errno.ENOENT, "gone"))
    assert is_unavailable(OSError(errno.EIO, "Input/output error"))


def test_a_live_engine_sees_a_merged_index_once(tmp_path):
    """A run that leaves more than MAX_SEGMENTS segments ends by merging them; an engine opened
    before it must then count every document once (Whoosh's refresh kept a merged-away segment)."""
    first, more = tmp_path / "first", tmp_path / "more"
    first.mkdir()
    more.mkdir()
    seeds = [json.dumps({"id": f"seed-{i}", "text": f"seed word {i}"}) for i in range(50)]
    (first / "seed.jsonl").write_text("\n".join(seeds) + "\n", encoding="utf-8")
    update_index(tmp_path / "index", [first])
    engine = Engine(tmp_path / "index")
    assert engine.stats()["documents"] == 50
    batches = MAX_SEGMENTS + 1
    for batch in range(batches):
        (more / f"batch-{batch}.jsonl").write_text("".join(
            json.dumps({"id": f"b{batch}-{i}", "text": f"batch {batch} doc {i}"}) + "\n" for i in range(100)),
            encoding="utf-8")
    update_index(tmp_path / "index", [more], commit_every=100)
    assert len(engine.view().searcher.reader().leaf_readers()) == 1, "the run should end merged"
    assert engine.stats()["documents"] == 50 + 100 * batches
    assert engine.search("seed word", limit=1)["total"] == 50


def test_searches_answer_from_the_old_index_until_a_rebuild_moves_in(tmp_path, corpus_copy):
    """`--rebuild` writes beside the live index and moves in at its end: an engine open before,
    and one opened while it writes, answer from the old index with its whole total, and their
    health says so (ok, the old index's documents); no second run can write meanwhile; after it,
    the rebuilt index answers and nothing of the old stays."""
    index_dir = tmp_path / "index"
    update_index(index_dir, [corpus_copy])
    engine = Engine(index_dir)
    before = engine.search("Amraam")
    healthy = engine.health()
    assert healthy["status"] == "ok" and healthy["documents"] > 0
    (corpus_copy / "late.txt").write_text(
        "Amraam deliveries resume\n\nThe first Amraam missiles of the new order arrived.\n", encoding="utf-8")
    seen, health = [], []

    def while_rebuilding(reads: int) -> None:
        seen.append((engine.search("Amraam")["total"], Engine(index_dir).search("Amraam")["total"]))
        health.extend((engine.health(), Engine(index_dir).health()))
        with pytest.raises(IndexBusy):
            update_index(index_dir, [corpus_copy], lock_timeout=0.1)

    update_index(index_dir, [corpus_copy], rebuild=True, commit_every=1, progress=EachRead(while_rebuilding))

    assert seen and set(seen) == {(before["total"], before["total"])}
    assert health and all(found == healthy for found in health), health
    after = engine.search("Amraam")
    assert after["total"] == before["total"] + 1 and "late" in ids(after)
    assert Engine(index_dir).search("Amraam")["total"] == before["total"] + 1
    assert not (index_dir / REBUILD_FOLDER).exists()
    assert len(list(index_dir.glob("_MAIN_*.toc"))) == 1 and len(list(index_dir.glob("columns-*.npz"))) == 1


PAUSED_IN_MERGE = """
import sys, time
from pathlib import Path
from search.backends.whoosh import merging
from search.cli import main

marker, copied = Path(sys.argv[1]), []
original = merging.StreamingMergeWriter.add_segment

def add_segment(self, segment):
    original(self, segment)
    copied.append(segment)
    if len(copied) == 2:  # the merged segment's files half written
        marker.write_text("merging")
        time.sleep(600)

merging.StreamingMergeWriter.add_segment = add_segment
sys.argv = ["search", *sys.argv[2:]]
sys.exit(main())
"""


def test_a_kill_9_inside_the_final_merge_is_finished_by_the_next_run_with_nothing_to_read(tmp_path):
    """A real `kill -9` of a `search index` run's process group while its final merge has written
    part of the merged segment (the run is held there, then killed): the commits before the merge
    stay whole, and the next run, with nothing to read, takes the dead run's lock, finishes the
    merge and leaves no file of the killed merge behind."""
    folder, index_dir, marker = tmp_path / "batches", tmp_path / "index", tmp_path / "merging"
    folder.mkdir()
    for batch in range(MAX_SEGMENTS + 2):
        (folder / f"batch-{batch}.jsonl").write_text("".join(
            json.dumps({"id": f"b{batch}-{i}", "text": f"batch {batch} doc {i}"}) + "\n" for i in range(20)),
            encoding="utf-8")
    expected = sorted(f"b{batch}-{i}" for batch in range(MAX_SEGMENTS + 2) for i in range(20))
    command = ["index", str(folder), "--index", str(index_dir), "--commit-every", "20"]
    run = subprocess.Popen([sys.executable, "-c", PAUSED_IN_MERGE, str(marker), *command],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), f"the run never reached its final merge: {run.poll()}"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)

    assert stray_files(index_dir), "the killed merge should leave its merged segment's files"
    assert segment_count(index_dir) > MAX_SEGMENTS
    assert sorted(ids(Engine(index_dir).search("batch doc", limit=1000))) == expected

    again = subprocess.run([sys.executable, "-m", "search.cli", *command],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"added 0, updated 0, removed 0, unchanged {len(expected)},")
    assert segment_count(index_dir) <= 2
    assert stray_files(index_dir) == []
    assert sorted(ids(Engine(index_dir).search("batch doc", limit=1000))) == expected
    checked = subprocess.run([sys.executable, "-m", "search.cli", "check", "--index", str(index_dir)],
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def stray_files(index_dir) -> list[str]:
    """The index's segment files that belong to no segment of its latest commit."""
    leaves = Engine(index_dir).view().searcher.reader().leaf_readers()
    live = {leaf.segment().segment_id() for leaf, _ in leaves}
    return sorted(path.name for path in index_dir.glob("MAIN*")
                  if path.name != "MAIN_WRITELOCK" and path.name.split(".")[0] not in live)


def segment_count(index_dir) -> int:
    return len(Engine(index_dir).view().searcher.reader().leaf_readers())


def test_a_threads_first_view_tries_again_before_calling_the_index_damaged(tmp_path, corpus_copy):
    """A thread's first view that meets a segment file missing for a moment (a rebuild moving
    its files in) opens once it is back; one missing for good is damage, said only after the
    tries (before, 2 of 5,653 answers during rebuilds told the user to rebuild a sound index)."""
    index_dir = tmp_path / "index"
    update_index(index_dir, [corpus_copy])
    engine = Engine(index_dir)
    assert engine.search("Amraam")["total"] > 0  # this thread's view; the query side warmed up
    segment = next(index_dir.glob("*.trm"))
    aside = segment.with_name(segment.name + ".moving")
    segment.rename(aside)
    threading.Timer(0.3, aside.rename, args=(segment,)).start()
    answers = []
    opened = threading.Thread(target=lambda: answers.append(engine.search("Amraam")["total"]))
    opened.start()
    opened.join()
    assert answers and answers[0] > 0
    segment.rename(aside)
    elsewhere = []
    started = time.monotonic()
    failed = threading.Thread(target=lambda: elsewhere.append(raised(lambda: engine.search("Amraam"))))
    failed.start()
    failed.join()
    assert isinstance(elsewhere[0], IndexIncompatible)
    assert time.monotonic() - started >= sum(OPEN_RETRY_PAUSES), "called damaged without trying again"
