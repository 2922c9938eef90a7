"""The embedded backend: damage in its files (rebuild) told from a bug; a live engine across merges and
rebuilds of the folder it reads."""

import errno
import json
import struct

import pytest
from conftest import ids

from search.backends.whoosh.backend import is_damage, is_unavailable
from search.backends.whoosh.sink import MAX_SEGMENTS
from search.backends.whoosh.store import clear_index
from search.engine import Engine
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


def test_searches_answer_from_the_last_commit_while_the_index_is_rebuilt(tmp_path, corpus_copy):
    index_dir = tmp_path / "index"
    update_index(index_dir, [corpus_copy])
    engine = Engine(index_dir)
    before = engine.search("Amraam")
    clear_index(index_dir)  # what `search index --rebuild` does first
    during = engine.search("Amraam")
    assert ids(during) == ids(before) and during["total"] == before["total"]
    update_index(index_dir, [corpus_copy], rebuild=True)
    after = engine.search("Amraam")
    assert ids(after) == ids(before)
    assert engine.view().searcher.up_to_date()
