"""The arrays file each segment is written with (search/codec.py), against Whoosh's own postings."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct

import numpy as np
import pytest
from corpus_fields import corpus_fields
from test_index_analysis import neutral_postings
from whoosh import writing

from search import indexer
from search.backends.whoosh import sink
from search.backends.whoosh.arrays import ARRAYS_EXT, BLOCK_POSTINGS, CODE_LENGTHS, FORMAT, SegmentArrays
from search.backends.whoosh.codec import length_codes
from search.backends.whoosh.pool import WHOOSH_POOL
from search.backends.whoosh.schema import build_schema
from search.backends.whoosh.sink import MAX_SEGMENTS
from search.fields import index_analyzers
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
    """A term's postings as Whoosh's own matchers walk them (for a scorable field: ArrayMatcher)."""
    matcher = leaf.postings(fieldname, btext)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def analysed_postings(corpus) -> dict[tuple[str, str], dict[str, tuple[tuple[int, ...], float]]]:
    """Every (field, term) of a corpus as the neutral analysis gives it (the contract
    test_index_analysis.py holds Whoosh's fields to): article id -> (positions, weight)."""
    schema, analyzers, found = build_schema(), index_analyzers(), {}
    for fields in corpus_fields(corpus):
        for name, analyze in analyzers.items():
            if fields.get(name) and schema[name].scorable:
                positional = schema[name].format.supports("positions")
                for term, (held, _, weight) in neutral_postings(analyze(fields[name]), positional).items():
                    found.setdefault((name, term), {})[fields["id"]] = (held, weight)
    return found


def test_arrays_hold_every_scorable_fields_postings_as_analysed(segmented_index):
    """The arrays are the postings of record: each term's documents, weights and positions are the
    analysis of the articles, in every segment together; the term table agrees; each block's bounds
    hold for its postings."""
    expected = analysed_postings(segmented_index.parent / "notes")
    reader, segments = leaves(segmented_index)
    found: dict = {}
    multi_block = 0
    for leaf in segments:
        arrays = SegmentArrays.open(leaf.storage(), leaf.segment())
        ids_of = [leaf.stored_fields(n)["id"] for n in range(leaf.doc_count_all())]
        for fieldname, field in arrays.fields.items():
            lengths = np.array([leaf.doc_field_length(n, fieldname, 0) for n in range(len(ids_of))])
            for btext in leaf.lexicon(fieldname):
                row = field.number(btext)
                ids, weights = field.postings(row)
                assert (ids.tolist(), weights.tolist()) == whoosh_postings(leaf, fieldname, btext)
                assert field.doc_frequency(row) == leaf.doc_frequency(fieldname, btext) == len(ids)
                held = field.positions(row, np.arange(len(ids)))
                postings = found.setdefault((fieldname, btext.decode()), {})
                for n, (docnum, weight) in enumerate(zip(ids.tolist(), weights.tolist(), strict=True)):
                    places = tuple(held[0][held[1] == n].tolist()) if held else ()
                    postings[ids_of[docnum]] = (places, round(weight, 6))
                top, shortest = field.block_bounds(row)
                assert len(top) == -(-len(ids) // BLOCK_POSTINGS)
                multi_block += len(top) > 1
                for block, (bound, length) in enumerate(zip(top, shortest, strict=True)):
                    cut = slice(block * BLOCK_POSTINGS, (block + 1) * BLOCK_POSTINGS)
                    assert bound == weights[cut].max()
                    assert length <= CODE_LENGTHS[length_codes(lengths[ids[cut]])].min()
            assert field.number(b"never-written") is None
    assert found == expected
    assert multi_block, "some posting list should span several blocks"
    reader.close()


def test_some_positions_of_a_term_are_those_of_its_postings(segmented_index):
    reader, segments = leaves(segmented_index)
    field = SegmentArrays.open(segments[0].storage(), segments[0].segment()).fields["content_exact"]
    row = field.number(b"grain")
    every, ends = field.every_position(row)
    some = np.arange(len(ends))[::3]
    positions, owner = field.positions(row, some)
    starts = np.concatenate([[0], ends[:-1]])
    assert [positions[owner == n].tolist() for n in range(len(some))] == \
        [every[starts[at]:ends[at]].tolist() for at in some]
    reader.close()


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
    """Not read as if it were of this one (an index of another format is rebuilt)."""
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


def test_integer_columns_are_stored_narrow_and_read_back_as_written(tmp_path, monkeypatch):
    """Each integer column takes the fewest bytes its values need on disk, written a few values
    at a time, and reads back with its own type and values (a phrase's position arithmetic must
    not wrap in two bytes)."""
    from search.backends.whoosh import arrays
    from search.backends.whoosh.arrays import ArraysFileWriter, SegmentArrays

    monkeypatch.setattr(arrays, "NARROWED_AT_ONCE", 2)

    columns = {"small": np.array([0, 7, 255], dtype=np.int32),
               "positions": np.array([3, 70_000, 65_535], dtype=np.int32),
               "ends": np.array([2, 5, 40_000], dtype=np.int64),
               "signed": np.array([-1, 4], dtype=np.int64),
               "weights": np.array([1, 2], dtype=np.uint16),
               "scores": np.array([0.5, 1.5], dtype=np.float32), "empty": np.zeros(0, dtype=np.int64)}
    writer = ArraysFileWriter(str(tmp_path))
    writer.add_field("content", columns)
    path = tmp_path / "s.arr"
    with path.open("wb") as out:
        writer.finish(out)
    descriptor = os.open(path, os.O_RDONLY)
    (size,) = struct.unpack("<Q", os.pread(descriptor, 8, 0))
    contents = pickle.loads(os.pread(descriptor, size, 8))
    stored = {column: np.dtype(entry[0]).itemsize for column, entry in contents["fields"]["content"].items()}
    assert stored == {"small": 1, "positions": 4, "ends": 2, "signed": 8, "weights": 1, "scores": 4,
                      "empty": 8}
    field = SegmentArrays(descriptor, contents, -(-(8 + size) // 8) * 8).fields["content"]
    for column, values in columns.items():
        read = field._whole(column)
        assert read.dtype == values.dtype and read.tolist() == values.tolist(), column
    assert field._slice("ends", 1, 3).tolist() == [5, 40_000]
    assert (field._whole("small") - 10).min() == -10  # widened again: no wrap-around


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
    from search.backends.whoosh.arrays import SIZED_BLOCK_ROWS, TermTexts

    pairs = [(b"amraam", 3), (b"army", 40), (b"arrays", 7), (b"\xc3\xa9lan", 2), (b"zorblat", 1)]
    texts = TermTexts.of_pairs(pairs)
    assert texts.sized(6) == ([b"amraam", b"arrays"], [3, 7])
    assert texts.sized(5) == ([b"\xc3\xa9lan"], [2])  # a length in bytes
    assert texts.sized(9) == ([], []) and texts.sized(0) == ([], [])
    many = TermTexts.of_pairs([(f"w{i:05d}".encode(), i) for i in range(SIZED_BLOCK_ROWS + 5)])
    words, counts = many.sized(6)
    assert len(words) == SIZED_BLOCK_ROWS + 5 and words[-1] == f"w{SIZED_BLOCK_ROWS + 4:05d}".encode()
    assert counts[-1] == SIZED_BLOCK_ROWS + 4


def test_the_column_pool_writes_the_files_whooshs_pool_writes(tmp_path, monkeypatch):
    """A segment written from the column pool (a positional field's postings handed over a
    document at a time, each scorable field written whole with numpy) has the same postings,
    arrays, term table, lengths and stored fields, byte for byte, as one written from Whoosh's
    pool of tuples through Whoosh's `add_document` and its per-posting calls."""
    write_batches(tmp_path / "notes", batches=2, per_batch=150)
    update_index(tmp_path / "columns", [tmp_path / "notes"])
    monkeypatch.setattr(sink, "use_column_pool", lambda: None)
    monkeypatch.setattr(writing, "PostingPool", WHOOSH_POOL)
    update_index(tmp_path / "tuples", [tmp_path / "notes"])
    compared = (ARRAYS_EXT, ".trm", ".pst", "._content_len.col", "._title_exact_len.col", "._stored.col")
    for extension in compared:
        (columns,), (tuples,) = ([path.read_bytes() for path in (tmp_path / name).glob(f"MAIN_*{extension}")]
                                 for name in ("columns", "tuples"))
        assert len(columns) > 100 and columns == tuples, extension


def test_the_arrays_answer_whooshs_term_questions_for_their_fields(segmented_index):
    """Whoosh's term table no longer lists the scorable fields: their statistics, lexicon walks
    and fuzzy cursor come from the arrays, and agree with the postings themselves."""
    from rapidfuzz.distance import Levenshtein

    reader, segments = leaves(segmented_index)
    for leaf in segments:
        for fieldname in ("content", "title_exact", "completion"):
            lexicon = list(leaf.lexicon(fieldname))
            assert lexicon == sorted(lexicon) and lexicon
            for btext in lexicon:
                info = leaf.term_info(fieldname, btext)
                ids, weights = whoosh_postings(leaf, fieldname, btext)
                lengths = [leaf.doc_field_length(docnum, fieldname) for docnum in ids]
                assert (info.doc_frequency(), info.min_id(), info.max_id()) == (len(ids), ids[0], ids[-1])
                assert info.weight() == pytest.approx(sum(weights), rel=1e-6)
                assert info.max_weight() == pytest.approx(max(weights), rel=1e-6)
                assert (info.min_length(), info.max_length()) == (min(lengths), max(lengths))
                assert (fieldname, btext) in leaf._terms
            assert list(leaf.expand_prefix(fieldname, lexicon[1][:1])) == \
                [text for text in lexicon if text.startswith(lexicon[1][:1])]
        words = [text.decode() for text in leaf.lexicon("content")]
        for typed in ("grian", "prise", "shp"):
            near = {word for word in words
                    if word[:1] == typed[:1] and Levenshtein.distance(word, typed) <= 2}
            assert set(leaf.terms_within("content", typed, 2, prefix=1)) == near and near
        assert ("content", b"never-written") not in leaf._terms
    reader.close()
