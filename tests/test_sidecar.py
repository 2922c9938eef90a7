"""A `metadata.csv` beside saved texts gives them date, source, URL, authors and headline."""

from __future__ import annotations

from search.backends import open_backend
from search.engine import Engine
from search.indexer import update_index
from search.request import Filters, SearchRequest

PLAIN = "Grain exports rose sharply this week as the harbour reopened after the storm.\n"
HEADER = "file,date,source,url,authors,title\n"


def write_folder(root, table: str | None) -> None:
    root.mkdir(exist_ok=True)
    (root / "grain.txt").write_text(PLAIN, encoding="utf-8")
    (root / "other.txt").write_text("Coffee prices fell on Monday in a quiet market for beans.\n",
                                    encoding="utf-8")
    if table is not None:
        (root / "metadata.csv").write_text(table, encoding="utf-8")


def stored(index) -> dict:
    engine = Engine(open_backend("whoosh", index))
    return {doc_id: engine.article(doc_id) for doc_id in ("grain", "other")}


def test_a_row_gives_its_file_the_facts_its_text_lacks(tmp_path):
    root, index = tmp_path / "corpus", tmp_path / "index"
    write_folder(root, HEADER + "grain.txt,2022-10-12T08:30:00,Harbour Gazette,https://example.org/grain,"
                                "Ann Smith; Bo Li,Grain exports rise\n")
    report = update_index(index, [root])
    assert report.added == 2 and not report.problems
    grain, other = stored(index).values()
    assert (grain["date"], grain["source"], grain["url"]) == ("2022-10-12T08:30:00", "Harbour Gazette",
                                                             "https://example.org/grain")
    assert grain["authors"] == ["Ann Smith", "Bo Li"] and grain["headline"] == "Grain exports rise"
    assert (other["date"], other["source"]) == (None, None), "a file without a row keeps its own"
    browse = SearchRequest("", filters=Filters(source="Harbour Gazette"))
    assert [hit["id"] for hit in Engine(open_backend("whoosh", index)).search(browse)["results"]] == ["grain"]


def test_editing_a_row_indexes_its_file_again_and_removing_it_restores_the_files_own(tmp_path):
    root, index = tmp_path / "corpus", tmp_path / "index"
    write_folder(root, HEADER + "grain.txt,2022-10-12,Harbour Gazette,,,\n")
    update_index(index, [root])
    (root / "metadata.csv").write_text(HEADER + "grain.txt,2022-11-02,Harbour Gazette,,,\n", encoding="utf-8")
    report = update_index(index, [root])
    assert (report.updated, report.unchanged) == (1, 1)
    assert stored(index)["grain"]["date"] == "2022-11-02"
    (root / "metadata.csv").unlink()
    report = update_index(index, [root])
    assert (report.updated, report.unchanged) == (1, 1)
    assert stored(index)["grain"]["date"] is None
    assert update_index(index, [root]).unchanged == 2, "nothing changed: nothing read again"


def test_a_bad_value_is_reported_and_the_rest_kept(tmp_path):
    root, index = tmp_path / "corpus", tmp_path / "index"
    write_folder(root, HEADER + "grain.txt,last Tuesday-ish,Harbour Gazette,,,\n"
                                "missing.txt,2022-01-01,X,,,\n")
    report = update_index(index, [root])
    assert report.added == 2
    bad_date, no_file = sorted(report.problems, key=lambda problem: problem.location)
    assert bad_date.location == "corpus/metadata.csv:2" and "not a date" in bad_date.reason
    assert no_file.location == "corpus/metadata.csv:3" and "'missing.txt' is no file" in no_file.reason
    assert not bad_date.fatal and not no_file.fatal
    grain = stored(index)["grain"]
    assert grain["date"] is None and grain["source"] == "Harbour Gazette"


def test_a_table_without_a_file_column_is_no_table_and_says_so(tmp_path):
    root, index = tmp_path / "corpus", tmp_path / "index"
    write_folder(root, "name,date,source\ngrain.txt,2022-10-12,Harbour Gazette\n")
    report = update_index(index, [root])
    assert report.added == 2
    [problem] = report.problems
    assert problem.location == "corpus/metadata.csv" and "no `file` column" in problem.reason
    assert not problem.fatal
    assert stored(index)["grain"]["source"] is None
