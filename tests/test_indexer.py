"""search.indexer.update_index on real Whoosh indexes in tmp_path."""

from __future__ import annotations

import gc
import gzip
import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import HOLR, SEEDS, TELEGRAPH_PRINT, TELEGRAPH_WEB
from index_reading import EachRead, change_state, generation, stored_by_id, stored_documents

from search import indexer
from search.backends import DEFAULT_BACKEND, open_sink
from search.engine import Engine
from search.errors import IndexBusy, IndexIncompatible
from search.indexer import update_index
from search.ingest import Article
from search.stems import STEMS_FILE, StemTable

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")


stored_docs = stored_by_id


def found_ids(directory: Path, query: str) -> set[str]:
    return {hit["id"] for hit in Engine(directory).search(query, limit=100)["results"]}


def write_jsonl(path: Path, *records: dict | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def article(title: str, body: str) -> str:
    return f"{title}\n\n{body}\n"


def counts(report) -> tuple[int, int, int, int, int]:
    return report.added, report.updated, report.removed, report.unchanged, report.failed


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def indexed_copy(index_dir, corpus_copy) -> Path:
    """The corpus copy, indexed once."""
    report = update_index(index_dir, [corpus_copy])
    assert counts(report) == (5, 0, 0, 0, 0)
    return corpus_copy


# --- incremental runs -------------------------------------------------------------------------


def test_first_run_adds_all_and_second_run_commits_nothing(index_dir, corpus_copy):
    first = update_index(index_dir, [corpus_copy])
    assert counts(first) == (5, 0, 0, 0, 0)
    assert first.committed
    before = generation(index_dir)

    second = update_index(index_dir, [corpus_copy])

    assert counts(second) == (0, 0, 0, 5, 0)
    assert not second.committed
    assert generation(index_dir) == before


def test_runs_with_nothing_to_do_leave_the_index_folder_as_it_was(index_dir, indexed_copy):
    before = sorted(p.name for p in index_dir.iterdir())
    for _ in range(3):
        update_index(index_dir, [indexed_copy])
    assert sorted(p.name for p in index_dir.iterdir()) == before


def test_new_file_is_the_only_one_added(index_dir, indexed_copy):
    (indexed_copy / "new_story.txt").write_text(
        article("Grain deal collapses", "The Black Sea grain corridor closed on Monday."), encoding="utf-8")

    report = update_index(index_dir, [indexed_copy])

    assert counts(report) == (1, 0, 0, 5, 0)
    assert set(stored_docs(index_dir)) == {p.stem for p in SEEDS} | {"new_story"}
    assert found_ids(index_dir, "grain corridor") == {"new_story"}


def test_changed_file_is_updated_and_old_text_is_gone(index_dir, indexed_copy):
    path = indexed_copy / f"{HOLR}.txt"
    assert found_ids(index_dir, "Shapps") == {HOLR}
    path.write_text(path.read_text(encoding="utf-8").replace("Shapps", "Quillerbrook"), encoding="utf-8")

    report = update_index(index_dir, [indexed_copy])

    assert counts(report) == (0, 1, 0, 4, 0)
    assert len(stored_docs(index_dir)) == 5
    assert found_ids(index_dir, "Quillerbrook") == {HOLR}
    assert found_ids(index_dir, "Shapps") == set()


def test_deleted_file_is_removed(index_dir, indexed_copy):
    (indexed_copy / f"{TELEGRAPH_WEB}.txt").unlink()

    report = update_index(index_dir, [indexed_copy])

    assert counts(report) == (0, 0, 1, 4, 0)
    assert TELEGRAPH_WEB not in stored_docs(index_dir)
    assert found_ids(index_dir, "Shahed") == set()


def test_touched_file_is_unchanged(index_dir, indexed_copy):
    path = indexed_copy / f"{TELEGRAPH_PRINT}.txt"
    before = generation(index_dir)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))

    report = update_index(index_dir, [indexed_copy])

    assert counts(report) == (0, 0, 0, 5, 0)
    assert not report.committed
    assert generation(index_dir) == before


