"""Reading files (search/ingest.py): seeds, JSON Lines and JSON, saved pages, encodings, file discovery."""

import codecs
import json
import os
import re
from datetime import date, datetime

import pytest
from conftest import CORPUS, SEEDS

from search.ingest import decode, find_files, read_file, safe_id
from search.plaintext import parse_article

SAFE = re.compile(r"^[A-Za-z0-9._-]+$")
STORY = "Kyiv’s mayor says power is back\n\nKyiv’s mayor said the city’s power was restored on Wednesday.\n"


def write(directory, name, data):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def read(directory, name, data):
    return read_file(write(directory, name, data), name)


def jsonl(*records):
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n"


# --- plain-text files ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_each_seed_is_one_article_named_by_its_file(path):
    contents = read_file(path, path.name)
    assert contents.problems == []
    [article] = contents.articles
    parsed = parse_article(path.read_text(encoding="utf-8"))
    assert article.id == path.stem
    assert article.path == path.name
    assert (article.title, article.source, article.authors) == (parsed.title, parsed.source, parsed.authors)
    assert article.text == parsed.text
    assert article.date is None


def test_undated_file_stays_undated_whatever_its_mtime(tmp_path):
    path = write(tmp_path, "undated.txt", STORY)
    stamp = datetime(2021, 3, 4, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    [article] = read_file(path, "undated.txt").articles
    assert article.date is None


def test_nested_file_gets_a_safe_stable_id(tmp_path):
    path = write(tmp_path, "2022/10/kyiv strikes?.txt", STORY)
    first = read_file(path, "2022/10/kyiv strikes?.txt").articles[0].id
    again = read_file(path, "2022/10/kyiv strikes?.txt").articles[0].id
    assert SAFE.match(first)
    assert first == again
    assert first != read_file(path, "2022/11/kyiv strikes?.txt").articles[0].id


def test_missing_file_is_a_problem_not_an_exception(tmp_path):
    contents = read_file(tmp_path / "gone.txt", "gone.txt")
    assert contents.articles == []
    assert [p.location for p in contents.problems] == ["gone.txt"]
    assert contents.problems[0].fatal


# --- JSON Lines and JSON -------------------------------------------------------------------------

FEED = jsonl(
    {"id": "kyiv-001", "title": "Drones hit Kyiv", "text": "Russian drones hit Kyiv overnight.",
     "date": "2022-10-17", "source": "Kyiv Independent", "url": "https://example.org/a",
     "authors": ["Olena Petrenko", "John Smith"]},
    {"id": "a/b c?", "title": "Unsafe id", "body": "Body text here.", "date": "2022-10-18T09:30:00Z"},
    '{"id": "trunc", "title": "Broken", "text": "never clo',
    [1, 2, 3],
    {"id": "notext", "title": "", "date": "2022-10-19"},
    "",
    {"title": "No id given", "content": "Content field text.", "authors": "Jane Doe; John Roe"},
    {"id": 42, "text": "A numeric id."},
)


@pytest.fixture
def feed(tmp_path):
    return read(tmp_path, "feeds/recs.jsonl", FEED)


def test_jsonl_good_record_keeps_its_fields(feed):
    article = feed.articles[0]
    assert article.id == "kyiv-001"
    assert article.title == "Drones hit Kyiv"
    assert article.text == "Russian drones hit Kyiv overnight."
    assert article.date == datetime(2022, 10, 17)
    assert article.source == "Kyiv Independent"
    assert article.url == "https://example.org/a"
    assert article.authors == ["Olena Petrenko", "John Smith"]
    assert article.location == "feeds/recs.jsonl:1"


def test_jsonl_reads_every_good_line(feed):
    assert [(a.line, a.title, a.text) for a in feed.articles] == [
        (1, "Drones hit Kyiv", "Russian drones hit Kyiv overnight."),
        (2, "Unsafe id", "Body text here."),
        (7, "No id given", "Content field text."),
        (8, None, "A numeric id."),
    ]


def test_jsonl_problems_name_path_and_line(feed):
    problems = {p.location: p.reason for p in feed.problems}
    assert set(problems) == {"feeds/recs.jsonl:3", "feeds/recs.jsonl:4", "feeds/recs.jsonl:5"}
    assert "invalid JSON" in problems["feeds/recs.jsonl:3"]
    assert "not a JSON object" in problems["feeds/recs.jsonl:4"]
    assert "no text" in problems["feeds/recs.jsonl:5"]
    assert all(p.fatal for p in feed.problems)


def test_jsonl_unsafe_id_becomes_safe_and_stable(feed, tmp_path):
    unsafe = feed.articles[1]
    assert SAFE.match(unsafe.id)
    assert unsafe.id != "a/b c?"
    assert unsafe.id == read(tmp_path, "feeds/recs.jsonl", FEED).articles[1].id
    assert unsafe.id == safe_id("a/b c?")


def test_jsonl_ids_are_given_or_made_and_unique(feed):
    ids = [a.id for a in feed.articles]
    assert ids[3] == "42"
    assert all(SAFE.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_jsonl_other_fields(feed):
    assert feed.articles[1].date == datetime(2022, 10, 18, 9, 30)
    assert feed.articles[2].authors == ["Jane Doe", "John Roe"]


@pytest.mark.parametrize("record", [{"id": "blank", "text": "   \n  "}, {"id": "none", "text": None},
                                    {"id": "num", "text": 12}, {"id": "t", "title": "   "}])
def test_jsonl_record_without_text_is_reported(tmp_path, record):
    contents = read(tmp_path, "r.jsonl", jsonl(record, {"id": "ok", "text": "Fine."}))
    assert [a.id for a in contents.articles] == ["ok"]
    assert [p.location for p in contents.problems] == ["r.jsonl:1"]


def test_json_array_file(tmp_path):
    records = [
        {"id": "x1", "title": "First", "text": "One."},
        "just a string",
        {"id": "x3", "body": "Three.", "published": "October 12, 2022"},
        {"id": "x4"},
    ]
    contents = read(tmp_path, "arr.json", json.dumps(records, indent=2))
    assert [(a.id, a.text) for a in contents.articles] == [("x1", "One."), ("x3", "Three.")]
    assert contents.articles[1].date == datetime(2022, 10, 12)
    assert len(contents.problems) == 2
    assert all(p.location.startswith("arr.json:") for p in contents.problems)


def test_broken_json_array_is_a_problem(tmp_path):
    contents = read(tmp_path, "bad.json", '[\n {"id": "x1", "text": "One."},\n {"id": "x2", "text": \n')
    assert contents.articles == []
    assert len(contents.problems) == 1
    assert contents.problems[0].location.startswith("bad.json:")


def test_json_file_with_one_pretty_printed_object(tmp_path):
    record = {"id": "solo", "title": "Single object", "text": "Body of a single-object file."}
    contents = read(tmp_path, "one.json", json.dumps(record, indent=2))
    assert contents.problems == []
    assert [(a.id, a.title, a.text) for a in contents.articles] == [
        ("solo", "Single object", "Body of a single-object file."),
    ]


# --- saved web pages -----------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Drones strike Kharkiv power station | The Kyiv Independent</title>
<meta property="og:title" content="Drones strike Kharkiv power station">
<meta property="og:site_name" content="The Kyiv Independent">
<meta property="og:url" content="https://kyivindependent.example/news/drones-kharkiv">
<link rel="canonical" href="https://kyivindependent.example/news/drones-kharkiv">
<meta name="author" content="Olena Petrenko">
<meta property="article:published_time" content="2022-10-12T08:15:00+03:00">
</head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">World news</a></li>
<li><a href="/subscribe">Subscribe to our newsletter</a></li></ul></nav></header>
<main><article>
<h1>Drones strike Kharkiv power station</h1>
<p>Russian forces attacked a power station in Kharkiv with Iranian-made Shahed-136 drones overnight, leaving
thousands of homes without electricity, the regional governor said on Wednesday.</p>
<p>Repair crews worked through the morning to restore supply to hospitals and water pumping stations, while
air defence units shot down most of the drones before they reached the city.</p>
<p>The strike was the third on the city's energy infrastructure this month, according to the national grid
operator Ukrenergo, which urged residents to limit their use of electricity during peak hours.</p>
</article></main>
<footer><p>Copyright 2022 The Kyiv Independent. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>
</body>
</html>
"""


def test_saved_page_metadata_and_main_text(tmp_path):
    contents = read(tmp_path, "saved/drones.html", PAGE)
    assert contents.problems == []
    [article] = contents.articles
    assert article.id == "saved.drones"
    assert article.title == "Drones strike Kharkiv power station"
    assert article.source == "The Kyiv Independent"
    assert article.date is not None and article.date.date() == date(2022, 10, 12)
    assert article.authors == ["Olena Petrenko"]
    assert article.url == "https://kyivindependent.example/news/drones-kharkiv"
    text = article.text
    assert text.startswith("Russian forces attacked a power station in Kharkiv")
    assert "Repair crews worked through the morning" in text
    assert text.endswith("during peak hours.")
    for furniture in ("Home", "World news", "Subscribe", "Copyright", "Privacy policy", "Cookie settings"):
        assert furniture not in text
    assert text.count("\n\n") == 2


@pytest.mark.parametrize("body", [
    "",
    '<div id="app"></div><script>var x = 1;</script>',
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
    '<li><a href="/sport">Sport</a></li></ul></nav><footer>Copyright 2022 Example</footer>',
], ids=["empty", "script-shell", "nav-only"])
def test_page_without_article_text_is_a_problem(tmp_path, body):
    page = f"<html><head><title>Menu</title></head><body>{body}</body></html>"
    contents = read(tmp_path, "empty.htm", page)
    assert contents.articles == []
    assert [p.location for p in contents.problems] == ["empty.htm"]


# --- encodings and broken files ------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + STORY.encode("utf-8"),
    STORY.encode("utf-16"),                               # with its byte-order mark
    codecs.BOM_UTF16_BE + STORY.encode("utf-16-be"),
], ids=["utf-8-bom", "utf-16", "utf-16-be"])
def test_byte_order_marks(tmp_path, data):
    contents = read(tmp_path, "bom.txt", data)
    assert contents.problems == []
    [article] = contents.articles
    assert article.title == "Kyiv’s mayor says power is back"
    assert article.text == "Kyiv’s mayor said the city’s power was restored on Wednesday."


def test_cp1252_file_is_read_with_a_warning(tmp_path):
    data = STORY.encode("cp1252")
    assert b"\x92" in data
    contents = read(tmp_path, "old.txt", data)
    [article] = contents.articles
    assert article.title == "Kyiv’s mayor says power is back"
    [warning] = contents.problems
    assert not warning.fatal
    assert warning.location == "old.txt"
    assert "cp1252" in warning.reason


def test_decode():
    assert decode("Kyiv’s".encode(), "x") == ("Kyiv’s", [])
    text, [warning] = decode(b"Kyiv\x92s caf\xe9", "feed.txt:3")
    assert text == "Kyiv’s café"
    assert (warning.location, warning.fatal) == ("feed.txt:3", False)
    assert decode(codecs.BOM_UTF8 + b"abc", "x") == ("abc", [])


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n \r\n", "empty"),
    ("empty.jsonl", b"", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
])
def test_unreadable_files_are_problems(tmp_path, name, data, reason):
    contents = read(tmp_path, name, data)
    assert contents.articles == []
    [problem] = contents.problems
    assert problem.fatal
    assert problem.location == name
    assert reason in problem.reason
    assert str(problem).startswith(f"{name}: ")


@pytest.mark.parametrize("line", [0, 1, 2])
def test_a_nul_byte_in_a_json_lines_file_loses_its_record_only(tmp_path, line):
    records = [json.dumps({"id": f"r{n}", "text": f"Story {n} about grain."}) for n in range(3)]
    records[line] = records[line].replace("grain", "gr\x00ain")
    contents = read(tmp_path, "wire.jsonl", ("\n".join(records) + "\n").encode())
    assert [article.id for article in contents.articles] == [f"r{n}" for n in range(3) if n != line]
    [problem] = contents.problems
    assert problem.location == f"wire.jsonl:{line + 1}"


# --- ids -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("candidate", ["kyiv-001", "2022.10.12_a", "A-Z.0-9_"])
def test_safe_id_keeps_safe_ids(candidate):
    assert safe_id(candidate) == candidate


@pytest.mark.parametrize("candidate", ["a/b c?", "..", ".", "", "Київ", "../etc/passwd", "x" * 300, "a b"])
def test_safe_id_makes_unsafe_ids_safe_and_stable(candidate):
    made = safe_id(candidate)
    assert SAFE.match(made)
    assert made not in (".", "..")
    assert len(made) <= 128
    assert made == safe_id(candidate)


def test_safe_id_keeps_different_unsafe_ids_apart():
    assert safe_id("a/b c?") != safe_id("a b/c?")
    assert safe_id("Київ") != safe_id("Харків")


# --- finding files -------------------------------------------------------------------------------

TREE = [
    "b.txt", "a.md", "A.TXT", "sub/z.jsonl", "sub/deeper/y.html", "sub/deeper/x.HTM", "data.ndjson",
    "arr.json", ".hidden/h.txt", "sub/.git/config.txt", ".dot.txt", "img.png", "notes.docx", "noext",
]
FOUND = [
    "A.TXT", "a.md", "arr.json", "b.txt", "data.ndjson",
    "sub/deeper/x.HTM", "sub/deeper/y.html", "sub/z.jsonl",
]


@pytest.mark.parametrize("order", [TREE, TREE[::-1]], ids=["forward", "reverse"])
def test_find_files_recurses_skips_and_sorts(tmp_path, order):
    for name in order:
        write(tmp_path, name, "x")
    (tmp_path / "folder.txt").mkdir()
    found = [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)]
    assert found == FOUND
    assert [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)] == found


def test_find_files_on_a_single_file(tmp_path):
    path = write(tmp_path, "one.txt", "x")
    assert list(find_files(path)) == [path]


def test_find_files_on_the_sample_corpus():
    assert list(find_files(CORPUS)) == SEEDS


def test_a_wire_record_gives_clean_bylines_its_source_and_tags(tmp_path):
    from fixtures_corpora import WIRE_RECORDS

    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in WIRE_RECORDS), encoding="utf-8")
    articles = {article.id: article for article in read_file(path, "wire.jsonl").articles}
    assert articles["wire-1"].authors == ["Patti Domm"] and articles["wire-1"].source == "Reuters"
    assert articles["wire-2"].authors == ["Patti Domm"], "a byline in capitals is shown in title case"
    assert articles["wire-7"].authors == ["Stephen Jukes", "Philip Shehadi"]
    assert articles["wire-5"].authors == []
    assert articles["wire-2"].tags == ["crude", "austria", "saudi-arabia"]
    assert articles["wire-2"].credit is None


def test_a_byline_agency_is_the_source_when_the_record_has_none_and_a_credit_otherwise(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in [
        {"id": "a", "title": "A", "text": "Some text.", "author": "By Jane Doe, Associated Press"},
        {"id": "b", "title": "B", "text": "Some text.", "author": "By Jane Doe, AP", "source": "The Gazette"},
        {"id": "c", "title": "C", "text": "Some text.", "keywords": "Oil, Gulf , oil", "section": "World"},
    ]), encoding="utf-8")
    articles = {article.id: article for article in read_file(path, "feed.jsonl").articles}
    assert (articles["a"].source, articles["a"].credit) == ("Associated Press", None)
    assert (articles["b"].source, articles["b"].credit) == ("The Gazette", "Associated Press")
    assert articles["c"].tags == ["Oil", "Gulf", "World"], "repeats dropped, case ignored"


def test_a_plain_text_byline_is_cleaned_alike(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Tanker hit in the Gulf\n\nBY JANE DOE AND JOHN ROE, REUTERS\n\n"
                    "A tanker was hit by a missile in the Gulf on Friday, shipping sources said.\n",
                    encoding="utf-8")
    article = read_file(path, "story.txt").articles[0]
    assert article.authors == ["Jane Doe", "John Roe"] and article.source == "Reuters"


def test_a_nul_byte_early_in_a_big_json_lines_export_loses_its_record_only(tmp_path):
    from search.indexer import BIG_FILE_BYTES, update_index

    body = "Grain shipments rose. " * 40
    records = [json.dumps({"id": f"r{n}", "text": f"Story {n}. {body}"}) for n in range(1_300)]
    records[0] = records[0].replace("Grain", "Gr\x00ain", 1)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "export.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    assert (corpus / "export.jsonl").stat().st_size >= BIG_FILE_BYTES  # read as a stream
    report = update_index(tmp_path / "index", [corpus])
    assert report.added == len(records) - 1
    assert [problem.location for problem in report.problems] == ["export.jsonl:1"]
