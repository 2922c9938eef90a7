"""Headers every response carries, so that a page never runs what an article smuggles in.

Article text is escaped where it is shown; these are the second wall: scripts and styles only
from this server (no inline script exists to allow), no plugins, no framing by another site
(clickjacking), no guessing of content types, and no query sent on to an outlet in the
`Referer` of a link to an original article.
"""

from __future__ import annotations

from flask import Flask, Response

HEADERS = {
    "Content-Security-Policy": "; ".join((
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'")),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def register(app: Flask) -> None:
    """Add HEADERS to every response of `app` (a header a view set itself is kept)."""

    @app.after_request
    def protect(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
