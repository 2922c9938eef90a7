"""What the engine asks of every backend (search/backends/base.py), through the backend under test:
browsing (every document, filtered, newest first), counts with their relation, story versions,
stored documents by reference and by id."""

from __future__ import annotations

from search.backends.base import EXACT, RankRequest
from search.query import tree as qt
from search.request import Filters


def test_everything_filtered_and_newest_first_is_a_browse(engine):
    view = engine.view()
    every = view.rank(RankRequest(qt.Everything(), depth=10, grouped=False))
    assert every.total == engine.stats()["documents"] and every.total_relation == EXACT
    source = view.documents([every.rows[0].ref])[0]["source"] or "The Daily Telegraph"
    browse = view.rank(RankRequest(qt.Everything(), filter=Filters(source=source).tree(), sort="newest",
                                   depth=10, grouped=False))
    shown = view.documents(row.ref for row in browse.rows)
    assert 0 < browse.total < every.total and all(document["source"] == source for document in shown)


def test_a_story_and_its_versions_are_one_row_grouped_and_several_apart(engine):
    view = engine.view()
    [term] = engine.analyzers["content"]("Wallace", False)
    grouped = view.rank(RankRequest(qt.Term("content", term), depth=10))
    apart = view.rank(RankRequest(qt.Term("content", term), depth=10, grouped=False))
    assert grouped.total < apart.total
    versions = view.versions(grouped, grouped.rows[0].ref)
    assert len(versions) >= 2 and all(version.matches for version in versions)


def test_a_document_is_found_again_by_its_id(engine):
    view = engine.view()
    row = view.rank(RankRequest(qt.Everything(), depth=1, grouped=False)).rows[0]
    [doc_id] = view.ids([row.ref])
    assert view.ref(doc_id) == row.ref and view.documents([row.ref])[0]["id"] == doc_id
    assert view.ref("no-such-id") is None


def test_a_sound_index_checks_sound_and_counts_what_it_read(engine):
    from search.backends import check_index

    read = []
    assert check_index(engine.backend.name, engine.backend.location, read.append) == []
    assert read and read[-1] == engine.stats()["documents"]
