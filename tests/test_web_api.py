"""The JSON API (web/api.py): every endpoint, parameter and error through Flask's test client.

Every JSON answer is validated against the OpenAPI document the app serves (the schema
of its path and status), and search pages against the committed result schema too.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import pytest
from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB, VALIDATOR, ids
from fixtures_corpora import DATED_RECORDS, HOSTILE_RECORDS, IMG, SCRIPT, write_dated_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_support import (
    assert_html_markup_only_marks,
    assert_matches_openapi,
)

from search.backends.base import RankRequest
from search.engine import Engine
from search.indexer import update_index
from search.query import tree as qt
from search.request import Filters
from web import create_app
from web.export import CITATION_COLUMNS, cell, filename

AMRAAM_LONG = "advanced medium-range air-to-air missile"
WALLACE_STORY = ("oct-telegraph-wallace-visit", "oct-reuters-wallace-visit")


# --- helpers ----------------------------------------------------------------------------------


def api_search(client, **args) -> dict:
    """GET /api/search, which must answer 200 with a page valid under both contracts."""
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = assert_matches_openapi(response, "/api/search")
    VALIDATOR.validate(body)
    return body


def api_error(client, url: str, status: int, path_template: str, **args) -> dict:
    """GET `url`, which must answer `status` with the documented error envelope."""
    response = client.get(url, query_string=args)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = assert_matches_openapi(response, path_template)
    assert body["error"]["message"]
    return body["error"]


def invalid(client, **args) -> str:
    """A search that must be refused with 400 invalid_parameter; returns the message."""
    error = api_error(client, "/api/search", 400, "/api/search", **args)
    assert error["code"] == "invalid_parameter"
    return error["message"]


def dated_story_of(record: dict) -> str:
    return "wallace-visit" if record["id"] in WALLACE_STORY else record["id"]


def month_of(date: str | None) -> str | None:
    return date[:7] if date else None


# --- /api/search: the answer ------------------------------------------------------------------


def test_search_answers_the_result_shape_with_page_size_and_facets(client):
    body = api_search(client, q="Amraam")
    assert body["query"] == "Amraam"
    assert body["total"] == 1
    assert ids(body) == [TELEGRAPH_PRINT]
    assert body["page"] == 1 and body["size"] == 10
    assert set(body["facets"]) == {"source", "author", "person", "org", "place", "weapon", "tag", "month"}
    assert body["facets"]["source"] == [{"value": "The Daily Telegraph", "count": 1}]


def test_both_telegraph_editions_are_one_story(client):
    hit = api_search(client, q="Amraam")["results"][0]
    assert [version["id"] for version in hit["versions"]] == [TELEGRAPH_WEB]


def test_amraam_is_highlighted_in_the_snippet(client):
    hit = api_search(client, q="Amraam")["results"][0]
    assert "<mark>Amraam</mark>" in hit["snippet"]
    assert hit["matched"] == [{"query": "Amraam", "found": "Amraam", "via": "exact"}]


def test_amraam_highlights_the_long_name_in_the_web_edition_via_the_alias(web_edition_client):
    body = api_search(web_edition_client, q="Amraam")
    assert ids(body) == [TELEGRAPH_WEB]
    hit = body["results"][0]
    assert f"<mark>{AMRAAM_LONG}</mark>" in hit["snippet"]
    assert hit["matched"] == [{"query": "Amraam", "found": AMRAAM_LONG, "via": "alias"}]


@pytest.mark.parametrize("query", ["Amraam", "drones Zelenskky"])
def test_the_api_returns_the_same_hits_as_the_cli(client, run_cli, seed_index, query):
    result = run_cli("--json", "--index", str(seed_index), query)
    assert result.code == 0, result.stderr
    cli = json.loads(result.stdout)
    web = api_search(client, q=query)
    assert ids(web) == ids(cli)
    assert web["total"] == cli["total"]
    assert web["corrected_query"] == cli["corrected_query"]
    assert web["suggestion"] == cli["suggestion"]
    for ours, theirs in zip(web["results"], cli["results"], strict=True):
        assert ours == theirs


@pytest.mark.parametrize("query", ['"unclosed', "AND", "title:", "((", "foo:bar", "drone* OR"])
def test_broken_syntax_is_searched_as_words_with_a_warning(client, query):
    body = api_search(client, q=query)
    assert body["warnings"], body
    assert all(warning["message"] for warning in body["warnings"])


def test_a_query_without_results_has_empty_facets(client):
    body = api_search(client, q="xylophonequartet")
    assert body["total"] == 0 and body["results"] == []
    assert body["facets"] == {name: [] for name in ("source", "author", "person", "org", "place", "weapon",
                                                    "tag", "month")}


def test_a_misspelling_is_corrected_when_it_finds_nothing(client):
    body = api_search(client, q="amram")
    assert body["suggestion"] == "amraam"
    assert body["corrected_query"] == "amraam"
    assert ids(body) == [TELEGRAPH_PRINT]


def test_spell_off_runs_the_query_as_typed(client):
    body = api_search(client, q="amram", spell="off")
    assert (body["total"], body["suggestion"], body["corrected_query"]) == (0, "amraam", None)
    assert api_search(client, q="amram", spell="on")["corrected_query"] == "amraam"


@pytest.mark.parametrize("value", ["no", "OFF", "0"])
def test_spell_takes_on_or_off(client, value):
    assert "spell" in invalid(client, q="amram", spell=value)


# --- /api/search: q, page and size -------------------------------------------------------------


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "   "}, {"page": "1"}])
def test_q_is_required(client, args):
    assert "q" in invalid(client, **args)


def test_q_of_2000_characters_is_searched_and_2001_refused(client):
    assert api_search(client, q="x" * 2000)["total"] == 0
    assert "2000" in invalid(client, q="x" * 2001)


def test_a_nul_character_is_refused(client):
    assert "NUL" in invalid(client, q="drones\x00")


@pytest.mark.parametrize("size", ["1", "3", "100"])
def test_size_bounds_the_page(dated_client, size):
    body = api_search(dated_client, q="Ukraine", size=size)
    assert body["size"] == int(size)
    assert len(body["results"]) == min(int(size), body["total"])


@pytest.mark.parametrize("size", ["0", "101", "-1", "ten", "1.5", "1e2"])
def test_size_out_of_range_is_refused(client, size):
    assert "size" in invalid(client, q="drones", size=size)


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.0"])
def test_page_under_one_is_refused(client, page):
    assert "page" in invalid(client, q="drones", page=page)


@pytest.mark.parametrize(("page", "size"), [("11", "100"), ("101", "10"), ("1001", "1"), ("51", "20")])
def test_paging_beyond_the_first_1000_hits_is_refused(client, page, size):
    assert "1000" in invalid(client, q="drones", page=page, size=size)


@pytest.mark.parametrize(("page", "size"), [("10", "100"), ("100", "10"), ("1000", "1")])
def test_the_last_page_within_1000_hits_answers(client, page, size):
    body = api_search(client, q="drones", page=page, size=size)
    assert body["page"] == int(page) and body["results"] == []
    assert body["total"] > 0


def test_pages_concatenate_to_the_whole_ranking(dated_client):
    whole = api_search(dated_client, q="Ukraine", size=100)
    pages = [api_search(dated_client, q="Ukraine", size=3, page=str(n)) for n in range(1, 5)]
    assert all(page["total"] == whole["total"] for page in pages)
    assert [doc for page in pages for doc in ids(page)] == ids(whole)
    assert len(set(ids(whole))) == len(ids(whole)) == whole["total"]


# --- /api/search: sort --------------------------------------------------------------------------


def test_sort_date_is_newest_first_with_undated_last(dated_client):
    body = api_search(dated_client, q="Ukraine", sort="date", size=100)
    dates = [hit["date"] for hit in body["results"]]
    dated = [date for date in dates if date]
    assert dates[-1] is None and ids(body)[-1] == "undated-analysis"
    assert dates == dated + [None]
    assert dated == sorted(dated, reverse=True)
    assert body["total"] == len(dates)


def test_sort_date_pages_agree_with_the_whole_list(dated_client):
    whole = ids(api_search(dated_client, q="Ukraine", sort="date", size=100))
    paged = [doc for n in (1, 2, 3) for doc in ids(api_search(dated_client, q="Ukraine", sort="date",
                                                                 size=4, page=str(n)))]
    assert paged == whole


def test_sort_relevance_is_the_default(dated_client):
    assert ids(api_search(dated_client, q="Wallace NATO")) == ids(
        api_search(dated_client, q="Wallace NATO", sort="relevance"))


def test_sort_relevance_and_date_order_the_same_hits_differently(dated_client):
    relevance = ids(api_search(dated_client, q="Ukraine", size=100))
    by_date = ids(api_search(dated_client, q="Ukraine", size=100, sort="date"))
    story = {record["id"]: dated_story_of(record) for record in DATED_RECORDS}
    assert sorted(story[doc] for doc in relevance) == sorted(story[doc] for doc in by_date)
    assert [story[doc] for doc in relevance] != [story[doc] for doc in by_date]


def test_sort_oldest_is_oldest_first_with_undated_last(dated_client):
    found = dated_client.get("/api/search?q=drone&sort=oldest&size=100").get_json()
    dates = [hit["date"] for hit in found["results"]]
    dated = [date for date in dates if date]
    assert dated == sorted(dated) and len(dated) >= 2
    assert all(date is None for date in dates[len(dated):]), "undated articles come last"


@pytest.mark.parametrize("sort", ["latest", "DATE", "score", "relevance "])
def test_an_unknown_sort_is_refused(client, sort):
    assert "sort" in invalid(client, q="drones", sort=sort)


# --- /api/search: filters ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("source", "Reuters"), ("author", "Max Hunder"), ("entity", "NATO"),
    ("from", "2022"), ("from", "2022-10"), ("to", "2022-10-31"), ("from", "2022-10-01"),
])
def test_filters_are_accepted(dated_client, name, value):
    body = api_search(dated_client, q="Ukraine", **{name: value})
    assert body["total"] >= 1


def test_source_filter_narrows_to_that_source(dated_client):
    body = api_search(dated_client, q="Ukraine", source="Reuters", size=100)
    assert body["results"]
    assert {hit["source"] for hit in body["results"]} == {"Reuters"}


def test_author_filter_narrows_to_that_author(dated_client):
    body = api_search(dated_client, q="Ukraine", author="Olena Roshchina", size=100)
    expected = {r["id"] for r in DATED_RECORDS if "Olena Roshchina" in r["authors"]}
    assert set(ids(body)) == expected


def test_entity_filter_narrows_to_articles_naming_it(dated_client):
    body = api_search(dated_client, q="Ukraine", entity="Ben Wallace", size=100)
    assert body["results"]
    for hit in body["results"]:
        assert "Ben Wallace" in {entity["name"] for entity in hit["entities"]}


def test_date_filters_are_inclusive_bounds(dated_client):
    body = api_search(dated_client, q="Ukraine", size=100, **{"from": "2022-10-20", "to": "2022-11"})
    dates = sorted(hit["date"] for hit in body["results"])
    assert dates and all("2022-10-20" <= date <= "2022-11-30" for date in dates)
    assert {"nov-telegraph-himars", "oct-telegraph-wallace-visit"} <= set(ids(body)) | {
        version["id"] for hit in body["results"] for version in hit["versions"]}


def test_a_date_filter_leaves_out_undated_articles(dated_client):
    body = api_search(dated_client, q="Ukraine", size=100, **{"from": "2000"})
    assert "undated-analysis" not in ids(body)


def test_filters_combine(dated_client):
    body = api_search(dated_client, q="Ukraine", source="Reuters", **{"from": "2022-12", "to": "2022-12"})
    assert ids(body) == ["dec-reuters-energy"]


@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["2022-13", "2022-02-30", "2022/10/01", "yesterday", "22-10-01",
                                   "2022-1", "2022-10-1", "20221001", "2022-10-01T00:00"])
def test_a_malformed_date_is_refused(client, name, value):
    message = invalid(client, q="drones", **{name: value})
    assert name in message and "YYYY" in message


def test_a_reversed_date_range_is_refused_with_both_dates_named(client):
    message = invalid(client, q="drones", **{"from": "2022-12", "to": "2022-01"})
    assert "reversed" in message and "2022-12" in message and "2022-01" in message


@pytest.mark.parametrize("name", ["source", "author", "entity", "person", "org", "place", "weapon", "tag"])
def test_a_filter_value_over_200_characters_is_refused(client, name):
    assert name in invalid(client, q="drones", **{name: "x" * 201})


@pytest.mark.parametrize("name", ["foo", "limit", "Q", "offset", "callback"])
def test_an_unknown_parameter_is_refused(client, name):
    message = invalid(client, q="drones", **{name: "1"})
    assert repr(name) in message and "expected" in message


# --- /api/search: facets --------------------------------------------------------------------------


def test_facet_counts_are_story_counts(dated_client):
    body = api_search(dated_client, q="Ukraine", size=100)
    stories_by_month: dict[str, set] = defaultdict(set)
    for record in DATED_RECORDS:
        if record.get("date"):
            stories_by_month[month_of(record["date"])].add(dated_story_of(record))
    expected = [{"value": month, "count": len(stories)}
                for month, stories in sorted(stories_by_month.items())]
    assert body["facets"]["month"] == expected
    docs_in_october = sum(1 for r in DATED_RECORDS if month_of(r.get("date")) == "2022-10")
    assert docs_in_october == 4 and body["facets"]["month"][1] == {"value": "2022-10", "count": 3}
    wallace = next(item for item in body["facets"]["person"] if item["value"] == "Ben Wallace")
    docs_naming_wallace = [r for r in DATED_RECORDS if "Wallace" in r["text"]]
    assert wallace["count"] == len({dated_story_of(r) for r in docs_naming_wallace}) == 4
    assert len(docs_naming_wallace) == 5


def test_source_and_author_facets_count_every_matching_story(dated_client):
    body = api_search(dated_client, q="Ukraine", size=100)
    by_source: dict[str, set] = defaultdict(set)
    by_author: dict[str, set] = defaultdict(set)
    for record in DATED_RECORDS:
        by_source[record["source"]].add(dated_story_of(record))
        for author in record["authors"]:
            by_author[author].add(dated_story_of(record))
    assert {item["value"]: item["count"] for item in body["facets"]["source"]} == {
        source: len(stories) for source, stories in by_source.items()}
    assert {item["value"]: item["count"] for item in body["facets"]["author"]} == {
        author: len(stories) for author, stories in by_author.items()}
    counts = [item["count"] for item in body["facets"]["author"]]
    assert counts == sorted(counts, reverse=True)


def facet_filter_args(kind: str, value: str) -> dict:
    return {"from": value, "to": value} if kind == "month" else {kind: value}


@pytest.mark.parametrize("kind", ["source", "author", "person", "org", "place", "month"])
def test_a_facet_value_as_a_filter_gives_exactly_its_count(dated_client, kind):
    facets = api_search(dated_client, q="Ukraine", size=100)["facets"][kind]
    assert facets
    wrong = {}
    for item in facets:
        narrowed = api_search(dated_client, q="Ukraine", size=100, **facet_filter_args(kind, item["value"]))
        if narrowed["total"] != item["count"] or len(narrowed["results"]) != item["count"]:
            wrong[item["value"]] = (item["count"], narrowed["total"])
    assert not wrong, f"facet count vs filtered total: {wrong}"




def test_a_facet_value_with_an_apostrophe_filters_too(dated_client):
    body = api_search(dated_client, q="Ukraine", author="Padraig O'Brien", size=100)
    assert set(ids(body)) == {"oct-kyiv-drones", "nov-kyiv-blackout"}


@pytest.mark.parametrize(("name", "value"), [
    ("author", "Padraig O'Brien"),
    ("author", "Max Hunder"), ("source", "The Kyiv Independent"), ("author", "Olena Roshchina"),
])
def test_the_filter_of_a_facet_value_matches_its_articles(dated_index, name, value):
    """The filter itself (beneath the collector problem above) matches the right articles."""
    view = Engine(dated_index).view()
    request = RankRequest(qt.Everything(), Filters(**{name: value}).tree(), depth=100, grouped=False)
    matched = view.ids(row.ref for row in view.rank(request).rows)
    field = "authors" if name == "author" else "source"
    expected = {r["id"] for r in DATED_RECORDS if value in (r[field] if name == "author" else [r[field]])}
    assert set(matched) == expected


# --- /api/search: export --------------------------------------------------------------------------


def export(client, export_format: str, **args):
    response = client.get("/api/search", query_string={**args, "format": export_format})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_matches_openapi(response, "/api/search")
    return response


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV export, which starts with UTF-8's byte order mark (for spreadsheets)."""
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_csv_rows_match_the_json_citations(dated_client, sort):
    as_json = export(dated_client, "json", q="Ukraine", sort=sort).get_json()
    rows = csv_rows(export(dated_client, "csv", q="Ukraine", sort=sort))
    assert rows[0] == list(CITATION_COLUMNS)
    assert rows[1:] == [[cell(citation[column]) for column in CITATION_COLUMNS]
                        for citation in as_json["results"]]
    assert as_json["count"] == len(as_json["results"]) == len(rows) - 1


