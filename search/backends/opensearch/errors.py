"""Errors of the project's OpenSearch cluster, each a message meant for a person."""

from __future__ import annotations

from search.errors import SearchError


class ClusterError(SearchError):
    """The cluster cannot be started, stopped or read as asked."""

    code = "cluster_error"
    status = 503


class ClusterRunning(ClusterError):
    """A cluster already runs from the data folder that `start` was given."""

    code = "cluster_running"
