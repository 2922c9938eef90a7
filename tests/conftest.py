"""Shared fixtures: the sample corpus, a real index built from it, the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from search.backends import BACKENDS, open_backend
from search.engine import Engine
from search.indexer import update_index
from search.results import result_schema
from search.settings import SETTINGS

# The session's OpenSearch cluster (fixture `opensearch_cluster`), started only when a test needs it.
pytest_plugins = ["opensearch_support"]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))
TELEGRAPH_PRINT = "000_2c27c168a57ccc4f"
TELEGRAPH_WEB = "001_065179ecd3c4dd43"
BLINKEN_LAMMY = "002_7057f728a6457717"
HOLR = "003_4a6528a372405698"
WASHINGTON_TIMES = "004_f44cd2b67285da57"


VALIDATOR = jsonschema.Draft202012Validator(result_schema())


@pytest.fixture(scope="session", autouse=True)
def cache_folder(tmp_path_factory) -> Path:
    """The session's own cache folder (aliases.KeyMemo), for this process and every command it
    starts: tests never read or write the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ[SETTINGS.cache_env] = str(folder)
    return folder


def checked_search(engine: Engine, text: str, **options) -> dict:
    """Engine.search, with every answer checked against the committed result schema."""
    answer = engine.search(text, **options)
    VALIDATOR.validate(answer)
    return answer


def ids(answer: dict) -> list[str]:
    return [hit["id"] for hit in answer["results"]]


def one_error_line(result) -> str:
    """The CLI's error contract: exit 2, one line on stderr, no traceback."""
    assert result.code == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def build_jsonl_index(directory: Path, records: list[dict], location: Path | str | None = None,
                      backend: str = "whoosh") -> Path | str:
    """A real index of `records`, written as one JSON Lines file under `directory` (the index
    there too, unless another location and backend are given)."""
    root = directory / "corpus"
    root.mkdir()
    (root / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    location = directory / "index" if location is None else location
    report = update_index(location, [root], backend=backend)
    assert report.added == len(records), report.problems
    return location


CLUSTER_BACKENDS = ("opensearch",)  # backends whose tests need the session's cluster


@pytest.fixture(scope="session", params=[pytest.param(name, marks=pytest.mark.opensearch)
                                         if name in CLUSTER_BACKENDS else name for name in sorted(BACKENDS)])
def backend_name(request) -> str:
    """The backend engine-level tests run on: each in turn, so that the same tests are every
    backend's conformance suite (search/backends/base.py)."""
    return request.param


def backend_location(backend_name: str, request, directory: Path, label: str) -> Path | str:
    """Where the backend under test keeps a new index: a folder, or (on the session's cluster)
    an alias of its own."""
    if backend_name in CLUSTER_BACKENDS:
        cluster = request.getfixturevalue("opensearch_cluster")
        return f"{cluster.url}/{label}-{uuid.uuid4().hex[:10]}"
    return directory


def open_engine(backend_name: str, location: Path | str) -> Engine:
    return Engine(open_backend(backend_name, location))


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the five seed articles, built once per test session (read-only)."""
    directory = tmp_path_factory.mktemp("seed-index")
    update_index(directory, [CORPUS])
    return directory


@pytest.fixture(scope="session")
def engine(backend_name, request, tmp_path_factory) -> Engine:
    """An engine over the five seed articles, indexed into the backend under test."""
    folder = tmp_path_factory.mktemp(f"seed-{backend_name}")
    location = backend_location(backend_name, request, folder, "seed")
    update_index(location, [CORPUS], backend=backend_name)
    return open_engine(backend_name, location)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the sample corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(tmp_path):
    """Run the `search` command in a subprocess, as a user would."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120) -> CliResult:
        environment = {**os.environ, "NO_COLOR": "1"}
        environment.pop("SEARCH_INDEX", None)
        environment.update(env or {})
        completed = subprocess.run(
            [sys.executable, "-m", "search.cli", *args],
            cwd=cwd or tmp_path, env=environment, capture_output=True, text=True, timeout=timeout,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run


# --- the web layer: Flask apps and test clients over real indexes (tests/test_web_*.py) -------


def _web_app(index_dir: Path):
    from web import create_app

    app = create_app(index_dir)
    app.config.update(TESTING=True)
    return app


@pytest.fixture(scope="session")
def app(seed_index):
    """The web app over the seed index (read-only, shared by the session)."""
    return _web_app(seed_index)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def dated_index(tmp_path_factory) -> Path:
    """An index of the dated corpus (tests/fixtures_corpora.py): twelve articles, Sept-Dec 2022."""
    from fixtures_corpora import DATED_RECORDS

    return build_jsonl_index(tmp_path_factory.mktemp("dated-index"), DATED_RECORDS)


@pytest.fixture(scope="session")
def dated_app(dated_index):
    return _web_app(dated_index)


@pytest.fixture
def dated_client(dated_app):
    return dated_app.test_client()


@pytest.fixture(scope="session")
def wire_index(tmp_path_factory) -> Path:
    """An index of the wire corpus (tests/fixtures_corpora.py): Reuters-like records with bylines,
    a first report and its rewrite, template earnings stories, tag lists."""
    from fixtures_corpora import WIRE_RECORDS

    return build_jsonl_index(tmp_path_factory.mktemp("wire-index"), WIRE_RECORDS)


@pytest.fixture(scope="session")
def spelling_index(tmp_path_factory) -> Path:
    """An index of the spelling corpus (tests/fixtures_corpora.py): typos beside their corrections."""
    from fixtures_corpora import SPELLING_RECORDS

    return build_jsonl_index(tmp_path_factory.mktemp("spelling-index"), SPELLING_RECORDS)


@pytest.fixture(scope="session")
def spelling_engine(spelling_index) -> Engine:
    return Engine(spelling_index)


@pytest.fixture(scope="session")
def spelling_app(spelling_index):
    return _web_app(spelling_index)


@pytest.fixture
def spelling_client(spelling_app):
    return spelling_app.test_client()


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Path:
    """An index of articles with markup and script in headline, byline, source, body and url."""
    from fixtures_corpora import HOSTILE_RECORDS

    return build_jsonl_index(tmp_path_factory.mktemp("hostile-index"), HOSTILE_RECORDS)


@pytest.fixture(scope="session")
def hostile_app(hostile_index):
    return _web_app(hostile_index)


@pytest.fixture
def hostile_client(hostile_app):
    return hostile_app.test_client()


@pytest.fixture(scope="session")
def web_edition_client(tmp_path_factory):
    """A client over an index of the Telegraph web edition alone (it never says `Amraam`)."""
    base = tmp_path_factory.mktemp("web-edition-app")
    root = base / "corpus"
    root.mkdir()
    shutil.copy(CORPUS / f"{TELEGRAPH_WEB}.txt", root)
    update_index(base / "index", [root])
    return _web_app(base / "index").test_client()


@pytest.fixture
def no_index_client(tmp_path):
    """A client of an app whose index folder is empty: every engine call answers 503."""
    empty = tmp_path / "empty-index"
    empty.mkdir()
    return _web_app(empty).test_client()
