"""How long the server worked on each response, in its `Server-Timing` header (a standard one
browsers' developer tools show): `app` the wall-clock milliseconds from the request's arrival in
the app to its answer, `cpu` the CPU milliseconds its thread spent. A worker's threads share one
interpreter, so under load `app` grows with its neighbours' work while `cpu` says what this
request itself cost (the tests of issue 22's request bounds read it)."""

from __future__ import annotations

import time

from flask import Flask, Response, g


def register(app: Flask) -> None:
    """Time every request of `app` and state it in its response."""

    @app.before_request
    def start_clock() -> None:
        g.started = (time.perf_counter(), time.thread_time())

    @app.after_request
    def state_time(response: Response) -> Response:
        started = g.get("started")
        if started is not None:
            wall, cpu = time.perf_counter() - started[0], time.thread_time() - started[1]
            response.headers["Server-Timing"] = f"app;dur={wall * 1000:.1f}, cpu;dur={cpu * 1000:.1f}"
        return response
