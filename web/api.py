"""The JSON API: each endpoint reads its parameters, calls the engine, returns JSON."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from search.completion import DEFAULT_COMPLETIONS, MAX_COMPLETIONS
from search.engine import MAX_QUERY_CHARS, MAX_RELATED, MAX_RESULTS
from search.settings import SETTINGS
from web.engine import current_engine, search_page
from web.export import CITATION_COLUMNS, csv_export, json_export
from web.links import absolute_url
from web.openapi import openapi_document
from web.params import (
    MAX_VALUE_CHARS,
    article_id,
    check_known,
    search_params,
    text_value,
    whole_number,
)

blueprint = Blueprint("api", __name__, url_prefix="/api")
GENERATION_HEADER = "X-Index-Generation"


@blueprint.after_request
def name_the_generation(response: Response) -> Response:
    """A page of results says which commit it was read from, so a client (and the fault tests)
    can tell that every answer holds one commit's results, during a re-index too."""
    generation = g.get("index_generation")
    if generation is not None:
        response.headers[GENERATION_HEADER] = str(generation)
    return response


@blueprint.get("/search")
def search():
    params = search_params(request.args)
    if params.format:
        rows = [{column: row.get(column) for column in CITATION_COLUMNS}
                | {"link": absolute_url("pages.article", doc_id=row["id"])}
                for row in current_engine().citations(params.request(limit=MAX_RESULTS, offset=0))]
        return (csv_export if params.format == "csv" else json_export)(params.q, rows)
    return jsonify(search_page(params))


@blueprint.get("/articles/<doc_id>")
def article(doc_id: str):
    check_known(request.args, frozenset({"q"}))
    q = text_value(request.args, "q", MAX_QUERY_CHARS)
    return jsonify(current_engine().article(article_id(doc_id), q))


@blueprint.get("/articles/<doc_id>/related")
def related(doc_id: str):
    check_known(request.args, frozenset({"limit"}))
    limit = whole_number(request.args, "limit", SETTINGS.related, 1, MAX_RELATED)
    doc_id = article_id(doc_id)
    return jsonify({"id": doc_id, "related": current_engine().related(doc_id, limit)})


@blueprint.get("/suggest")
def suggest():
    check_known(request.args, frozenset({"q", "limit"}))
    typed = text_value(request.args, "q", MAX_VALUE_CHARS) or ""
    limit = whole_number(request.args, "limit", DEFAULT_COMPLETIONS, 1, MAX_COMPLETIONS)
    return jsonify({"query": typed, "suggestions": current_engine().suggest(typed, limit)})


@blueprint.get("/stats")
def stats():
    check_known(request.args, frozenset())
    return jsonify(current_engine().stats())


@blueprint.get("/health")
def health():
    """200 with the document count when the index answers; the engine's 503 otherwise."""
    check_known(request.args, frozenset())
    return jsonify(current_engine().health())


@blueprint.get("/openapi.json")
def openapi():
    check_known(request.args, frozenset())
    return jsonify(openapi_document())
