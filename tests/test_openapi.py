"""The OpenAPI document (web/openapi.py, web/data/openapi.json): real schemas, every route
documented, every documented answer exercised and valid, and a wrong answer refused."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest
from conftest import TELEGRAPH_WEB
from web_support import assert_matches_openapi, served_document, validate_body

from search.results import result_schema

DOC = served_document()
OPERATIONS = [(path, item["get"]) for path, item in DOC["paths"].items()]
ARTICLE = f"/api/articles/{TELEGRAPH_WEB}"

# One request for every documented (path, status): the client fixture to send it with and the URL.
EXAMPLES: dict[tuple[str, int], tuple[str, str]] = {
    ("/api/search", 200): ("client", "/api/search?q=Amraam"),
    ("/api/search", 400): ("client", "/api/search?q=Amraam&size=101"),
    ("/api/search", 503): ("no_index_client", "/api/search?q=Amraam"),
    ("/api/articles/{id}", 200): ("client", ARTICLE),
    ("/api/articles/{id}", 400): ("client", f"{ARTICLE}?limit=1"),
    ("/api/articles/{id}", 404): ("client", "/api/articles/nope"),
    ("/api/articles/{id}", 503): ("no_index_client", ARTICLE),
    ("/api/articles/{id}/related", 200): ("client", f"{ARTICLE}/related"),
    ("/api/articles/{id}/related", 400): ("client", f"{ARTICLE}/related?limit=0"),
    ("/api/articles/{id}/related", 404): ("client", "/api/articles/nope/related"),
    ("/api/articles/{id}/related", 503): ("no_index_client", f"{ARTICLE}/related"),
    ("/api/suggest", 200): ("client", "/api/suggest?q=wal"),
    ("/api/suggest", 400): ("client", "/api/suggest?q=wal&limit=99"),
    ("/api/suggest", 503): ("no_index_client", "/api/suggest?q=wal"),
    ("/api/stats", 200): ("client", "/api/stats"),
    ("/api/stats", 400): ("client", "/api/stats?x=1"),
    ("/api/stats", 503): ("no_index_client", "/api/stats"),
    ("/api/health", 200): ("client", "/api/health"),
    ("/api/health", 400): ("client", "/api/health?x=1"),
    ("/api/openapi.json", 400): ("client", "/api/openapi.json?x=1"),
    ("/api/health", 503): ("no_index_client", "/api/health"),
    ("/api/openapi.json", 200): ("no_index_client", "/api/openapi.json"),
}


def walk(node, at=""):
    """Every (json pointer, node) in a document."""
    yield at, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{at}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{at}/{index}")


def resolve(pointer: str) -> object:
    node = DOC
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part]
    return node


def flask_to_template(rule: str) -> str:
    """/api/articles/<doc_id>/related -> /api/articles/{}/related (parameter names aside)."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "{}", rule)


def doc_to_template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


# --- the document itself ----------------------------------------------------------------------


def test_the_document_is_openapi_3_1():
    assert DOC["openapi"].startswith("3.1.")
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert [op["operationId"] for _, op in OPERATIONS] == list(dict.fromkeys(
        op["operationId"] for _, op in OPERATIONS)), "operationIds are unique"


@pytest.mark.parametrize("name", sorted(DOC["components"]["schemas"]))
def test_every_component_is_a_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(DOC["components"]["schemas"][name])


def test_every_reference_resolves():
    references = [(at, node["$ref"]) for at, node in walk(DOC) if isinstance(node, dict) and "$ref" in node]
    assert len(references) > 20
    for at, reference in references:
        assert reference.startswith("#/components/schemas/"), (at, reference)
        assert isinstance(resolve(reference), dict), (at, reference)


