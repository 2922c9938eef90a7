"""The HTML pages (web/pages.py and templates/): rendered on the server, so every check
here reads the HTML a browser without JavaScript would get."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB, build_jsonl_index
from fixtures_corpora import DATED_RECORDS, HOSTILE_RECORDS, IMG, SCRIPT

from web import create_app
from web.timeline import BARS_HEIGHT, days_between

AMRAAM_LONG = "advanced medium-range air-to-air missile"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"
OUR_SCRIPT = "/static/page.js"


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Page(HTMLParser):
    """A parsed page: every element with its attributes, and the text of each element
    (the text of everything inside it)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.unisolated: list[str] = []  # text holding a right-to-left override outside an isolate
        self.feed(self.source)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in ("meta", "link", "input", "br", "img", "rect"):
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.text += data
        if "\u202e" in data and not any(e.tag in ("bdi", "title") or e.attrs.get("dir") == "auto"
                                          for e in self._open):
            self.unisolated.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Element]:
        return [e for e in self.elements
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes)
                and all(e.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items())]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs) -> Element:
        found = self.find(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, found)
        return found[0]

    def hit_ids(self) -> list[str]:
        return [e.attrs["data-id"] for e in self.find("li", "hit")]

    def total(self) -> int:
        return int(self.one("strong", "total").text)


def get_page(client, url: str, status: int = 200, **args) -> Page:
    response = client.get(url, query_string=args or None)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def query_args(href: str) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(href).query).items()}


def api_ids(client, **args) -> list[str]:
    return [hit["id"] for hit in client.get("/api/search", query_string=args).get_json()["results"]]


def api_dates(client, **args) -> list[str | None]:
    return [hit["date"] for hit in client.get("/api/search", query_string=args).get_json()["results"]]


def assert_inert(page: Page) -> None:
    """No element, attribute or link the corpus could have injected."""
    assert not page.find("img"), "an injected <img> element"
    for element in page.elements:
        assert not any(name.startswith("on") for name in element.attrs), element
        for name in ("href", "src", "action"):
            assert not element.attrs.get(name, "").strip().lower().startswith("javascript:"), element
    assert [e.attrs.get("src") for e in page.find("script")] == [OUR_SCRIPT]


def test_text_from_articles_is_isolated_so_it_cannot_reverse_the_page_around_it(client):
    """A right-to-left override in a headline or source stays inside its element: headlines and
    snippets set their own direction (`dir="auto"`), sources, authors and tags sit in `<bdi>`."""
    page = get_page(client, "/search", q="Amraam")
    hits = page.find("li", "hit")
    assert hits
    assert len(page.find("p", "snippet", dir="auto")) == len(hits)
    headlines = [link for link in page.find("a") if link.attrs.get("href", "").startswith("/articles/")]
    assert headlines and all(link.attrs.get("dir") == "auto" for link in headlines)
    assert page.find("bdi", "source") and not page.find("span", "source")
    article = get_page(client, f"/articles/{TELEGRAPH_PRINT}")
    assert article.one("h1").attrs.get("dir") == "auto"
    assert article.one("div", "body").attrs.get("dir") == "auto"


def test_a_right_to_left_override_anywhere_in_an_article_stays_inside_an_isolate(tmp_path):
    override = "\u202e"
    record = {"id": "rtl-1", "date": "2022-10-03", "source": f"Gazette {override}Daily",
              "url": "https://x.org/1", "authors": [f"Ann {override}Lee"], "tags": [f"ports{override}"],
              "title": f"Drone {override}port attack",
              "text": f"The drone hit the port {override}at dawn.\n\nNobody was hurt, officials said."}
    client = create_app(build_jsonl_index(tmp_path, [record])).test_client()
    for url in ("/search?q=drone", "/articles/rtl-1", f"/search?q=&tag=ports{override}",
                "/search?q=&source=gazette"):
        page = get_page(client, url)
        assert override in page.source and page.unisolated == [], (url, page.unisolated)


