"""Serving the app with waitress: a production WSGI server, with request limits."""

from __future__ import annotations

import sys
from pathlib import Path

import waitress

from search.cli import Parser, add_index_option, index_location, port_number, positive_int
from search.errors import SearchError
from web import create_app
from web.engine import EngineHolder

MAX_HEADER_BYTES = 32 * 1024
MAX_BODY_BYTES = 1024 * 1024  # a backstop: the app refuses bodies over MAX_REQUEST_BYTES itself
CHANNEL_TIMEOUT_SECONDS = 30


def describe(holder: EngineHolder) -> str:
    """One line about the index being served (or why there is none yet)."""
    try:
        engine = holder.get()
    except SearchError as error:
        return f"no usable index yet: {error.message}"
    return f"{engine.health()['documents']} articles in {engine.backend.location}"


def serve_main(argv: list[str]) -> int:
    """`search serve [--host H] [--port P] [--threads N] [--index DIR]` (registered with the command
    line in pyproject.toml): serve the web app and API with waitress until interrupted."""
    parser = Parser(prog="search serve")
    add_index_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    parser.add_argument("--threads", type=positive_int, default=8, help="worker threads (default 8)")
    args = parser.parse_args(argv)
    backend, location = index_location(args)
    serve(location, args.host, args.port, args.threads, backend)
    return 0


def serve(location: Path | str, host: str, port: int, threads: int, backend: str | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    app = create_app(location, backend)
    print(f"serving {describe(app.extensions['search_engine'])} at http://{host}:{port}/", file=sys.stderr)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="news-search",
                       max_request_body_size=MAX_BODY_BYTES, max_request_header_size=MAX_HEADER_BYTES,
                       channel_timeout=CHANNEL_TIMEOUT_SECONDS, _quiet=True)
    except OSError as error:
        raise SearchError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