def test_json_export_lists_every_story_in_ranking_order(dated_client):
    as_json = export(dated_client, "json", q="Ukraine").get_json()
    whole = api_search(dated_client, q="Ukraine", size=100)
    assert [citation["id"] for citation in as_json["results"]] == ids(whole)
    assert as_json["query"] == "Ukraine" and as_json["count"] == whole["total"]
    record = next(r for r in DATED_RECORDS if r["id"] == "oct-kyiv-drones")
    citation = next(c for c in as_json["results"] if c["id"] == "oct-kyiv-drones")
    passage = citation.pop("passage")
    assert citation == {"id": record["id"], "title": record["title"], "source": record["source"],
                        "date": record["date"], "authors": record["authors"], "url": record["url"],
                        "link": "http://localhost/articles/oct-kyiv-drones", "versions": [],
                        "row_kind": "story", "query_run": "Ukraine"}
    shown = next(hit for hit in whole["results"] if hit["id"] == "oct-kyiv-drones")["snippet"]
    assert passage and passage == html.unescape(shown.replace("<mark>", "").replace("</mark>", ""))


def test_an_export_row_names_its_story_s_other_versions_and_opens_in_the_app(client):
    """The print and web editions are one story: its row names the other version (by its id
    alone: the saved web page names no source or date)."""
    (row,) = export(client, "json", q="Amraam").get_json()["results"]
    assert row["id"] == TELEGRAPH_PRINT and row["versions"] == [TELEGRAPH_WEB]
    page = client.get(urlsplit(row["link"]).path)
    assert page.status_code == 200 and "Amraam" in page.get_data(as_text=True)


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_every_export_row_says_which_query_it_is_a_result_of(spelling_client, export_format):
    """`amram` finds nothing and is answered by `amraam`: the file says so on every row."""
    def rows(**args) -> list[dict]:
        response = export(spelling_client, export_format, **args)
        if export_format == "json":
            return response.get_json()["results"]
        header, *lines = csv_rows(response)
        return [dict(zip(header, line, strict=True)) for line in lines]

    corrected = rows(q="amram")
    assert [(row["id"], row["query_run"]) for row in corrected] == [("amraam-delivery", "amraam")]
    assert rows(q="amram", spell="off") == []
    typed = rows(q="tanker")
    assert typed and all(row["query_run"] == "tanker" for row in typed)