# --- / ------------------------------------------------------------------------------------------


def test_home_is_a_focused_search_box(client):
    page = get_page(client, "/")
    form = page.one("form", "search-form")
    assert form.attrs["action"] == "/search" and form.attrs["method"] == "get"
    box = page.one("input", type="search")
    assert "autofocus" in box.attrs and box.attrs["data-suggest"] == "/api/suggest"
    assert page.one("meta", name="viewport").attrs["content"].startswith("width=device-width")


def test_every_asset_is_served_by_the_app(client):
    page = get_page(client, "/")
    assets = [e.attrs["href"] for e in page.find("link", rel="stylesheet")] + \
             [e.attrs["src"] for e in page.find("script")]
    assert assets == ["/static/style.css", OUR_SCRIPT]
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and response.data
    assert not re.search(r"(src|href)=\"(https?:)?//", client.get("/").get_data(as_text=True))


def test_home_needs_no_index(no_index_client):
    assert get_page(no_index_client, "/").one("input", name="q")


def test_home_says_what_the_index_holds_and_each_link_finds_it(dated_client):
    """Articles, stories and dates as /api/stats counts them; the sources, people, organisations
    and places most stories name, each browsing as many stories as it says; searches to try,
    made from the index, each finding something."""
    stats = dated_client.get("/api/stats").get_json()
    page = get_page(dated_client, "/")
    holdings = page.one("p", "holdings").text
    assert f"{stats['documents']:,} articles" in " ".join(holdings.split())
    assert stats["first_date"][:10] in holdings and stats["last_date"][:10] in holdings
    browsing = page.find("a", "top-value")
    assert len(browsing) == sum(len(stats["top"][name]) for name in ("source", "person", "org", "place"))
    for link in browsing:
        args = query_args(link.attrs["href"])
        (name, value), = args.items()
        count = {item["value"]: item["count"] for item in stats["top"][name]}[value]
        assert get_page(dated_client, "/search", **args).total() == count
    examples = page.find("a", "example")
    assert len(examples) >= 3
    for link in examples:
        assert get_page(dated_client, "/search", **query_args(link.attrs["href"])).total() >= 1


def test_home_refuses_parameters(client):
    page = get_page(client, "/", 400, x="1")
    assert page.one("section", "error").attrs["data-code"] == "invalid_parameter"


# --- /search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [{}, {"q": ""}, {"q": "   "}])
def test_search_without_a_query_goes_home(client, args):
    response = client.get("/search", query_string=args)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"


def test_a_filter_alone_browses_its_stories_newest_first(dated_client):
    """`/search?q=&source=…` lists the source's stories newest first (the API's answer to the
    same arguments), with the filter shown and no relevance order offered."""
    source = DATED_RECORDS[0]["source"]
    page = get_page(dated_client, "/search", q="", source=source)
    answer = dated_client.get("/api/search", query_string={"source": source}).get_json()
    dates = [hit["date"] for hit in answer["results"]]
    assert page.hit_ids() and page.hit_ids() == [hit["id"] for hit in answer["results"]]
    assert dates == sorted(dates, reverse=True) and {hit["source"] for hit in answer["results"]} == {source}
    top = dated_client.get("/api/stats").get_json()["top"]
    assert answer["total"] == page.total() == {item["value"]: item["count"] for item in top["source"]}[source]
    assert "relevance" not in page.one("p", "summary").text


@pytest.mark.parametrize("query", ["Amraam", "drones", "Wallace Pentagon", "Zelensky"])
def test_results_are_rendered_on_the_server_in_the_api_order(client, query):
    page = get_page(client, "/search", q=query)
    assert page.hit_ids() and page.hit_ids() == api_ids(client, q=query)
    assert page.one("input", type="search").attrs["value"] == query


