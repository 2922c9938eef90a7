"""Where the OpenSearch backend keeps an index: a cluster's address, the alias readers search, the
versioned index behind it, and the index's state and writer lock in a small index of their own.

A location is the cluster's URL with the alias as its path (`http://127.0.0.1:9201/news`; no
path: DEFAULT_ALIAS). Credentials never travel in it: they come from SEARCH_OPENSEARCH_USER and
SEARCH_OPENSEARCH_PASSWORD (or SEARCH_OPENSEARCH_PASSWORD_FILE), and a location holding any is
refused. TLS certificates are verified (SEARCH_OPENSEARCH_CA_CERTS names a CA bundle). Every
message shows the URL without credentials.

The documents live in `<alias>-v<format>-<fingerprint>-<time>`, which the alias points at; a
rebuild writes a new one and swaps the alias in one request. `<alias>-state` holds the state
(search/state.py) with a generation that each checkpoint raises (readers compare it to see a new
commit), and the writer's lock (created only if absent, with its owner and a heartbeat), so two
machines pointed at one cluster agree.
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from search.errors import (
    REBUILD_HINT,
    BackendUnavailable,
    IndexIncompatible,
    IndexMissing,
    InvalidParameter,
    SearchError,
)
from search.processes import start_ticks
from search.settings import SETTINGS
from search.state import IndexState
from search.tables import fingerprint, is_current_analysis

NODE_DROPPED_MARKS = ("] disconnected", "node_not_connected", "NodeNotConnectedException",
                      "NodeDisconnectedException")  # in the reason of a request a leaving node failed
NODE_DROPPED_PAUSE = 0.2  # seconds before the one retry of a request a leaving node failed
FORMAT_VERSION = 3  # of this backend's documents and mapping (3: the vocabulary indexed for the suggester)
DEFAULT_URL = "http://127.0.0.1:9201"  # the project's cluster (`search cluster start`)
DEFAULT_ALIAS = "news"
OLDEST_SUPPORTED, NEWEST_MAJOR = (2, 13), 3  # 2.13 first scores named queries (feedback asks it)
STATE_DOC, LOCK_DOC, UNFINISHED_DOC = "state", "lock", "unfinished"
ALIAS_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,100}$")
REQUEST_SECONDS = 30.0  # an indexing run's or a check's request
READ_SECONDS = 2 * SETTINGS.time_budget_seconds  # a search's: a hung cluster holds no worker longer
USER_VARIABLE, PASSWORD_VARIABLE = "SEARCH_OPENSEARCH_USER", "SEARCH_OPENSEARCH_PASSWORD"
PASSWORD_FILE_VARIABLE, CA_VARIABLE = "SEARCH_OPENSEARCH_PASSWORD_FILE", "SEARCH_OPENSEARCH_CA_CERTS"


@dataclass(frozen=True)
class Address:
    """A cluster's base URL (no credentials, no path) and the alias an index is searched by."""

    url: str
    alias: str

    @classmethod
    def parse(cls, location: str | Path | None) -> Address:
        """The address a location names (see the module's docstring); a clear error otherwise."""
        text = str(location or DEFAULT_URL).strip()
        parts = urllib.parse.urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameter(f"an OpenSearch location is a URL such as {DEFAULT_URL}/{DEFAULT_ALIAS}, "
                                   f"got {redact(text)!r}")
        if parts.username or parts.password:
            raise InvalidParameter(f"credentials do not go in the URL: set {USER_VARIABLE} and "
                                   f"{PASSWORD_VARIABLE} (or {PASSWORD_FILE_VARIABLE})")
        alias = parts.path.strip("/") or DEFAULT_ALIAS
        if not ALIAS_NAME.match(alias):
            raise InvalidParameter(f"an index name is lowercase letters, digits, '-' and '_', got {alias!r}")
        port = f":{parts.port}" if parts.port else ""
        return cls(f"{parts.scheme}://{parts.hostname}{port}", alias)

    @property
    def state_index(self) -> str:
        return f"{self.alias}-state"

    def new_index_name(self) -> str:
        """A fresh versioned name for the documents (format, analysis fingerprint, time)."""
        return f"{self.alias}-v{FORMAT_VERSION}-{fingerprint()}-{time.time_ns() // 1_000_000}"

    def __str__(self) -> str:
        return f"{self.url}/{self.alias}"