def test_export_ignores_paging(dated_client):
    first = export(dated_client, "json", q="Ukraine").get_json()
    assert export(dated_client, "json", q="Ukraine", page="3", size="2").get_json() == first


def test_exports_are_attachments_named_after_the_query(client):
    for export_format, mimetype in (("csv", "text/csv"), ("json", "application/json")):
        response = export(client, export_format, q='Wallace "air defence"')
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == \
            f'attachment; filename="Wallace-air-defence.{export_format}"'


def test_csv_joins_authors_and_writes_empty_cells_for_nulls(client):
    rows = csv_rows(export(client, "csv", q="Amraam"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["id"] == TELEGRAPH_PRINT
    assert row["authors"] == "Tony Diver; Danielle Sheridan; Jamie Johnson"
    assert row["date"] == "" and row["url"] == ""


def test_csv_neutralises_formulas(hostile_client):
    rows = csv_rows(export(hostile_client, "csv", q="drone"))
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "hostile-formula"), strict=True))
    assert row["title"] == "'" + '=HYPERLINK("https://evil.example","Drone story")'
    assert row["source"] == "'=cmd|' /C calc'!A0"
    assert row["authors"] == "'@SUM(1+1)"
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows[1:] for value in r)


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("plain", "plain"), ("a=b", "a=b"), (None, ""), (["A", "B"], "A; B"),
    (["=A", "B"], "'=A; B"), ([], ""),
])
def test_cell_neutralises_what_a_spreadsheet_would_run(value, expected):
    assert cell(value) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("Amraam", "Amraam.csv"), ("  ", "search.csv"), ("../../etc/passwd", "etc-passwd.csv"),
    ('a"b', "a-b.csv"), ("x" * 100, "x" * 60 + ".csv"),
])
def test_export_filenames_are_safe(query, expected):
    assert filename(query, "csv") == expected


