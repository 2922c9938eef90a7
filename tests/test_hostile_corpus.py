"""Hostile corpus input: nothing crashes a run and nothing valid is lost.

tests/test_ingest.py and tests/test_indexer.py already cover, one at a time: empty and
whitespace-only .txt/.jsonl files, NUL-holding .txt/.jsonl files, byte-order marks, a cp1252
.txt, a JSONL line broken in the middle of a file, a non-object record. This file adds what
they do not: the record size limit (and that a large file of normal records is fine), files
made only of NUL bytes, UTF-16 without a byte-order mark, latin-1, a JSONL file cut off at its
end (also in the middle of a character), mixed encodings in one file, directory symlink loops,
a file that vanishes during the run, all of them together in one run with the index's document
count checked afterwards, and two properties over arbitrary bytes and arbitrary JSONL lines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from corpus_generator import records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_reading import EachRead, stored_documents

from search.engine import Engine
from search.indexer import update_index
from search.ingest import JSON_LINES_SUFFIXES, MAX_RECORD_BYTES, SUPPORTED_SUFFIXES, read_file
from web import create_app

EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

ARTICLE = "Kyiv’s mayor says power is back\n\nKyiv’s mayor said the city’s power was restored on Wednesday.\n"
LATIN = "Café owners in Kyiv reopen\n\nThe café owners said the power came back on Wednesday morning.\n"


def stored_ids(index_dir: Path) -> list[str]:
    """Every document id in the index (a list: a document indexed twice shows up twice)."""
    return [document["id"] for document in stored_documents(index_dir)]


def jsonl_line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def normal_records(count: int, seed: int) -> list[dict]:
    return list(records(count, seed=seed))


# --- everything at once ---------------------------------------------------------------------

@pytest.fixture
def hostile_root(tmp_path) -> tuple[Path, set[str], set[str]]:
    """A folder of good and hostile files: (root, ids that must be indexed, locations that
    must be reported as skipped)."""
    root = tmp_path / "feeds"
    (root / "nested" / "deeper").mkdir(parents=True)
    expected, skipped = set(), set()

    (root / "good.txt").write_text(ARTICLE, encoding="utf-8")
    expected.add("good")

    # a large file: normal records around one record over the size limit
    feed = normal_records(300, seed=11)
    huge = {"id": "huge", "title": "Too big", "text": "x" * (MAX_RECORD_BYTES + 10)}
    lines = [jsonl_line(r) for r in feed[:150]] + [jsonl_line(huge)] + [jsonl_line(r) for r in feed[150:]]
    (root / "wire.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    expected |= {r["id"] for r in feed}
    skipped.add("wire.jsonl:151")

    # cut off at the end: the last record is incomplete
    tail = normal_records(3, seed=12)
    (root / "cut.jsonl").write_bytes(b"\n".join(jsonl_line(r) for r in tail)[:-15])
    expected |= {r["id"] for r in tail[:2]}
    skipped.add("cut.jsonl:3")

    # encodings: cp1252 and latin-1 are read (with a warning)
    (root / "old.txt").write_bytes(ARTICLE.replace("Kyiv", "Odesa").encode("cp1252"))
    (root / "nested" / "latin.md").write_bytes(LATIN.encode("latin-1"))
    expected |= {"old", "nested.latin"}

    # empty and NUL-only files of every kind
    for suffix in sorted(SUPPORTED_SUFFIXES):
        (root / f"empty{suffix}").write_bytes(b"")
        (root / f"nul{suffix}").write_bytes(b"\x00" * 4096)
        lines = suffix in JSON_LINES_SUFFIXES  # a JSON Lines file's NULs are its first line's fault
        skipped |= {f"empty{suffix}", f"nul{suffix}:1" if lines else f"nul{suffix}"}
    (root / "blob.txt").write_bytes(bytes(range(256)) * 64)
    skipped.add("blob.txt")

    # links: a loop back to the root, a link to itself, a dangling link; an unsupported file
    (root / "nested" / "deeper" / "loop").symlink_to(root, target_is_directory=True)
    (root / "nested" / "self").symlink_to(root / "nested" / "self")
    (root / "nested" / "gone.txt").symlink_to(root / "nowhere.txt")
    skipped |= {"nested/self", "nested/gone.txt"}  # reported: a link to itself, a dangling link
    (root / "photo.pdf").write_bytes(b"%PDF-1.4\x00\x01")
    return root, expected, skipped


def test_a_hostile_folder_is_indexed_without_losing_anything_valid(tmp_path, hostile_root):
    root, expected, skipped = hostile_root

    report = update_index(tmp_path / "index", [root])

    assert report.committed
    indexed = stored_ids(tmp_path / "index")
    assert len(indexed) == len(set(indexed)), "a document was indexed twice (through a link?)"
    assert set(indexed) == expected
    assert report.added == len(expected)
    fatal = {p.location for p in report.problems if p.fatal}
    assert fatal == skipped
    assert report.failed == len(skipped)
    oversized = next(p for p in report.problems if p.location == "wire.jsonl:151")
    assert str(MAX_RECORD_BYTES) in oversized.reason
    warnings = {p.location for p in report.problems if not p.fatal}
    assert {"old.txt", "nested/latin.md"} <= warnings
    engine = Engine(tmp_path / "index")
    assert [h["id"] for h in engine.search("Odesa")["results"]] == ["old"]
    assert [h["id"] for h in engine.search("café owners")["results"]][:1] == ["nested.latin"]

    again = update_index(tmp_path / "index", [root])
    assert not again.committed
    assert (again.added, again.updated, again.removed) == (0, 0, 0)


# --- the record size limit ------------------------------------------------------------------

def test_a_large_file_of_normal_records_is_read_whole(tmp_path):
    """The limit is per record: a file of more than MAX_RECORD_BYTES of normal records is fine."""
    feed = normal_records(16_000, seed=13)
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(jsonl_line(r) for r in feed) + b"\n")
    assert path.stat().st_size > MAX_RECORD_BYTES

    contents = read_file(path, "big.jsonl")

    assert contents.problems == []
    assert [a.id for a in contents.articles] == [r["id"] for r in feed]


def test_the_record_limit_is_in_bytes(tmp_path):
    record = {"id": "wide", "text": "😀" * (MAX_RECORD_BYTES // 3)}
    line = jsonl_line(record)
    assert len(line) > MAX_RECORD_BYTES
    path = tmp_path / "wide.jsonl"
    path.write_bytes(line + b"\n")

    contents = read_file(path, "wide.jsonl")

    assert contents.articles == []
    assert [p.location for p in contents.problems] == ["wide.jsonl:1"]


@pytest.mark.parametrize("shape", ["object", "array"])
def test_the_record_limit_holds_in_json_files(tmp_path, shape):
    record = json.dumps({"id": "huge", "text": "x" * (MAX_RECORD_BYTES + 10)})
    path = tmp_path / "huge.json"
    path.write_text(record if shape == "object" else f"[{record}]", encoding="utf-8")

    contents = read_file(path, "huge.json")

    assert contents.articles == []
    assert contents.problems and all(p.fatal for p in contents.problems)


def test_a_json_array_keeps_its_records_around_one_over_the_limit(tmp_path):
    records = [{"id": "a", "text": "Record one."}, {"id": "huge", "text": "é" * (MAX_RECORD_BYTES // 2 + 10)},
               {"id": "b", "text": "Record three."}]
    path = tmp_path / "three.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    contents = read_file(path, "three.json")

    assert [a.id for a in contents.articles] == ["a", "b"]
    assert [(p.location, p.fatal) for p in contents.problems] == [("three.json:2", True)]
    assert str(MAX_RECORD_BYTES) in contents.problems[0].reason


# --- encodings ------------------------------------------------------------------------------

GOOD = {"id": "utf8-1", "title": "Kyiv’s café", "text": "Zelenskyy’s café in Kyiv reopened."}
OTHER = {"id": "utf8-2", "title": "Odesa’s port", "text": "Odesa’s port reopened on Wednesday."}


def _one_cp1252_line() -> bytes:
    legacy = {"id": "legacy", "title": "Old feed", "text": "Café in Kyiv"}
    return b"\n".join([jsonl_line(GOOD), json.dumps(legacy, ensure_ascii=False).encode("cp1252"),
                       jsonl_line(OTHER)]) + b"\n"


def _cut_inside_a_character() -> bytes:
    data = b"\n".join([jsonl_line(GOOD), jsonl_line(OTHER), jsonl_line({"id": "cut", "text": "Kyiv’s"})])
    cut = data.rindex("’".encode()) + 2  # two of the three bytes of the last ’
    return data[:cut]


@pytest.mark.parametrize("data", [_one_cp1252_line(), _cut_inside_a_character()],
                         ids=["one-cp1252-line", "cut-inside-a-character"])
def test_one_badly_encoded_line_does_not_garble_the_others(tmp_path, data):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)

    contents = read_file(path, "mixed.jsonl")

    by_id = {a.id: a for a in contents.articles}
    assert by_id["utf8-1"].title == GOOD["title"]
    assert by_id["utf8-2"].text == OTHER["text"]
    [warning] = [p for p in contents.problems if "cp1252" in p.reason]  # at the bad line only
    assert warning.location in ("mixed.jsonl:2", "mixed.jsonl:3") and not warning.fatal


def test_a_cp1252_record_is_read_with_a_warning_at_its_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_one_cp1252_line())

    contents = read_file(path, "mixed.jsonl")

    assert [a.id for a in contents.articles] == ["utf8-1", "legacy", "utf8-2"]
    assert contents.articles[1].text == "Café in Kyiv"
    assert [(p.location, p.fatal) for p in contents.problems] == [("mixed.jsonl:2", False)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "wide.txt"
    path.write_bytes(ARTICLE.encode(encoding))

    contents = read_file(path, "wide.txt")

    [article] = contents.articles
    assert article.title == "Kyiv’s mayor says power is back"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_indexed_with_a_warning(tmp_path, encoding):
    root = tmp_path / "feeds"
    root.mkdir()
    (root / "wide.txt").write_bytes(ARTICLE.encode(encoding))
    (root / "good.txt").write_text(ARTICLE, encoding="utf-8")
    records = [{"id": "w1", "text": "Kyiv’s first record."}, {"id": "w2", "text": "Odesa’s second record."}]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (root / "wide.jsonl").write_bytes(lines.encode(encoding))

    report = update_index(tmp_path / "index", [root])

    assert sorted(stored_ids(tmp_path / "index")) == ["good", "w1", "w2", "wide"]
    assert sorted((p.location, p.fatal) for p in report.problems) == [
        ("wide.jsonl", False), ("wide.txt", False)]
    assert all(encoding.upper() in p.reason for p in report.problems)


# --- files that change under the run ----------------------------------------------------------

def after_first_read(action) -> EachRead:
    """A run's progress that acts once the first file is read (the plan holds every file by then)."""
    return EachRead(lambda reads: action() if reads == 1 else None)


