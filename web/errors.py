"""Errors as answers: JSON `{"error": {"code", "message"}}` under /api, a page elsewhere.

User input never causes a 500: every expected failure is one of the engine's
typed errors or an HTTP error, each with its status and a stable code.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import SearchError

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large", 414: "request_too_large",
              431: "request_too_large", 500: "internal_error"}
INTERNAL_ERROR_MESSAGE = "something went wrong on our side; it has been logged"


def code_for(status: int) -> str:
    """The stable error code of an HTTP status the app did not name itself."""
    return HTTP_CODES.get(status, "bad_request" if status < 500 else "server_error")


def error_body(code: str, message: str) -> dict:
    """The JSON error envelope, one shape for the app and the server in front of it."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str):
    """The error envelope: JSON for the API, an HTML page for people."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return jsonify(error_body(code, message)), status
    return render_template("error.html", status=status, code=code, message=message), status


def register(app: Flask) -> None:
    """Install the handlers that turn every failure into an envelope."""

    @app.before_request
    def refuse_large_bodies():
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            return error_response(413, "request_too_large", f"request bodies are limited to {limit} bytes")
        return None

    @app.errorhandler(SearchError)
    def search_error(error: SearchError):
        body, status = error_response(error.status, error.code, error.message)
        if error.retry_after_seconds is None:
            return body, status
        return body, status, {"Retry-After": str(error.retry_after_seconds)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        body, status = error_response(status, code_for(status), error.description or error.name)
        headers = {name: value for name, value in error.get_headers() if name == "Allow"}
        return body, status, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error answering %s", request.path)
        return error_response(500, "internal_error", INTERNAL_ERROR_MESSAGE)
