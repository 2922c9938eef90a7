"""The lock's owner as the busy message names it (search/backends/whoosh/lockowner.py); the two
indexers meeting at the lock are tests/test_concurrency.py's."""

from __future__ import annotations

import json
import os

from search.backends.whoosh.lockowner import describe_owner, record_owner


def test_the_run_that_takes_the_lock_is_named_by_id_start_and_command(tmp_path):
    lock = tmp_path / "MAIN_WRITELOCK"
    record_owner(lock)
    described = describe_owner(lock)
    assert described.startswith(f"process {os.getpid()}, started ") and "`" in described, described


def test_an_owner_whose_id_now_names_another_process_is_said_to_have_ended(tmp_path):
    lock = tmp_path / "MAIN_WRITELOCK"
    record_owner(lock)
    record = json.loads(lock.read_text(encoding="utf-8"))
    lock.write_text(json.dumps({**record, "start_ticks": record["start_ticks"] + 1}), encoding="utf-8")
    assert "has ended" in describe_owner(lock)


def test_a_lock_file_that_names_no_one_leaves_the_message_as_it_was(tmp_path):
    lock = tmp_path / "MAIN_WRITELOCK"
    for content in ("", "{not json", json.dumps({"pid": "x"})):
        lock.write_text(content, encoding="utf-8")
        assert describe_owner(lock) == ""