def test_a_file_that_vanishes_during_the_run_is_reported_and_the_rest_indexed(tmp_path):
    root = tmp_path / "feeds"
    root.mkdir()
    names = [f"{n:02d}.txt" for n in range(6)]
    for n, name in enumerate(names):
        (root / name).write_text(ARTICLE.replace("Wednesday", f"day {n}"), encoding="utf-8")
    doomed = root / names[3]

    report = update_index(tmp_path / "index", [root], progress=after_first_read(doomed.unlink))

    assert sorted(stored_ids(tmp_path / "index")) == [n[:-4] for n in names if n != doomed.name]
    assert [p.location for p in report.problems if p.fatal] == [doomed.name]
    assert report.committed
    again = update_index(tmp_path / "index", [root])
    assert (again.added, again.removed, again.failed) == (0, 0, 0)


def test_a_file_replaced_by_a_folder_during_the_run_is_reported(tmp_path):
    root = tmp_path / "feeds"
    root.mkdir()
    for n in range(3):
        (root / f"{n}.txt").write_text(ARTICLE, encoding="utf-8")

    def swap() -> None:
        (root / "2.txt").unlink()
        (root / "2.txt").mkdir()

    report = update_index(tmp_path / "index", [root], progress=after_first_read(swap))

    assert sorted(stored_ids(tmp_path / "index")) == ["0", "1"]
    assert [p.location for p in report.problems if p.fatal] == ["2.txt"]


