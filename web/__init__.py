"""The web layer: a Flask app that translates HTTP into engine calls.

`create_app` builds it; the `api` blueprint serves JSON, the `pages` blueprint
server-rendered HTML from the same engine calls.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from search.settings import SETTINGS
from web import api, errors, pages
from web.engine import EngineHolder

MAX_REQUEST_BYTES = SETTINGS.max_request_bytes


def create_app(index_dir: Path | str | None = None, **config) -> Flask:
    """The app serving the index at `index_dir` (default: $SEARCH_INDEX or ./index)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(index_dir or os.environ.get(SETTINGS.index_env) or SETTINGS.default_index),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["search_engine"] = EngineHolder(Path(app.config["INDEX_DIR"]))
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    errors.register(app)
    return app
