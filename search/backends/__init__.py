"""The backends an engine can search, by name: the one place that knows each backend's module.

Nothing outside a backend's own package imports from it but this registry; a backend's module
is imported only when that backend is opened.
"""

from __future__ import annotations

from importlib import import_module

from search.backends.base import Backend, IndexSink
from search.errors import InvalidParameter

BACKENDS = {"whoosh": "search.backends.whoosh.backend:WhooshBackend"}
SINKS = {"whoosh": "search.backends.whoosh.sink:open_sink"}
DEFAULT_BACKEND = "whoosh"


def open_backend(name: str, location, **options) -> Backend:
    """The backend called `name`, over the index at `location` (a folder, a cluster's address)."""
    return _load(BACKENDS, name)(location, **options)


def open_sink(name: str, location, **options) -> IndexSink:
    """Where an indexing run writes to the backend called `name` (search/indexer.py)."""
    return _load(SINKS, name)(location, **options)


def _load(table: dict[str, str], name: str):
    if name not in table:
        raise InvalidParameter(f"unknown backend {name!r}; known: {', '.join(sorted(table))}")
    module, _, attribute = table[name].partition(":")
    return getattr(import_module(module), attribute)
