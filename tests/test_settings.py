"""search/settings.py: the one table of limits, and every place that states a limit agrees with it:
the JSON API as it answers, its OpenAPI document, the command line's help and README's table."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from conftest import CORPUS

from search.cli import main
from search.facets import FACETS
from search.indexer import update_index
from search.settings import SETTINGS
from web import create_app
from web.openapi import openapi_document

README = Path(__file__).resolve().parents[1] / "README.md"
FILTERS = ("entity", *(facet.name for facet in FACETS))


def parameters(path: str) -> dict[str, dict]:
    """The schema of each parameter of one path of the OpenAPI document."""
    [operation] = openapi_document()["paths"][path].values()
    return {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}


def bounds(schema: dict) -> tuple[int, int]:
    return schema["maximum"], schema["default"]


def test_the_openapi_document_states_the_tables_limits():
    search, related, suggest = (parameters(path) for path in
                                ("/api/search", "/api/articles/{id}/related", "/api/suggest"))
    assert search["q"]["maxLength"] == SETTINGS.max_query_chars
    assert bounds(search["size"]) == (SETTINGS.max_page_size, SETTINGS.page_size)
    assert search["sort"]["enum"] == [*SETTINGS.sorts, *dict(SETTINGS.sort_aliases)]
    assert {search[name]["maxLength"] for name in FILTERS} == {SETTINGS.max_value_chars}
    assert bounds(related["limit"]) == (SETTINGS.max_related, SETTINGS.related)
    assert bounds(suggest["limit"]) == (SETTINGS.max_completions, SETTINGS.completions)
    assert suggest["q"]["maxLength"] == SETTINGS.max_value_chars


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("settings") / "index"
    update_index(index_dir, [CORPUS])
    return create_app(index_dir).test_client()


@pytest.mark.parametrize(("path", "name", "largest"), [
    ("/api/search?q=missile", "size", SETTINGS.max_page_size),
    ("/api/articles/{id}/related?", "limit", SETTINGS.max_related),
    ("/api/suggest?q=zel", "limit", SETTINGS.max_completions),
])
def test_the_api_takes_each_limit_and_refuses_one_past_it(api, path, name, largest):
    doc_id = api.get("/api/search?q=missile").get_json()["results"][0]["id"]
    url = path.replace("{id}", doc_id)
    assert api.get(f"{url}&{name}={largest}").status_code == 200
    refused = api.get(f"{url}&{name}={largest + 1}")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_parameter"


def test_the_api_takes_the_longest_query_and_filter_and_refuses_longer(api):
    for prefix, limit in (("q=", SETTINGS.max_query_chars), ("q=x&source=", SETTINGS.max_value_chars)):
        assert api.get(f"/api/search?{prefix}{'a' * limit}").status_code == 200
        assert api.get(f"/api/search?{prefix}{'a' * (limit + 1)}").status_code == 400
    for sort in (*SETTINGS.sorts, *dict(SETTINGS.sort_aliases)):
        assert api.get(f"/api/search?q=missile&sort={sort}").status_code == 200


def help_text(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([*args, "--help"])
    return " ".join(out.getvalue().split())


def test_the_command_lines_help_states_the_tables_defaults():
    query = help_text("anything")
    assert f"up to {SETTINGS.max_results} (default {SETTINGS.page_size})" in query
    assert f"${SETTINGS.index_env} or ./{SETTINGS.default_index}" in query
    index = help_text("index")
    assert f"(default {SETTINGS.lock_wait_seconds:g})" in index
    assert f"(default {SETTINGS.commit_every_docs})" in index and f"{SETTINGS.default_corpus}/" in index


def readme_limits() -> dict[str, str]:
    """README's limits table: the first cell of each row -> the value cell."""
    section = README.read_text(encoding="utf-8").split("## Limits and failure behaviour", 1)[1]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): cells[1].strip() for cells in rows[1:]}


def numbers(text: str) -> list[float]:
    return [float(number.replace(",", "")) for number in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_readmes_limits_table_states_the_tables_values():
    table = readme_limits()
    stated = {
        "query length": [SETTINGS.max_query_chars],
        "page depth": [SETTINGS.max_results],
        "`size` (web), `--limit` (CLI)": [1, SETTINGS.max_page_size, 1, SETTINGS.max_results],
        "filter values, `suggest` text": [SETTINGS.max_value_chars],
        "time budget": [SETTINGS.time_budget_seconds],
        "wildcard, prefix, fuzzy expansion": [SETTINGS.max_expansions, 2],
        "wildcard, prefix and fuzzy words": [SETTINGS.max_expanded_words],
        'a phrase with a distance (`"…"~N`)': [SETTINGS.max_sloppy_phrase_words],
        "counts (`total`, `all_words_total`)": [SETTINGS.exact_count_up_to],
        "spelling lookups": [SETTINGS.spelling_lookups, SETTINGS.spelling_seconds, 10],
        "one record in a file": [SETTINGS.max_record_bytes / 1_000_000],
        "related coverage of an article": [SETTINGS.max_related_chars],
        "snippet of a long article": [SETTINGS.snippet_scan_chars],
        "lock wait for a second indexer": [SETTINGS.lock_wait_seconds],
    }
    for row, values in stated.items():
        assert numbers(table[row]) == values, (row, table[row])
    assert numbers(table["request body"])[0] == SETTINGS.max_request_bytes / 1024