@pytest.mark.parametrize("export_format", ["xml", "CSV", "xlsx"])
def test_an_unknown_export_format_is_refused(client, export_format):
    assert "format" in invalid(client, q="drones", format=export_format)


def test_export_still_checks_the_query(client):
    assert "q" in invalid(client, format="csv")


def test_export_applies_the_filters(dated_client):
    as_json = export(dated_client, "json", q="Ukraine", source="Reuters").get_json()
    assert as_json["results"] and {c["source"] for c in as_json["results"]} == {"Reuters"}


# --- /api/articles/<id> ---------------------------------------------------------------------------


def get_article(client, doc_id: str, **args) -> dict:
    response = client.get(f"/api/articles/{doc_id}", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return assert_matches_openapi(response, "/api/articles/{id}")


def test_an_article_has_paragraphs_entities_and_versions(client):
    article = get_article(client, TELEGRAPH_WEB)
    assert article["id"] == TELEGRAPH_WEB
    assert [version["id"] for version in article["versions"]] == [TELEGRAPH_PRINT]
    assert len(article["paragraphs"]) == len(article["paragraphs_html"]) > 3
    assert any(AMRAAM_LONG in paragraph for paragraph in article["paragraphs"])
    assert "NATO" in {entity["name"] for entity in article["entities"]}


def test_paragraphs_html_is_the_text_with_entities_marked(client):
    article = get_article(client, TELEGRAPH_PRINT)
    assert any('<mark class="entity" data-type="person" title="Ben Wallace">' in p
               for p in article["paragraphs_html"])
    for text, marked in zip(article["paragraphs"], article["paragraphs_html"], strict=True):
        assert_html_markup_only_marks(marked)
        assert html.unescape(re.sub(r"</?mark[^>]*>", "", marked)) == text


def test_an_article_of_the_dated_corpus_keeps_its_metadata(dated_client):
    article = get_article(dated_client, "oct-reuters-wallace-visit")
    record = next(r for r in DATED_RECORDS if r["id"] == "oct-reuters-wallace-visit")
    assert (article["title"], article["source"], article["date"], article["authors"], article["url"]) == (
        record["title"], record["source"], "2022-10-20", record["authors"], record["url"])
    assert [version["id"] for version in article["versions"]] == ["oct-telegraph-wallace-visit"]
    assert article["paragraphs"][-1] == "Reuters could not independently verify the details of the talks."


def test_an_unknown_id_is_404(client):
    error = api_error(client, "/api/articles/no-such-article", 404, "/api/articles/{id}")
    assert error["code"] == "not_found" and "no-such-article" in error["message"]


@pytest.mark.parametrize("doc_id", [
    "..", ".", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..%5C..%5Cwindows",
    "a%20b", "%00", "x" * 201, "000_2c27c168a57ccc4f.txt%2F..", "~root", "%252e%252e",
])
def test_path_traversal_looking_ids_are_404(client, doc_id):
    for url in (f"/api/articles/{doc_id}", f"/api/articles/{doc_id}/related"):
        response = client.get(url)
        assert response.status_code == 404, url
        template = "/api/articles/{id}/related" if url.endswith("/related") else "/api/articles/{id}"
        body = assert_matches_openapi(response, template)
        assert body["error"]["code"] == "not_found"
        assert "root:" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/articles/../../etc/passwd", "/api/articles/a/b",
                                 "/api/articles//etc/passwd", "/api", "/api/", "/api/nothing"])
