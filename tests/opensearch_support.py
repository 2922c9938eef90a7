"""The test session's OpenSearch cluster: a pytest plugin (conftest.py lists it in pytest_plugins).

`opensearch_cluster` starts one 3-node cluster on free ports the first time a test asks for it,
and stops it when the session ends, whether tests failed or not (the fixture's teardown, and
atexit should the session be cut short). The start builds the Java launcher with Maven when it
is missing. The time the start took is printed in pytest's closing summary.
"""

from __future__ import annotations

import atexit
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends.opensearch import cluster as cluster_control

NODES = 3
RUNNING_CLUSTER = "SEARCH_TEST_CLUSTER"  # a running cluster's data folder to use instead (for development)
PORT_RANGE = (20000, 60000)
TIMINGS: dict[str, float] = {}


def free_port_block(count: int, host: str = "127.0.0.1", avoid: frozenset[int] = frozenset()) -> int:
    """The first of `count` consecutive ports that nothing listens on (and none in `avoid`)."""
    generator = random.Random()
    for _ in range(200):
        base = generator.randrange(*PORT_RANGE)
        block = range(base, base + count)
        if not avoid.intersection(block) and all(cluster_control.port_free(host, port) for port in block):
            return base
    raise RuntimeError(f"no {count} consecutive free ports found on {host}")


def start_cluster_on_free_ports(data_dir: Path, nodes: int) -> cluster_control.Cluster:
    """A cluster of `nodes` in `data_dir` on free HTTP and transport ports, green and checked."""
    http_base = free_port_block(nodes)
    transport_base = free_port_block(nodes, avoid=frozenset(range(http_base, http_base + nodes)))
    return cluster_control.start(nodes=nodes, http_base=http_base, transport_base=transport_base,
                                 data_dir=data_dir)


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory) -> Iterator[cluster_control.Cluster]:
    """The session's 3-node cluster (`.url`, `.urls`, `.nodes`, `.kill_node(i)`, `.restart_node(i)`):
    started for the session, or with SEARCH_TEST_CLUSTER the one running from that folder (left
    running; `search cluster start` starts one)."""
    if os.environ.get(RUNNING_CLUSTER):
        yield cluster_control.require_cluster(os.environ[RUNNING_CLUSTER])
        return
    data_dir = tmp_path_factory.mktemp("opensearch-cluster")
    started = time.monotonic()
    try:
        cluster = start_cluster_on_free_ports(data_dir, NODES)
    except cluster_control.ClusterError as error:
        pytest.fail(f"the OpenSearch cluster did not start: {error.message}", pytrace=False)
    TIMINGS["cluster start"] = time.monotonic() - started
    atexit.register(cluster.stop)
    try:
        yield cluster
    finally:
        cluster.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    """The cluster's start-up time, when a test started it, and how the conformance suite went on
    each backend (engine-level tests run once per backend: `[whoosh]`, `[opensearch]` in their ids)."""
    for name, seconds in TIMINGS.items():
        terminalreporter.write_line(f"opensearch: {name} took {seconds:.1f} s")
    for backend in ("whoosh", "opensearch"):
        counts = {outcome: sum(1 for report in terminalreporter.stats.get(outcome, [])
                               if f"[{backend}" in getattr(report, "nodeid", ""))
                  for outcome in ("passed", "failed", "skipped", "xfailed")}
        if any(counts.values()):
            shown = ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)
            terminalreporter.write_line(f"conformance on {backend}: {shown}")