# --- properties over arbitrary input ----------------------------------------------------------

@EXAMPLES
@given(data=st.one_of(st.binary(max_size=2000),
                     st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_any_bytes_are_articles_or_problems_never_an_exception(tmp_path, data, suffix):
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)

    contents = read_file(path, path.name)

    assert all(p.location == path.name or p.location.startswith(f"{path.name}:") for p in contents.problems)
    assert contents.articles or any(p.fatal for p in contents.problems)
    for article in contents.articles:
        assert isinstance(article.text, str) and isinstance(article.id, str) and article.id


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
record_like = st.fixed_dictionaries(
    {},
    optional={"id": st.one_of(st.text(max_size=12), st.integers(), st.none(), st.just("a/b c?")),
              "title": st.one_of(st.text(max_size=40), json_values),
              "text": st.one_of(st.text(max_size=80), json_values),
              "date": st.one_of(st.sampled_from(["2022-10-17", "2022-13-45", "yesterday", ""]), json_values),
              "authors": json_values, "source": json_values, "url": json_values},
)
jsonl_lines = st.lists(
    st.one_of(record_like.map(json.dumps), json_values.map(json.dumps),
              st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s)),
    max_size=12,
)


@EXAMPLES
@given(lines=jsonl_lines)
def test_every_jsonl_line_is_an_article_or_a_problem_at_its_line(tmp_path, lines):
    """Nothing is dropped silently: each non-blank line is an article or a skipped path:line."""
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")

    contents = read_file(path, "feed.jsonl")

    if any(p.location == "feed.jsonl" and p.fatal for p in contents.problems):
        return  # the file as a whole was refused (e.g. a NUL byte: not text), with a message
    numbered = {n for n, line in enumerate("\n".join(lines).split("\n"), start=1) if line.strip()}
    articles = {a.line for a in contents.articles}
    skipped = {int(p.location.rsplit(":", 1)[1]) for p in contents.problems if p.fatal}
    assert articles | skipped == numbered
    assert not articles & skipped


