"""The Whoosh backend's store: an index another program built with Whoosh says to rebuild; a
commit is on disk before it is shown; the arrays kept with a commit read back as written."""

import os

from conftest import CORPUS, one_error_line
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema

from search.indexer import update_index


def test_an_index_built_by_plain_whoosh_names_rebuild(tmp_path, run_cli):
    other = tmp_path / "other"
    other.mkdir()
    writer = whoosh_index.create_in(str(other), Schema(body=TEXT(stored=True))).writer()
    writer.add_document(body="an index some other program built")
    writer.commit()

    assert "search index --rebuild" in one_error_line(run_cli("Amraam", "--index", str(other)))
    rebuilt = run_cli("index", "--rebuild", str(CORPUS), "--index", str(other))
    assert rebuilt.code == 0, rebuilt.stderr
    assert run_cli("Amraam", "--index", str(other)).code == 0


def test_a_commit_is_on_disk_before_it_is_shown(tmp_path, monkeypatch):
    """Every file a commit writes, and the folder after each rename, is flushed to disk; the
    table of contents that shows the commit is renamed into place after its segment's files
    were flushed."""
    flushed: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor: int) -> None:
        flushed.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    index_dir = tmp_path / "index"
    update_index(index_dir, [CORPUS])

    toc = max(index_dir.glob("_MAIN_*.toc"))
    segment_files = [path for path in index_dir.glob("MAIN_*") if path.name != "MAIN_WRITELOCK"]
    assert segment_files
    assert {str(path) for path in segment_files} <= set(flushed)
    assert str(index_dir / ".search-meta.json.tmp") in flushed, "the state, before it is renamed"
    beside = [path.name for path in index_dir.iterdir() if path.suffix in (".npz", ".tsv")]
    assert len(beside) >= 3, beside  # the commit's columns and facets, and the stem table
    assert {str(index_dir / f".{name}.tmp") for name in beside} <= set(flushed), "each, before its rename"
    renamed_toc = [at for at, path in enumerate(flushed) if path == str(index_dir)]
    written_toc = [at for at, path in enumerate(flushed) if path.startswith(str(toc))]
    assert written_toc and renamed_toc and max(renamed_toc) > min(written_toc)
    last_segment_file = max(flushed.index(str(path)) for path in segment_files)
    assert last_segment_file < min(written_toc), "the table of contents is written after the segment"


def test_arrays_kept_with_a_commit_are_stored_narrow_and_read_back_as_written(tmp_path):
    """A commit's facet table and columns take the fewest bytes their integers need on disk and
    read back with their own types and values."""
    import numpy as np

    from search.backends.whoosh.store import kept_names, read_kept, write_kept

    arrays = {"docs": np.arange(300, dtype=np.int64), "dates": np.array([2**40, 5], dtype=np.uint64),
              "signed": np.array([-1, 3], dtype=np.int64), "count": np.array(7),
              "id_ranks": np.array([1, 0], dtype=np.int64), "story_codes": np.array([4, 4], dtype=np.int64)}
    write_kept(tmp_path, 3, "columns", arrays)
    with np.load(tmp_path / "columns-3.npz") as stored:
        assert stored["docs"].dtype == np.uint16 and stored["count"].dtype == np.uint8
    found = read_kept(tmp_path, 3)
    assert {name: (values.dtype, values.tolist()) for name, values in found.items()} == \
        {name: (values.dtype, values.tolist()) for name, values in arrays.items()}
    assert list(kept_names(tmp_path, 3, "columns")) == list(arrays)
