"""The arrays file each segment is written with (search/codec.py), against Whoosh's own postings."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher

from search import indexer
from search.backends.whoosh import codec
from search.backends.whoosh.codec import ARRAYS_EXT, FORMAT, SegmentArrays
from search.backends.whoosh.scoring import _raw_matcher
from search.backends.whoosh.sink import MAX_SEGMENTS
from search.documents import PHRASE_FIELDS
from search.indexer import update_index


def write_batches(folder, batches: int, per_batch: int) -> None:
    """Files of short notes over a few words: `grain` in every note, so its postings span blocks."""
    folder.mkdir()
    for batch in range(batches):
        notes = [{"id": f"b{batch}-{n}", "title": f"Note {n % 7}",
                  "text": "grain " * (n % 3 + 1) + ("port price" if n % 2 else f"ship {batch}")}
                 for n in range(per_batch)]
        (folder / f"batch-{batch}.jsonl").write_text(
            "".join(json.dumps(note) + "\n" for note in notes), encoding="utf-8")


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory):
    base = tmp_path_factory.mktemp("codec")
    write_batches(base / "notes", batches=3, per_batch=200)
    update_index(base / "index", [base / "notes"], commit_every=200)
    return base / "index"


def leaves(index_dir):
    from whoosh import index as whoosh_index
    reader = whoosh_index.open_dir(str(index_dir)).reader()
    return reader, [leaf for leaf, _ in reader.leaf_readers()]


def whoosh_postings(leaf, fieldname: str, btext: bytes) -> tuple[list[int], list[float]]:
    matcher = leaf.postings(fieldname, btext)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def whoosh_block_starts(leaf, fieldname: str, btext: bytes) -> list[int] | None:
    matcher = _raw_matcher(leaf, fieldname, btext)
    if not isinstance(matcher, W3LeafMatcher):
        return None
    starts = [matcher._baseoffset]
    while not matcher._lastblock:
        starts.append(matcher._nextoffset)
        matcher._next_block()
    return starts


def test_every_segment_has_arrays_for_exactly_its_scorable_fields(segmented_index):
    reader, segments = leaves(segmented_index)
    assert len(segments) >= 3
    for leaf in segments:
        arrays = SegmentArrays.open(leaf.storage(), leaf.segment())
        assert arrays is not None
        scorable = {name for name in leaf.indexed_field_names() if leaf.schema[name].scorable}
        assert set(arrays.fields) == scorable
        assert {"content", "title", "content_exact", "title_exact"} <= scorable
        assert {name for name, field in arrays.fields.items() if field.has_vectors} == {"content"}
    reader.close()


def test_arrays_hold_whooshs_postings_and_block_starts_for_every_term(segmented_index):
    reader, segments = leaves(segmented_index)
    multi_block = 0
    for leaf in segments:
        arrays = SegmentArrays.open(leaf.storage(), leaf.segment())
        for fieldname, field in arrays.fields.items():
            terms = list(leaf.lexicon(fieldname))
            assert terms
            for btext in terms:
                row = field.number(btext)
                ids, weights = field.postings(row)
                assert (ids.tolist(), weights.tolist()) == whoosh_postings(leaf, fieldname, btext)
                assert field.doc_frequency(row) == leaf.doc_frequency(fieldname, btext)
                blocks = field.block_map(row)
                expected = whoosh_block_starts(leaf, fieldname, btext)
                assert (blocks.positions if blocks else None) == expected
                if blocks:
                    assert blocks.max_ids[-1] == ids[-1]
                    multi_block += len(blocks.positions) > 1
                assert_positions_equal_whooshs(leaf, fieldname, btext, field, row)
            assert field.number(b"never-written") is None
    assert multi_block, "some posting list should span several blocks"
    reader.close()


def assert_positions_equal_whooshs(leaf, fieldname: str, btext: bytes, field, row: int) -> None:
    """Positions are written for the phrase fields only, and then for every posting."""
    ids, _ = field.postings(row)
    every = np.arange(len(ids))
    found = field.positions(row, every)
    if fieldname not in PHRASE_FIELDS:
        assert found is None
        return
    positions, owner = found
    matcher, expected = leaf.postings(fieldname, btext), []
    while matcher.is_active():
        expected.append(matcher.value_as("positions"))
        matcher.next()
    assert [positions[owner == n].tolist() for n in every] == expected
    some = every[::2]
    positions, owner = field.positions(row, some)
    assert [positions[owner == n].tolist() for n in range(len(some))] == expected[::2]


def test_a_merge_writes_the_merged_segments_arrays_and_drops_the_old(tmp_path):
    write_batches(tmp_path / "notes", batches=MAX_SEGMENTS + 1, per_batch=20)
    update_index(tmp_path / "index", [tmp_path / "notes"], commit_every=20)
    reader, segments = leaves(tmp_path / "index")
    assert len(segments) == 1
    files = sorted(path.name for path in (tmp_path / "index").glob(f"*{ARRAYS_EXT}"))
    assert files == [segments[0].segment().make_filename(ARRAYS_EXT)]
    arrays = SegmentArrays.open(segments[0].storage(), segments[0].segment())
    field = arrays.fields["content"]
    ids, weights = field.postings(field.number(b"grain"))
    assert len(ids) == 20 * (MAX_SEGMENTS + 1) == reader.doc_frequency("content", b"grain")
    assert [dict(field.vector(docnum))[b"grain"] for docnum in ids.tolist()] == weights.tolist()
    reader.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the multiprocess writer runs on two cores or more")
def test_the_multiprocess_writer_gives_each_of_its_segments_arrays(tmp_path, monkeypatch):
    """A large run writes with Whoosh's multiprocess writer, a segment per writer process: the
    codec travels to the processes and each writes its segment's arrays."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN_BYTES", 0)
    write_batches(tmp_path / "notes", batches=4, per_batch=100)
    update_index(tmp_path / "index", [tmp_path / "notes"])
    reader, segments = leaves(tmp_path / "index")
    assert len(segments) >= 2
    for leaf in segments:
        field = SegmentArrays.open(leaf.storage(), leaf.segment()).fields["content"]
        ids, weights = field.postings(field.number(b"grain"))
        assert (ids.tolist(), weights.tolist()) == whoosh_postings(leaf, "content", b"grain")
        assert [dict(field.vector(docnum))[b"grain"] for docnum in ids.tolist()] == weights.tolist()
    assert sum(leaf.doc_count() for leaf in segments) == 400
    reader.close()