def test_a_jsonl_file_that_starts_with_an_array_keeps_its_other_records(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('["a list, not a record"]\n'
                    + json.dumps({"id": "a", "text": "Valid record one."}) + "\n"
                    + json.dumps({"id": "b", "text": "Valid record two."}) + "\n", encoding="utf-8")

    contents = read_file(path, "feed.jsonl")

    assert [a.id for a in contents.articles] == ["a", "b"]
    assert [p.location for p in contents.problems] == ["feed.jsonl:1"]


# --- links and special files (issue 22, part 5) ---------------------------------------------------


def test_links_out_of_the_folder_and_special_files_are_reported_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes\n\nThe password of the archive is swordfish.\n",
                                        encoding="utf-8")
    root = tmp_path / "feeds"
    root.mkdir()
    (root / "story.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "again.txt").symlink_to(root / "story.txt")  # inside: read where it is, quietly
    os.mkfifo(root / "pipe.txt")  # reading it would wait for ever

    report = update_index(tmp_path / "index", [root])

    assert stored_ids(tmp_path / "index") == ["story"]
    reasons = {problem.location: problem.reason for problem in report.problems}
    assert set(reasons) == {"leak.txt", "elsewhere", "passwd.txt", "pipe.txt"}
    assert "out of the folder" in reasons["leak.txt"] and "not a regular file" in reasons["pipe.txt"]
    assert "swordfish" not in json.dumps(stored_documents(tmp_path / "index"))


# --- one bad record never stops a run (issue 22, part 1) ------------------------------------------

GRAIN = {"title": "Grain exports resume",
        "text": "Grain exports from Odesa resumed on Tuesday, officials said."}
BAD_LINES = {  # each as a JSON Lines file's second line, after a good record
    "surrogate-title": '{"id": "s1", "title": "x\\ud800y", "text": "Ships left the port of Odesa."}',
    "surrogate-source": ('{"id": "s2", "source": "x\\udc00y", "author": "A \\ud800 B", '
                         '"url": "https://news.example.org/\\ud800", "text": "Ships left Odesa \\udfff."}'),
    "deep": '{"id": "d1", "text": "Ships left Odesa.", "x": ' + "[" * 1500 + "]" * 1500 + "}",
    "long-number": '{"id": "n1", "text": "Ships left Odesa.", "n": ' + "9" * 5000 + "}",
    "long-number-id": '{"id": ' + "9" * 5000 + ', "text": "Ships left Odesa."}',
    "late-date": '{"id": "t1", "text": "Ships left Odesa.", "date": "9999-12-31T23:59:59-01:00"}',
    "early-date": '{"id": "t2", "text": "Ships left Odesa.", "date": "0001-01-01T00:00:00+01:00"}',
}
UNREADABLE = {"deep", "long-number", "long-number-id"}


def test_records_no_rule_foresaw_are_reported_or_made_valid_and_the_run_goes_on(tmp_path, run_cli):
    root = tmp_path / "feeds"
    root.mkdir()
    for name, line in BAD_LINES.items():
        good = json.dumps({"id": f"good-{name}", **GRAIN})
        (root / f"{name}.jsonl").write_text(f"{good}\n{line}\n", encoding="utf-8")
    (root / b"not-utf8-\xff.txt".decode("utf-8", "surrogateescape")).write_text(ARTICLE, encoding="utf-8")

    indexing = run_cli("index", str(root), "--index", str(tmp_path / "index"))

    assert indexing.code == 0, indexing.stderr
    skipped = sorted(line.split(":")[1].strip() for line in indexing.stderr.splitlines()
                     if line.startswith("skipped:"))
    assert skipped == sorted(f"{name}.jsonl" for name in UNREADABLE)
    held = {document["id"]: document for document in stored_documents(tmp_path / "index")}
    assert {f"good-{name}" for name in BAD_LINES} <= set(held)
    assert {"s1", "s2", "t1", "t2"} <= set(held)
    assert held["s1"]["title"] == "x\ufffdy" and held["s2"]["source"] == "x\ufffdy"
    assert held["t1"].get("date") is None and held["t2"].get("date") is None
    assert any(document["path"] == "not-utf8-\ufffd.txt" for document in held.values())
    answer = run_cli("--index", str(tmp_path / "index"), "--json", "Odesa")
    assert answer.code == 0 and json.loads(answer.stdout)["total"] >= 2
    assert run_cli("--index", str(tmp_path / "index"), "show", "s1").code == 0
    pages = create_app(tmp_path / "index").test_client()
    for url in ("/search?q=Odesa", "/api/search?q=Odesa", "/articles/s1", "/articles/s2", "/api/articles/s2",
                "/feed.atom?q=Odesa"):
        answer = pages.get(url)
        assert answer.status_code == 200 and "\ufffd" in answer.get_data(as_text=True), url


TEXTS = st.text() | st.builds(lambda text, code: text + chr(code), st.text(max_size=6),
                              st.integers(0xD800, 0xDFFF))  # with a lone surrogate (`\\ud800` in JSON)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTS,
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12)
RECORD_KEYS = st.sampled_from(["id", "title", "text", "body", "source", "author", "authors", "date", "url",
                               "tags", "topics", "places"])


