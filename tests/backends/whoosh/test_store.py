"""The Whoosh backend's store: an index another program built with Whoosh says to rebuild; a
commit is on disk before it is shown."""

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
