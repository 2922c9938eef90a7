"""The embedded backend: damage in its files (rebuild) told from a bug; a live engine across merges and
rebuilds of the folder it reads."""

import errno
import json
import struct
import threading
import time

import pytest
from conftest import ids
from index_reading import EachRead

from search.backends.whoosh.backend import OPEN_RETRY_PAUSES, is_damage, is_unavailable
from search.backends.whoosh.merging import ParallelMerge
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


class MergeKilled(Exception):
    """Stands for a `kill -9` landing in a run's final merge (the commits before it are kept)."""


def test_a_merge_a_stopped_run_left_undone_is_finished_by_the_next_run_with_nothing_to_read(
        tmp_path, monkeypatch):
    folder = tmp_path / "batches"
    folder.mkdir()
    for batch in range(MAX_SEGMENTS + 2):
        (folder / f"batch-{batch}.jsonl").write_text("".join(
            json.dumps({"id": f"b{batch}-{i}", "text": f"batch {batch} doc {i}"}) + "\n" for i in range(20)),
            encoding="utf-8")

    def killed(self, *args, **kwargs):
        raise MergeKilled

    with monkeypatch.context() as patched:
        patched.setattr(ParallelMerge, "__call__", killed)
        with pytest.raises(MergeKilled):
            update_index(tmp_path / "index", [folder], commit_every=20)
    assert segment_count(tmp_path / "index") > MAX_SEGMENTS

    again = update_index(tmp_path / "index", [folder])

    assert (again.added, again.unchanged) == (0, 20 * (MAX_SEGMENTS + 2))
    assert segment_count(tmp_path / "index") <= 2
    assert Engine(tmp_path / "index").search("batch doc", limit=1)["total"] == 20 * (MAX_SEGMENTS + 2)


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