@settings(EXAMPLES, max_examples=25)
@given(record=st.dictionaries(RECORD_KEYS, JSON_VALUES | TEXTS, max_size=8))
def test_any_json_record_beside_a_good_one_never_stops_a_whole_run(tmp_path_factory, record):
    """Read, analysed and written (issue 22 §1): the run ends, the good record is searchable,
    and the other is an article or one problem."""
    root = tmp_path_factory.mktemp("wire")
    (root / "wire.jsonl").write_text(json.dumps({"id": "good", **GRAIN}) + "\n" + json.dumps(record) + "\n",
                                     encoding="utf-8")

    index = root.parent / f"{root.name}-index"
    report = update_index(index, [root])

    assert report.added + len(report.problems) >= 2 and report.added >= 1, report
    assert "good" in [hit["id"] for hit in Engine(index).search("Odesa")["results"]]


@EXAMPLES
@given(record=st.dictionaries(RECORD_KEYS, JSON_VALUES | TEXTS, max_size=8))
def test_any_json_record_is_an_article_in_valid_text_or_a_problem(tmp_path, record):
    path = tmp_path / "wire.jsonl"
    path.write_text(json.dumps({"id": "good", **GRAIN}) + "\n" + json.dumps(record) + "\n", encoding="utf-8")

    contents = read_file(path, path.name)

    assert contents.articles and contents.articles[0].id == "good"
    for article in contents.articles:
        for value in (article.id, article.text, article.title, article.source, article.url,
                      *article.authors, *article.tags, article.credit):
            if isinstance(value, str):
                value.encode("utf-8")  # strict: a lone surrogate raises
