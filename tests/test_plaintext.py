"""Plain-text articles (search/plaintext.py): masthead, headline, byline, dateline, boilerplate."""

from datetime import datetime

import pytest
from conftest import BLINKEN_LAMMY, CORPUS, HOLR, TELEGRAPH_PRINT, TELEGRAPH_WEB, WASHINGTON_TIMES

from search.ingest import read_file
from search.plaintext import parse_article


def parse_seed(name):
    return parse_article((CORPUS / f"{name}.txt").read_text(encoding="utf-8"))


def read_article(tmp_path, text, name="story.txt"):
    """Write `text` to a file and read it back the way the indexer does: exactly one article."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    contents = read_file(path, name)
    assert [p for p in contents.problems if p.fatal] == []
    [article] = contents.articles
    return article


# --- the five seeds ------------------------------------------------------------------------------

def test_seed_000_telegraph_print():
    parsed = parse_seed(TELEGRAPH_PRINT)
    assert parsed.source == "The Daily Telegraph"
    assert parsed.title == "Wallace heads to Pentagon over Kyiv strikes"
    assert parsed.authors == ["Tony Diver", "Danielle Sheridan", "Jamie Johnson"]
    assert parsed.date is None
    text = parsed.text
    assert text.startswith("BEN WALLACE flew to Washington for an urgent meeting")
    assert text.endswith("one of the critical outputs of Exercise Cerberus.”")
    assert "Newspapers in English" not in text
    assert "Newspapers from United Kingdom" not in text
    assert "Tony Diver" not in text
    assert "Wallace heads to Pentagon" not in text


def test_seed_000_print_line_break_is_rejoined():
    parsed = parse_seed(TELEGRAPH_PRINT)
    [paragraph] = [p for p in parsed.paragraphs if "a fleet of drones will be used by" in p]
    assert paragraph.startswith("State-of-the-art Amraam rockets")
    assert paragraph.endswith("will be used by Ukraine to gather more intelligence from the sky.")
    assert "used by\n" not in parsed.text


def test_seed_000_keeps_real_paragraph_breaks():
    parsed = parse_seed(TELEGRAPH_PRINT)
    assert "“We don’t assume we have control of air space anymore,” he said." in parsed.paragraphs
    assert len(parsed.paragraphs) == 23


def test_seed_001_web_edition_has_no_title_or_source():
    raw = (CORPUS / f"{TELEGRAPH_WEB}.txt").read_text(encoding="utf-8")
    parsed = parse_article(raw)
    assert parsed.title is None
    assert parsed.source is None
    assert parsed.authors == []
    assert parsed.date is None
    assert parsed.paragraphs == [line.strip() for line in raw.splitlines() if line.strip()]
    assert parsed.text.startswith("Brigadier General Patrick Ryder, the US Department of Defence")


def test_seed_002_title_is_first_line():
    parsed = parse_seed(BLINKEN_LAMMY)
    title = "US and UK Diplomats in Kyiv: Key Talks on Long-Range Weapons and Military Support for Ukraine"
    assert parsed.title == title
    assert parsed.source is None
    assert parsed.authors == []
    assert title not in parsed.text
    assert parsed.text.startswith("In a rare joint diplomatic mission, US Secretary of State Antony Blinken")
    assert parsed.text.endswith("the ongoing conflict between Ukraine and Russia.")
    assert len(parsed.paragraphs) == 9


def test_seed_003_credit_line_is_the_source():
    parsed = parse_seed(HOLR)
    assert parsed.source == "HOLR Magazine"
    assert parsed.title == (
        "British Defence Secretary Visits Ukraine to Bolster Air Defenses: A Strategic Alliance Strengthens"
    )
    assert "Published by" not in parsed.text
    assert "HOLR" not in parsed.text
    assert "(As also mentioned here)" not in parsed.text
    assert "As also mentioned" not in parsed.text
    assert parsed.text.startswith("In a significant display of international cooperation")
    assert parsed.text.endswith("the collective pursuit of a safer world.")
    assert any(p.endswith("We greatly appreciate that we can rely on you.”") for p in parsed.paragraphs)


def test_seed_004_furniture_is_gone():
    parsed = parse_seed(WASHINGTON_TIMES)
    headline = "Brazen strikes deep inside Russia complicate support from U.S., allies for Ukraine"
    assert parsed.title == headline
    assert headline not in parsed.text
    assert parsed.source is None
    assert parsed.authors == []
    text = parsed.text
    assert text.startswith("Ukraine’s apparent drone strikes on military bases")
    assert text.endswith("four eastern Ukrainian provinces is a major success.")
    assert "SEE ALSO" not in text
    assert "Read More" not in text
    assert "I like it" not in text
    assert "I don't like it" not in text
    assert "»" not in text
    # the quotes' ellipses are the article's own and stay
    assert "Mr. Price told a press briefing." in text


# --- written variants: masthead, byline, boilerplate ---------------------------------------------

KYIV_INDEPENDENT = """The Kyiv Independent

