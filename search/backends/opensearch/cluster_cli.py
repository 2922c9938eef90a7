"""`search cluster start|stop|status`: the project's local OpenSearch cluster from the command line.

    search cluster start [--nodes 3] [--http-port 9201] [--transport-port 9301] [--host 127.0.0.1]
                         [--heap 512m] [--data-dir DIR] [--wait SECONDS]
    search cluster stop [--wipe] [--data-dir DIR]
    search cluster status [--json] [--data-dir DIR]

A second `start` while the cluster runs says so and exits 0 (so `make cluster` can be run
twice). Errors are one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from search.backends.opensearch import cluster
from search.backends.opensearch.errors import ClusterError, ClusterRunning
from search.cli import EXIT_USAGE, Parser, UsageError, one_line, port_number, positive_int, seconds


def cluster_parser() -> Parser:
    parser = Parser(prog="search cluster", description="The project's local OpenSearch cluster.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    start = commands.add_parser("start", help="start the cluster and wait for green")
    start.add_argument("--nodes", type=positive_int, default=3, help="nodes, one JVM each (default 3)")
    start.add_argument("--http-port", type=port_number, default=9201,
                       help="HTTP port of node 1 (default 9201)")
    start.add_argument("--transport-port", type=port_number, default=9301,
                       help="transport port of node 1 (default 9301)")
    start.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    start.add_argument("--heap", default="512m", help="heap of each JVM (default 512m)")
    start.add_argument("--wait", type=seconds, default=cluster.DEFAULT_WAIT_SECONDS,
                       help="seconds to wait for green (default 300; 0: do not wait)")
    stop = commands.add_parser("stop", help="stop the nodes this project started")
    stop.add_argument("--wipe", action="store_true", help="also delete the data and logs")
    status = commands.add_parser("status", help="nodes, health, shards and document counts")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    for command in (start, stop, status):
        command.add_argument("--data-dir", type=Path, default=cluster.DEFAULT_DATA_DIR,
                             help="data and logs (default build/opensearch-cluster)")
    return parser


def cluster_main(argv: list[str]) -> int:
    """Run one `search cluster` command line; errors are one line on stderr, exit code 2."""
    try:
        args = cluster_parser().parse_args(argv)
        return {"start": run_start, "stop": run_stop, "status": run_status}[args.command](args)
    except (UsageError, ClusterError) as error:
        print(f"search cluster: {one_line(getattr(error, 'message', str(error)))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def run_start(args: argparse.Namespace) -> int:
    try:
        started = cluster.start(args.nodes, args.http_port, args.transport_port, args.host, args.heap,
                                args.data_dir, args.wait, report=lambda line: print(line, flush=True))
    except ClusterRunning as running:
        print(running.message)
        return 0
    state = "green" if args.wait else "starting"
    print(f"OpenSearch cluster {state}: {', '.join(started.launched)} started; {started.url}")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    stopped = cluster.stop(args.wipe, args.data_dir)
    print(f"stopped {', '.join(stopped)}" if stopped else f"no node was running from {args.data_dir}")
    if args.wipe:
        print(f"deleted {args.data_dir}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    report = cluster.status(args.data_dir)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("\n".join(status_lines(report)))
    return 0


def status_lines(report: dict) -> list[str]:
    """The status as a person reads it: one line for the cluster, one per node and per index."""
    if not report["running"]:
        return [f"no cluster is running from {report['data_dir']}"]
    if "error" in report:
        return [f"cluster at {report['url']}: {report['error']}"]
    shards = report["shards"]
    lines = [f"cluster {report['url']}: {report['health']}, {report['number_of_nodes']} nodes joined, "
             f"{report['documents']} documents",
             f"shards: {shards['active']} active ({shards['active_primary']} primary), "
             f"{shards['relocating']} relocating, {shards['initializing']} initializing, "
             f"{shards['unassigned']} unassigned"]
    for node in report["nodes"]:
        role = " cluster-manager" if node.get("cluster_manager") else ""
        state = f"PID {node['pid']}, {node['rss_mb']} MB resident" if node["pid"] else "stopped"
        lines.append(f"  {node['name']} {node['url']}: {state}{role}")
    for index in report["indices"]:
        lines.append(f"  index {index['name']}: {index['health']}, {index['primaries']} primaries x "
                     f"{index['replicas']} replicas, {index['documents']} documents")
    return lines
