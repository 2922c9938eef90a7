"""Indexing into a full disk (issue 22, §4): one line naming the disk and the space needed, the
run's unfinished files removed, the last commit still answering, and a run after space is freed
completing. The disk is a small tmpfs the test mounts (root only: skipped with the reason else)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, one_error_line
from corpus_generator import write_corpus

from search.engine import Engine

SMALL_DISK_MB = 4  # the seed articles' index fits, a 3,000-article file's does not
WRITERS_DISK_MB = 12  # a 6,000-article file (analysed by writer processes) fills it in their segments


@pytest.fixture
def small_disk(tmp_path) -> Path:
    yield from mounted_disk(tmp_path, SMALL_DISK_MB)


@pytest.fixture
def writers_disk(tmp_path) -> Path:
    """A disk the main process's files fit on and the writer processes' segments do not."""
    yield from mounted_disk(tmp_path, WRITERS_DISK_MB)


def mounted_disk(tmp_path: Path, megabytes: int):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(mount: Path, megabytes: int) -> None:
    """Make room: the disk grows, as if files elsewhere on it were deleted."""
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(mount)], check=True)


def file_names(index: Path) -> set[str]:
    return {path.name for path in index.iterdir()}


def test_a_full_disk_stops_the_run_with_one_line_and_leaves_the_last_commit(run_cli, small_disk, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = small_disk / "index"
    assert run_cli("index", "--index", str(index), str(corpus)).code == 0
    before = file_names(index)
    seeds = Engine(index).stats()["documents"]
    write_corpus(corpus / "wire.jsonl", 3_000)

    full = run_cli("index", "--index", str(index), str(corpus))
    line = one_error_line(full)
    assert "is full" in line and str(small_disk) in line and "MB free" in line, line
    assert "Traceback" not in full.stderr
    assert file_names(index) - before <= {"MAIN_WRITELOCK"}, "the run's unfinished files are gone"
    engine = Engine(index)
    assert engine.stats()["documents"] == seeds and engine.search("Wallace")["total"] > 0

    grow(small_disk, 64)
    again = run_cli("index", "--index", str(index), str(corpus))
    assert again.code == 0, again.stderr
    assert Engine(index).stats()["documents"] == seeds + 3_000


def test_a_new_index_on_a_disk_already_full_is_one_line_and_no_half_made_index(run_cli, small_disk):
    filler = small_disk / "filler"
    with filler.open("wb") as out, pytest.raises(OSError):
        while True:
            out.write(b"\0" * (1 << 20))
            out.flush()
    index = small_disk / "index"

    full = run_cli("index", "--index", str(index), str(CORPUS))
    line = one_error_line(full)
    assert "is full" in line and str(small_disk) in line and "nothing was indexed" in line, line
    assert not index.exists() or file_names(index) == set(), "no half-made index is left"

    filler.unlink()
    again = run_cli("index", "--index", str(index), str(CORPUS))
    assert again.code == 0, again.stderr
    assert Engine(index).search("Wallace")["total"] > 0


def test_a_rebuild_into_a_full_disk_keeps_the_old_index(run_cli, small_disk, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = small_disk / "index"
    assert run_cli("index", "--index", str(index), str(corpus)).code == 0
    seeds = Engine(index).stats()["documents"]
    write_corpus(corpus / "wire.jsonl", 3_000)

    full = run_cli("index", "--index", str(index), "--rebuild", str(corpus))
    assert "is full" in one_error_line(full)
    assert not (index / ".rebuild").exists()
    assert Engine(index).stats()["documents"] == seeds


def test_writer_processes_that_fill_the_disk_stop_the_run_and_lose_nothing(run_cli, writers_disk, tmp_path):
    """Whoosh's multiprocess writer committed without a writer process that died of the full disk,
    so the run recorded the file as indexed and a run after space was freed added nothing."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus / "wire.jsonl", 6_000)  # over the size analysed in writer processes
    index = writers_disk / "index"
    full = run_cli("index", "--index", str(index), str(corpus))
    assert "is full" in one_error_line(full) and "Traceback" not in full.stderr
    grow(writers_disk, 300)
    again = run_cli("index", "--index", str(index), str(corpus))
    assert again.code == 0, again.stderr
    assert Engine(index).stats()["documents"] == 6_000
