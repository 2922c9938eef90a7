"""Absolute links to the app's own pages, for what is read away from it (feeds, exports)."""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The address of a page of this app: under the configured BASE_URL (`search serve
    --base-url`: the address readers reach the app at, behind a proxy), else the request's host."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
