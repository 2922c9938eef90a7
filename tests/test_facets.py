"""Facets count stories, and each count is what its filter leaves."""

from __future__ import annotations

import pytest
from fixtures_corpora import DATED_RECORDS

from search.engine import Engine, Filters

FILTER_OF = {"source": "source", "author": "author", "entity": "entity"}


@pytest.fixture(scope="module")
def dated_engine(dated_index) -> Engine:
    return Engine(dated_index)


def test_facets_count_stories_not_versions(dated_engine):
    answer = dated_engine.search("Wallace visits Kyiv", facets=True)
    months = {item["value"]: item["count"] for item in answer["facets"]["month"]}
    documents = {doc_id for doc_id, _ in dated_engine.ranked_ids("Wallace visits Kyiv")}
    october = [r["id"] for r in DATED_RECORDS
               if r["id"] in documents and r.get("date", "").startswith("2022-10")]
    assert {"oct-telegraph-wallace-visit", "oct-reuters-wallace-visit"} <= set(october)
    assert months["2022-10"] == len(october) - 1, "the two versions of the visit count once"


@pytest.mark.parametrize("name", ["source", "author", "entity"])
def test_each_facet_count_is_what_its_filter_leaves(dated_engine, name):
    answer = dated_engine.search("Ukraine", facets=True)
    assert answer["facets"][name], f"the dated corpus should have {name} values"
    for item in answer["facets"][name]:
        narrowed = dated_engine.search("Ukraine", filters=Filters(**{FILTER_OF[name]: item["value"]}))
        assert narrowed["total"] == item["count"], item


def test_month_counts_match_the_date_filter_and_undated_articles_have_no_month(dated_engine):
    answer = dated_engine.search("Ukraine", facets=True)
    months = answer["facets"]["month"]
    assert [m["value"] for m in months] == sorted(m["value"] for m in months)
    for item in months:
        month = Filters(date_from=item["value"], date_to=item["value"])
        narrowed = dated_engine.search("Ukraine", filters=month)
        assert narrowed["total"] == item["count"]
    assert sum(m["count"] for m in months) < answer["total"], "the undated analysis matches Ukraine too"


def test_facets_are_ranked_by_count_then_value(dated_engine):
    facets = dated_engine.search("Ukraine", facets=True)["facets"]
    for name in ("source", "author", "entity"):
        keys = [(-item["count"], item["value"]) for item in facets[name]]
        assert keys == sorted(keys)
        assert len(keys) <= 10
    kinds = {item["type"] for item in facets["entity"]}
    assert kinds <= {"person", "org", "place", "weapon", "acronym", "misc"}


def test_no_facets_unless_asked(dated_engine):
    assert "facets" not in dated_engine.search("Ukraine")
