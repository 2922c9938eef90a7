"""Related coverage: other stories about the same things, never the article's own story."""

from __future__ import annotations

import pytest
from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB

from search.engine import Engine
from search.errors import InvalidParameter, NotFound


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