def test_a_story_names_its_first_report_with_a_link_to_it(tmp_path):
    text = ("Defence Secretary Ben Wallace told NATO ministers in Brussels that Ukraine needed more "
            "artillery before the autumn, and that Kyiv would need air defence as much as shells.")
    records = [{"id": name, "title": "Wallace urges NATO allies", "text": text, "source": name.title(),
                "date": date} for name, date in (("wire", "2022-09-05T08:10"), ("site", "2022-09-06"))]
    client = create_app(build_jsonl_index(tmp_path, records)).test_client()
    page = get_page(client, "/search", q="Wallace")
    line = page.one("p", "first-report")
    assert " ".join(line.text.split()).startswith("First reported by Wire, 2022-09-05 08:10")
    assert [link.attrs["href"] for link in page.find("a") if link.attrs.get("href") == "/articles/wire"]


def test_amraam_page_shows_the_highlight_and_both_editions_as_one_story(client):
    page = get_page(client, "/search", q="Amraam")
    assert page.total() == 1 and page.hit_ids() == [TELEGRAPH_PRINT]
    hit = page.one("li", "hit")
    assert "Wallace heads to Pentagon over Kyiv strikes" in hit.text
    assert [m.text for m in page.find("mark")] == ["Amraam", "advanced medium-range air-to-air missile"]
    versions = page.one("details", "versions")
    assert "1 other version of this story" in versions.text
    assert "advanced medium-range air-to-air missile" in page.one("p", "version-snippet").text
    links = [e.attrs["href"] for e in page.find("a") if e.attrs.get("href", "").startswith("/articles/")]
    assert f"/articles/{TELEGRAPH_WEB}?q=Amraam#match-1" in links
    assert f"/articles/{TELEGRAPH_PRINT}?q=Amraam#match-1" in links


def test_the_page_says_when_a_hit_matched_through_an_alias(web_edition_client):
    page = get_page(web_edition_client, "/search", q="Amraam")
    assert page.hit_ids() == [TELEGRAPH_WEB]
    assert [m.text for m in page.find("mark")] == [AMRAAM_LONG]
    why = page.one("span", "match", data_via="alias")
    assert "Amraam" in why.text and AMRAAM_LONG in why.text


def test_exact_matches_need_no_explanation(client):
    assert not get_page(client, "/search", q="Amraam").find("p", "why")


def test_a_misspelling_gets_a_did_you_mean_link(client):
    answer = client.get("/api/search", query_string={"q": "drones Zelenskky"}).get_json()
    assert answer["suggestion"] == "drones Zelensky" and answer["corrected_query"] is None
    page = get_page(client, "/search", q="drones Zelenskky")
    link = next(e for e in page.find("a") if e.attrs["href"].startswith("/search") and "Zelensky" in e.text)
    assert query_args(link.attrs["href"]) == {"q": "drones Zelensky"}
    followed = get_page(client, link.attrs["href"])
    assert not followed.find("p", "did-you-mean")
    assert followed.hit_ids() == api_ids(client, q="drones Zelensky")


@pytest.mark.parametrize(("typed", "corrected"), [("amram", "amraam"), ("zelenskky", "zelensky")])
def test_a_misspelling_that_finds_nothing_shows_the_corrected_results(client, typed, corrected):
    page = get_page(client, "/search", q=typed)
    notice = page.one("p", "corrected")
    assert notice.text == f"Showing results for {corrected} · Search instead for {typed}"
    assert page.hit_ids() == api_ids(client, q=corrected)


