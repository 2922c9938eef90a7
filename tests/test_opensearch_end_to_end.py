"""The OpenSearch backend as a user meets it (issue 18, "done when"): `search index --backend
opensearch`, `search --backend opensearch "Amraam"`, the variables that choose it, and the web app
and JSON API served from it, each giving the embedded engine's answer for the sample corpus.

Everything runs as the user would run it: the `search` command in a subprocess, `search serve`
on a loopback port, Chromium on the page; the cluster is the session's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
from browser_support import (
    LiveServer,
    get_json,
    launch_chromium,
    require_search_command,
    screenshot,
    sync_playwright,
)
from conftest import CORPUS, TELEGRAPH_PRINT, CliResult

pytestmark = pytest.mark.opensearch

# Each query, and how far its scores may be from the embedded backend's (README, "What differs
# between the backends": the salience kept to 9 bits; a fuzzy expansion weighed by its edits).
QUERIES = {"Amraam": 0.005, "Zelenskyy": 0.005, "drone strikes inside Russia": 0.005, '"air defence"': 0.005,
           "Wallce~": 0.3}


def shown(answer: dict) -> dict:
    """What a user compares between two answers: everything but the time taken and the scores."""
    results = [{key: value for key, value in hit.items() if key != "score"} for hit in answer["results"]]
    return {**{key: value for key, value in answer.items() if key != "took_ms"}, "results": results}


def assert_same_answer(found: dict, expected: dict, query: str) -> None:
    """The same answer, scores within the query's tolerance."""
    assert shown(found) == shown(expected), query
    for hit, reference in zip(found["results"], expected["results"], strict=True):
        assert hit["score"] == pytest.approx(reference["score"], rel=QUERIES[query]), query


@pytest.fixture(scope="module")
def cluster_index(opensearch_cluster, run_cli_module) -> str:
    """The sample corpus indexed into the cluster with the command line."""
    location = f"{opensearch_cluster.url}/e2e-{uuid.uuid4().hex[:8]}"
    result = run_cli_module("index", "--backend", "opensearch", "--index", location, str(CORPUS))
    assert result.code == 0, result.stderr
    assert "added 5" in result.stdout, result.stdout
    return location


@pytest.fixture(scope="module")
def run_cli_module(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")

    def run(*args: str, env: dict | None = None) -> CliResult:
        environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
        for name in ("SEARCH_INDEX", "SEARCH_BACKEND", "SEARCH_OPENSEARCH_URL"):
            if not env or name not in env:
                environment.pop(name, None)
        done = subprocess.run([sys.executable, "-m", "search.cli", *args], cwd=cwd, env=environment,
                              capture_output=True, text=True, timeout=180)
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run


def test_the_command_line_gives_the_embedded_engines_answer(cluster_index, seed_index, run_cli_module):
    for query in QUERIES:
        embedded = run_cli_module("--json", "--index", str(seed_index), query)
        cluster = run_cli_module("--json", "--backend", "opensearch", "--index", cluster_index, query)
        assert cluster.code == 0, cluster.stderr
        assert_same_answer(json.loads(cluster.stdout), json.loads(embedded.stdout), query)


def test_the_environment_chooses_the_backend_and_the_flag_wins(cluster_index, seed_index, run_cli_module):
    chosen = {"SEARCH_BACKEND": "opensearch", "SEARCH_OPENSEARCH_URL": cluster_index}
    stats = run_cli_module("stats", "--json", env=chosen)
    assert stats.code == 0, stats.stderr
    assert json.loads(stats.stdout)["documents"] == 5
    printed = run_cli_module("Amraam", env=chosen)
    assert printed.code == 0 and "Wallace heads to Pentagon" in printed.stdout
    embedded = run_cli_module("stats", "--json", "--backend", "whoosh", "--index", str(seed_index),
                              env=chosen)
    assert json.loads(embedded.stdout)["documents"] == 5 and json.loads(embedded.stdout)["generation"] >= 1
    alike = ("documents", "stories", "top", "first_date", "last_date")
    assert {key: json.loads(stats.stdout)[key] for key in alike} == {
        key: json.loads(embedded.stdout)[key] for key in alike}


def test_an_unreachable_cluster_is_one_line(run_cli_module):
    result = run_cli_module("--backend", "opensearch", "--index", "http://127.0.0.1:9/news", "Amraam")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot be reached" in result.stderr


@pytest.fixture(scope="module")
def servers(cluster_index, seed_index, tmp_path_factory):
    """`search serve` on the cluster's index and on the embedded one."""
    require_search_command()
    directory = tmp_path_factory.mktemp("servers")
    cluster = LiveServer(cluster_index, directory / "cluster.log", backend="opensearch")
    embedded = LiveServer(seed_index, directory / "embedded.log")
    yield cluster, embedded
    cluster.stop()
    embedded.stop()


def test_the_api_serves_the_embedded_engines_answer_from_the_cluster(servers):
    cluster, embedded = servers
    assert cluster.health["documents"] == 5
    for query in QUERIES:
        path = f"/api/search?q={quote(query)}"
        status, found = get_json(cluster.url(path))
        assert status == 200, found
        assert_same_answer(found, get_json(embedded.url(path))[1], query)


def test_the_search_page_in_a_browser_from_the_cluster(servers):
    cluster, _ = servers
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(cluster.url("/search?q=Amraam"))
        first = page.locator("li.hit").first
        assert "Wallace heads to Pentagon" in first.inner_text()
        assert page.locator("mark").first.inner_text().lower() == "amraam"
        screenshot(page, "opensearch-amraam")
        page.goto(cluster.url(f"/articles/{TELEGRAPH_PRINT}?q=Amraam"))
        assert page.locator("mark").count() >= 1
        browser.close()
