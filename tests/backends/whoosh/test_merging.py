"""Streamed and parallel merges (search/merging.py) against Whoosh's own merge of the same index."""

from __future__ import annotations

import json
import shutil

import pytest
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.query import Prefix
from whoosh.writing import OPTIMIZE

from search.backends.whoosh import codec
from search.backends.whoosh.arrays import SegmentArrays
from search.backends.whoosh.merging import ParallelMerge, consecutive_runs
from search.backends.whoosh.pool import CHUNK_POSTINGS, WHOOSH_POOL
from search.backends.whoosh.schema import array_codec
from search.engine import Engine
from search.indexer import update_index

WORDS = ["grain", "port", "price", "ship", "drone", "missile", "strike", "river", "bridge", "talks"]


def notes(part: int, count: int) -> list[dict]:
    """Short notes whose words repeat, so some posting lists span several blocks, with bylines (a
    name field keeps positions in Whoosh's own format, not the packed one)."""
    return [{"id": f"p{part}-{n}", "title": f"{WORDS[(n + part) % 10].title()} note",
             "author": f"Ann {WORDS[n % 10].title()} and Bo {WORDS[part].title()}",
             "text": " ".join(WORDS[(n * k + part) % 10] for k in range(1, n % 9 + 3)) + " grain."}
            for n in range(count)]


