"""Screenshots of the app on a real news corpus, for docs/screenshots/ (what a reader sees).

    .venv/bin/python docs/take_screenshots.py --index /tmp/reuters-index [--only NAME ...]

The index is any index built with `search index` (the committed pictures are of
Reuters-21578: `search index ../shared/data/reuters/corpus.jsonl --index DIR`). The app is
served with `search serve` on a free loopback port and driven by Debian's Chromium through
Playwright (the same browser the tests use); each page is saved as a PNG of the visible
window, narrow enough to stay under ~300 KB. The feed reader's picture is Debian's newsboat (a
terminal feed reader: `apt-get install newsboat tmux`) reading a search's Atom feed in a tmux
window, its screen shown in the browser as text.
"""

from __future__ import annotations

import argparse
import html
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1200, "height": 1200}

# name -> (path, query-string arguments, what the picture shows)
PAGES = {
    "trust-partial-matches": ("/search", {"q": "oil prices opec"},
                              "all-words and some-words counts, missing words"),
    "trust-missing-word": ("/search", {"q": "hezbollah tanker"}, "a partial hit says what it lacks"),
    "trust-no-words-put-in-mouth": ("/search", {"q": "Kyiv"}, "a modern name: no results, no Kim"),
    "trust-did-you-mean": ("/search", {"q": "recieved"}, "a rare typo gets a suggestion"),
    "trust-corrected": ("/search", {"q": "yeuter"}, "a lower-case typo corrected, with the way back"),
    "trust-reporter-by-name": ("/search", {"q": "Patti Domm"},
                               "a reporter's articles by name, clean bylines"),
    "trust-story-versions": ("/search", {"q": "gulf tanker attack"},
                             "one story, its versions with their own passages"),
    "trust-entity-passage": ("/search", {"q": "dollar", "person": "James Baker"},
                             "a person filter shows the sentence about him"),
    "trust-tag-facet": ("/search", {"q": "coffee quota", "tag": "coffee"}, "facets by type, a tag filter"),
    "tool-home": ("/", {}, "what the index holds, its top names, searches to try from it"),
    "tool-browse": ("/search", {"place": "Japan"}, "a filter alone browses its stories, newest first"),
    "tool-timeline": ("/search", {"q": "opec quota"},
                      "the timeline: stories per week over nine months, each count shown"),
    "tool-date-error": ("/search", {"q": "opec quota", "place": "Ecuador", "from": "1987-10",
                                    "to": "1987-03"}, "a reversed date range keeps the search and says why"),
    "tool-speaker": ("/search", {"q": "speaker:volcker"}, "stories quoting a person, with what they said"),
    "tool-date-range": ("/search", {"q": "oil prices", "from": "1987-03-01", "to": "1987-03-10"},
                        "a date range narrows a search, read from the date column"),
}
QUOTES_OF = "speaker:volcker"  # the first hit's article is shown at its list of who said what
FEED_OF = {"q": "opec quota"}  # the search whose feed the feed reader is shown reading


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(index: Path, port: int) -> subprocess.Popen:
    """`search serve` on the index, once it answers."""
    server = subprocess.Popen([sys.executable, "-m", "search.cli", "serve", "--index", str(index),
                               "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not answer")


def feed_reader_screen(feed_url: str, columns: int = 110, rows: int = 30) -> str:
    """What newsboat shows of a feed once opened: its articles, newest first, as screen text."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "urls").write_text(feed_url + "\n")
        session = f"feed-reader-{free_port()}"
        command = f"newsboat -u {home}/urls -c {home}/cache.db -C /dev/null -r"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(columns), "-y", str(rows),
                        command], check=True,
                       env={"HOME": home, "PATH": "/usr/bin:/bin", "TERM": "xterm", "LANG": "C.UTF-8"})
        try:
            for _ in range(80):  # Enter opens the feed once it is read; until its articles show
                time.sleep(0.25)
                screen = screen_of(session)
                if "Articles in feed" in screen:
                    break
                if "unread" in screen:
                    subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
            return screen_of(session)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def screen_of(session: str) -> str:
    """The text a tmux session's window shows."""
    done = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True)
    return done.stdout


def terminal_page(text: str) -> str:
    """A terminal's screen text as a page (light on dark, monospaced)."""
    return ("<body style='margin:0;background:#1e1e1e'><pre style='margin:0;padding:12px;color:#ddd;"
            f"font:15px/1.35 monospace'>{html.escape(text)}</pre></body>")


def article_of_first_hit(page) -> str | None:
    """The href of the first hit's headline (the article opened from the results)."""
    link = page.locator("li.hit h2 a").first
    return link.get_attribute("href") if link.count() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import CHROMIUM, CHROMIUM_ARGS  # the browser the tests drive, started alike

    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = serve(args.index, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            for name, (path, query, caption) in PAGES.items():
                if args.only and name not in args.only:
                    continue
                page.goto(f"{base}{path}?{urlencode(query)}")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(f"{name}: {caption}")
            if not args.only or "trust-article-highlights" in args.only:
                page.goto(f"{base}/search?{urlencode({'q': 'oil prices opec'})}")
                href = article_of_first_hit(page)
                if href:
                    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1000})  # dense text
                    page.goto(base + href)
                    page.wait_for_timeout(500)  # let the jump to the first match settle before painting
                    page.screenshot(path=str(OUT / "trust-article-highlights.png"))
                    print("trust-article-highlights: every matched form marked, the page at the first")
            if not args.only or "tool-article-quotes" in args.only:
                page.goto(f"{base}/search?{urlencode({'q': QUOTES_OF})}")
                href = article_of_first_hit(page)
                if href:
                    page.goto(base + href.split("?")[0])
                    page.locator("section.quotes").scroll_into_view_if_needed()
                    page.screenshot(path=str(OUT / "tool-article-quotes.png"))
                    print("tool-article-quotes: an article's quotes by speaker, each linked to their stories")
            if not args.only or "tool-feed-reader" in args.only:
                page.set_content(terminal_page(feed_reader_screen(f"{base}/feed.atom?{urlencode(FEED_OF)}")))
                page.set_viewport_size({"width": 1040, "height": 620})
                page.screenshot(path=str(OUT / "tool-feed-reader.png"))
                print("tool-feed-reader: a search's Atom feed in newsboat, newest stories first")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