def redact(text: str) -> str:
    """A URL with any user and password replaced by `***`."""
    return re.sub(r"(?<=://)[^/@\s]*@", "***@", text)


def credentials() -> tuple[str, str] | None:
    """The user and password from the environment (a file for the password, if named)."""
    user = os.environ.get(USER_VARIABLE)
    if not user:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    password_file = os.environ.get(PASSWORD_FILE_VARIABLE)
    if password is None and password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise InvalidParameter(f"cannot read {PASSWORD_FILE_VARIABLE} ({error.strerror})") from None
    return user, password or ""


def connect(address: Address, timeout: float = REQUEST_SECONDS):
    """A client of the cluster whose requests give up after `timeout` seconds (then the cluster
    is unavailable), its version checked (`GET /`): a refusal for one we do not support."""
    from opensearchpy import OpenSearch  # imported only when this backend is used

    options: dict = {"timeout": timeout, "http_compress": False}
    auth = credentials()
    if auth:
        options["http_auth"] = auth
    if address.url.startswith("https:"):
        options.update(use_ssl=True, verify_certs=True, ssl_show_warn=False)
        if os.environ.get(CA_VARIABLE):
            options["ca_certs"] = os.environ[CA_VARIABLE]
    client = OpenSearch([address.url], **options)
    info = call(address, client.info)
    version = info.get("version", {})
    number = str(version.get("number", "?"))
    if version.get("distribution") != "opensearch" or not supported(number):
        oldest = ".".join(map(str, OLDEST_SUPPORTED))
        raise BackendUnavailable(f"{address.url} runs {version.get('distribution', 'a server')} {number}; "
                                 f"this backend supports OpenSearch {oldest} to {NEWEST_MAJOR}.x")
    return client


def supported(number: str) -> bool:
    """Whether an OpenSearch version (`2.19.1`, `3.0.0-beta1`) is one this backend works with."""
    parts = [int(part) if part.isdigit() else -1 for part in number.split("-")[0].split(".")[:2]]
    if len(parts) < 2 or -1 in parts:
        return False
    return tuple(parts) >= OLDEST_SUPPORTED and parts[0] <= NEWEST_MAJOR


def call(address: Address, request, *args, **kwargs):
    """One request to the cluster, its failures said as ours: unreachable, refused credentials or
    a failing cluster are BackendUnavailable (503), a query the cluster refuses is InvalidParameter
    (400); a missing index or document (NotFoundError) reaches the caller, who knows what it means.
    A request refused or failed because a node left while serving it (status 400 or 500), or a
    search that failed on every shard with no cause of its own, is tried once more (then 503)."""
    from opensearchpy.exceptions import (
        AuthenticationException,
        AuthorizationException,
        ConnectionError,
        NotFoundError,
        RequestError,
        TransportError,
    )

    try:
        try:
            return request(*args, **kwargs)
        except TransportError as error:  # a refusal (400) or a failure (5xx); not a connection's
            if isinstance(error, ConnectionError) or not (node_dropped(error) or shards_failed_over(error)):
                raise
            time.sleep(NODE_DROPPED_PAUSE)  # a node left mid-request: the copies on the others answer
            return request(*args, **kwargs)
    except ConnectionError:
        raise BackendUnavailable(f"the OpenSearch cluster at {address.url} cannot be reached; "
                                 f"is it running (`search cluster start`)?") from None
    except (AuthenticationException, AuthorizationException) as error:
        raise BackendUnavailable(f"the OpenSearch cluster at {address.url} refused us ({error.status_code}); "
                                 f"check {USER_VARIABLE} and {PASSWORD_VARIABLE}") from None
    except NotFoundError:
        raise
    except RequestError as error:
        if node_dropped(error):
            raise BackendUnavailable(f"the OpenSearch cluster at {address.url} lost a node while answering "
                                     f"({reason_of(error)}); try again later") from None
        raise refused(reason_of(error)) from None
    except TransportError as error:
        raise BackendUnavailable(f"the OpenSearch cluster at {address.url} failed to answer "
                                 f"({error.status_code}: {reason_of(error)}); try again later") from None