def test_an_arrays_file_of_another_format_is_ignored(segmented_index, tmp_path):
    """The segment is then read from Whoosh's blocks, as one written before the arrays."""
    copy = tmp_path / "index"
    shutil.copytree(segmented_index, copy)
    reader, segments = leaves(copy)
    path = copy / segments[0].segment().make_filename(ARRAYS_EXT)
    data = path.read_bytes()
    (size,) = struct.unpack_from("<Q", data)
    contents = pickle.loads(data[8:8 + size])
    assert contents["format"] == FORMAT
    table = pickle.dumps({**contents, "format": FORMAT - 1})
    path.write_bytes(struct.pack("<Q", len(table)) + table)
    assert SegmentArrays.open(segments[0].storage(), segments[0].segment()) is None
    assert SegmentArrays.open(segments[1].storage(), segments[1].segment()) is not None
    reader.close()


def test_term_vectors_joined_in_chunks_write_the_same_file(tmp_path, monkeypatch):
    """A merged segment of many articles joins its vectors' term texts a chunk of postings at a
    time (bounded memory): the file is the same as joined at once."""
    write_batches(tmp_path / "notes", batches=2, per_batch=150)
    update_index(tmp_path / "whole", [tmp_path / "notes"])
    monkeypatch.setattr(codec, "VECTOR_JOIN_ROWS", 7)
    update_index(tmp_path / "chunked", [tmp_path / "notes"])
    (whole,), (chunked,) = ([path.read_bytes() for path in (tmp_path / name).glob(f"*{ARRAYS_EXT}")]
                            for name in ("whole", "chunked"))
    assert len(whole) > 8 * 300 and chunked == whole


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_terms_by_prefix_are_whooshs_lexicon_with_each_terms_frequency(segmented_index, limit):
    reader, segments = leaves(segmented_index)
    for leaf in segments:
        arrays = SegmentArrays.open(leaf.storage(), leaf.segment())
        for fieldname in ("content", "completion", "title_exact"):
            lexicon = list(leaf.lexicon(fieldname))
            prefixes = {b"", b"zzzz", lexicon[0], lexicon[-1] + b"~", *(text[:2] for text in lexicon)}
            for prefix in prefixes:
                expected = [(btext, info.doc_frequency())
                            for btext, info in leaf.iter_prefix(fieldname, prefix)][:limit]
                assert arrays.fields[fieldname].prefixed(prefix, limit) == expected, (fieldname, prefix)
    reader.close()


def test_term_texts_give_the_terms_of_one_length_with_their_counts():
    from search.backends.whoosh.codec import SIZED_BLOCK_ROWS, TermTexts

    pairs = [(b"amraam", 3), (b"army", 40), (b"arrays", 7), (b"\xc3\xa9lan", 2), (b"zorblat", 1)]
    texts = TermTexts.of_pairs(pairs)
    assert texts.sized(6) == ([b"amraam", b"arrays"], [3, 7])
    assert texts.sized(5) == ([b"\xc3\xa9lan"], [2])  # a length in bytes
    assert texts.sized(9) == ([], []) and texts.sized(0) == ([], [])
    many = TermTexts.of_pairs([(f"w{i:05d}".encode(), i) for i in range(SIZED_BLOCK_ROWS + 5)])
    words, counts = many.sized(6)
    assert len(words) == SIZED_BLOCK_ROWS + 5 and words[-1] == f"w{SIZED_BLOCK_ROWS + 4:05d}".encode()
    assert counts[-1] == SIZED_BLOCK_ROWS + 4
