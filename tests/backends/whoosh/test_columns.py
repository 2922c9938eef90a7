"""The per-document arrays a finished run keeps with its commit (store.write_kept): what a
reader would otherwise build from the stored columns at every start, read back instead."""

from __future__ import annotations

import json
import shutil

import numpy as np
from conftest import CORPUS

from search.backends.whoosh.ranking import commit_columns, content_terms, facet_table
from search.backends.whoosh.store import COLUMN_NAMES, open_index, read_kept, write_kept
from search.engine import Engine
from search.facets import FACET_NAMES, FacetTable
from search.indexer import update_index

QUERIES = ("Amraam", "drone strikes inside Russia", "Zelenskyy", "missile")


def kept(index) -> tuple[int, dict | None]:
    generation = open_index(index).latest_generation()
    return generation, read_kept(index, generation)


def built(index) -> dict:
    with open_index(index).reader() as reader:
        return commit_columns(reader)


def facet_counts(index) -> list[dict]:
    engine = Engine(index)
    return [engine.search(query, facets=True)["facets"] for query in QUERIES]


def answers(index) -> list[list[tuple[str, float]]]:
    engine = Engine(index)
    return [[(hit["id"], hit["score"]) for hit in engine.search(query)["results"]] for query in QUERIES]


def test_a_finished_run_keeps_the_arrays_its_commit_would_build(tmp_path):
    index = tmp_path / "index"
    update_index(index, [CORPUS])
    generation, arrays = kept(index)
    assert arrays is not None and set(COLUMN_NAMES) <= set(arrays)
    expected = built(index)
    assert all(np.array_equal(arrays[name], expected[name]) for name in COLUMN_NAMES)
    assert [path.name for path in index.glob("columns-*.npz")] == [f"columns-{generation}.npz"]


def test_a_new_commit_replaces_them_and_an_index_without_them_answers_the_same(tmp_path, corpus_copy):
    index = tmp_path / "index"
    update_index(index, [corpus_copy])
    with_arrays = answers(index)
    record = {"id": "late-1", "title": "A late missile report", "text": "The missile flew.",
              "date": "2023-01-02"}
    (corpus_copy / "late.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    update_index(index, [corpus_copy])
    generation, arrays = kept(index)
    assert len(arrays["story_codes"]) == len(built(index)["story_codes"]) == 6
    assert [path.name for path in index.glob("columns-*.npz")] == [f"columns-{generation}.npz"]

    bare = tmp_path / "bare"
    shutil.copytree(index, bare)
    for path in bare.glob("columns-*.npz"):
        path.unlink()
    assert answers(bare) == answers(index) != with_arrays


def test_a_damaged_file_is_read_as_none_and_the_commit_builds_its_own(tmp_path):
    index = tmp_path / "index"
    update_index(index, [CORPUS])
    before = answers(index)
    generation, _ = kept(index)
    (index / f"columns-{generation}.npz").write_bytes(b"not an archive")
    assert read_kept(index, generation) is None
    assert answers(index) == before and before[0]


def test_stats_reads_the_term_count_the_run_kept_and_counts_without_it(tmp_path):
    index = tmp_path / "index"
    update_index(index, [CORPUS])
    generation, arrays = kept(index)
    with open_index(index).reader() as reader:
        counted = content_terms(reader)
    assert int(arrays["content_terms"]) == counted > 100
    assert Engine(index).stats()["terms"] == counted
    (index / f"columns-{generation}.npz").unlink()
    assert Engine(index).stats()["terms"] == counted


def kept_facets(index) -> dict | None:
    generation = open_index(index).latest_generation()
    return read_kept(index, generation, "facets")


def test_a_finished_run_keeps_the_facet_table_its_commit_would_build(tmp_path):
    index = tmp_path / "index"
    update_index(index, [CORPUS])
    _, arrays = kept(index)
    stories = arrays["story_codes"]
    table = FacetTable.from_arrays(kept_facets(index), stories)
    with open_index(index).reader() as reader:
        expected = facet_table(reader, stories)
    assert table is not None and table.shown == expected.shown
    assert table.shown["person"] and table.shown["source"]
    for name in FACET_NAMES:
        assert all(np.array_equal(got, want) for got, want in zip(table.pairs[name], expected.pairs[name],
                                                                 strict=True))


def test_a_commit_without_its_facet_table_counts_the_same_and_the_next_run_keeps_it(tmp_path):
    index = tmp_path / "index"
    update_index(index, [CORPUS])
    counted = facet_counts(index)
    assert any(facets["person"] for facets in counted)
    generation = open_index(index).latest_generation()
    (index / f"facets-{generation}.npz").unlink()
    assert kept_facets(index) is None
    assert facet_counts(index) == counted
    update_index(index, [CORPUS])  # nothing to add: the run settles what the commit lacks
    assert FacetTable.is_kept_in(kept_facets(index))
    assert facet_counts(index) == counted
    older = {name: array for name, array in kept_facets(index).items() if not name.startswith("facet.tag.")}
    write_kept(index, generation, "facets", older)  # kept before a facet was added
    assert facet_counts(index) == counted
    update_index(index, [CORPUS])
    assert FacetTable.is_kept_in(kept_facets(index))
