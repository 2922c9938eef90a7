"""The web layer: a Flask app that translates HTTP into engine calls.

`create_app` builds it; the `api` blueprint serves JSON, the `pages` blueprint
server-rendered HTML and the `feed` blueprint Atom feeds, from the same engine calls.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from search.backends import index_location
from search.settings import SETTINGS
from web import api, errors, feed, pages, security, timing
from web.engine import EngineHolder

MAX_REQUEST_BYTES = SETTINGS.max_request_bytes


def create_app(index_dir: Path | str | None = None, backend: str | None = None, **config) -> Flask:
    """The app serving the index at `index_dir` in `backend` (defaults: search.backends.index_location:
    $SEARCH_BACKEND, $SEARCH_INDEX or ./index, $SEARCH_OPENSEARCH_URL)."""
    backend, location = index_location(backend, index_dir)
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(location),
        BASE_URL=None,  # the address readers reach the app at, for links read elsewhere (web/links.py)
        BACKEND=backend,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["search_engine"] = EngineHolder(app.config["INDEX_DIR"], app.config["BACKEND"])
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(feed.blueprint)
    errors.register(app)
    security.register(app)
    timing.register(app)
    return app
