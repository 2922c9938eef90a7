"""Helpers for the web tests: checking responses against the OpenAPI document the app
serves, and the reasons of the tests marked xfail for known bugs.

`assert_matches_openapi(response, "/api/search")` looks up the schema of the
path's GET response for the response's status and content type, and validates
the body with a JSON Schema (draft 2020-12) validator built from the document's
components.
"""

from __future__ import annotations

import re
from functools import cache

import jsonschema

from web import create_app

HTML_MARKUP_ALLOWED = re.compile(r'<mark( class="entity" data-type="[^"<>]*" title="[^"<>]*")?>|</mark>')


@cache
def served_document() -> dict:
    """The document as /api/openapi.json serves it (it needs no index)."""
    response = create_app("/nonexistent-index-for-openapi").test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator_for(schema: dict, document: dict | None = None) -> jsonschema.Draft202012Validator:
    """A validator for `schema`, whose `#/components/...` references resolve in the document."""
    document = document or served_document()
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def component_validator(name: str) -> jsonschema.Draft202012Validator:
    return validator_for({"$ref": f"#/components/schemas/{name}"})


def response_schema(path_template: str, status: int, content_type: str = "application/json") -> dict:
    """The schema the document gives for a GET of `path_template` answering `status`."""
    operation = served_document()["paths"][path_template]["get"]
    responses = operation["responses"]
    assert str(status) in responses, f"{path_template} does not document status {status}"
    content = responses[str(status)]["content"]
    assert content_type in content, f"{path_template} {status} does not document {content_type}"
    return content[content_type]["schema"]


def validate_body(path_template: str, status: int, body: object, content_type: str = "application/json"):
    """Raise jsonschema.ValidationError unless `body` fits the documented response."""
    validator_for(response_schema(path_template, status, content_type)).validate(body)


def assert_matches_openapi(response, path_template: str) -> object:
    """Validate a test-client response against the document; returns the parsed body."""
    content_type = response.mimetype
    body = response.get_json() if content_type == "application/json" else response.get_data(as_text=True)
    validate_body(path_template, response.status_code, body, content_type)
    return body


def assert_html_markup_only_marks(fragment: str) -> None:
    """A JSON field meant as HTML: our <mark> elements are its only markup."""
    rest = HTML_MARKUP_ALLOWED.sub("", fragment)
    assert "<" not in rest and ">" not in rest, fragment