# --- several roots ----------------------------------------------------------------------------


@pytest.fixture
def two_roots(tmp_path) -> tuple[Path, Path]:
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    root_a.mkdir()
    root_b.mkdir()
    (root_a / "alpha.txt").write_text(article("Alpha story", "Artillery fire near Bakhmut."))
    (root_b / "beta.txt").write_text(article("Beta story", "Sanctions on oil exports."))
    return root_a, root_b


def test_indexing_one_root_leaves_another_roots_documents(index_dir, two_roots):
    root_a, root_b = two_roots
    update_index(index_dir, [root_a])

    report = update_index(index_dir, [root_b])

    assert counts(report) == (1, 0, 0, 0, 0)
    assert set(stored_docs(index_dir)) == {"alpha", "beta"}


def test_removed_file_goes_only_when_its_own_root_is_reindexed(index_dir, two_roots):
    root_a, root_b = two_roots
    update_index(index_dir, [root_a, root_b])
    (root_a / "alpha.txt").unlink()

    only_b = update_index(index_dir, [root_b])
    assert counts(only_b) == (0, 0, 0, 1, 0)
    assert set(stored_docs(index_dir)) == {"alpha", "beta"}

    with_a = update_index(index_dir, [root_a])
    assert counts(with_a) == (0, 0, 1, 0, 0)
    assert set(stored_docs(index_dir)) == {"beta"}


# --- duplicates and broken input --------------------------------------------------------------


def test_an_article_whose_analysis_fails_is_one_problem_and_the_others_are_enriched():
    """Each article is analysed in its own error boundary (issue 22 §1): an article no rule
    foresaw (here a body that is not text, which no reader makes) is reported at its line and
    skipped; the articles beside it keep their entities, signature and quotations."""
    good = Article(id="a", path="wire.jsonl", line=1, title="Wallace heads to Pentagon",
                   text='Ben Wallace flew to Washington. "We will help," Wallace said.')
    broken = Article(id="b", path="wire.jsonl", line=2, title="Broken", text=None)
    after = Article(id="c", path="wire.jsonl", line=3, text="Lloyd Austin met Ben Wallace in Washington.")
    extras, _ = indexer._enrich(([good, broken, after], {}))
    assert [type(extra).__name__ for extra in extras] == ["Enrichment", "Problem", "Enrichment"]
    assert extras[1].location == "wire.jsonl:2" and "cannot analyse the article" in extras[1].reason
    assert "Ben Wallace" in {entity.name for entity in extras[0].entities} and extras[0].quotes
    assert {"Lloyd Austin", "Washington"} <= {entity.name for entity in extras[2].entities}


FIRST = {"id": "dup-1", "title": "First version", "text": "The first record wins."}
SECOND = {"id": "dup-1", "title": "Second version", "text": "The second record is skipped."}


@pytest.mark.parametrize(
    ("files", "location", "kept"),
    [
        ({"feed.jsonl": [FIRST, SECOND]}, "feed.jsonl:2", "feed.jsonl:1"),
        ({"a.jsonl": [FIRST], "b.jsonl": [SECOND]}, "b.jsonl:1", "a.jsonl:1"),
    ],
    ids=["same-file", "two-files"],
)
def test_duplicate_id_is_reported_with_the_one_kept(tmp_path, index_dir, files, location, kept):
    root = tmp_path / "feeds"
    root.mkdir()
    for name, records in files.items():
        write_jsonl(root / name, *records)

    report = update_index(index_dir, [root])

    assert (report.added, report.failed) == (1, 1)
    assert [(p.location, "duplicate" in p.reason) for p in report.problems] == [(location, True)]
    assert report.problems[0].reason.endswith(f"the one indexed first is kept ({kept})")
    assert stored_docs(index_dir)["dup-1"]["title"] == "First version"