def test_ids_with_slashes_and_api_paths_of_no_route_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert "root:" not in response.get_data(as_text=True)


def test_an_article_takes_only_the_query_that_found_it(client):
    error = api_error(client, f"/api/articles/{TELEGRAPH_WEB}", 400, "/api/articles/{id}", limit="1")
    assert error["code"] == "invalid_parameter"
    error = api_error(client, f"/api/articles/{TELEGRAPH_WEB}", 400, "/api/articles/{id}", q="x" * 2001)
    assert error["code"] == "invalid_parameter"
    article = get_article(client, TELEGRAPH_WEB, q="Amraam")
    assert article["matches"] == 1
    assert any('<mark class="match" id="match-1">advanced medium-range air-to-air missile</mark>' in paragraph
               for paragraph in article["paragraphs_html"])


# --- /api/articles/<id>/related -------------------------------------------------------------------


def get_related(client, doc_id: str, **args) -> dict:
    response = client.get(f"/api/articles/{doc_id}/related", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return assert_matches_openapi(response, "/api/articles/{id}/related")


def test_related_coverage_is_other_stories(client):
    body = get_related(client, TELEGRAPH_WEB)
    related = [story["id"] for story in body["related"]]
    assert body["id"] == TELEGRAPH_WEB
    assert related and len(related) == len(set(related)) <= 5
    assert TELEGRAPH_WEB not in related and TELEGRAPH_PRINT not in related
    scores = [story["score"] for story in body["related"]]
    assert scores == sorted(scores, reverse=True)


def test_related_coverage_never_lists_the_other_version(dated_client):
    body = get_related(dated_client, "oct-telegraph-wallace-visit", limit="20")
    related = [story["id"] for story in body["related"]]
    assert related
    assert not set(WALLACE_STORY) & set(related)


@pytest.mark.parametrize("limit", ["1", "2", "20"])
def test_related_limit(dated_client, limit):
    body = get_related(dated_client, "sep-wallace-nato", limit=limit)
    assert 1 <= len(body["related"]) <= int(limit)


@pytest.mark.parametrize("limit", ["0", "21", "many", "-1"])
def test_related_limit_out_of_range_is_refused(client, limit):
    error = api_error(client, f"/api/articles/{TELEGRAPH_WEB}/related", 400, "/api/articles/{id}/related",
                      limit=limit)
    assert error["code"] == "invalid_parameter" and "limit" in error["message"]


def test_related_refuses_unknown_parameters(client):
    error = api_error(client, f"/api/articles/{TELEGRAPH_WEB}/related", 400, "/api/articles/{id}/related",
                      size="3")
    assert error["code"] == "invalid_parameter"


def test_related_of_an_unknown_id_is_404(client):
    error = api_error(client, "/api/articles/nope/related", 404, "/api/articles/{id}/related")
    assert error["code"] == "not_found"


# --- /api/suggest, /api/stats, /api/health, /api/openapi.json ------------------------------------


def suggest(client, **args) -> dict:
    response = client.get("/api/suggest", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return assert_matches_openapi(response, "/api/suggest")


def test_suggest_completes_names_headlines_and_words(client):
    body = suggest(client, q="wal")
    assert body["query"] == "wal"
    kinds = {item["text"]: item["kind"] for item in body["suggestions"]}
    assert kinds["Ben Wallace"] == "entity"
    assert kinds["Wallace heads to Pentagon over Kyiv strikes"] == "headline"
    assert all(text.lower().startswith("wal") or " wal" in text.lower() for text in kinds)
    order = [item["kind"] for item in body["suggestions"]]
    assert order == sorted(order, key=lambda kind: kind == "word")


def test_suggest_limit(client):
    assert len(suggest(client, q="wal", limit="2")["suggestions"]) == 2
    assert len(suggest(client, q="w", limit="20")["suggestions"]) <= 20


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "   "}, {"q": "zzzzqqq"}])
def test_suggest_with_nothing_to_complete_is_empty(client, args):
    assert suggest(client, **args)["suggestions"] == []


