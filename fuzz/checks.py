"""What each fuzz target asserts of one input: the reader never raises, and what it gives back
is what the rest of the engine can use. The atheris harnesses (fuzz/fuzz_*.py) call these on
generated inputs; tests/test_fuzz_corpus.py replays the committed corpus through them.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path

from search.aliases import alias_table
from search.backends.opensearch.compile import compile_tree
from search.documents import name_key
from search.engine import MAX_QUERY_CHARS
from search.fields import query_analyzers
from search.ingest import MAX_TAG_CHARS, MAX_TAGS, FileContents, read_file
from search.query import ParsedQuery, QueryReader
from search.query.tree import Node

ARTICLE_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")  # what the web's article_id lets through
CATCH_ALL = "cannot read the record ("  # the record boundary's report of an error no rule foresaw


@cache
def reader() -> QueryReader:
    """The query reader the engine makes, with the shipped alias table."""
    return QueryReader(query_analyzers(), name_key, alias_table())


def as_text(data: bytes) -> str:
    """Fuzzer bytes as the text a caller could hand over: UTF-8, with the undecodable bytes as
    lone surrogates, as Python gives a command-line argument that is not UTF-8."""
    return data.decode("utf-8", "surrogateescape")


def check_query(text: str) -> ParsedQuery:
    """A query of at most the engine's length reads to a tree, whatever it holds, and the tree
    compiles to the cluster's query DSL as JSON (a backend's compiler is the tree's first reader)."""
    parsed = reader().parse(text[:MAX_QUERY_CHARS])
    assert isinstance(parsed.tree, Node), parsed
    assert all(isinstance(word, str) for word in parsed.words), parsed.words
    json.dumps(compile_tree(parsed.tree))
    return parsed


@cache
def scratch_folder() -> Path:
    """A folder for the files the readers read (they read paths, not bytes), removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="news-search-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def read_as(data: bytes, suffix: str) -> FileContents:
    """`data` read by the indexer as a file with `suffix`."""
    path = scratch_folder() / f"input{suffix}"
    path.write_bytes(data)
    return read_file(path, path.name)


def writable(value: object) -> bool:
    """Text the index, the JSON answers and the pages can write: UTF-8 without lone surrogates."""
    values = value if isinstance(value, list) else [value]
    try:
        for item in values:
            if item is not None:
                assert isinstance(item, str)
                item.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_contents(contents: FileContents) -> FileContents:
    """Every article is one the index can hold and the web can link to; every problem says why."""
    for article in contents.articles:
        assert ARTICLE_ID.fullmatch(article.id), article.id
        assert isinstance(article.text, str) and (article.text.strip() or article.title), article
        assert article.date is None or isinstance(article.date, datetime), article.date
        for name in ("text", "title", "source", "url", "credit", "authors", "tags", "path"):
            assert writable(getattr(article, name)), (name, getattr(article, name))
        assert all(name.strip() == name and name for name in article.authors), article.authors
        assert len(article.tags) <= MAX_TAGS, len(article.tags)
        assert all(0 < len(tag) <= MAX_TAG_CHARS and tag.strip() == tag for tag in article.tags), article.tags
    for problem in contents.problems:
        assert problem.reason and not problem.reason.startswith(CATCH_ALL), problem
    return contents


def check_plain_text(data: bytes) -> FileContents:
    """A plain-text file reads to at most one article, or a problem."""
    contents = check_contents(read_as(data, ".txt"))
    assert len(contents.articles) <= 1, contents.articles
    return contents


def check_json_records(data: bytes) -> tuple[FileContents, FileContents]:
    """JSON records read alike as JSON Lines and as a .json file (a document, else lines)."""
    return check_contents(read_as(data, ".jsonl")), check_contents(read_as(data, ".json"))