@pytest.mark.parametrize(("path", "operation"), OPERATIONS, ids=[path for path, _ in OPERATIONS])
def test_every_answer_has_a_real_schema(path, operation):
    for status, answer in operation["responses"].items():
        assert answer["description"]
        for content_type, content in answer["content"].items():
            schema = content["schema"]
            assert schema not in ({}, True), (path, status, content_type)
            jsonschema.Draft202012Validator.check_schema(schema)
        if status != "200":
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize(("path", "operation"), OPERATIONS, ids=[path for path, _ in OPERATIONS])
def test_path_parameters_are_declared(path, operation):
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert declared == set(re.findall(r"\{([^}]+)\}", path))
    for parameter in operation.get("parameters", []):
        assert parameter["in"] in ("path", "query") and parameter["description"] and parameter["schema"]


def test_the_search_response_is_the_committed_result_schema():
    committed = result_schema()
    served = DOC["components"]["schemas"]["SearchResponse"]
    assert served["required"] == committed["required"]
    assert served["properties"].keys() == committed["properties"].keys()
    results = {"type": "array", "items": {"$ref": "#/components/schemas/result"}}
    assert served["properties"]["results"] == results
    for name in committed["$defs"]:
        assert name in DOC["components"]["schemas"]
    assert not any("$defs" in str(node.get("$ref", "")) for _, node in walk(DOC) if isinstance(node, dict))


# --- the document and the app agree -----------------------------------------------------------


def test_every_api_route_is_documented_and_every_documented_path_is_a_route(app):
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    routes = {flask_to_template(rule) for rule in rules if rule.startswith("/api")}
    documented = {doc_to_template(path) for path in DOC["paths"]}
    assert routes == documented