def test_search_instead_runs_the_typed_query_as_typed_keeping_filters_and_sort(spelling_client):
    args = {"q": "amram", "sort": "date", "source": "Reuters"}
    page = get_page(spelling_client, "/search", **args)
    assert page.hit_ids() == ["amraam-delivery"]
    link = page.one("a", "as-typed")
    assert link.text == "amram"
    assert query_args(link.attrs["href"]) == {**args, "spell": "off"}
    typed = get_page(spelling_client, link.attrs["href"])
    assert typed.hit_ids() == [] and not typed.find("p", "corrected")
    assert typed.one("p", "did-you-mean").text == "Did you mean amraam?"
    back = next(e for e in typed.find("a") if e.text == "amraam")
    assert query_args(back.attrs["href"]) == {**args, "q": "amraam"}
    # every other link of the page keeps the typed query as typed
    sort_link = next(e for e in typed.find("a") if e.text == "relevance")
    assert query_args(sort_link.attrs["href"])["spell"] == "off"


def test_a_capitalised_typo_is_only_suggested(spelling_client):
    page = get_page(spelling_client, "/search", q="Amram")
    assert page.hit_ids() == [] and not page.find("p", "corrected")
    assert "Amraam" in page.one("p", "did-you-mean").text


@pytest.mark.parametrize("query", ['"unclosed', "((", "foo:bar"])
def test_broken_syntax_shows_a_warning_and_results(client, query):
    page = get_page(client, "/search", q=query)
    assert page.find("p", "warning")


def test_nothing_found_says_so(client):
    page = get_page(client, "/search", q="xylophonequartet")
    assert page.total() == 0 and page.find("p", "empty") and not page.hit_ids()


