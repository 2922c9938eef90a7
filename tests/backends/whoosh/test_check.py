"""`search check` on the Whoosh backend (search/backends/whoosh/check.py): a real index read whole,
then damaged file by file, through the function and the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, one_error_line

from search.backends.whoosh.check import check_index
from search.backends.whoosh.store import SUMS_EXT
from search.indexer import update_index


@pytest.fixture(scope="module")
def sound_index(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("check") / "index"
    update_index(directory, [CORPUS])
    return directory


@pytest.fixture
def index_copy(sound_index, tmp_path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(sound_index, copy)
    return copy


def garble(path: Path) -> None:
    """Flip 64 bytes a third of the way into a file."""
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    for at in range(start, min(start + 64, len(data))):
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_sound_index_has_no_problem(sound_index):
    assert check_index(sound_index) == []


@pytest.mark.parametrize(("pattern", "part"), [
    ("MAIN_*.pst", "terms and postings"),
    ("MAIN_*._stored.col", "stored articles"),
    ("MAIN_*.arr", "arrays file"),
    ("MAIN_*.trm", "terms and postings"),
    ("columns-*.npz", "columns-"),
    ("facets-*.npz", "facets-"),
    ("stems.tsv", "stems.tsv"),
])
def test_a_garbled_file_is_named_with_the_part_it_holds(index_copy, pattern, part):
    [path] = index_copy.glob(pattern)
    garble(path)
    problems = check_index(index_copy)
    assert problems and any(part in problem for problem in problems), problems


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("pattern", ["MAIN_*._content_len.col", "MAIN_*.id.col", "MAIN_*._stored.col"])
def test_one_flipped_bit_that_still_reads_is_found_by_the_segments_checksums(index_copy, pattern):
    """A length, an id or a stored article's byte changed on disk still reads as a value: only
    the sums noted as each segment file closed tell it from the value written."""
    [path] = index_copy.glob(pattern)
    flip_one_byte(path)
    assert f"segment {path.name.split('.')[0]}: files: {path.name} does not match its checksum" \
        in check_index(index_copy)


def test_a_segment_written_before_its_sums_file_is_read_whole_as_before(index_copy):
    [sums] = index_copy.glob(f"MAIN_*{SUMS_EXT}")
    sums.unlink()
    assert check_index(index_copy) == []
    sums.write_text("not a sums line\n", encoding="utf-8")
    [problem] = check_index(index_copy)
    assert f"{sums.name} cannot be read" in problem


def test_a_stem_table_line_that_is_not_nltks_stem_is_named(index_copy):
    path = index_copy / "stems.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(number for number, line in enumerate(lines) if line.startswith("missile\t"))
    lines[at] = "missile\tmissal"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check_index(index_copy) == [f"stems.tsv: line {at + 1} gives 'missile' the stem 'missal', "
                                       f"NLTK's is 'missil'"]


@pytest.mark.parametrize("pattern", ["MAIN_*.pst", "MAIN_*.arr"])
def test_a_missing_segment_file_says_the_index_is_damaged(index_copy, pattern):
    next(index_copy.glob(pattern)).unlink()
    [problem] = check_index(index_copy)
    assert "damaged" in problem and "--rebuild" in problem


def test_the_command_exits_0_when_sound_1_when_damaged_2_without_an_index(run_cli, index_copy, tmp_path):
    sound = run_cli("check", "--index", str(index_copy))
    assert sound.code == 0 and "sound" in sound.stdout
    garble(next(index_copy.glob("MAIN_*.pst")))
    damaged = run_cli("check", "--index", str(index_copy))
    assert damaged.code == 1
    lines = damaged.stdout.strip().splitlines()
    assert lines[0].startswith("damaged: segment ") and "search index --rebuild" in lines[-1]
    missing = run_cli("check", "--index", str(tmp_path / "nothing-here"))
    assert "no index" in one_error_line(missing)


def test_an_undated_article_is_not_damage(tmp_path):
    """The date column holds a sentinel for an article without a date, which is no date to read
    (Reuters has such articles: check once called them an overflow)."""
    from conftest import build_jsonl_index

    index = build_jsonl_index(tmp_path, [{"id": "dated", "text": "Grain ships leave.", "date": "2022-10-01"},
                                         {"id": "undated", "text": "Grain ships return."}])
    assert check_index(index) == []
