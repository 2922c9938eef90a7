"""`make run` as a newcomer uses it: build the index of the samples (corpus/ and samples/newsroom/),
serve it, search it, stop it.

The main test runs in the project root with the real default index folder (`index/`, whose
contents are git-ignored). A second test runs the same Makefile in a scratch folder whose
index was built by another version of the analysis, as after a `git pull`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from browser_support import (
    LOOPBACK,
    ROOT,
    SEARCH,
    Background,
    can_bind,
    free_port,
    get_json,
    is_listening,
    require_search_command,
)
from conftest import CORPUS, TELEGRAPH_PRINT, TELEGRAPH_WEB

from search.indexer import update_index

HEALTH_TIMEOUT = 120
NEWSROOM = ROOT / "samples" / "newsroom"
SAMPLE_DOCUMENTS = len(list(CORPUS.glob("*.txt"))) + len((NEWSROOM / "newsroom.jsonl").open().readlines())
STOP_GRACE = 15


def cli_json(*args: str, cwd: Path = ROOT) -> tuple[int, dict | None, str]:
    """The `search` command's JSON answer (its exit code, the parsed answer, stderr)."""
    environment = {**os.environ, "NO_COLOR": "1"}
    environment.pop("SEARCH_INDEX", None)
    done = subprocess.run([str(SEARCH), *args], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else None, done.stderr


def index_is_current(directory: Path) -> bool:
    return cli_json("stats", "--json", "--index", str(directory))[0] == 0


def api(port: int, path: str, **params) -> dict:
    query = urllib.parse.urlencode(params)
    status, body = get_json(f"http://{LOOPBACK}:{port}{path}" + (f"?{query}" if query else ""), timeout=30)
    assert status == 200, (path, params, status, body)
    return body


def make_run(cwd: Path, log: Path, makefile: Path | None = None) -> tuple[Background, int]:
    """`make run PORT=<free port>` in its own process group."""
    port = free_port()
    command = ["make", *(["-f", str(makefile)] if makefile else []), "run", f"PORT={port}"]
    environment = {"NO_COLOR": "1", "SEARCH_INDEX": None}
    return Background(command, log, cwd=cwd, env=environment), port


def stop_and_check_port(run: Background, port: int) -> None:
    """Stop the group with SIGTERM (SIGKILL only as a fallback) and see the port freed."""
    graceful = run.stop(grace=STOP_GRACE)
    deadline = time.monotonic() + 10
    while is_listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_listening(port), f"port {port} still accepts connections after make run was stopped"
    assert can_bind(port), f"port {port} cannot be listened on again after make run was stopped"
    assert graceful, f"make run did not stop within {STOP_GRACE} s of SIGTERM: {run.describe()}"


@pytest.fixture
def current_project_index():
    """The project's index/ is brought to this version first when an older checkout left a stale one
    (a stale index under `make run` is the subject of the next test)."""
    require_search_command()
    index = ROOT / "index"
    if (index / "search-meta.json").exists() and not index_is_current(index):
        done = subprocess.run([str(SEARCH), "index", "--rebuild", "corpus", "samples/newsroom", "--variants",
                               "samples/newsroom/variants.tsv"], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
    return index


def test_make_run_serves_the_corpus_and_answers_like_the_cli(current_project_index, tmp_path):
    run, port = make_run(ROOT, tmp_path / "make-run.log")
    try:
        health = run.wait_healthy(port, HEALTH_TIMEOUT)
        assert health["status"] == "ok" and health["documents"] == SAMPLE_DOCUMENTS, health

        answer = api(port, "/api/search", q="Amraam")
        assert answer["total"] >= 1 and answer["results"], answer
        top = answer["results"][0]
        assert top["id"] == TELEGRAPH_PRINT and top["source"] == "The Daily Telegraph", top
        assert "<mark>Amraam</mark>" in top["snippet"], top["snippet"]
        assert [version["id"] for version in top["versions"]] == [TELEGRAPH_WEB], top["versions"]

        code, cli, stderr = cli_json("--json", "Amraam", "--index", "index")
        assert code == 0, stderr
        assert [hit["id"] for hit in answer["results"]] == [hit["id"] for hit in cli["results"]]
        assert [[v["id"] for v in hit["versions"]] for hit in answer["results"]] == \
               [[v["id"] for v in hit["versions"]] for hit in cli["results"]]
        assert [hit["snippet"] for hit in answer["results"]] == [hit["snippet"] for hit in cli["results"]]
        assert answer["total"] == cli["total"]

        page = api(port, "/api/articles/" + TELEGRAPH_PRINT)
        assert page["id"] == TELEGRAPH_PRINT
    finally:
        log = run.describe()
        stop_and_check_port(run, port)
    assert "search index corpus samples/newsroom" in log and "serve" in log, log


def test_make_run_after_an_analysis_change_rebuilds_the_stale_index(tmp_path):
    require_search_command()
    project = tmp_path / "project"
    project.mkdir()
    for name in (".venv", "pyproject.toml"):
        (project / name).symlink_to(ROOT / name)
    shutil.copytree(CORPUS, project / "corpus")
    shutil.copytree(NEWSROOM, project / "samples" / "newsroom")
    update_index(project / "index", [project / "corpus"])
    meta_path = project / "index" / "search-meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["tables"] = "0" * len(meta["tables"])  # as written by an earlier version of the analysis
    meta_path.write_text(json.dumps(meta), encoding="utf-8")

    run, port = make_run(project, tmp_path / "make-run.log", makefile=ROOT / "Makefile")
    try:
        health = run.wait_healthy(port, HEALTH_TIMEOUT)
        assert health["documents"] == SAMPLE_DOCUMENTS
        assert api(port, "/api/search", q="Amraam")["results"][0]["id"] == TELEGRAPH_PRINT
    finally:
        stop_and_check_port(run, port)