def write_notes(path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """Five files committed two by two into segments, then one file cut short: its segment
    keeps deleted documents and the changed ones land in a later segment."""
    base = tmp_path_factory.mktemp("merging")
    root = base / "corpus"
    root.mkdir()
    for part in range(5):
        write_notes(root / f"part{part}.jsonl", notes(part, 160))
    update_index(base / "index", [root], commit_every=320)
    write_notes(root / "part1.jsonl", notes(1, 100))
    update_index(base / "index", [root], commit_every=320)
    return base / "index"


def merged_copy(source, target, policy):
    shutil.copytree(source, target)
    ix = whoosh_index.open_dir(str(target))
    writer = ix.writer(compound=False, codec=array_codec())
    writer.commit(mergetype=policy)
    return ix


def contents(ix) -> dict:
    """Everything a reader shows: stored fields, postings, field lengths and columns."""
    with ix.reader() as reader:
        fields = sorted(reader.schema.names())
        postings = []
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            while matcher.is_active():
                postings.append((fieldname, btext, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
        return {
            "stored": list(reader.all_stored_fields()),
            "postings": postings,
            "lengths": [[reader.doc_field_length(doc, name) for name in fields]
                        for doc in reader.all_doc_ids()],
            "columns": {name: list(reader.column_reader(name)) for name in fields
                        if reader.has_column(name)},
        }


def segment_files(ix) -> dict[str, bytes]:
    """The one segment's files by extension."""
    (segment,) = ix._segments()
    prefix = f"{ix.indexname}_{segment.segid}."
    return {name.removeprefix(prefix): ix.storage.open_file(name).read()
            for name in ix.storage.list() if name.startswith(prefix)}


def test_the_fixture_has_several_segments_and_deleted_documents(segmented):
    ix = whoosh_index.open_dir(str(segmented))
    segments = ix._segments()
    assert len(segments) >= 4
    assert any(segment.has_deletions() for segment in segments)
    assert ix.doc_count() == 4 * 160 + 100


@pytest.mark.parametrize("chunk", [CHUNK_POSTINGS, 7], ids=["one-run", "runs-of-7-postings"])
def test_a_streamed_merge_writes_the_same_files_as_whooshs(segmented, tmp_path, monkeypatch, chunk):
    """Whoosh's merge with its own pool (each posting read by a matcher over the arrays, then
    written one call each) against ours (each scored field's arrays joined with numpy, a run of
    whole terms at a time: one run here, or many of a few postings)."""
    with monkeypatch.context() as patched:
        patched.setattr(writing, "PostingPool", WHOOSH_POOL)
        whooshs = merged_copy(segmented, tmp_path / "whoosh", OPTIMIZE)
    monkeypatch.setattr(codec, "CHUNK_POSTINGS", chunk)
    ours = merged_copy(segmented, tmp_path / "ours", ParallelMerge(1))
    assert len(ours._segments()) == 1
    expected, found = segment_files(whooshs), segment_files(ours)
    assert {"pst", "trm", "arr", "_stored.col"} <= set(found)
    assert found == expected


def test_a_merge_in_two_processes_keeps_every_document_in_order(segmented, tmp_path):
    whooshs = merged_copy(segmented, tmp_path / "whoosh", OPTIMIZE)
    ours = merged_copy(segmented, tmp_path / "ours", ParallelMerge(2, min_docs=1))
    segments = ours._segments()
    assert len(segments) == 2
    assert not any(segment.has_deletions() for segment in segments)
    assert contents(ours) == contents(whooshs)
    with ours.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            field = SegmentArrays.open(leaf.storage(), leaf.segment()).fields["content"]
            ids, _ = field.postings(field.number(b"grain"))
            assert ids.tolist() == list(leaf.postings("content", b"grain").all_ids())


def test_a_run_of_segments_whose_documents_are_all_deleted_leaves_no_segment(segmented, tmp_path):
    """The first segment held two files; once both are gone, the process merging it alone
    has nothing to write, and the index keeps the other process's segment only."""
    shutil.copytree(segmented, tmp_path / "index")
    ix = whoosh_index.open_dir(str(tmp_path / "index"))
    writer = ix.writer(compound=False, codec=array_codec())
    assert sum(writer.delete_by_query(Prefix("id", f"p{part}-")) for part in (0, 1)) == 160 + 100
    writer.commit(merge=False)
    first = ix._segments()[0]
    assert first.doc_count() == 0 < first.doc_count_all()
    merged = merged_copy(tmp_path / "index", tmp_path / "ours", ParallelMerge(2, min_docs=1))
    whooshs = merged_copy(tmp_path / "index", tmp_path / "whoosh", OPTIMIZE)
    assert len(merged._segments()) == 1
    assert merged.doc_count() == 3 * 160
    assert contents(merged) == contents(whooshs)


def test_searches_answer_alike_after_either_merge(segmented, tmp_path):
    merged_copy(segmented, tmp_path / "whoosh", OPTIMIZE)
    merged_copy(segmented, tmp_path / "ours", ParallelMerge(2, min_docs=1))
    whooshs, ours = Engine(tmp_path / "whoosh"), Engine(tmp_path / "ours")
    for text in ("grain", "drone strike", '"river bridge"', "missile -port", "talks~"):
        expected, found = whooshs.search(text, limit=20), ours.search(text, limit=20)
        assert [hit["id"] for hit in found["results"]] == [hit["id"] for hit in expected["results"]]
        assert found["total"] == expected["total"] > 0


@pytest.mark.parametrize(("sizes", "count", "expected"), [
    ([10, 10, 10, 10], 2, [[10, 10], [10, 10]]),
    ([30, 5, 5, 5, 5], 2, [[30], [5, 5, 5, 5]]),
    ([5, 5, 5], 1, [[5, 5, 5]]),
    ([1, 1], 4, [[1], [1]]),
])
def test_segments_are_cut_into_consecutive_runs_of_about_equal_size(sizes, count, expected):
    class Sized:
        def __init__(self, docs):
            self.docs = docs

        def doc_count_all(self):
            return self.docs

    runs = consecutive_runs([Sized(size) for size in sizes], count)
    assert [[segment.docs for segment in run] for run in runs] == expected


@pytest.mark.parametrize(("docs", "processes"), [(10, 1), (99_999, 1), (100_000, 2), (10**6, 2)])
def test_a_process_is_worth_its_own_segment_from_fifty_thousand_documents(docs, processes):
    assert ParallelMerge(2).runs_for(docs) == processes
