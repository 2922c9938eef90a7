"""The backends an engine can search, by name: the one place that knows each backend's module.

Nothing outside a backend's own package imports from it but this registry; a backend's module
is imported only when that backend is opened.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from search.errors import InvalidParameter
from search.settings import SETTINGS

if TYPE_CHECKING:  # the protocol's types, imported with a backend (the CLI's help needs only names)
    from search.backends.base import Backend, IndexSink

BACKENDS = {"whoosh": "search.backends.whoosh.backend:WhooshBackend",
            "opensearch": "search.backends.opensearch.backend:OpenSearchBackend"}
SINKS = {
    "whoosh": "search.backends.whoosh.sink:open_sink",
    "opensearch": "search.backends.opensearch.sink:open_sink",
}
CHECKS = {  # `search check`: each backend's reading of its whole index
    "whoosh": "search.backends.whoosh.check:check_index",
    "opensearch": "search.backends.opensearch.check:check_index",
}
DEFAULT_BACKEND = "whoosh"
# Where each backend's index is when none is given: (environment variable, default) in SETTINGS,
# and whether the location is a folder.
LOCATIONS = {"whoosh": ("index_env", "default_index", True),
             "opensearch": ("opensearch_url_env", "default_opensearch_url", False)}


def index_location(backend: str | None = None, location: Path | str | None = None) -> tuple[str, Path | str]:
    """The backend and the index's location a command uses: as given, else the environment's
    (SEARCH_BACKEND, and SEARCH_INDEX or SEARCH_OPENSEARCH_URL), else the defaults."""
    name = backend or os.environ.get(SETTINGS.backend_env) or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise InvalidParameter(f"unknown backend {name!r}; known: {', '.join(sorted(BACKENDS))}")
    env, default, is_folder = LOCATIONS[name]
    found = location or os.environ.get(getattr(SETTINGS, env)) or getattr(SETTINGS, default)
    return name, Path(found) if is_folder else str(found)


def open_backend(name: str, location, **options) -> Backend:
    """The backend called `name`, over the index at `location` (a folder, a cluster's address)."""
    return _load(BACKENDS, name)(location, **options)


def open_sink(name: str, location, **options) -> IndexSink:
    """Where an indexing run writes to the backend called `name` (search/indexer.py)."""
    return _load(SINKS, name)(location, **options)


def check_index(name: str, location, progress=None) -> list[str]:
    """What is damaged in the index at `location` (nothing: it reads whole)."""
    return _load(CHECKS, name)(location, progress)


def _load(table: dict[str, str], name: str):
    if name not in table:
        raise InvalidParameter(f"unknown backend {name!r}; known: {', '.join(sorted(table))}")
    module, _, attribute = table[name].partition(":")
    return getattr(import_module(module), attribute)