@pytest.mark.parametrize("args", [{"q": "w" * 201}, {"q": "wal", "limit": "0"}, {"q": "wal", "limit": "21"},
                                  {"q": "wal", "size": "3"}, {"q": "wal\x00"}])
def test_suggest_refuses_invalid_parameters(client, args):
    error = api_error(client, "/api/suggest", 400, "/api/suggest", **args)
    assert error["code"] == "invalid_parameter"


def test_stats(client, dated_client):
    response = client.get("/api/stats")
    body = assert_matches_openapi(response, "/api/stats")
    assert response.status_code == 200
    assert body["documents"] == 5 and body["terms"] > 100 and body["size_bytes"] > 0
    assert body["stories"] == 4 and body["first_date"] is None and body["last_date"] is None
    dated = assert_matches_openapi(dated_client.get("/api/stats"), "/api/stats")
    assert dated["documents"] == len(DATED_RECORDS) and 0 < dated["stories"] <= dated["documents"]
    dates = sorted(record["date"] for record in DATED_RECORDS if record.get("date"))
    assert (dated["first_date"][:10], dated["last_date"][:10]) == (dates[0][:10], dates[-1][:10])
    sources = Counter(record["source"] for record in DATED_RECORDS if record.get("source"))
    assert {source["value"] for source in dated["top"]["source"]} == set(sources)
    for values in dated["top"].values():
        counts = [value["count"] for value in values]
        assert counts == sorted(counts, reverse=True)


