"""Facets count stories, and each count is what its filter leaves."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from conftest import backend_location, build_jsonl_index, open_engine
from fixtures_corpora import DATED_RECORDS

from search.engine import Engine
from search.facets import FACET_NAMES, FacetTable
from search.request import Filters, SearchRequest

FILTER_OF = {"source": "source", "author": "author", "person": "person", "org": "org", "place": "place"}


@pytest.fixture(scope="module")
def dated_engine(dated_index) -> Engine:
    return Engine(dated_index)


@pytest.fixture(scope="module")
def wire_engine(wire_index) -> Engine:
    return Engine(wire_index)


def test_facets_count_stories_not_versions(dated_engine):
    answer = dated_engine.search("Wallace visits Kyiv", facets=True)
    months = {item["value"]: item["count"] for item in answer["facets"]["month"]}
    documents = {doc_id for doc_id, _ in dated_engine.ranked_ids("Wallace visits Kyiv")}
    october = [r["id"] for r in DATED_RECORDS
               if r["id"] in documents and r.get("date", "").startswith("2022-10")]
    assert {"oct-telegraph-wallace-visit", "oct-reuters-wallace-visit"} <= set(october)
    assert months["2022-10"] == len(october) - 1, "the two versions of the visit count once"


@pytest.mark.parametrize("name", ["source", "author", "person", "org", "place"])
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
    for name in ("source", "author", "person", "org", "place", "weapon", "tag"):
        keys = [(-item["count"], item["value"]) for item in facets[name]]
        assert keys == sorted(keys)
        assert len(keys) <= 10


def test_entities_are_faceted_by_type(dated_engine):
    answer = dated_engine.search("Ukraine", facets=True)
    types = {entity["name"]: entity["type"] for hit in dated_engine.search("Ukraine", limit=100)["results"]
             for entity in hit["entities"]}
    for kind in ("person", "org", "place"):
        assert answer["facets"][kind], kind
        assert {types.get(item["value"], kind) for item in answer["facets"][kind]} == {kind}
    assert "Ben Wallace" in [item["value"] for item in answer["facets"]["person"]]
    assert "entity" not in answer["facets"]


def test_one_reporter_printed_in_several_casings_is_one_author_shown_as_most_printed(wire_engine):
    authors = wire_engine.search("OPEC tanker Hezbollah gulf", facets=True)["facets"]["author"]
    values = [item["value"] for item in authors]
    assert "Patti Domm" in values and "Ted D'Afflisio" in values
    assert len([v for v in values if v.lower() == "patti domm"]) == 1
    ted = next(item for item in authors if item["value"] == "Ted D'Afflisio")
    assert ted["count"] == 2
    narrowed = wire_engine.search("OPEC tanker Hezbollah gulf", filters=Filters(author="TED D'AFFLISIO"))
    assert narrowed["total"] == 2


def test_record_tags_are_a_facet_and_a_filter(wire_engine):
    tags = {item["value"]: item["count"] for item in wire_engine.search("oil", facets=True)["facets"]["tag"]}
    assert tags["crude"] >= 2
    for tag, count in tags.items():
        assert wire_engine.search("oil", filters=Filters(tag=tag))["total"] == count
    assert wire_engine.search("oil", filters=Filters(tag="CRUDE"))["total"] == tags["crude"]
    assert {hit["id"] for hit in wire_engine.search("tag:earn", limit=20)["results"]} == {"wire-5", "wire-6"}


def test_no_facets_unless_asked(dated_engine):
    assert "facets" not in dated_engine.search("Ukraine")


def test_every_facet_of_the_registry_is_a_parameter_and_a_count_of_the_api():
    from search.facets import FACET_NAMES, FACETS, FINER_UNITS
    from web.openapi import openapi_document

    document = openapi_document()
    [operation] = document["paths"]["/api/search"].values()
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    counted = document["components"]["schemas"]["Facets"]
    assert {facet.name for facet in FACETS} <= parameters
    assert set(counted["properties"]) == set(FACET_NAMES)
    assert set(counted["required"]) == set(FACET_NAMES) - {unit for unit, _ in FINER_UNITS}


def test_a_table_read_back_from_its_arrays_counts_as_the_one_built():
    documents = [
        (0, {"source": "Kyiv Independent", "entity": [("person", "Volodymyr Zelenskyy")], "author": [],
             "tag": []}, date(2022, 10, 3)),
        (1, {"source": "", "entity": [("place", "Kraków"), ("person", "Volodymyr Zelenskyy")],
             "author": ["Ann Smith"], "tag": ["grain"]}, None),
        (2, {"source": "Kyiv Independent", "entity": [], "author": ["ANN SMITH"], "tag": []},
         date(2022, 11, 9)),
    ]
    stories = np.array([0, 0, 1])
    built = FacetTable.build(documents, stories)
    read = FacetTable.from_arrays(built.arrays(), stories)
    assert read is not None and read.shown == built.shown and read.shown["place"] == ["Kraków"]
    assert read.shown["weapon"] == []
    for docnums in ([0, 1, 2], [1], []):
        assert read.count(np.array(docnums, dtype=np.int64)) == built.count(np.array(docnums, dtype=np.int64))
    assert read.count(np.array([0, 1, 2]))["person"] == [{"value": "Volodymyr Zelenskyy", "count": 1}]
    assert read.count(np.array([0, 1, 2]))["day"] == [{"value": "2022-10-03", "count": 1},
                                                     {"value": "2022-11-09", "count": 1}]
    assert FacetTable.from_arrays({name: array for name, array in built.arrays().items()
                                   if not name.startswith(f"facet.{FACET_NAMES[-1]}.")}, stories) is None


def test_one_place_printed_with_and_without_accents_is_one_value_shown_as_most_printed():
    documents = [(docnum, {"source": "", "entity": [("place", name)], "author": [], "tag": []}, None)
                 for docnum, name in enumerate(["Gdańsk", "Gdansk", "Gdańsk"])]
    table = FacetTable.build(documents, np.array([0, 1, 2]))
    assert table.count(np.array([0, 1, 2]))["place"] == [{"value": "Gdańsk", "count": 3}]


PEOPLE_STORIES = [  # a surname alone in other stories (Reagan: one owner; Carter: two people)
    ("U.S. President Ronald Reagan said he would veto the textile quota bill.", "1987-03-02"),
    ("Ronald Reagan met Japanese Prime Minister Yasuhiro Nakasone on semiconductor tariffs.", "1987-03-09"),
    ("Ronald Reagan said his budget would cut farm support payments next year.", "1987-03-16"),
    ("President Reagan said on Tuesday the dollar had fallen far enough against the yen.", "1987-03-23"),
    ("President Reagan told Congress the Iran arms inquiry would not slow the trade bill.", "1987-03-30"),
    ("Former president Jimmy Carter said the Camp David accords still held.", "1987-04-06"),
    ("Jimmy Carter arrived in Damascus for talks with Syrian leaders on hostages.", "1987-04-13"),
    ("Senator Donald Carter said the grain embargo had cost farmers dearly.", "1987-04-20"),
    ("Senator Donald Carter asked the agriculture department for drought relief.", "1987-04-27"),
    ("Former President Carter said on Friday the hostage talks would resume.", "1987-05-04"),
]


@pytest.fixture(scope="module")
def people_engine(backend_name, request, tmp_path_factory) -> Engine:
    directory = tmp_path_factory.mktemp(f"people-{backend_name}")
    records = [{"id": f"people-{n}", "title": f"Washington report {n}", "text": text, "date": day,
                "source": "Reuters"} for n, (text, day) in enumerate(PEOPLE_STORIES)]
    location = backend_location(backend_name, request, directory / "index", "people")
    return open_engine(backend_name, build_jsonl_index(directory, records, location, backend_name))


def test_a_surname_alone_counts_as_the_person_who_owns_it_and_filters_as_them(people_engine):
    browse = people_engine.search(SearchRequest(q="", facets=True, filters=Filters(source="Reuters")))
    people = {item["value"]: item["count"] for item in browse["facets"]["person"]}
    assert people["Ronald Reagan"] == 5 and "Reagan" not in people, people
    assert people["Carter"] == 1, "a surname two people share stays itself"
    for name, count in people.items():
        narrowed = people_engine.search(SearchRequest(q="", filters=Filters(person=name)))
        assert narrowed["total"] == count, name
    by_surname = people_engine.search(SearchRequest(q="dollar", filters=Filters(person="Ronald Reagan")))
    [hit] = by_surname["results"]
    assert "<mark>Reagan</mark>" in hit["snippet"], "the filter's person is marked by surname"
