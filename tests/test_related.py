"""Related coverage: other stories about the same things, never the article's own story."""

from __future__ import annotations

import json

import pytest
from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB

from search.backends import open_backend
from search.engine import Engine
from search.errors import InvalidParameter, NotFound
from search.indexer import update_index


@pytest.fixture(scope="module")
def dated_engine(dated_index) -> Engine:
    return Engine(dated_index)


def test_related_never_lists_the_articles_own_story(engine):
    related = engine.related(TELEGRAPH_PRINT, limit=5)
    assert related, "the seed corpus has other Ukraine coverage"
    assert TELEGRAPH_PRINT not in [r["id"] for r in related]
    assert TELEGRAPH_WEB not in [r["id"] for r in related], "the web edition is the same story"


def test_related_lists_each_story_once_best_first(dated_engine):
    related = dated_engine.related("oct-telegraph-wallace-visit", limit=10)
    ids = [r["id"] for r in related]
    assert "oct-reuters-wallace-visit" not in ids
    scores = [r["score"] for r in related]
    assert scores == sorted(scores, reverse=True)
    stories = [dated_engine.document(doc_id)["story"] for doc_id in ids]
    assert len(stories) == len(set(stories))


def test_shared_entities_and_words_rank_first(dated_engine):
    related = dated_engine.related("sep-wallace-nato", limit=3)
    top = dated_engine.document(related[0]["id"])
    names = {entity["name"] for entity in top["entities"]}
    assert names & {"Ben Wallace", "NATO"}


def test_unknown_id_and_bad_limit(engine):
    with pytest.raises(NotFound):
        engine.related("no-such-article")
    with pytest.raises(InvalidParameter):
        engine.related(TELEGRAPH_PRINT, limit=0)


def test_an_article_has_related_stories_when_another_segment_lacks_its_words(tmp_path):
    """Each run that adds articles writes a segment; Whoosh asks every segment a word's frequency
    and reads a segment's KeyError as 0. The arrays answered a word of another segment with
    TermNotFound, and on Reuters (built in several commits) an article page failed with a 500."""
    root = tmp_path / "corpus"
    root.mkdir()
    first = {"id": "first", "title": "Copper prices", "text": "Copper prices rose on strong demand in Chile."}
    second = {"id": "second", "title": "Copper output",
              "text": "Copper output fell as zygomorphic miners struck."}
    for name, record in (("a.jsonl", first), ("b.jsonl", second)):
        (root / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
        update_index(tmp_path / "index", [root])
    engine = Engine(open_backend("whoosh", tmp_path / "index"))
    reader = engine.view().searcher.reader()
    assert len(reader.leaf_readers()) == 2
    assert reader.frequency("content", "zygomorph") == 1
    assert [story["id"] for story in engine.related("second")] == ["first"]
