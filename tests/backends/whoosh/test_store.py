"""The Whoosh backend's store: an index another program built with Whoosh says to rebuild."""

from conftest import CORPUS, one_error_line
from whoosh import index as whoosh_index
from whoosh.fields import TEXT, Schema


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
