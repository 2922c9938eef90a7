"""The engine's typed errors: the only exceptions callers need to handle.

Each carries a message meant for a person and a stable `code`; the CLI turns
them into one line on stderr and exit code 2, the web layer into JSON. A failure of the index
comes in one of three kinds: damage or an older format says to rebuild (`IndexIncompatible`);
a backend that cannot be reached or fails for now says to try again (`BackendUnavailable`);
anything else is a bug, raised as it is, for the log and the tests to see.
"""

from __future__ import annotations

REBUILD_HINT = "run `search index --rebuild`"


class SearchError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"
    status = 400
    retry_after_seconds: int | None = None  # when trying again later may succeed

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidParameter(SearchError):
    """An option or value the caller gave is not valid."""

    code = "invalid_parameter"


class IndexMissing(SearchError):
    """There is no index where one was expected."""

    code = "no_index"
    status = 503


VARIANTS_DIFFER = "--variants differ from the ones this index was built with"  # add --rebuild, or --upgrade


class IndexIncompatible(SearchError):
    """The index exists but cannot be used as it is: rebuild it. `generation`: the commit whose
    files were being read, where the damage was met reading one."""

    code = "index_incompatible"
    status = 503

    def __init__(self, message: str, generation: int | None = None):
        super().__init__(message)
        self.generation = generation


class BackendUnavailable(SearchError):
    """The index's store cannot be reached or is failing for now (a cluster down, a disk that
    refuses reads): try again later; nothing to rebuild."""

    code = "backend_unavailable"
    status = 503
    retry_after_seconds = 5


class DiskFull(SearchError):
    """The disk (or the user's quota) filled up while indexing: the run's uncommitted files were
    removed and the index keeps its last commit."""

    code = "disk_full"
    status = 507


class IndexBusy(SearchError):
    """Another indexer holds the index's write lock."""

    code = "index_busy"
    status = 503


class NotFound(SearchError):
    """No document has the requested id."""

    code = "not_found"
    status = 404


class UnsupportedByBackend(SearchError):
    """The request asks for something this index's backend cannot do (its capabilities)."""

    code = "unsupported_by_backend"
