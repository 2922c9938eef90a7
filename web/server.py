"""Serving the app: gunicorn's worker processes on Linux (every core answers), waitress where
processes cannot be forked. Both keep the app's own limits (README's limits table) authoritative.

Each gunicorn worker is a forked process with its own threads (`gthread`, adapted in
web/worker.py); the app is created in the worker, after the fork, and opens its engine at the
first request, so no file descriptor or index reader is shared between workers (a shared
descriptor shares its read offset). Workers see a re-index at their next request, as one process
does; a worker that dies is replaced by gunicorn's arbiter. gunicorn's request-line limit would
refuse a valid 2,000-character query (percent-encoded, up to 18,000 bytes), so it is off: the
worker bounds a request's line and headers together at 1 MB, and the app's query limit decides
(400 with a JSON error). Slow clients (headers a byte a second, or never closing their end) cost
a worker sockets, not threads, and requests gunicorn refuses itself get the app's JSON errors
(web/worker.py).

A worker killed mid-request (`kill -9`, the out-of-memory killer) cannot answer: the kernel
closes its connections (kept-alive ones too), so its clients see the connection closed (before
the status line, or short of the `Content-Length` every answer carries), never a hang and never
a partial answer that looks whole; a GET may be sent again. The arbiter forks a replacement
within a second or two and the other workers answer meanwhile.

`/api/search` answers carry `X-Index-Generation`, the commit the results were read from.
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from search.cli import Parser, add_index_option, index_location, port_number, positive_int
from search.errors import SearchError
from web import create_app
from web.engine import EngineHolder

MAX_HEADER_BYTES = 32 * 1024
MAX_BODY_BYTES = 1024 * 1024  # a backstop: the app refuses bodies over MAX_REQUEST_BYTES itself
CHANNEL_TIMEOUT_SECONDS = 30
WORKER_SILENCE_SECONDS = 60  # a worker whose main loop is silent this long is replaced
COLLECTOR_THRESHOLDS = (10_000, 10, 10)  # a serving process's (CPython's default: 700, 10, 10)
STOP_SECONDS = 10  # how long workers may finish their requests when the server stops


def describe(holder: EngineHolder) -> str:
    """One line about the index being served (or why there is none yet)."""
    try:
        engine = holder.get()
    except SearchError as error:
        return f"no usable index yet: {error.message}"
    return f"{engine.health()['documents']} articles in {engine.backend.location}"


def default_workers() -> int:
    """One worker process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def serve_main(argv: list[str]) -> int:
    """`search serve [--host H] [--port P] [--workers N] [--threads N] [--index DIR]` (registered
    with the command line in pyproject.toml): serve the web app and API until interrupted."""
    parser = Parser(prog="search serve")
    add_index_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=positive_int, default=default_workers(),
                        help=f"worker processes (default: one per core, here {default_workers()})")
    parser.add_argument("--threads", type=positive_int, default=4,
                        help="threads per worker process (default 4)")
    parser.add_argument("--base-url", type=base_url, default=None,
                        help="the address readers reach the app at (behind a proxy), for the links "
                             "feeds and exports carry (default: the address each request came to)")
    args = parser.parse_args(argv)
    backend, location = index_location(args)
    serve(location, args.host, args.port, args.threads, backend, workers=args.workers, base_url=args.base_url)
    return 0


def base_url(text: str) -> str:
    """An http(s) address with a host and no query (`https://news.example.org/archive`)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"expected an http(s) address such as https://news.example.org, "
                                         f"got {text!r}")
    return text.strip().rstrip("/")


def serve(location: Path | str, host: str, port: int, threads: int, backend: str | None = None,
          workers: int = 1, base_url: str | None = None) -> None:
    """Run the server in the foreground until interrupted."""
    check_listenable(host, port)
    app = create_app(location, backend, BASE_URL=base_url)
    print(f"serving {describe(app.extensions['search_engine'])} at http://{host}:{port}/ "
          f"({workers} worker{'s' if workers != 1 else ''} x {threads} threads)", file=sys.stderr)
    if hasattr(os, "fork"):
        del app  # each worker makes its own, after the fork
        serve_with_gunicorn(location, backend, host, port, workers, threads, base_url)
    else:
        serve_with_waitress(app, host, port, threads)


def check_listenable(host: str, port: int) -> None:
    """A one-line error now when the address cannot be listened on (in use, not ours)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise SearchError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def serve_with_gunicorn(location: Path | str, backend: str | None, host: str, port: int,
                        workers: int, threads: int, base_url: str | None = None) -> None:
    """gunicorn's arbiter and `workers` threaded workers of `threads` threads each (see the
    module's docstring), until interrupted."""
    from gunicorn.app.base import BaseApplication

    from web.worker import AppWorker

    class Server(BaseApplication):
        """gunicorn with our settings, the app made in each worker (after the fork)."""

        def load_config(self) -> None:
            settings = {
                "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
                "workers": workers, "worker_class": AppWorker, "threads": threads,
                "limit_request_line": 0, "limit_request_field_size": MAX_HEADER_BYTES,
                "keepalive": CHANNEL_TIMEOUT_SECONDS, "timeout": WORKER_SILENCE_SECONDS,
                "graceful_timeout": STOP_SECONDS, "loglevel": "warning", "proc_name": "news-search",
            }
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self):
            app = create_app(location, backend, BASE_URL=base_url)
            collect_less()
            return app

    try:
        Server().run()
    except SystemExit as stopped:  # the arbiter exits when it cannot listen, having said why
        if stopped.code:
            raise SearchError(f"cannot serve on {host}:{port} (see the message above)") from None


def collect_less() -> None:
    """Let a serving process's garbage collector run less often, over fewer objects: a search
    makes and drops thousands of containers, so at CPython's default thresholds the collector
    keeps walking the objects a worker holds for its life (modules, the app, the engine's
    caches). About 7% of a search's CPU (1,500 distinct Reuters searches in one process, 10.3-10.5
    against 11.2-12.6 ms each); cyclic garbage is still collected, in larger batches."""
    gc.collect()
    gc.freeze()  # what the process holds now is never walked again
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def serve_with_waitress(app, host: str, port: int, threads: int) -> None:
    import waitress

    collect_less()
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="news-search",
                       max_request_body_size=MAX_BODY_BYTES, max_request_header_size=MAX_HEADER_BYTES,
                       channel_timeout=CHANNEL_TIMEOUT_SECONDS, _quiet=True)
    except OSError as error:
        raise SearchError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
