"""The app's one engine, opened when first needed (and again once an index appears), and the page
of results both the pages and the API show."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, g

from search.engine import Engine
from search.errors import BackendUnavailable, IndexIncompatible, IndexMissing
from web.params import SearchParams


class EngineHolder:
    """Opens the engine lazily, so the server starts before the index exists."""

    def __init__(self, location: Path | str, backend: str):
        self.location, self.backend = location, backend
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        """The open engine; raises the engine's typed error while there is no usable index."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = Engine(self.location, backend=self.backend)
        return self._engine


def current_engine() -> Engine:
    """The engine of the app handling this request."""
    return current_app.extensions["search_engine"].get()


def search_page(params: SearchParams) -> dict:
    """One page of results with facets: the search response plus `page` and `size`. The commit
    it was read from is kept for the request (`g.index_generation`: the API's header)."""
    found = current_engine().search_response(params.request(facets=True))
    g.index_generation = found.generation
    return {**found.as_dict(), "page": params.page, "size": params.size}


def index_overview() -> dict | None:
    """What the index holds, for the home page (`Engine.stats`, kept per commit); None while
    there is no usable index, so the home page still offers the search box."""
    try:
        return current_engine().stats()
    except (IndexMissing, IndexIncompatible, BackendUnavailable):
        return None