def test_pagination_links_walk_through_every_result(dated_client):
    whole = api_ids(dated_client, q="Ukraine", size=100)
    seen, url, pages = [], "/search?q=Ukraine&size=3", 0
    while url:
        page = get_page(dated_client, url)
        pages += 1
        nav = Page(re.search(r'<nav class="pagination".*?</nav>', page.source, re.S).group())
        assert nav.one("strong", aria_current="page").text == str(pages)
        assert bool(nav.find("a", rel="prev")) == (pages > 1)
        numbered = {int(e.text): query_args(e.attrs["href"]) for e in nav.find("a") if e.text.isdigit()}
        assert pages not in numbered and len(numbered) >= 3
        assert all(args.get("page", "1") == str(number) for number, args in numbered.items())
        seen += page.hit_ids()
        nexts = page.find("a", rel="next")
        url = nexts[0].attrs["href"] if nexts else None
        if url:
            assert query_args(url) == {"q": "Ukraine", "size": "3", "page": str(pages + 1)}
    assert seen == whole and pages == -(-len(whole) // 3)


def test_a_single_page_has_no_pagination(client):
    assert not get_page(client, "/search", q="Amraam").find("nav", "pagination")


def test_a_page_beyond_the_first_1000_is_an_error_page(client):
    page = get_page(client, "/search", 400, q="drones", page="101")
    assert page.one("section", "error").attrs["data-code"] == "invalid_parameter"
    assert "1000" in page.one("p", "message").text


@pytest.mark.parametrize("args", [{"size": "101"}, {"sort": "latest"}, {"foo": "1"},
                                  {"q": "x" * 2001}])
def test_invalid_parameters_are_an_error_page(client, args):
    page = get_page(client, "/search", 400, **{"q": "drones", **args})
    assert page.one("section", "error").attrs["data-code"] == "invalid_parameter"
    assert page.one("p", "message").text


@pytest.mark.parametrize(("sort", "shown"), [("newest", "date"), ("date", "date"), ("oldest", "oldest")])
def test_the_page_says_which_order_it_shows(dated_client, sort, shown):
    page = get_page(dated_client, "/search", q="Ukraine", size="100", sort=sort)
    orders = ("relevance", "date", "oldest")
    assert [element.text for element in page.find("strong") if element.text in orders] == [shown]
    dates = [date for date in api_dates(dated_client, q="Ukraine", size=100, sort=sort) if date]
    assert dates == sorted(dates, reverse=shown == "date")


def test_sort_links_switch_between_relevance_and_date(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine", size="100")
    by_date = next(e for e in page.find("a") if e.text == "date")
    assert query_args(by_date.attrs["href"]) == {"q": "Ukraine", "size": "100", "sort": "date"}
    dated_page = get_page(dated_client, by_date.attrs["href"])
    assert dated_page.hit_ids() == api_ids(dated_client, q="Ukraine", size=100, sort="date")
    assert dated_page.hit_ids()[-1] == "undated-analysis"
    back = next(e for e in dated_page.find("a") if e.text == "relevance")
    assert query_args(back.attrs["href"]) == {"q": "Ukraine", "size": "100"}


def test_export_links_download_the_citations(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine", size="5", page="2")
    exports = {e.text: e.attrs["href"] for e in page.find("a", "export")}
    assert set(exports) == {"CSV", "JSON"}
    assert query_args(exports["CSV"]) == {"q": "Ukraine", "format": "csv"}
    response = dated_client.get(exports["CSV"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").startswith("id,title,source,date,authors,url")
    assert dated_client.get(exports["JSON"]).get_json()["count"] == page.total()


def test_original_links_only_for_web_addresses(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine", size="100")
    urls = {r["id"]: r["url"] for r in DATED_RECORDS}
    for hit_id in page.hit_ids():
        hit_html = re.search(rf'<li class="hit" data-id="{hit_id}">(.*?)</li>\s*(?=<li class="hit"|</ol>)',
                             page.source, re.S).group(1)
        hit = Page(hit_html)
        originals = [e.attrs["href"] for e in hit.find("a", "original")]
        assert originals == ([urls[hit_id]] if urls[hit_id] else []), hit_id
        if originals:
            assert hit.one("a", "original").attrs["rel"] == "noopener noreferrer"


# --- facets and the timeline ------------------------------------------------------------------


def facet_links(page: Page, facet: str) -> dict[str, str]:
    section = re.search(rf'<section class="facet" data-facet="{facet}">(.*?)</section>', page.source, re.S)
    assert section, facet
    return {e.text: e.attrs["href"] for e in Page(section.group(1)).find("a")}


@pytest.mark.parametrize("facet", ["source", "author", "person", "org", "place"])
def test_facet_links_add_their_filter(dated_client, facet):
    page = get_page(dated_client, "/search", q="Ukraine")
    facets = dated_client.get("/api/search", query_string={"q": "Ukraine"}).get_json()["facets"][facet]
    links = facet_links(page, facet)
    assert list(links) == [item["value"] for item in facets]
    for value, href in links.items():
        assert query_args(href) == {"q": "Ukraine", facet: value}


def test_a_chosen_filter_is_shown_and_can_be_removed(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine", source="Reuters", size="5")
    remove = page.one("a", "remove-filter")
    assert "source: Reuters" in remove.text
    assert query_args(remove.attrs["href"]) == {"q": "Ukraine", "size": "5"}
    chosen = page.find("li", "chosen")
    assert [e.text.split()[0] for e in chosen] == ["Reuters"]


@pytest.mark.parametrize("facet", ["source", "author", "person", "place"])
def test_following_a_facet_link_narrows_the_results_to_its_count(dated_client, facet):
    page = get_page(dated_client, "/search", q="Ukraine", size="100")
    counts = {item["value"]: item["count"] for item in dated_client.get(
        "/api/search", query_string={"q": "Ukraine"}).get_json()["facets"][facet]}
    totals = {value: get_page(dated_client, href).total() for value, href in facet_links(page, facet).items()}
    assert totals == counts
    assert min(totals.values()) < page.total()


def timeline_bars(page: Page) -> list[Element]:
    figure = re.search(r'<figure class="timeline">(.*?)</figure>', page.source, re.S)
    assert figure, "no timeline"
    assert "<svg" in figure.group(1)
    return Page(figure.group(1)).find("a", "bar")


def counted_time(facets: dict) -> tuple[str, list[dict]]:
    """The finest time facet an answer counted, and its values."""
    unit = next(unit for unit in ("day", "week", "month") if facets.get(unit) or unit == "month")
    return unit, facets[unit]


def test_the_timeline_is_an_inline_svg_bar_per_week_month_or_day(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine")
    facets = dated_client.get("/api/search", query_string={"q": "Ukraine"}).get_json()["facets"]
    unit, counted = counted_time(facets)
    assert unit == "week"  # the dated corpus spans four months
    assert page.one("svg").attrs["data-unit"] == unit and f"stories per {unit}" in page.one("figcaption").text
    bars = timeline_bars(page)
    assert [bar.attrs["data-value"] for bar in bars] == [m["value"] for m in counted]
    assert [bar.text.strip() for bar in bars] == [f"week of {m['value']}: {m['count']}" for m in counted]
    heights = [float(e.attrs["height"]) for e in page.find("rect")]
    assert max(heights) == BARS_HEIGHT and all(height >= 2 for height in heights)
    tallest = max(counted, key=lambda m: m["count"])["count"]
    assert heights == [round(BARS_HEIGHT * m["count"] / tallest, 1) for m in counted]


def test_a_span_of_two_months_is_drawn_in_days(dated_client):
    span = {"q": "Ukraine", "from": "2022-10", "to": "2022-11"}
    days = dated_client.get("/api/search", query_string=span).get_json()["facets"]
    assert counted_time(days)[0] == "day" and "week" not in days
    assert sum(day["count"] for day in days["day"]) >= sum(month["count"] for month in days["month"])
    bars = timeline_bars(get_page(dated_client, "/search", **span))
    assert [bar.text.strip() for bar in bars] == [f"{day['value']}: {day['count']}" for day in days["day"]]
    assert all(bar.attrs["data-from"] == bar.attrs["data-to"] == bar.attrs["data-value"] for bar in bars)


def test_timeline_bars_link_to_their_span(dated_client):
    for bar in timeline_bars(get_page(dated_client, "/search", q="Ukraine", sort="date")):
        start, end = bar.attrs["data-from"], bar.attrs["data-to"]
        assert (date.fromisoformat(end) - date.fromisoformat(start)).days == 6  # Monday to Sunday
        assert query_args(bar.attrs["href"]) == {"q": "Ukraine", "sort": "date", "from": start, "to": end}
        assert get_page(dated_client, bar.attrs["href"]).find("a", "remove-filter")


def test_following_a_timeline_bar_narrows_to_its_span(dated_client):
    page = get_page(dated_client, "/search", q="Ukraine", size="100")
    for bar in timeline_bars(page):
        start, end, count = bar.attrs["data-from"], bar.attrs["data-to"], int(bar.text.split(":")[1])
        narrowed = get_page(dated_client, bar.attrs["href"])
        assert narrowed.total() == count < page.total()
        dates = [d.attrs["datetime"][:10] for d in narrowed.find("time")]
        assert dates and all(start <= day <= end for day in dates)


def test_spans_without_matches_are_gaps_without_links(dated_client):
    page = get_page(dated_client, "/search", q="grain OR Christmas")
    bars = [bar.attrs["data-value"] for bar in timeline_bars(page)]
    assert len(bars) == 2 and bars[0].startswith("2022-09") and bars[1].startswith("2022-12")
    rects = page.find("rect")
    assert len(rects) == 2
    slot = 600 / len(days_between(bars[0], bars[1], 7))
    last = len(days_between(bars[0], bars[1], 7)) - 1
    assert [float(r.attrs["x"]) for r in rects] == [round(0.1 * slot, 1), round(last * slot + 0.1 * slot, 1)]


def test_undated_results_have_no_timeline(client):
    page = get_page(client, "/search", q="drones")
    assert page.hit_ids() and not page.find("figure", "timeline") and not page.find("svg")


# --- /articles/<id> -------------------------------------------------------------------------------


def test_an_article_page_marks_its_entities(client):
    page = get_page(client, f"/articles/{TELEGRAPH_PRINT}")
    assert page.one("h1").text == "Wallace heads to Pentagon over Kyiv strikes"
    marks = page.find("mark", "entity")
    assert {"Ben Wallace", "NATO", "Kyiv"} <= {m.attrs["title"] for m in marks}
    assert {m.attrs["data-type"] for m in marks} >= {"person", "org", "place"}
    assert '<mark class="entity"' in page.source


def test_an_article_page_links_its_other_versions(client):
    for doc_id, other in ((TELEGRAPH_PRINT, TELEGRAPH_WEB), (TELEGRAPH_WEB, TELEGRAPH_PRINT)):
        page = get_page(client, f"/articles/{doc_id}")
        section = re.search(r'<section class="versions">(.*?)</section>', page.source, re.S).group(1)
        assert [e.attrs["href"] for e in Page(section).find("a")] == [f"/articles/{other}"]


def test_an_article_page_lists_related_coverage(client):
    page = get_page(client, f"/articles/{TELEGRAPH_PRINT}")
    section = re.search(r'<section class="related">(.*?)</section>', page.source, re.S).group(1)
    related = client.get(f"/api/articles/{TELEGRAPH_PRINT}/related").get_json()["related"]
    assert [e.attrs["href"] for e in Page(section).find("a")] == [f"/articles/{s['id']}" for s in related]
    assert related and TELEGRAPH_WEB not in {s["id"] for s in related}
    for href in [e.attrs["href"] for e in Page(section).find("a")]:
        assert get_page(client, href).one("article", "article")


def test_an_article_page_links_its_entities_to_a_search(client):
    page = get_page(client, f"/articles/{TELEGRAPH_PRINT}")
    section = re.search(r'<section class="entities">(.*?)</section>', page.source, re.S).group(1)
    links = {e.text: query_args(e.attrs["href"]) for e in Page(section).find("a")}
    assert links["Ben Wallace"] == {"q": "Ben Wallace", "person": "Ben Wallace"}


def test_an_article_page_links_back_to_the_results(client):
    page = get_page(client, f"/articles/{TELEGRAPH_PRINT}", q="Amraam")
    assert query_args(page.one("a", "back").attrs["href"]) == {"q": "Amraam"}
    assert not get_page(client, f"/articles/{TELEGRAPH_PRINT}").find("a", "back")


def test_an_article_page_links_the_original_only_for_web_addresses(dated_client, hostile_client):
    record = next(r for r in DATED_RECORDS if r["id"] == "sep-wallace-nato")
    page = get_page(dated_client, f"/articles/{record['id']}")
    assert page.one("a", "original").attrs["href"] == record["url"]
    assert not get_page(dated_client, "/articles/undated-analysis").find("a", "original")
    for hostile in HOSTILE_RECORDS:
        originals = get_page(hostile_client, f"/articles/{hostile['id']}").find("a", "original")
        expected = [hostile["url"]] if hostile["url"].startswith("https://") else []
        assert [e.attrs["href"] for e in originals] == expected


def test_an_unknown_article_is_a_404_page(client):
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert Page(response.get_data(as_text=True)).one("section", "error").attrs["data-code"] == "not_found"


@pytest.mark.parametrize("doc_id", ["..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%00", "x" * 201])
def test_path_traversal_looking_article_pages_are_404(client, doc_id):
    response = client.get(f"/articles/{doc_id}")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "root:" not in response.get_data(as_text=True)


def test_an_article_page_refuses_unknown_parameters(client):
    get_page(client, f"/articles/{TELEGRAPH_PRINT}", 400, page="2")


# --- errors on pages --------------------------------------------------------------------------


def test_other_methods_on_pages_are_a_405_page(client):
    for url in ("/", "/search?q=drones", f"/articles/{TELEGRAPH_PRINT}"):
        response = client.post(url)
        assert response.status_code == 405 and response.mimetype == "text/html"


def test_a_large_body_on_a_page_is_413(client):
    response = client.post("/search?q=drones", data=b"x" * (16 * 1024 + 1))
    assert response.status_code == 413 and response.mimetype == "text/html"


def test_no_index_is_a_503_page(no_index_client):
    for url in ("/search?q=drones", f"/articles/{TELEGRAPH_PRINT}"):
        page = get_page(no_index_client, url, 503)
        assert page.one("section", "error").attrs["data-code"] == "no_index"
        assert "search index" in page.one("p", "message").text


# --- escaping: the hostile corpus ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["drone", "Gazette OR Daily OR Mallory OR Eve", SCRIPT, IMG,
                                   f"{SCRIPT} {IMG} drone"])
def test_the_results_page_renders_hostile_articles_inert(hostile_client, query):
    response = hostile_client.get("/search", query_string={"q": query, "size": "100"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text
    page = Page(text)
    assert_inert(page)
    if page.hit_ids():
        assert ESCAPED_SCRIPT in text and ESCAPED_IMG in text
    assert page.one("input", type="search").attrs["value"] == query


def test_hostile_titles_sources_and_authors_show_as_text(hostile_client):
    page = get_page(hostile_client, "/search", q="drone", size="100")
    assert len(page.hit_ids()) == len(HOSTILE_RECORDS)
    shown = " ".join(e.text for e in page.find("li", "hit"))
    for record in HOSTILE_RECORDS:
        assert record["title"] in shown and record["source"] in shown
        assert all(author in shown for author in record["authors"])
    for facet in ("source", "author"):
        values = set(facet_links(page, facet))
        assert any(SCRIPT in value or IMG in value for value in values)


@pytest.mark.parametrize("record", HOSTILE_RECORDS, ids=lambda record: record["id"])
def test_the_article_page_renders_hostile_articles_inert(hostile_client, record):
    response = hostile_client.get(f"/articles/{record['id']}", query_string={"q": SCRIPT})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "<img src=x" not in text
    page = Page(text)
    assert_inert(page)
    assert page.one("h1").text == record["title"]
    assert page.one("a", "back").text == f"← results for {SCRIPT}"
    body = page.one("div", "body").text
    for raw, escaped in ((SCRIPT, ESCAPED_SCRIPT), (IMG, ESCAPED_IMG)):
        if raw in record["text"]:
            assert raw in body and escaped in text


def test_a_count_that_is_a_lower_bound_reads_more_than():
    from web.pages import count_text

    assert count_text(10000, "gte") == "more than 10,000"
    assert count_text(1234, "eq") == count_text(1234) == "1,234"


@pytest.mark.parametrize(("dates", "typed", "said"), [
    ("from=2022-12&to=2022-10", {"from": "2022-12", "to": "2022-10"},
     "the dates are reversed: from 2022-12 is after to 2022-10"),
    ("from=2022-13", {"from": "2022-13", "to": ""}, "from must be a date"),
])
def test_a_bad_date_range_keeps_the_search_and_says_why_beside_the_dates(dated_client, dates, typed, said):
    answer = dated_client.get(f"/search?q=Kyiv&source=Reuters&{dates}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'value="Kyiv"' in page and "source: <bdi>Reuters</bdi>" in page, "the words, the other filter stay"
    assert re.search(r'<p class="field-error" id="date-error" role="alert">[^<]*' + re.escape(said), page)
    assert dict(re.findall(r'<input name="(from|to)" value="([^"]*)"', page)) == typed
    assert 'class="result' in page and "date-notice" in page, "searched without the dates, and said so"
    assert dated_client.get(f"/api/search?q=Kyiv&{dates}").status_code == 400


def test_a_bad_date_alone_is_an_error_page(dated_client):
    answer = dated_client.get("/search?from=2022-13")
    assert answer.status_code == 400 and "from must be a date" in answer.get_data(as_text=True)
