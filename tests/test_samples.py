"""The newsroom sample `make run` ships (samples/newsroom/): indexed whole, dated and sourced,
and showing what its README and the quick start promise. Expectations are read from the
sample's own records, not written out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, checked_search

from search.engine import Engine
from search.indexer import update_index
from search.request import Filters

NEWSROOM = ROOT / "samples" / "newsroom"
RECORDS = [json.loads(line) for line in (NEWSROOM / "newsroom.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory) -> Engine:
    """A real index of the sample, with its variants, as `make run` builds it."""
    index = tmp_path_factory.mktemp("newsroom") / "index"
    report = update_index(index, [NEWSROOM], variant_files=[NEWSROOM / "variants.tsv"])
    assert report.added == len(RECORDS) and not report.problems, report.problems
    return Engine(index)


def holding(pattern: str) -> set[str]:
    """The sample's records whose headline or text matches a pattern."""
    return {record["id"] for record in RECORDS
            if re.search(pattern, record["title"] + "\n" + record["text"])}


def found(engine: Engine, query: str) -> set[str]:
    answer = checked_search(engine, query, limit=100)
    return {record["id"] for hit in answer["results"] for record in (hit, *hit["versions"])}


def test_every_record_is_dated_sourced_and_fictional_by_its_date():
    assert len(RECORDS) >= 40
    assert all(record["date"].startswith("2031-") and record["source"] and record["url"].startswith("https://")
               and ".example/" in record["url"] for record in RECORDS)


def test_a_minister_spelled_three_ways_is_found_by_any_spelling(newsroom):
    spellings = holding(r"Hrabovetskyi|Grabovetsky|Grabovetski")
    assert len(spellings) >= 5 and holding("Hrabovetskyi") != spellings
    for typed in ("Grabovetsky", "Hrabovetskyi", "Grabovetski"):
        assert spellings <= found(newsroom, typed), typed


def test_a_place_written_with_and_without_its_accent_is_one(newsroom):
    both = holding(r"Gda[nń]sk")
    assert holding("Gdańsk") and holding("Gdansk")
    assert both <= found(newsroom, "Gdansk") == found(newsroom, "Gdańsk")
    (place,) = [value for value in checked_search(newsroom, "Gdansk", facets=True)["facets"]["place"]
                if value["value"] in ("Gdansk", "Gdańsk")]
    narrowed = checked_search(newsroom, "Gdansk", filters=Filters(place=place["value"]))
    assert place["count"] == narrowed["total"] >= len(holding(r"\bGdańsk")) > 0


def test_the_acronym_finds_the_article_that_spells_it_out(newsroom):
    spelled_out = holding(r"maritime drone interceptor missile") - holding(r"\bMDIM\b")
    assert spelled_out and spelled_out | holding(r"\bMDIM\b") <= found(newsroom, "MDIM")


def test_a_speakers_stories_show_that_speakers_words(newsroom):
    answer = checked_search(newsroom, "speaker:bosman", limit=100)
    assert len(answer["results"]) >= 3
    assert all(hit["quote"]["speaker"] == "Lieke Bosman" for hit in answer["results"])


def test_an_agency_story_and_a_papers_near_copy_are_one_story_with_the_first_report_marked(newsroom):
    answer = checked_search(newsroom, "Lassa vaccine trial paused")
    grouped = [hit for hit in answer["results"] if hit["versions"]]
    assert grouped and grouped[0]["first_report"] != any(v["first_report"] for v in grouped[0]["versions"])


def test_a_running_story_has_a_weekly_timeline(newsroom):
    facets = checked_search(newsroom, "dock strike", facets=True)["facets"]
    assert len(facets["week"]) >= 4 and len(facets["month"]) >= 2


def test_the_sample_is_no_article_of_the_seed_corpus():
    seeds = {path.stem for path in (ROOT / "corpus").glob("*.txt")}
    assert not seeds & {record["id"] for record in RECORDS} and Path(NEWSROOM / "variants.tsv").exists()
