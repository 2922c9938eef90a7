"""The backends an engine can search, by name: the one place that knows each backend's module.

Nothing outside a backend's own package imports from it but this registry; a backend's module
is imported only when that backend is opened.
"""

from __future__ import annotations

from importlib import import_module

from search.backends.base import Backend
from search.errors import InvalidParameter

BACKENDS = {"whoosh": "search.backends.whoosh.backend:WhooshBackend"}
DEFAULT_BACKEND = "whoosh"


def open_backend(name: str, location, **options) -> Backend:
    """The backend called `name`, over the index at `location` (a folder, a cluster's address)."""
    if name not in BACKENDS:
        raise InvalidParameter(f"unknown backend {name!r}; known: {', '.join(sorted(BACKENDS))}")
    module, _, attribute = BACKENDS[name].partition(":")
    return getattr(import_module(module), attribute)(location, **options)