def test_api_routes_answer_get_only_as_documented(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule.rule
    assert all(set(item) == {"get"} for item in DOC["paths"].values())


def test_every_documented_answer_has_an_example():
    documented = {(path, int(status)) for path, operation in OPERATIONS for status in operation["responses"]}
    assert set(EXAMPLES) == documented


@pytest.mark.parametrize(("path", "status"), list(EXAMPLES), ids=[f"{p} {s}" for p, s in EXAMPLES])
def test_every_documented_answer_is_given_and_valid(request, path, status):
    fixture, url = EXAMPLES[(path, status)]
    response = request.getfixturevalue(fixture).get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert_matches_openapi(response, path)


def test_the_csv_export_is_documented(client):
    response = client.get("/api/search?q=Amraam&format=csv")
    assert response.mimetype == "text/csv"
    assert_matches_openapi(response, "/api/search")
    header = response.data.decode("utf-8-sig").splitlines()[0]
    described = DOC["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["text/csv"]["schema"]
    assert f"Header {header};" in described["description"]


def url_with(path: str) -> str:
    return path.replace("{id}", TELEGRAPH_WEB)


def valid_value(schema: dict) -> str:
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return str(schema["default"])
    if "pattern" in schema:
        return "2022-10"
    return str(schema.get("minimum", 1)) if schema["type"] == "integer" else "drones"


def query_parameters() -> list:
    return [pytest.param(path, parameter, id=f"{path} {parameter['name']}")
            for path, operation in OPERATIONS for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"]


def call(client, path: str, **args):
    base = {"q": "drones"} if path == "/api/search" else {}
    response = client.get(url_with(path), query_string={**base, **args})
    assert_matches_openapi(response, path)
    return response


NO_NUL_EXAMPLES = (("grain port", " Kyiv ", "   "), ("grain\x00port", "\x00"))  # any text but a NUL
PATTERN_EXAMPLES = {  # a parameter's pattern: values it and the server accept, values both refuse
    **dict.fromkeys(("from", "to"), (
        ("2022-10-01", "2022", "2024-02-29", " 2022-10 "),
        ("2022-1", "01-10-2022", "2022-10-01x", "0000", "2022-13", "2022-02-30", "2022 10"))),
    "q": (("grain port",), ("grain\x00port",)),
}


@pytest.mark.parametrize(("path", "parameter"), query_parameters())
def test_every_documented_parameter_is_accepted(client, path, parameter):
    schema = parameter["schema"]
    values = schema.get("enum") or [valid_value(schema)]
    for value in values:
        assert call(client, path, **{parameter["name"]: value}).status_code == 200, value


BOUND_COMPANIONS = {"page": {"size": "1"}}  # the last page is reached one result a page (page × size)


@pytest.mark.parametrize(("path", "parameter"), query_parameters())
def test_every_documented_bound_is_the_bound_applied(client, path, parameter):
    name, schema = parameter["name"], parameter["schema"]
    checked = 0
    if "maximum" in schema:
        companion = BOUND_COMPANIONS.get(name, {})
        assert call(client, path, **companion, **{name: str(schema["maximum"])}).status_code == 200
        assert call(client, path, **companion, **{name: str(schema["maximum"] + 1)}).status_code == 400
        checked += 1
    if "minimum" in schema:
        assert call(client, path, **{name: str(schema["minimum"])}).status_code == 200
        assert call(client, path, **{name: str(schema["minimum"] - 1)}).status_code == 400
        checked += 1
    if "maxLength" in schema:
        assert call(client, path, **{name: "x" * schema["maxLength"]}).status_code == 200
        assert call(client, path, **{name: "x" * (schema["maxLength"] + 1)}).status_code == 400
        checked += 1
    if "enum" in schema:
        assert call(client, path, **{name: "none-of-these"}).status_code == 400
        checked += 1
    if "pattern" in schema:
        good, bad = PATTERN_EXAMPLES.get(name, NO_NUL_EXAMPLES)
        for value in good:
            assert re.search(schema["pattern"], value)
            assert call(client, path, **{name: value}).status_code == 200
        for value in bad:
            assert not re.search(schema["pattern"], value)
            assert call(client, path, **{name: value}).status_code == 400
        checked += 1
    if schema.get("type") == "integer":
        assert call(client, path, **{name: "1.5"}).status_code == 400
        checked += 1
    if parameter.get("required"):
        assert call(client, path, **{name: ""}).status_code == 400
        checked += 1
    assert checked, f"{path} {name}: nothing documented to check"


def json_without_timing(response) -> object:
    """A JSON answer without what differs between two runs of one request (the time it took)."""
    body = response.get_json()
    if isinstance(body, dict):
        body.pop("took_ms", None)
    return body


def test_the_document_states_the_rule_for_empty_and_repeated_parameters():
    description = DOC["info"]["description"]
    assert "a repeated one (`page=1&page=2`) is refused with 400" in description
    assert "An empty value (`page=`) is the same as leaving the parameter out" in description
    for _, parameter in [case.values for case in query_parameters()]:
        assert parameter.get("allowEmptyValue", False) is not parameter.get("required", False), parameter


@pytest.mark.parametrize(("path", "parameter"), query_parameters())
def test_an_empty_parameter_is_the_parameter_left_out(client, path, parameter):
    name = parameter["name"]
    base = {"q": "drones"} if path == "/api/search" and name != "q" else {}
    if (path, name) == ("/api/search", "q"):
        base = {"source": "The Daily Telegraph"}  # a search needs words or a filter
    given = client.get(url_with(path), query_string={**base, name: ""})
    absent = client.get(url_with(path), query_string=base)
    assert_matches_openapi(given, path)
    assert given.status_code == absent.status_code
    assert given.status_code == (400 if parameter.get("required") else 200)
    if given.mimetype == "application/json":
        assert json_without_timing(given) == json_without_timing(absent)


@pytest.mark.parametrize(("path", "parameter"), query_parameters())
def test_a_repeated_parameter_is_refused(client, path, parameter):
    name, value = parameter["name"], valid_value(parameter["schema"])
    base = [("q", "drones")] if path == "/api/search" and name != "q" else []
    for values in ((value, value), (value, "")):
        response = client.get(url_with(path), query_string=[*base, *((name, one) for one in values)])
        body = assert_matches_openapi(response, path)
        assert response.status_code == 400, values
        assert body["error"] == {"code": "invalid_parameter",
                                 "message": f"{name} is given more than once; give each parameter once"}


@pytest.mark.parametrize("url", ["/search?q=drones&page=1&page=2", "/search?q=a&q=a",
                                 f"/articles/{TELEGRAPH_WEB}?q=a&q=b", "/search?q=drones&size=&size="])
def test_pages_refuse_a_repeated_parameter_too(client, url):
    response = client.get(url)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "given more than once" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/search?q=drones&page=", "/search?q=drones&size=&page=&sort=&from=&to=",
                                 f"/articles/{TELEGRAPH_WEB}?q="])
def test_pages_read_an_empty_parameter_as_left_out(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("blank", ["", "  ", "\u3000\t"])
def test_a_blank_query_is_a_query_left_out_words_or_a_filter_needed(client, blank):
    """`q` is optional as the document says: blank (what the server strips away) is left out,
    which browses a filter; with no filter either, 400."""
    browsed = client.get("/api/search", query_string={"q": blank, "source": "The Daily Telegraph"})
    assert json_without_timing(browsed) == json_without_timing(
        client.get("/api/search", query_string={"source": "The Daily Telegraph"}))
    assert browsed.get_json()["total"] == 1
    refused = client.get("/api/search", query_string={"q": blank})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize("value", [" 2022-10 ", "\t2022", "\u3000", "  "])
def test_dates_with_space_around_are_accepted_as_the_pattern_says(client, value):
    parameters = DOC["paths"]["/api/search"]["get"]["parameters"]
    pattern = re.compile(next(item for item in parameters if item["name"] == "from")["schema"]["pattern"])
    assert pattern.search(value)
    assert call(client, "/api/search", **{"from": value}).status_code == 200


@pytest.mark.parametrize("path", list(DOC["paths"]))
def test_unknown_parameters_are_refused_everywhere(client, path):
    assert "unknown parameters are refused with 400" in DOC["info"]["description"]
    response = client.get(url_with(path), query_string={"q": "drones", "unknown_thing": "1"}
                          if path == "/api/search" else {"unknown_thing": "1"})
    assert response.status_code == 400
    assert_matches_openapi(response, path)


# --- a wrong answer fails ------------------------------------------------------------------------


def drop(key_path: list):
    def mutate(body):
        node = body
        for key in key_path[:-1]:
            node = node[key]
        del node[key_path[-1]]
    return mutate


def put(key_path: list, value):
    def mutate(body):
        node = body
        for key in key_path[:-1]:
            node = node[key]
        node[key_path[-1]] = value
    return mutate


SEARCH, EXPORT = "/api/search?q=Amraam", "/api/search?q=Amraam&format=json"
MUTATIONS = {
    "search: no page": (SEARCH, "/api/search", drop(["page"])),
    "search: no facets": (SEARCH, "/api/search", drop(["facets"])),
    "search: no results": (SEARCH, "/api/search", drop(["results"])),
    "search: total as text": (SEARCH, "/api/search", put(["total"], "1")),
    "search: size over 100": (SEARCH, "/api/search", put(["size"], 101)),
    "search: hit with an extra key": (SEARCH, "/api/search", put(["results", 0, "body"], "x")),
    "search: hit without snippet": (SEARCH, "/api/search", drop(["results", 0, "snippet"])),
    "search: unknown match kind": (SEARCH, "/api/search",
                                   put(["results", 0, "matched", 0, "via"], "guess")),
    "search: unsafe id": (SEARCH, "/api/search", put(["results", 0, "id"], "../etc")),
    "search: malformed date": (SEARCH, "/api/search", put(["results", 0, "date"], "yesterday")),
    "search: facet count 0": (SEARCH, "/api/search", put(["facets", "source", 0, "count"], 0)),
    "search: unknown facet": (SEARCH, "/api/search", put(["facets", "colour"], [])),
    "search: month facet not a month": (SEARCH, "/api/search",
                                        put(["facets", "month"], [{"value": "October", "count": 1}])),
    "export: count as text": (EXPORT, "/api/search", put(["count"], "1")),
    "export: citation with an extra key": (EXPORT, "/api/search",
                                           put(["results", 0, "snippet"], "x")),
    "article: no paragraphs_html": (ARTICLE, "/api/articles/{id}", drop(["paragraphs_html"])),
    "article: extra key": (ARTICLE, "/api/articles/{id}", put(["body"], "x")),
    "article: authors as text": (ARTICLE, "/api/articles/{id}", put(["authors"], "A, B")),
    "related: story without score": (f"{ARTICLE}/related", "/api/articles/{id}/related",
                                     drop(["related", 0, "score"])),
    "related: not a list": (f"{ARTICLE}/related", "/api/articles/{id}/related", put(["related"], {})),
    "suggest: unknown kind": ("/api/suggest?q=wal", "/api/suggest",
                              put(["suggestions", 0, "kind"], "phrase")),
    "suggest: empty text": ("/api/suggest?q=wal", "/api/suggest", put(["suggestions", 0, "text"], "")),
    "stats: negative count": ("/api/stats", "/api/stats", put(["documents"], -1)),
    "stats: extra key": ("/api/stats", "/api/stats", put(["path"], "/srv/index")),
    "health: status not ok": ("/api/health", "/api/health", put(["status"], "fine")),
    "error: no message": ("/api/articles/nope", "/api/articles/{id}", drop(["error", "message"])),
    "error: unknown code": ("/api/articles/nope", "/api/articles/{id}", put(["error", "code"], "teapot")),
    "error: empty message": ("/api/articles/nope", "/api/articles/{id}", put(["error", "message"], "")),
    "error: extra key": ("/api/articles/nope", "/api/articles/{id}", put(["traceback"], "...")),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_wrong_answer_fails_validation(client, name):
    url, path, mutate = MUTATIONS[name]
    response = client.get(url)
    body = assert_matches_openapi(response, path)
    wrong = copy.deepcopy(body)
    mutate(wrong)
    assert wrong != body
    with pytest.raises(jsonschema.ValidationError):
        validate_body(path, response.status_code, wrong)


def test_an_answer_under_the_wrong_status_fails_validation(client):
    article = client.get(ARTICLE).get_json()
    with pytest.raises(jsonschema.ValidationError):
        validate_body("/api/articles/{id}", 404, article)
    error = client.get("/api/articles/nope").get_json()
    with pytest.raises(jsonschema.ValidationError):
        validate_body("/api/articles/{id}", 200, error)


def test_an_undocumented_status_fails_the_check(client):
    response = client.get("/api/health?x=1")
    fake = copy.copy(response)
    fake.status_code = 404
    with pytest.raises(AssertionError, match="does not document status 404"):
        assert_matches_openapi(fake, "/api/health")


def date_examples() -> list[str]:
    """Years, months and days around every edge the server's date check has (leap years, month
    lengths, year 0 and 9999)."""
    years = ["0000", "0001", "0004", "0100", "1900", "2000", "2022", "2024", "9999"]
    found = [*years]
    for year in years:
        found += [f"{year}-{month:02d}" for month in range(14)]
        found += [f"{year}-{month:02d}-{day:02d}" for month in range(14) for day in range(33)]
    return found + ["2022-1-05", "22-01-05", "2022-01-5", "2022/01/05", "", "20220105"]


def test_the_documents_date_pattern_accepts_exactly_the_dates_the_server_accepts():
    from search.query.language import date_filter

    document = served_document()
    parameters = document["paths"]["/api/search"]["get"]["parameters"]
    patterns = {item["schema"]["pattern"] for item in parameters if item["name"] in ("from", "to")}
    assert len(patterns) == 1
    pattern = re.compile(patterns.pop())
    for value in date_examples():
        accepted = not value.strip() or date_filter(value, None) is not None  # blank is left out
        assert bool(pattern.search(value)) == accepted, value


def test_a_nul_in_the_query_is_refused_as_the_document_says(client):
    parameters = served_document()["paths"]["/api/search"]["get"]["parameters"]
    pattern = re.compile(next(item for item in parameters if item["name"] == "q")["schema"]["pattern"])
    assert pattern.search("grain port") and not pattern.search("grain\x00port")
    response = client.get("/api/search?q=grain%00port")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_parameter"