Russian drones hit energy grid in Kharkiv overnight

By Olena Petrenko and John Smith

Russian forces launched dozens of Iranian-made drones at Kharkiv overnight, officials said on Wednesday.

Power was restored to most homes by the morning, the regional governor said.

Read more comments

Follow us on Twitter
"""


def test_written_masthead_headline_byline_and_boilerplate(tmp_path):
    article = read_article(tmp_path, KYIV_INDEPENDENT, "kharkiv-grid.txt")
    assert article.source == "The Kyiv Independent"
    assert article.title == "Russian drones hit energy grid in Kharkiv overnight"
    assert article.authors == ["Olena Petrenko", "John Smith"]
    assert article.text == (
        "Russian forces launched dozens of Iranian-made drones at Kharkiv overnight, officials said on "
        "Wednesday.\n\nPower was restored to most homes by the morning, the regional governor said."
    )


@pytest.mark.parametrize("furniture", [
    "Advertisement",
    "Share this article",
    "Sign up for our daily briefing newsletter",
    "Click here to subscribe",
    "Related stories:",
    "Follow @kyivindependent on X",
    "Copyright 2022 Example Media. All rights reserved.",
    "Load more",
])
def test_boilerplate_lines_are_dropped(tmp_path, furniture):
    text = (
        "Grain deal extended for four months\n\n"
        "The Black Sea grain deal was extended, the United Nations said.\n\n"
        f"{furniture}\n\n"
        "Ships resumed loading at Odesa within hours.\n"
    )
    article = read_article(tmp_path, text)
    assert article.title == "Grain deal extended for four months"
    assert article.text == (
        "The Black Sea grain deal was extended, the United Nations said.\n\n"
        "Ships resumed loading at Odesa within hours."
    )


@pytest.mark.parametrize("credit, source", [
    ("This article first appeared on Politico.", "Politico"),
    ("Originally published in The Atlantic.", "The Atlantic"),
    ("Source: Reuters", "Reuters"),
    ("© 2022 Kyiv Independent", "Kyiv Independent"),   # a row of publications.tsv
])
def test_credit_line_gives_the_source_and_leaves_the_text(tmp_path, credit, source):
    text = (
        "Europe weighs new sanctions package\n\n"
        "Diplomats in Brussels met on Monday to discuss a tenth package of sanctions against Russia.\n\n"
        f"{credit}\n"
    )
    article = read_article(tmp_path, text)
    assert article.source == source
    assert article.title == "Europe weighs new sanctions package"
    assert article.text == (
        "Diplomats in Brussels met on Monday to discuss a tenth package of sanctions against Russia."
    )


def test_masthead_then_date_then_headline(tmp_path):
    text = (
        "The Kyiv Independent\n"
        "October 12, 2022\n"
        "Russian drones hit energy grid in Kharkiv\n"
        "By Olena Petrenko\n"
        "Russian forces launched dozens of drones at Kharkiv overnight, officials said.\n"
    )
    article = read_article(tmp_path, text)
    assert article.source == "The Kyiv Independent"
    assert article.title == "Russian drones hit energy grid in Kharkiv"
    assert article.date == datetime(2022, 10, 12)
    assert article.authors == ["Olena Petrenko"]


def test_masthead_in_capitals(tmp_path):
    text = (
        "THE KYIV INDEPENDENT\n\n"
        "Russian drones hit energy grid in Kharkiv\n\n"
        "Russian forces launched dozens of drones at Kharkiv overnight, officials said.\n"
    )
    article = read_article(tmp_path, text)
    assert article.title == "Russian drones hit energy grid in Kharkiv"
    assert (article.source or "").lower() == "the kyiv independent"


@pytest.mark.parametrize("byline, authors", [
    ("By Olena Petrenko, Anna Koval and John Smith", ["Olena Petrenko", "Anna Koval", "John Smith"]),
    ("By Olena Petrenko & John Smith", ["Olena Petrenko", "John Smith"]),
    ("— By Olena Petrenko", ["Olena Petrenko"]),
    ("BY OLENA PETRENKO AND JOHN SMITH", ["OLENA PETRENKO", "JOHN SMITH"]),
    ("By Jane Doe, Staff Writer", ["Jane Doe"]),
])
def test_byline_variants(tmp_path, byline, authors):
    text = (
        "Russian drones hit energy grid in Kharkiv\n\n"
        f"{byline}\n\n"
        "Russian forces launched dozens of drones at Kharkiv overnight, officials said.\n"
    )
    article = read_article(tmp_path, text)
    assert [name.lower() for name in article.authors] == [name.lower() for name in authors]
    assert article.text == "Russian forces launched dozens of drones at Kharkiv overnight, officials said."


def test_a_body_line_starting_with_by_is_not_a_byline(tmp_path):
    text = (
        "Grain deal extended\n\n"
        "By the end of the day, ships had resumed loading at Odesa.\n"
    )
    article = read_article(tmp_path, text)
    assert article.authors == []
    assert article.text == "By the end of the day, ships had resumed loading at Odesa."


def test_markdown_heading_is_the_title(tmp_path):
    text = "# Russian drones hit energy grid\n\nBy Olena Petrenko\n\nPower was cut overnight.\n"
    article = read_article(tmp_path, text, "story.md")
    assert article.title == "Russian drones hit energy grid"
    assert article.authors == ["Olena Petrenko"]


def test_windows_line_endings(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Grain deal extended\r\n\r\nShips resumed loading.\r\n\r\nTalks go on.\r\n")
    [article] = read_file(path, "crlf.txt").articles
    assert article.title == "Grain deal extended"
    assert article.text == "Ships resumed loading.\n\nTalks go on."


# --- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("top", [
    "October 12, 2022",
    "12 October 2022",
    "Updated: Wed 12 Oct 2022 10.30 BST",
    "KYIV, Ukraine, Oct. 12, 2022 (AP) — Missiles hit the city.",
    "KYIV, 2022-10-12 — Missiles hit the city.",
])
def test_dateline_near_the_top_gives_the_date(tmp_path, top):
    text = f"Missiles hit Kyiv\n\nBy Olena Petrenko\n\n{top}\n\nPower was cut in several districts.\n"
    assert read_article(tmp_path, text).date == datetime(2022, 10, 12)


def test_dateline_after_several_blank_lines(tmp_path):
    text = "Missiles hit Kyiv\n\n\n\nOctober 12, 2022\n\n\n\nPower was cut in several districts.\n"
    assert read_article(tmp_path, text).date == datetime(2022, 10, 12)


def test_date_deep_in_the_body_is_not_the_article_date(tmp_path):
    text = (
        "Missiles hit Kyiv\n\n"
        "Power was cut in several districts.\n\n"
        "Repair crews worked through the night.\n\n"
        "Officials said more strikes were likely.\n\n"
        "The first such attack came on October 10, 2021, a year earlier.\n"
    )
    assert read_article(tmp_path, text).date is None


@pytest.mark.parametrize("name", [TELEGRAPH_PRINT, TELEGRAPH_WEB, BLINKEN_LAMMY, HOLR, WASHINGTON_TIMES])
def test_seeds_state_no_date(name):
    assert parse_seed(name).date is None
