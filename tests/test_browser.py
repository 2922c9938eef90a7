"""The pages in a real browser: headless Chromium (Playwright) against `search serve` on loopback.

Three live servers, each the real `search serve` command in a subprocess: the seed corpus
(no dates), a dated fixture corpus (timeline and filters) and a hostile corpus (markup and
script in every field). Chromium starts once for the module. Screenshots of every page go
to artifacts/ (git-ignored). When Chromium or Playwright is missing the tests fail, never skip.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    LiveServer,
    launch_chromium,
    require_search_command,
    screenshot,
    sync_playwright,
)
from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB, WASHINGTON_TIMES
from fixtures_corpora import write_spelling_corpus, write_wire_corpus

from search.indexer import update_index

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
OUR_SCRIPTS = 1  # base.html loads static/page.js and nothing else

# --- fixture corpora -------------------------------------------------------------------------

COMMON_WORD = "harbour"
DATED_SOURCES = ("Coastal Gazette", "Evening Ledger", "Wire Report")
# (month, day, source) of each article; the story in two versions is the last two rows.
DATED_PLAN = [
    ("2023-01", 9, "Coastal Gazette"), ("2023-01", 17, "Evening Ledger"), ("2023-01", 25, "Wire Report"),
    ("2023-02", 3, "Coastal Gazette"), ("2023-02", 21, "Evening Ledger"),
    ("2023-03", 2, "Coastal Gazette"), ("2023-03", 14, "Evening Ledger"), ("2023-03", 28, "Wire Report"),
    ("2023-04", 6, "Coastal Gazette"), ("2023-04", 19, "Evening Ledger"),
    ("2023-02", 12, "Coastal Gazette"), ("2023-02", 13, "Wire Report"),
]
VERSIONED = ("dated-10", "dated-11")
SYLLABLES = [consonant + vowel for consonant in "bdklmnrstv" for vowel in "aeiou"]


def made_up_words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(count)]


def dated_body(rng: random.Random) -> str:
    """Six sentences of words no other article shares, and the common word once."""
    sentences = []
    for number in range(6):
        words = made_up_words(rng, 12)
        if number == 2:
            words.insert(5, COMMON_WORD)
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def write_dated_corpus(path: Path) -> Path:
    """About twelve dated articles over four months from three sources; one story in two versions."""
    rng = random.Random(20230101)
    records = []
    for number, (month, day, source) in enumerate(DATED_PLAN):
        records.append({
            "id": f"dated-{number:02d}", "title": f"{made_up_words(rng, 1)[0].capitalize()} {COMMON_WORD} "
                                                 f"report {number}",
            "text": dated_body(rng), "date": f"{month}-{day:02d}", "source": source,
            "url": f"https://news.example/{number}", "authors": [f"Reporter {number}"],
        })
    original, copy = (next(r for r in records if r["id"] == doc_id) for doc_id in VERSIONED)
    copy["text"] = original["text"] + " " + dated_body(rng).split(". ")[0] + "."
    path.mkdir(parents=True, exist_ok=True)
    target = path / "dated.jsonl"
    target.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return target


HOSTILE_TITLE = '<script>alert("title")</script> Harbour "><img src=x onerror=alert(1)>'
HOSTILE_SOURCE = '<script>alert("source")</script>Evil Times'
HOSTILE_AUTHORS = ['<img src=x onerror=alert("author")>', 'Jane <b onmouseover=alert(2)>Doe</b>']
HOSTILE_BODY = (
    'The harbour council met on Monday. <script>alert("body")</script> Officials said the '
    '"><img src=x onerror=alert(3)> dredging would continue. <svg onload=alert(4)></svg> '
    "Mr Smith said the harbour would reopen. <iframe src=javascript:alert(5)></iframe> "
    "The <b>bold</b> claims were denied by the harbour master, who spoke to reporters at length."
)
HOSTILE_VERSION_TITLE = '<img src=x onerror=alert("version")> Harbour reopening'


def write_hostile_corpus(path: Path) -> Path:
    """Articles with markup and script in headline, authors, source, body and a javascript: url."""
    records = [
        {"id": "hostile-1", "title": HOSTILE_TITLE, "date": "2023-05-02",
         "text": HOSTILE_BODY,
         "source": HOSTILE_SOURCE, "authors": HOSTILE_AUTHORS, "url": "javascript:alert('url')"},
        {"id": "hostile-2", "title": HOSTILE_VERSION_TITLE,
         "text": HOSTILE_BODY.replace("harbour council", "port council"),  # shorter: hostile-1 shows it
         "date": "2023-05-03", "source": "Plain Post", "authors": ["Ann Writer"],
         "url": " JavaScript:alert('url2')"},
        {"id": "hostile-3", "title": "Harbour fees rise", "date": "2023-06-01", "source": "Plain Post",
         "text": "Fees at the harbour rise next month, the council said. Traders objected to the change.",
         "authors": ["Ann Writer"], "url": "https://news.example/fees"},
    ]
    path.mkdir(parents=True, exist_ok=True)
    target = path / "hostile.jsonl"
    target.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return target


# --- fixtures --------------------------------------------------------------------------------


def build_index(directory: Path, write) -> Path:
    corpus = directory / "corpus"
    write(corpus)
    report = update_index(directory / "index", [corpus])
    assert report.added >= 3 and not report.problems, report
    return directory / "index"


@pytest.fixture(scope="module")
def servers(tmp_path_factory, seed_index):
    """Starts one live server per index when first asked for; all stopped at module teardown."""
    require_search_command()
    running: dict[str, LiveServer] = {}
    builders = {"dated": write_dated_corpus, "hostile": write_hostile_corpus, "wire": write_wire_corpus,
                "spelling": write_spelling_corpus}

    def server(name: str) -> LiveServer:
        if name not in running:
            directory = tmp_path_factory.mktemp(f"live-{name}")
            index = seed_index if name == "seed" else build_index(directory, builders[name])
            running[name] = LiveServer(index, directory / "server.log")
        return running[name]

    yield server
    for live in running.values():
        live.stop()


@pytest.fixture(scope="module")
def seed_server(servers) -> LiveServer:
    return servers("seed")


@pytest.fixture(scope="module")
def dated_server(servers) -> LiveServer:
    return servers("dated")


@pytest.fixture(scope="module")
def hostile_server(servers) -> LiveServer:
    return servers("hostile")


@pytest.fixture(scope="module")
def wire_server(servers) -> LiveServer:
    return servers("wire")


@pytest.fixture(scope="module")
def browser():
    playwright = sync_playwright().start()
    chromium = launch_chromium(playwright)
    yield chromium
    chromium.close()
    playwright.stop()


class Tab:
    """A page in a fresh browser context that records dialogs and script errors."""

    def __init__(self, browser, viewport: dict):
        self.context = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        # A failed load is reported with its address by _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response) -> None:
        # The browser asks for /favicon.ico by itself; the app has none (not an error of a page).
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"{response.status} for {response.url}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str):
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, (url, response and response.status)
        return self.page

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"script errors on the page: {self.errors}"


@pytest.fixture
def tab(browser):
    opened = Tab(browser, DESKTOP)
    yield opened
    opened.context.close()


@pytest.fixture
def phone(browser):
    opened = Tab(browser, PHONE)
    yield opened
    opened.context.close()


# --- helpers -----------------------------------------------------------------------------------


def hit_sources(page) -> list[str]:
    """The source printed on each hit (not on its versions)."""
    return page.locator("li.hit > .meta .source").all_inner_texts()


def hit_dates(page) -> list[str]:
    return [page.locator("li.hit > .meta time").nth(i).get_attribute("datetime")
            for i in range(page.locator("li.hit > .meta time").count())]


def total(page) -> int:
    return int(page.locator(".summary .total").inner_text())


def wait_for_url(page, pattern: str) -> None:
    page.wait_for_url(re.compile(pattern), timeout=TIMEOUT_MS)


def horizontal_overflow(page) -> dict:
    return page.evaluate("""() => ({scrollWidth: document.documentElement.scrollWidth,
                                    innerWidth: window.innerWidth,
                                    wide: [...document.querySelectorAll('body *')]
                                      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                                      .slice(0, 5).map(e => e.tagName + '.' + e.className)})""")


# --- (a) search Amraam over the seed corpus ----------------------------------------------------


def test_home_focuses_the_search_box_and_amraam_finds_the_telegraph(tab, seed_server):
    page = tab.open(seed_server.url("/"))
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.name]")
    assert focused == ["INPUT", "q"], f"the search box is not focused on load: {focused}"
    screenshot(page, "home")

    page.keyboard.type("Amraam")
    page.keyboard.press("Enter")
    wait_for_url(page, r"/search\?q=Amraam$")
    page.wait_for_selector("li.hit")
    screenshot(page, "results-amraam")

    first = page.locator("li.hit").first
    assert first.get_attribute("data-id") == TELEGRAPH_PRINT
    marks = first.locator(".snippet mark").all_inner_texts()
    assert "Amraam" in marks, f"no <mark>Amraam</mark> in the first snippet: {first.inner_html()}"
    assert first.locator(".meta .source").first.inner_text() == "The Daily Telegraph"
    version = first.locator(f'details.versions a[href^="/articles/{TELEGRAPH_WEB}"]')
    assert version.count() == 1, "the other Telegraph edition is not listed as a version of the hit"
    assert version.is_visible()
    assert first.locator("details.versions li").count() == 1
    own = first.locator("details.versions p.version-snippet mark").all_inner_texts()
    assert "advanced medium-range air-to-air missile" in own, "the web edition's own passage, alias marked"
    assert page.locator(".masthead input[name=q]").input_value() == "Amraam"
    tab.assert_clean()


# --- (b) completions --------------------------------------------------------------------------


def test_typing_fills_the_completions(tab, seed_server):
    page = tab.open(seed_server.url("/"))
    page.locator(".masthead input[name=q]").press_sequentially("Wal", delay=50)
    page.wait_for_function("() => document.querySelector('#suggestions option')?.value === 'Ben Wallace'",
                           timeout=TIMEOUT_MS)
    values = page.locator("datalist#suggestions option").evaluate_all("os => os.map(o => o.value)")
    assert values[0] == "Ben Wallace", values
    assert all(value.lower().startswith("wal") or " wal" in value.lower() for value in values), values
    screenshot(page, "home-typing-wal")

    page.locator(".masthead input[name=q]").fill("")
    page.locator(".masthead input[name=q]").press_sequentially("x", delay=10)
    page.locator(".masthead input[name=q]").press("Backspace")
    page.wait_for_function("() => document.querySelectorAll('#suggestions option').length === 0")
    tab.assert_clean()


def test_choosing_a_headline_from_the_completions_opens_its_article(tab, seed_server):
    page = tab.open(seed_server.url("/"))
    page.locator(".masthead input[name=q]").press_sequentially("Wallace heads", delay=30)
    page.wait_for_function("() => document.querySelector('#suggestions option[data-id]')")
    option = page.locator("#suggestions option[data-id]").first
    chosen, doc_id = option.get_attribute("value"), option.get_attribute("data-id")
    page.evaluate("""text => { const box = document.querySelector('.masthead input[name=q]');
        box.value = text;
        box.dispatchEvent(new InputEvent('input', {inputType: 'insertReplacementText', bubbles: true})); }""",
                  chosen)
    wait_for_url(page, f"/articles/{doc_id}$")
    assert page.locator("h1").inner_text() == chosen
    tab.assert_clean()


# --- (c) filters and timeline over the dated corpus ---------------------------------------------


def test_a_source_filter_narrows_the_results(tab, dated_server):
    page = tab.open(dated_server.url(f"/search?q={COMMON_WORD}"))
    before_items, before_total = page.locator("li.hit").count(), total(page)
    assert before_total == len(DATED_PLAN) - 1, "one story in two versions counts once"
    assert set(hit_sources(page)) == set(DATED_SOURCES)
    screenshot(page, "dated-results")

    link = page.locator('aside.filters section[data-facet="source"] a', has_text="Wire Report")
    assert link.count() == 1
    link.click()
    wait_for_url(page, r"[?&]source=Wire\+Report")
    page.wait_for_selector("li.hit")
    screenshot(page, "dated-results-source-filter")

    after_items = page.locator("li.hit").count()
    assert after_items < before_items and total(page) < before_total
    assert hit_sources(page) == ["Wire Report"] * after_items
    assert after_items == sum(source == "Wire Report" for _, _, source in DATED_PLAN)
    chosen = page.locator('section[data-facet="source"] li.chosen a')
    assert chosen.inner_text() == "Wire Report"
    assert page.locator(".active-filters a.remove-filter", has_text="source: Wire Report").count() == 1
    tab.assert_clean()


def test_a_timeline_bar_filters_to_its_week_and_a_drag_across_bars_to_their_span(tab, dated_server):
    page = tab.open(dated_server.url(f"/search?q={COMMON_WORD}"))
    chart = page.locator("figure.timeline svg")
    assert chart.get_attribute("data-unit") == "week"  # four months of articles
    bars = chart.locator("a.bar")
    spans = bars.evaluate_all("bars => bars.map(b => [b.dataset.from, b.dataset.to])")
    assert spans[:2] == [["2023-01-09", "2023-01-15"], ["2023-01-16", "2023-01-22"]], spans
    before = total(page)

    bars.nth(1).click()
    wait_for_url(page, r"[?&]from=2023-01-16&to=2023-01-22")
    page.wait_for_selector("li.hit")
    assert [day[:10] for day in hit_dates(page)] == ["2023-01-17"] and total(page) == 1

    page.go_back()
    page.wait_for_selector("figure.timeline svg a.bar")
    first = chart.locator('a.bar[data-from="2023-01-09"]').bounding_box()
    last = chart.locator('a.bar[data-from="2023-02-06"]').bounding_box()
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] - 1)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] - 1, steps=8)
    assert chart.locator("a.bar.brushed").count() == 5, "the bars dragged over are marked"
    screenshot(page, "dated-timeline-brushing")
    page.mouse.up()
    wait_for_url(page, r"[?&]from=2023-01-09&to=2023-02-12")
    page.wait_for_selector("li.hit")
    screenshot(page, "dated-results-brushed-span")
    dates = [day[:10] for day in hit_dates(page)]
    in_span = [number for number, (month, day, _) in enumerate(DATED_PLAN)
               if "2023-01-09" <= f"{month}-{day:02d}" <= "2023-02-12"]
    stories = {"versioned" if f"dated-{number}" in VERSIONED else number for number in in_span}
    assert total(page) == len(dates) == len(stories) < before, (dates, in_span)
    assert all("2023-01-09" <= day <= "2023-02-12" for day in dates), dates
    tab.assert_clean()


# --- (d) the article page ------------------------------------------------------------------------


def test_an_article_page_marks_entities_and_links_versions_and_related(tab, seed_server):
    page = tab.open(seed_server.url("/search?q=Amraam"))
    page.locator("li.hit").first.locator("h2 a").click()
    wait_for_url(page, rf"/articles/{TELEGRAPH_PRINT}\?q=Amraam#match-1$")
    page.wait_for_selector("article.article")
    screenshot(page, "article-telegraph")

    assert page.locator("article h1").inner_text() == "Wallace heads to Pentagon over Kyiv strikes"
    entities = page.locator("article .body mark.entity")
    assert entities.count() >= 10
    assert page.locator('mark.entity[data-type="person"][title="Ben Wallace"]').count() >= 2
    first = page.locator("mark.match#match-1")
    assert first.inner_text() == "Amraam", "the query's match is highlighted, over the entity mark"
    assert first.evaluate("mark => { const r = mark.getBoundingClientRect(); "
                          "return r.top >= 0 && r.bottom <= window.innerHeight; }"), "the page jumps to it"
    line = entities.first.evaluate("mark => mark.getBoundingClientRect().height")
    assert first.evaluate("mark => mark.getBoundingClientRect().height") <= 1.5 * line, "inline, one line"
    versions = page.locator("aside section.versions")
    assert versions.count() == 1
    assert versions.locator(f'a[href="/articles/{TELEGRAPH_WEB}?q=Amraam"]').count() == 1
    related = page.locator("aside section.related li a")
    assert related.count() >= 1
    related_ids = related.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(href.startswith("/articles/") for href in related_ids), related_ids
    assert not {f"/articles/{TELEGRAPH_PRINT}", f"/articles/{TELEGRAPH_WEB}"} & set(related_ids), related_ids
    assert page.locator("aside section.entities li").count() >= 5

    versions.locator("a").first.click()
    wait_for_url(page, rf"/articles/{TELEGRAPH_WEB}\?q=Amraam$")
    assert page.locator("mark.match").first.inner_text() == "advanced medium-range air-to-air missile"
    assert page.locator(f'aside section.versions a[href="/articles/{TELEGRAPH_PRINT}?q=Amraam"]').count() == 1
    screenshot(page, "article-telegraph-web-edition")
    tab.assert_clean()


def test_an_article_lists_who_said_what_and_a_speaker_leads_to_their_quotes(tab, seed_server):
    page = tab.open(seed_server.url(f"/articles/{WASHINGTON_TIMES}"))
    quotes = page.locator("aside section.quotes")
    quotes.scroll_into_view_if_needed()
    screenshot(page, "article-quotes")
    speakers = quotes.locator("h4").all_inner_texts()
    assert speakers[:3] == ["Antony Blinken", "Ned Price", "Sergey Lavrov"], speakers
    assert "We are not encouraging Ukraine" in quotes.locator("ul").nth(1).inner_text()
    quotes.locator("h4 a", has_text="Ned Price").click()
    wait_for_url(page, r"/search\?q=speaker")
    assert parse_qs(urlsplit(page.url).query) == {"q": ['speaker:"Ned Price"']}
    assert page.locator("li.hit").count() == 1
    assert page.locator("li.hit .quote-speaker").inner_text() == "Quoting Ned Price"
    assert "Price" in page.locator("li.hit p.snippet").inner_text()
    screenshot(page, "results-speaker")
    tab.assert_clean()


def test_wire_copy_reads_as_a_reporter_expects(tab, wire_server):
    """Counts of all and some words, what a hit lacks, a story's versions with their passages,
    facets by type, tags and clean bylines, on a Reuters-like corpus."""
    page = tab.open(wire_server.url("/search?q=hezbollah+tanker"))
    screenshot(page, "wire-partial")
    summary = page.locator("p.summary").inner_text()
    assert "1 story with all words · 2 with some" in summary, summary
    partial = page.locator("li.hit", has=page.locator("h2", has_text="TANKER HIT IN GULF"))
    assert partial.locator("p.missing").inner_text() == "Missing: hezbollah"
    assert partial.locator("p.missing s").count() == 1
    assert partial.locator(".meta .authors").inner_text() == "Ted D'Afflisio"
    assert page.locator('section[data-facet="tag"] a', has_text="crude").count() == 1

    page = tab.open(wire_server.url("/search?q=OPEC+Vienna+ceiling"))
    story = page.locator("li.hit").first
    assert story.locator("h2").inner_text() == "OPEC MINISTERS TO REVIEW CEILING AS OIL PRICES SLIDE"
    version = story.locator("details.versions li").first
    assert "OPEC TO MEET ON OUTPUT CEILING" in version.inner_text()
    assert version.locator("p.version-snippet").count() == 0, "its lead is the passage shown above"
    for facet in ("person", "org", "place"):
        assert page.locator(f'section[data-facet="{facet}"]').count() <= 1
    assert page.locator('section[data-facet="entity"]').count() == 0
    screenshot(page, "wire-versions")
    tab.assert_clean()


def test_a_correction_shows_the_way_back_to_the_query_as_typed(tab, servers):
    page = tab.open(servers("spelling").url("/search?q=amram&sort=date"))
    notice = page.locator("p.corrected")
    assert notice.inner_text() == "Showing results for amraam · Search instead for amram"
    assert page.locator("li.hit").count() == 1
    page.locator("a.as-typed").click()
    page.wait_for_selector("p.did-you-mean")
    assert page.locator("li.hit").count() == 0 and page.locator("p.corrected").count() == 0
    assert "spell=off" in page.url and "sort=date" in page.url
    page.locator("p.did-you-mean a").click()
    page.wait_for_selector("li.hit")
    assert page.locator(".masthead input[name=q]").input_value() == "amraam"
    screenshot(page, "spelling-way-back")
    tab.assert_clean()


# --- (e) hostile input renders inert -------------------------------------------------------------

INJECTED_CHECKS = """() => ({
  scripts: document.querySelectorAll('script').length,
  imgX: document.querySelectorAll('img[src="x"]').length,
  images: document.querySelectorAll('img').length,
  iframes: document.querySelectorAll('iframe').length,
  injectedSvg: document.querySelectorAll('svg[onload], main svg:not(figure.timeline svg)').length,
  bold: document.querySelectorAll('main b').length,
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
      .filter(a => a.name.startsWith('on')).map(a => e.tagName + '@' + a.name)),
  jsLinks: [...document.querySelectorAll('a[href]')]
      .filter(a => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript:')).length,
})"""


def assert_inert(tab: Tab) -> None:
    tab.page.wait_for_timeout(300)  # give onerror/onload handlers a chance to run, if any existed
    found = tab.page.evaluate(INJECTED_CHECKS)
    assert found == {"scripts": OUR_SCRIPTS, "imgX": 0, "images": 0, "iframes": 0, "injectedSvg": 0,
                     "bold": 0, "handlers": [], "jsLinks": 0}, found
    assert tab.page.locator("script").first.get_attribute("src") == "/static/page.js"
    tab.assert_clean()


def test_hostile_markup_is_shown_as_text_on_the_results_page(tab, hostile_server):
    page = tab.open(hostile_server.url(f"/search?q={COMMON_WORD}"))
    assert_inert(tab)
    screenshot(page, "hostile-results")

    titles = page.locator("li.hit h2").all_inner_texts()
    assert HOSTILE_TITLE in titles, titles
    hostile_hit = page.locator("li.hit", has=page.locator("h2", has_text=HOSTILE_TITLE))
    assert hostile_hit.locator(".meta .source").first.inner_text() == HOSTILE_SOURCE
    assert hostile_hit.locator(".meta .authors").first.inner_text() == ", ".join(HOSTILE_AUTHORS)
    assert hostile_hit.locator("a.original").count() == 0, "a javascript: url must not become a link"
    snippet = hostile_hit.locator(".snippet")
    assert "<" in snippet.inner_text() and snippet.locator("mark").count() >= 1
    assert snippet.locator(":not(mark)").count() == 0, snippet.inner_html()
    facet_sources = page.locator('section[data-facet="source"] a').all_inner_texts()
    assert HOSTILE_SOURCE in facet_sources, facet_sources
    assert page.get_by_text(HOSTILE_TITLE, exact=True).first.is_visible()

    # The hostile source as a filter, and a hostile query echoed back: still inert.
    page.locator('section[data-facet="source"] a', has_text=HOSTILE_SOURCE).click()
    page.wait_for_selector("li.hit")
    assert_inert(tab)
    query = f'{COMMON_WORD} "><img src=x onerror=alert(9)><script>alert(10)</script>'
    tab.open(hostile_server.url("/search?q=" + re.sub(r"[^A-Za-z0-9]", lambda m: f"%{ord(m[0]):02X}", query)))
    assert page.locator(".masthead input[name=q]").input_value() == query
    assert_inert(tab)
    screenshot(page, "hostile-query")


def test_hostile_markup_is_shown_as_text_on_the_article_page(tab, hostile_server):
    page = tab.open(hostile_server.url(f"/search?q={COMMON_WORD}"))
    page.locator("li.hit h2 a", has_text=HOSTILE_TITLE).click()
    wait_for_url(page, r"/articles/hostile-1\?q=harbour#match-1$")
    page.wait_for_selector("article.article")
    assert_inert(tab)
    screenshot(page, "hostile-article")

    assert page.locator("article h1").inner_text() == HOSTILE_TITLE
    assert page.locator("article .meta .source").inner_text() == HOSTILE_SOURCE
    body = page.locator("article .body").inner_text()
    assert '<script>alert("body")</script>' in body and "<svg onload=alert(4)></svg>" in body
    assert page.locator("article a.original").count() == 0
    versions = page.locator("aside section.versions a").all_inner_texts()
    assert versions == [HOSTILE_VERSION_TITLE], versions

    tab.open(hostile_server.url("/articles/hostile-2?q=%3Cscript%3Ealert(11)%3C%2Fscript%3E"))
    assert page.locator("a.back").inner_text() == "← results for <script>alert(11)</script>"
    assert page.locator("aside section.versions a").all_inner_texts() == [HOSTILE_TITLE]
    assert_inert(tab)
    screenshot(page, "hostile-article-version")


# --- (f) a phone's width -------------------------------------------------------------------------


@pytest.mark.parametrize("corpus, path, name", [
    ("seed", "/search?q=Amraam", "phone-results-amraam"),
    ("seed", "/search?q=Ukraine", "phone-results-ukraine"),
    ("dated", f"/search?q={COMMON_WORD}", "phone-results-dated"),
    ("hostile", f"/search?q={COMMON_WORD}", "phone-results-hostile"),
    ("seed", "/", "phone-home"),
    ("seed", f"/articles/{TELEGRAPH_PRINT}?q=Amraam", "phone-article"),
])
def test_pages_fit_a_phone_screen(phone, servers, corpus, path, name):
    page = phone.open(servers(corpus).url(path))
    screenshot(page, name)
    sizes = horizontal_overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], f"the page scrolls sideways on a phone: {sizes}"
    if "/search" in path:
        box = page.locator("section.results").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, box
    phone.assert_clean()


def test_long_facet_values_stay_inside_the_filters_column(tab, hostile_server):
    page = tab.open(hostile_server.url(f"/search?q={COMMON_WORD}"))
    screenshot(page, "hostile-results-facets")
    spill = page.evaluate("""() => {
        const column = document.querySelector('aside.filters').getBoundingClientRect();
        return [...document.querySelectorAll('aside.filters li, aside.filters li *')]
          .filter(e => e.getBoundingClientRect().right > column.right + 0.5)
          .map(e => `${e.tagName}: ${e.textContent.trim().slice(0, 60)} `
                    + `(${Math.round(e.getBoundingClientRect().right)} > ${Math.round(column.right)})`);
    }""")
    assert spill == [], f"facet entries wider than the filters column: {spill}"
    tab.assert_clean()


# --- (g) keyboard and accessibility ------------------------------------------------------------

AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa"]  # axe-core's WCAG 2 A and AA rules, none disabled
PAGE_TYPES = [("home", "/"), ("results", f"/search?q={COMMON_WORD}"),
              ("browse", "/search?source=Wire+Report"), ("article", "/articles/dated-10?q=harbour"),
              ("error", "/articles/no-such-article")]
AUDIT = "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})"


def focused(page) -> str:
    """The focused element, as `tag.class` (or its text for a link)."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e.tagName === 'A' && !e.className ? 'a:' + e.textContent.trim()
                                                 : e.tagName + '.' + e.className; }""")


def test_the_keyboard_reaches_results_first_and_moves_between_them(tab, dated_server):
    page = tab.open(dated_server.url(f"/search?q={COMMON_WORD}"))
    headlines = page.locator("li.hit h2 a").all_inner_texts()
    page.keyboard.press("Tab")
    assert focused(page) == "A.skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page) == f"a:{headlines[0]}", "the first result comes before the filters"
    page.keyboard.press("j")
    assert focused(page) == f"a:{headlines[1]}"
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert focused(page) == f"a:{headlines[0]}", "k stops at the first result"
    page.keyboard.press("/")
    assert focused(page) == "INPUT."
    page.keyboard.press("j")
    assert page.locator("input[type=search]").input_value().endswith("j"), "keys typed in the box are text"
    tab.assert_clean()


@pytest.mark.parametrize(("name", "path"), PAGE_TYPES)
def test_each_kind_of_page_has_one_h1_and_no_serious_accessibility_violation(browser, dated_server, name,
                                                                             path):
    assert AXE_SCRIPT.exists(), f"axe-core is missing at {AXE_SCRIPT}: make test installs it (npm ci)"
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)  # to load axe-core into the page
    try:
        page = context.new_page()
        page.goto(dated_server.url(path), wait_until="load")
        assert page.locator("h1").count() == 1
        page.add_script_tag(path=str(AXE_SCRIPT))
        found = page.evaluate(AUDIT, AXE_RULES)
        serious = [(violation["id"], violation["impact"], [node["target"] for node in violation["nodes"][:3]])
                   for violation in found["violations"] if violation["impact"] in ("serious", "critical")]
        assert found["passes"], "axe ran its rules"
        assert serious == [], f"{name}: {serious}"
    finally:
        context.close()