def test_a_new_file_cannot_displace_an_indexed_article_by_reusing_its_id(tmp_path, index_dir):
    root = tmp_path / "feeds"
    root.mkdir()
    write_jsonl(root / "zz-wire.jsonl", FIRST)
    update_index(index_dir, [root])
    write_jsonl(root / "aa-later.jsonl", SECOND)  # read first in path order, but indexed later

    report = update_index(index_dir, [root])

    assert [str(problem) for problem in report.problems] == [
        "aa-later.jsonl:1: duplicate id 'dup-1', skipped; the one indexed first is kept (zz-wire.jsonl)"]
    assert stored_docs(index_dir)["dup-1"]["title"] == "First version"


def _truncated_jsonl(root: Path) -> Path:
    good = {"id": "good-1", "title": "Good", "text": "A complete record."}
    later = {"id": "good-2", "title": "Also good", "text": "Another complete record."}
    return write_jsonl(root / "feed.jsonl", good, '{"id": "broken", "text": "cut off in the mid', later)


BROKEN_INPUTS = {
    "truncated-json-line": (_truncated_jsonl, "feed.jsonl:2", {"good-1", "good-2"}),
    "empty-file": (lambda root: (root / "empty.txt").write_bytes(b""), "empty.txt", set()),
    "whitespace-file": (lambda root: (root / "blank.jsonl").write_text("\n \n"), "blank.jsonl", set()),
    "binary-file": (lambda root: (root / "blob.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50),
                    "blob.txt", set()),
    "record-not-object": (lambda root: write_jsonl(root / "list.jsonl", '"a bare string"'),
                          "list.jsonl:1", set()),
}


@pytest.mark.parametrize("make_broken", BROKEN_INPUTS.values(), ids=BROKEN_INPUTS.keys())
def test_broken_input_is_reported_and_the_rest_is_indexed(index_dir, corpus_copy, make_broken):
    write, location, extra_ids = make_broken
    write(corpus_copy)

    report = update_index(index_dir, [corpus_copy])

    assert report.failed == 1
    assert [p.location for p in report.problems] == [location]
    assert report.added == 5 + len(extra_ids)
    assert report.committed
    assert set(stored_docs(index_dir)) == {p.stem for p in SEEDS} | extra_ids


# --- what is stored ---------------------------------------------------------------------------


def test_stored_path_is_relative_to_the_root_and_ids_are_safe(tmp_path, index_dir):
    root = tmp_path / "news"
    (root / "world" / "europe").mkdir(parents=True)
    (root / "world" / "europe" / "kyiv talks.txt").write_text(
        article("Talks in Kyiv", "Diplomats met in Kyiv."), encoding="utf-8")
    write_jsonl(root / "wire.jsonl", {"id": "AP/2022 10?18 #1", "title": "Wire", "text": "Wire copy."},
                {"title": "No id", "text": "A record without an id."})

    update_index(index_dir, [root])
    docs = stored_docs(index_dir)

    paths = sorted(d["path"] for d in docs.values())
    assert paths == ["wire.jsonl", "wire.jsonl", "world/europe/kyiv talks.txt"]
    assert all(SAFE_ID.match(doc_id) for doc_id in docs), sorted(docs)


def test_seed_paths_are_file_names(seed_index):
    docs = stored_docs(seed_index)
    assert {doc_id: d["path"] for doc_id, d in docs.items()} == {p.stem: p.name for p in SEEDS}


def test_dates_come_from_the_data_never_the_file_time(tmp_path, index_dir):
    root = tmp_path / "feeds"
    root.mkdir()
    write_jsonl(root / "feed.jsonl",
                {"id": "dated", "title": "Dated", "text": "Text.", "date": "2022-10-18"},
                {"id": "undated", "title": "Undated", "text": "No date in this record."})
    (root / "plain.txt").write_text(article("Plain undated story", "Nothing says when."), encoding="utf-8")
    for path in root.iterdir():
        os.utime(path, (1_600_000_000, 1_600_000_000))

    update_index(index_dir, [root])
    docs = stored_docs(index_dir)

    assert docs["dated"]["date"] == datetime(2022, 10, 18)
    assert docs["undated"].get("date") is None
    assert docs["plain"].get("date") is None
    answer = Engine(index_dir).search("dated OR undated OR plain")
    dates = {hit["id"]: hit["date"] for hit in answer["results"]}
    assert dates == {"dated": "2022-10-18", "undated": None, "plain": None}


# --- rebuild and compatibility ----------------------------------------------------------------


def test_rebuild_starts_a_fresh_index(tmp_path, index_dir, indexed_copy, two_roots):
    root_a, _ = two_roots

    report = update_index(index_dir, [root_a], rebuild=True)

    assert counts(report) == (1, 0, 0, 0, 0)
    assert set(stored_docs(index_dir)) == {"alpha"}


@pytest.mark.parametrize("change", [{"format": 999}, {"tables": "0123456789abcdef"}],
                         ids=["format", "tables"])
def test_index_from_other_version_is_refused_until_rebuilt(index_dir, indexed_copy, change):
    change_state(index_dir, **change)

    with pytest.raises(IndexIncompatible, match="search index --rebuild"):
        Engine(index_dir)

    update_index(index_dir, [indexed_copy], rebuild=True)
    assert Engine(index_dir).search("Amraam")["results"][0]["id"] == TELEGRAPH_PRINT


@pytest.mark.parametrize("with_index", [False, True], ids=["plain-folder", "index-plus-foreign-file"])
def test_rebuild_refuses_a_folder_with_foreign_files(tmp_path, corpus_copy, with_index):
    folder = tmp_path / "precious"
    folder.mkdir()
    if with_index:
        update_index(folder, [corpus_copy])
    (folder / "thesis.docx").write_bytes(b"years of work")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    with pytest.raises(IndexIncompatible, match="thesis.docx"):
        update_index(folder, [corpus_copy], rebuild=True)

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# --- user variants ----------------------------------------------------------------------------


def test_user_variant_is_searchable_as_the_canonical_form(tmp_path, index_dir, corpus_copy, engine):
    variants = tmp_path / "variants.tsv"
    variants.write_text("shapps\tschapps shaps\n", encoding="utf-8")
    without = engine.search("Schapps")
    assert (without["total"], without["suggestion"]) == (0, "Shapps"), "without the table only a suggestion"

    update_index(index_dir, [corpus_copy], variant_files=[variants])
    answer = Engine(index_dir).search("Schapps")
    assert answer["corrected_query"] is None

    assert [hit["id"] for hit in answer["results"]] == [HOLR]
    assert {"query": "Schapps", "found": "Shapps", "via": "variant"} in answer["results"][0]["matched"]


def test_rebuild_clears_what_a_killed_multiprocess_run_left(tmp_path, corpus_copy):
    """A run killed inside Whoosh's multiprocess writer leaves its lock and a MAIN.tmp folder."""
    folder = tmp_path / "index"
    update_index(folder, [corpus_copy])
    leftovers = folder / "MAIN.tmp"
    leftovers.mkdir()
    (leftovers / "abc.run").write_bytes(b"half a run")
    (folder / "MAIN_WRITELOCK").write_bytes(b"")

    update_index(folder, [corpus_copy], rebuild=True)

    assert not leftovers.exists()
    assert Engine(folder).search("Amraam")["results"][0]["id"] == TELEGRAPH_PRINT


def test_reading_in_the_process_pool_indexes_what_one_process_does(tmp_path, monkeypatch):
    """Many small files and a big one (its articles enriched in chunks), read a few at a time
    ahead of the writer by two processes: each document from its own file, with the same
    entities and story as when one process reads the files in turn."""
    monkeypatch.setattr(indexer, "READ_AHEAD", 3)
    monkeypatch.setattr(indexer, "ENRICH_CHUNK", 4)
    monkeypatch.setattr(indexer, "BIG_FILE_BYTES", 4_000)
    root = tmp_path / "corpus"
    root.mkdir()
    story = ("Ben Wallace said the Storm Shadow missiles reached Kyiv, "
             "and NATO (North Atlantic Treaty Organization) agreed.")
    for number in range(indexer.PARALLEL_MIN_FILES + 6):
        records = [{"id": f"s{number}-{n}", "title": f"Note {number}", "text": f"{story} Item {number} {n}."}
                   for n in range(2)]
        (root / f"small-{number:03d}.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    big = [{"id": f"big-{n}", "title": f"Wire {n}", "text": f"{story} Wire copy {n}."} for n in range(30)]
    (root / "big.jsonl").write_text("\n".join(map(json.dumps, big)), encoding="utf-8")
    sizes = [(root / name).stat().st_size for name in ("big.jsonl", "small-000.jsonl")]
    assert sizes[0] > indexer.BIG_FILE_BYTES > sizes[1]

    def indexed(workers: int) -> dict:
        index_dir = tmp_path / f"index-{workers}"
        sink = open_sink(DEFAULT_BACKEND, index_dir, rebuild=True, user_variants=[], workers=workers)
        report = indexer.Indexer(sink, workers=workers).run([root])
        assert report.added == 2 * (indexer.PARALLEL_MIN_FILES + 6) + 30, report.problems
        return {document["id"]: (document["path"], document["entities"], document["story"])
                for document in stored_documents(index_dir)}

    in_pool, in_turn = indexed(2), indexed(1)
    assert in_pool == in_turn
    assert in_pool["s7-1"][0] == "small-007.jsonl" and in_pool["big-29"][0] == "big.jsonl"
    assert all(entities for _, entities, _ in in_pool.values())


def test_a_multiprocess_run_gives_back_to_the_garbage_collector_what_it_froze(tmp_path, monkeypatch):
    """The writer freezes this process's objects before forking its processes; once the run
    is over they are collected again, unless something else had frozen objects before."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    root = tmp_path / "corpus"
    root.mkdir()
    write_jsonl(root / "notes.jsonl", *({"id": f"n{n}", "text": f"grain note {n}"} for n in range(40)))
    frozen_while_writing = []
    add = indexer.Indexer._learn

    def noting_learn(self, definitions):
        frozen_while_writing.append(gc.get_freeze_count())
        return add(self, definitions)

    monkeypatch.setattr(indexer.Indexer, "_learn", noting_learn)
    assert gc.get_freeze_count() == 0
    assert update_index(tmp_path / "index", [root]).added == 40
    assert frozen_while_writing[0] > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        write_jsonl(root / "more.jsonl", {"id": "m1", "text": "grain more"})
        assert update_index(tmp_path / "index", [root]).added == 1
        assert gc.get_freeze_count() > 0, "a freeze made before the run should stand"
    finally:
        gc.unfreeze()


def test_a_multiprocess_run_keeps_the_stem_table_a_run_in_one_process_keeps(tmp_path, monkeypatch):
    """After a run in worker processes the stem table is made in a process of its own, beside
    the facet table; it holds what a run in one process writes."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    root = tmp_path / "corpus"
    root.mkdir()
    notes = ({"id": f"n{n}", "text": f"Grain shipments rose {n} pct"} for n in range(40))
    write_jsonl(root / "notes.jsonl", *notes)
    tables = {}
    for workers in (1, 2):
        index_dir = tmp_path / f"index-{workers}"
        sink = open_sink(DEFAULT_BACKEND, index_dir, rebuild=True, user_variants=[], workers=workers)
        assert indexer.Indexer(sink, workers=workers).run([root]).added == 40
        assert sink.parallel == (workers == 2)
        tables[workers] = dict(StemTable.read(index_dir / STEMS_FILE).items())
    assert tables[2] == tables[1]
    assert tables[2]["shipments"] == "shipment"


# --- a big file read in stretches -------------------------------------------------------------------


class Stopped(Exception):
    pass


def gzipped_export(path: Path, records: list[dict]) -> None:
    """A gzipped JSON Lines export (read in stretches whatever its size)."""
    path.write_bytes(gzip.compress("".join(json.dumps(record) + "\n" for record in records).encode("utf-8")))


def test_a_duplicate_id_across_a_stopped_and_resumed_run_is_caught(tmp_path):
    records = [{"id": f"wire-{n}", "title": f"Berth {n}", "text": f"Dockers at berth {n} unloaded grain."}
               for n in range(600)]
    records[550] = {**records[550], "id": "wire-10"}  # read after the stop; wire-10 was committed before
    export = tmp_path / "wire.jsonl.gz"
    gzipped_export(export, records)

    def stop(reads: int) -> None:
        if reads == 4:
            raise Stopped

    with pytest.raises(Stopped):
        update_index(tmp_path / "index", [export], commit_every=100, progress=EachRead(stop))
    assert len(stored_documents(tmp_path / "index")) == 300
    resumed = update_index(tmp_path / "index", [export], commit_every=100)

    assert (resumed.added, resumed.unchanged, resumed.failed) == (299, 300, 1)
    assert [str(problem) for problem in resumed.problems] == [
        "wire.jsonl.gz:551: duplicate id 'wire-10', skipped; the one indexed first is kept (wire.jsonl.gz)"]
    assert stored_by_id(tmp_path / "index")["wire-10"]["title"] == "Berth 10"


def test_a_json_array_stopped_inside_is_read_on_and_one_changed_since_is_read_again(tmp_path):
    records = [{"id": f"wire-{n}", "title": f"Berth {n}", "text": f"Dockers at berth {n} unloaded grain."}
               for n in range(600)]
    export = tmp_path / "wire.json.gz"
    export.write_bytes(gzip.compress(json.dumps(records).encode("utf-8")))

    def stop(reads: int) -> None:
        if reads == 3:
            raise Stopped

    with pytest.raises(Stopped):
        update_index(tmp_path / "index", [export], commit_every=100, progress=EachRead(stop))
    resumed = update_index(tmp_path / "index", [export], commit_every=100)
    assert (resumed.added, resumed.unchanged) == (400, 200)

    records[0]["title"] = "Berth zero, corrected"
    export.write_bytes(gzip.compress(json.dumps(records).encode("utf-8")))
    again = update_index(tmp_path / "index", [export])
    assert (again.added, again.updated, again.unchanged) == (0, 600, 0)
    assert stored_by_id(tmp_path / "index")["wire-0"]["title"] == "Berth zero, corrected"


def test_other_variants_are_refused_unless_upgrading_which_rebuilds_with_them(tmp_path, corpus_copy):
    first, second = tmp_path / "first.tsv", tmp_path / "second.tsv"
    first.write_text("shapps\tshaps\n", encoding="utf-8")
    second.write_text("shapps\tschapps\n", encoding="utf-8")
    index = tmp_path / "index"
    update_index(index, [corpus_copy], variant_files=[first])
    with pytest.raises(IndexIncompatible, match="--variants differ"):
        update_index(index, [corpus_copy], variant_files=[second])
    engine, seen = Engine(index), []
    late = tmp_path / "late"
    late.mkdir()
    (late / "late.txt").write_text("Shapps visits Kyiv\n\nGrant Shapps arrived in Kyiv.\n", encoding="utf-8")

    def while_upgrading(reads: int) -> None:  # the upgrade rebuilds beside the old index, locked
        seen.append((engine.search("Shaps")["total"], engine.health()["status"]))
        with pytest.raises(IndexBusy):
            update_index(index, [corpus_copy, late], lock_timeout=0.1)

    report = update_index(index, [corpus_copy], variant_files=[second], upgrade=True, commit_every=1,
                          progress=EachRead(while_upgrading))
    assert report.added == len(list(corpus_copy.glob("*.txt")))
    assert seen and set(seen) == {(1, "ok")}, "searches answered from the old index until the end"
    assert [hit["id"] for hit in Engine(index).search("Schapps")["results"]] == [HOLR]