def test_stats_takes_no_parameters(client):
    assert api_error(client, "/api/stats", 400, "/api/stats", verbose="1")["code"] == "invalid_parameter"


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = assert_matches_openapi(response, "/api/health")
    assert body["status"] == "ok" and body["documents"] == 5 and body["generation"] >= 1


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    body = assert_matches_openapi(response, "/api/openapi.json")
    assert body["openapi"].startswith("3.1") and "/api/search" in body["paths"]


# --- errors any endpoint can give -----------------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", ["/api/search?q=drones", f"/api/articles/{TELEGRAPH_WEB}", "/api/suggest",
                                 "/api/stats", "/api/health", "/api/openapi.json",
                                 f"/api/articles/{TELEGRAPH_WEB}/related"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_other_methods_are_405(client, url, method):
    response = getattr(client, method)(url, data="x=1")
    assert response.status_code == 405
    error = response.get_json()["error"]
    assert error["code"] == "method_not_allowed" and error["message"]


def test_a_405_says_which_methods_are_allowed(client):
    response = client.post("/api/search?q=drones")
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_large_body_is_413(client, method):
    response = getattr(client, method)("/api/search?q=drones", data=b"x" * (16 * 1024 + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"
    assert "16384" in response.get_json()["error"]["message"]


def test_a_body_within_the_limit_is_not_413(client):
    assert client.get("/api/search?q=drones", data=b"x" * 1024).status_code == 200
    assert client.post("/api/search?q=drones", data=b"x" * (16 * 1024)).status_code == 405


@pytest.mark.parametrize(("url", "template"), [
    ("/api/search?q=drones", "/api/search"), ("/api/search?q=drones&format=csv", "/api/search"),
    (f"/api/articles/{TELEGRAPH_WEB}", "/api/articles/{id}"),
    (f"/api/articles/{TELEGRAPH_WEB}/related", "/api/articles/{id}/related"),
    ("/api/suggest?q=wal", "/api/suggest"), ("/api/stats", "/api/stats"), ("/api/health", "/api/health"),
])
def test_no_index_is_503_with_a_json_error(no_index_client, url, template):
    response = no_index_client.get(url)
    assert response.status_code == 503
    body = assert_matches_openapi(response, template)
    assert body["error"]["code"] == "no_index"
    assert "search index" in body["error"]["message"]


def test_parameters_are_checked_before_the_index_is_needed(no_index_client):
    error = api_error(no_index_client, "/api/search", 400, "/api/search", q="drones", size="500")
    assert error["code"] == "invalid_parameter"


def test_the_openapi_document_needs_no_index(no_index_client):
    assert no_index_client.get("/api/openapi.json").status_code == 200


# --- escaping: the hostile corpus ---------------------------------------------------------------


def test_snippets_of_hostile_articles_have_no_markup_but_marks(hostile_client):
    body = api_search(hostile_client, q="drone", size=100)
    assert len(body["results"]) == len(HOSTILE_RECORDS)
    for hit in body["results"]:
        assert "<mark>" in hit["snippet"]
        assert_html_markup_only_marks(hit["snippet"])
    snippets = " ".join(hit["snippet"] for hit in body["results"])
    assert html.escape(SCRIPT) in snippets and html.escape(IMG) in snippets


@pytest.mark.parametrize("record", HOSTILE_RECORDS, ids=lambda record: record["id"])
def test_paragraphs_html_of_hostile_articles_have_no_markup_but_marks(hostile_client, record):
    article = get_article(hostile_client, record["id"])
    assert article["paragraphs_html"]
    for marked in article["paragraphs_html"]:
        assert_html_markup_only_marks(marked)
    assert (article["title"], article["source"], article["authors"], article["url"]) == (
        record["title"], record["source"], record["authors"], record["url"]), "plain fields stay data"


def test_hostile_query_words_come_back_escaped_in_snippets(hostile_client):
    body = api_search(hostile_client, q='script alert img onerror "><img src=x>')
    for hit in body["results"]:
        assert_html_markup_only_marks(hit["snippet"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
       page=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 2000).map(str)),
       sort=st.one_of(st.none(), st.sampled_from(["relevance", "date", "", "bogus"])),
       date=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2022", "2022-10", "2022-10-20"])))
def test_any_input_answers_200_or_400_in_the_documented_shape(client, q, page, sort, date):
    args = {"q": q, "page": page, "sort": sort, "from": date}
    response = client.get("/api/search", query_string={k: v for k, v in args.items() if v is not None})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    body = assert_matches_openapi(response, "/api/search")
    if response.status_code == 200:
        VALIDATOR.validate(body)
        for hit in body["results"]:
            assert_html_markup_only_marks(hit["snippet"])
    else:
        assert body["error"]["code"] == "invalid_parameter"


# --- the index changing under a running app ----------------------------------------------------


def test_an_index_that_appears_later_is_served_without_a_restart(tmp_path):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    client = create_app(index_dir).test_client()
    assert client.get("/api/health").status_code == 503
    update_index(index_dir, [write_dated_corpus(tmp_path / "corpus").parent])
    response = client.get("/api/health")
    assert response.status_code == 200
    assert assert_matches_openapi(response, "/api/health")["documents"] == len(DATED_RECORDS)


def test_a_reindex_is_picked_up_without_a_restart(tmp_path):
    corpus = tmp_path / "corpus"
    write_dated_corpus(corpus)
    update_index(tmp_path / "index", [corpus])
    client = create_app(tmp_path / "index").test_client()
    assert api_search(client, q="Sevastopol")["total"] == 0
    (corpus / "late.jsonl").write_text(json.dumps({
        "id": "late-sevastopol", "date": "2023-01-05", "source": "Reuters", "title": "Blasts in Sevastopol",
        "text": "Explosions were heard in Sevastopol overnight, officials said."}) + "\n", encoding="utf-8")
    update_index(tmp_path / "index", [corpus])
    assert ids(api_search(client, q="Sevastopol")) == ["late-sevastopol"]
    assert api_search(client, q="Ukraine")["total"] == 11
    assert client.get("/api/stats").get_json()["documents"] == len(DATED_RECORDS) + 1
