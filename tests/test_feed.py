"""Atom feeds of a search or a browse (web/feed.py): valid Atom, newest stories first, every word
of the query held, absolute links that open the article, ids stable from one reading to the next."""

from __future__ import annotations

from datetime import datetime

import feedparser
import pytest
from conftest import build_jsonl_index
from fixtures_corpora import DATED_RECORDS

from web import create_app

DATES = {record["id"]: record.get("date") for record in DATED_RECORDS}


def read_feed(client, query: str) -> feedparser.FeedParserDict:
    answer = client.get(f"/feed.atom?{query}")
    assert answer.status_code == 200 and answer.mimetype == "application/atom+xml"
    parsed = feedparser.parse(answer.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def entry_id(entry) -> str:
    return entry.link.rsplit("/", 1)[-1]


def test_a_feed_is_valid_atom_of_the_newest_stories_holding_every_word(dated_client):
    parsed = read_feed(dated_client, "q=Kyiv+drones")
    ids = [entry_id(entry) for entry in parsed.entries]
    every_word = dated_client.get("/api/search?q=%2BKyiv+%2Bdrones&sort=newest&size=100").get_json()
    assert ids and ids == [hit["id"] for hit in every_word["results"]]
    some_words = dated_client.get("/api/search?q=Kyiv+drones&size=100").get_json()
    assert some_words["total"] > len(ids), "the feed leaves out the stories with only some words"
    dates = [DATES[doc_id] for doc_id in ids]
    assert dates == sorted(dates, reverse=True)
    assert parsed.feed.title.startswith("Kyiv drones") and parsed.feed.links


def test_each_entry_links_its_article_in_the_app_with_headline_source_date_and_passage(dated_client):
    parsed = read_feed(dated_client, "q=Kyiv+drones")
    entry = parsed.entries[0]
    record = next(r for r in DATED_RECORDS if r["id"] == entry_id(entry))
    assert entry.link.startswith("http://localhost/articles/") and entry.id == entry.link
    assert dated_client.get(entry.link.removeprefix("http://localhost")).status_code == 200
    assert entry.title == record["title"]
    assert record["source"] in entry.summary and "<strong>Kyiv</strong>" in entry.summary
    assert datetime(*entry.updated_parsed[:3]).date().isoformat() == record["date"]
    assert read_feed(dated_client, "q=Kyiv+drones").entries[0].id == entry.id


def test_a_filter_alone_makes_a_feed_of_its_stories(dated_client):
    parsed = read_feed(dated_client, "source=Reuters&size=3")
    browse = dated_client.get("/api/search?source=Reuters&size=3").get_json()
    assert [entry_id(entry) for entry in parsed.entries] == [hit["id"] for hit in browse["results"]]
    assert len(parsed.entries) == 3 and "source: Reuters" in parsed.feed.title


def test_undated_articles_are_updated_when_the_index_last_changed(client):
    parsed = read_feed(client, "q=Wallace")
    assert parsed.entries and all(entry.updated == parsed.entries[0].updated for entry in parsed.entries)
    assert not any("published" in entry for entry in parsed.entries)


def test_the_results_page_links_its_feed(dated_client):
    page = dated_client.get("/search?q=Kyiv+drones&place=Kyiv&sort=oldest&page=1").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page
    assert 'href="/feed.atom?q=Kyiv+drones&amp;place=Kyiv"' in page
    read_feed(dated_client, "q=Kyiv+drones&place=Kyiv")


def test_links_use_the_base_url_readers_reach_the_app_at(dated_index):
    app = create_app(dated_index, BASE_URL="https://news.example.org/archive")
    client = app.test_client()
    parsed = read_feed(client, "q=Kyiv")
    links = [entry.link for entry in parsed.entries]
    assert links and all(link.startswith("https://news.example.org/archive/articles/") for link in links)
    assert parsed.feed.id.startswith("https://news.example.org/archive/feed.atom?q=Kyiv")
    exported = client.get("/api/search?q=Kyiv&format=json").get_json()["results"]
    assert exported[0]["link"].startswith("https://news.example.org/archive/articles/")


@pytest.mark.parametrize("query", ["", "q=Kyiv&size=0", "q=Kyiv&from=2022-13", "q=Kyiv&colour=red"])
def test_a_bad_feed_request_is_a_400_that_says_why(dated_client, query):
    answer = dated_client.get(f"/feed.atom?{query}")
    assert answer.status_code == 400 and b"400" in answer.data


def test_an_untitled_article_is_titled_in_the_feed_as_on_the_page(tmp_path):
    records = [{"id": "untitled", "date": "1987-06-29",
                "text": "Ecuador will produce above its OPEC quota, the minister said on Monday."},
               {"id": "titled", "title": "OPEC output over ceiling", "text": "OPEC output rose in June.",
                "date": "1987-06-30"}]
    client = create_app(build_jsonl_index(tmp_path, records)).test_client()
    entries = read_feed(client, "q=OPEC").entries
    headlines = {hit["id"]: hit["headline"] for hit in client.get("/api/search?q=OPEC").get_json()["results"]}
    assert {entry_id(entry): entry.title for entry in entries} == headlines
    assert headlines["untitled"].startswith("Ecuador will produce")