def node_dropped(error) -> bool:
    """Whether a refused request failed because a node left the cluster while serving it (OpenSearch
    answers some such failures, a fetch phase whose node disconnected, with status 400)."""
    reason = reason_of(error)
    return any(mark in reason for mark in NODE_DROPPED_MARKS)


def shards_failed_over(error) -> bool:
    """Whether a search failed on every shard with no cause of its own (`all shards failed`, 5xx,
    no root cause): as `_msearch` answers while a killed node's shard copies are promoted (one
    in CI's data-node kill came back 500), so it is asked again once, as `msearch` does."""
    details = error_details(error)
    status = error.status_code if isinstance(error.status_code, int) else 0
    kind = details.get("type") or error.error
    return status >= 500 and kind == "search_phase_execution_exception" and not details.get("root_cause")


def error_details(error) -> dict:
    """The `error` object of an OpenSearch error's body (empty when it has none)."""
    info = error.info if isinstance(error.info, dict) else {}
    return info["error"] if isinstance(info.get("error"), dict) else {}


def reason_of(error) -> str:
    """The first root cause an OpenSearch error gives, in one line."""
    causes = error_details(error).get("root_cause")
    reason = causes[0].get("reason") if causes else error.error
    return " ".join(str(reason).split())[:300]


def refused(reason: str) -> InvalidParameter:
    """A query the cluster refused, said as a bad request."""
    return InvalidParameter(f"the OpenSearch cluster refused this query: {reason}")


def search_failure(address: Address, answer: dict) -> SearchError:
    """One failed search of an `_msearch`, as ours: a node lost or shards failing (a 5xx status,
    a dropped node) is unavailable (503), as `call` says it; any other a refused query (400)."""
    error = answer["error"]
    reason = (error.get("root_cause") or [error])[0].get("reason") or str(error) \
        if isinstance(error, dict) else str(error)
    if answer.get("status", 500) >= 500 or any(mark in reason for mark in NODE_DROPPED_MARKS):
        return BackendUnavailable(f"the OpenSearch cluster at {address.url} failed to answer ({reason}); "
                                  "try again later")
    return refused(reason)


def read_state(client, address: Address) -> tuple[IndexState, int] | None:
    """The index's state and generation (None: no index by this alias)."""
    from opensearchpy.exceptions import NotFoundError

    try:
        found = call(address, client.get, index=address.state_index, id=STATE_DOC)
    except NotFoundError:
        return None
    source = found["_source"]
    return IndexState.from_dict(source["state"]), int(source["generation"])


def write_state(client, address: Address, state: IndexState, generation: int) -> None:
    """Keep the state with a generation (refreshed at once: readers look for it)."""
    state.updated = time.time()
    call(address, client.index, index=address.state_index, id=STATE_DOC, refresh=True,
         body={"state": state.as_dict(), "generation": generation})


def alias_target(client, address: Address) -> str | None:
    """The index the alias points at (None: no such alias)."""
    from opensearchpy.exceptions import NotFoundError

    try:
        found = call(address, client.indices.get_alias, name=address.alias)
    except NotFoundError:
        return None
    return next(iter(found), None)


def checked_state(client, address: Address) -> tuple[IndexState, int]:
    """The state of an index this code can read; IndexMissing or IndexIncompatible otherwise."""
    found = read_state(client, address)
    if found is None or alias_target(client, address) is None:
        raise IndexMissing(f"no index called {address.alias!r} at {address.url}; "
                           f"run `search index --backend opensearch <folder>` first")
    state, generation = found
    if state.format != FORMAT_VERSION or not is_current_analysis(state.tables):
        raise IndexIncompatible(f"the index {address.alias!r} at {address.url} was built by another "
                                f"version of this program; {REBUILD_HINT}")
    return state, generation


def owner() -> str:
    """Who holds a lock: this machine, process and the process's start (`host:pid:start`; the
    start tells a later process given the same number apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{start_ticks(os.getpid())}"


def owner_is_gone(holder: str) -> bool:
    """Whether a lock's holder was a process of this machine that has ended (its number free or
    taken by a process that started later); False for another machine's or when unsure."""
    host, _, rest = holder.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or start_ticks(os.getpid()) is None:
        return False
    now = start_ticks(int(pid))
    return now is None or (start.isdigit() and now != int(start))
