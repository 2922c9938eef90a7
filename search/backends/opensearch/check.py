"""`search check` for the OpenSearch backend: the cluster checks its own files (Lucene verifies
each segment's checksum as it opens it), so what is asked here is whether every shard of the index
is assigned and started, and every document can be counted. A shard still being copied (a replica
initializing after a build, or moving) is waited for a while before it counts as a problem."""

from __future__ import annotations

import time
from collections.abc import Callable

from search.backends.opensearch.store import Address, alias_target, call, checked_state, connect
from search.errors import IndexMissing, SearchError

SETTLING_STATES = {"INITIALIZING", "RELOCATING"}  # a copy under way, not a fault
SETTLE_SECONDS = 30.0  # how long a check waits for them


def check_index(location, progress: Callable[[int], None] | None = None) -> list[str]:
    """What is wrong with the index at `location` (nothing: every shard answers)."""
    address = Address.parse(location)
    client = connect(address)
    try:
        checked_state(client, address)
    except SearchError as error:
        return [error.message]
    index = alias_target(client, address)
    if index is None:
        raise IndexMissing(f"no index called {address.alias!r} at {address.url}")
    problems = []
    for shard in settled_shards(address, client, index):
        if shard.get("state") != "STARTED":
            kind = "primary" if shard.get("prirep") == "p" else "replica"
            state = str(shard.get("state", "unknown")).lower()
            problems.append(f"{kind} shard {shard.get('shard')} of {index} is {state}")
    count = call(address, client.count, index=index)["count"]
    if progress:
        progress(int(count))
    return problems


def settled_shards(address: Address, client, index: str) -> list[dict]:
    """The index's shards once none is being copied, or as they are after SETTLE_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        shards = call(address, client.cat.shards, index=index, format="json")
        if not any(shard.get("state") in SETTLING_STATES for shard in shards) or time.monotonic() > deadline:
            return shards
        time.sleep(0.5)
