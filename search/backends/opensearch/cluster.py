"""The project's own OpenSearch cluster: start, stop, inspect, and break one node on purpose.

One JVM per node, each an OpenSearch 2.19 node started by the Java launcher (launcher_build.py
builds it), bound to a loopback address only: the cluster has no authentication. A data folder
(default build/opensearch-cluster/, git-ignored) holds the plan (cluster.json: host, heap,
ports) and one folder per node (config, data, logs, node.pid). `stop` kills only processes
whose command line names the launcher and that node's folder, so a stale PID file can never
hit another program.

HTTP calls use urllib, not opensearch-py, so that this module (and `search cluster`) imports
with the standard library alone; the backend itself talks through opensearch-py.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from search.backends.opensearch.errors import ClusterError, ClusterRunning
from search.backends.opensearch.launcher_build import (
    MAIN_CLASS,
    PROJECT_ROOT,
    java_executable,
    launcher_classpath,
)
from search.backends.opensearch.mapping import EMBEDDED_BM25_PLUGIN

CLUSTER_NAME = "news-search"
DEFAULT_DATA_DIR = PROJECT_ROOT / "build" / "opensearch-cluster"
PLAN_FILE = "cluster.json"
PID_FILE = "node.pid"
DEFAULT_WAIT_SECONDS = 300.0
STOP_SECONDS = 60.0
POLL_SECONDS = 0.5
PORT_RELEASE_SECONDS = 30.0

# The modules the engine relies on: short name -> the plugin class the launcher loads.
MODULES = {
    "transport-netty4": "org.opensearch.transport.Netty4Plugin",
    "analysis-common": "org.opensearch.analysis.common.CommonAnalysisPlugin",
    "lang-painless": "org.opensearch.painless.PainlessPlugin",
    "mapper-extras": "org.opensearch.index.mapper.MapperExtrasPlugin",
    "reindex": "org.opensearch.index.reindex.ReindexPlugin",
    "parent-join": "org.opensearch.join.ParentJoinPlugin",
    "embedded-bm25": EMBEDDED_BM25_PLUGIN,
}

# Free space below which OpenSearch stops placing shards, moves them away, blocks writes. Absolute
# and small, so a development disk with a few GB free still takes shards; not "off", so a full
# disk still stops writes before it corrupts anything.
DISK_WATERMARKS = {"low": "500mb", "high": "300mb", "flood_stage": "200mb"}

# What bin/opensearch would add (its jvm.options and system options), less what a distribution needs.
JVM_OPTIONS = (
    "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-XX:-OmitStackTraceInFastThrow", "-Xss1m",
    "-Dfile.encoding=UTF-8", "-Djava.awt.headless=true", "-Djava.locale.providers=SPI,COMPAT",
    "-Dio.netty.noUnsafe=true", "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0", "-Dio.netty.allocator.numDirectArenas=0",
    # The launcher closes log4j itself once the node is closed; log4j's own hook would close it first.
    "-Dlog4j.shutdownHookEnabled=false", "-Dlog4j2.disable.jmx=true", "-Dlog4j2.formatMsgNoLookups=true",
)
HEAP = re.compile(r"^([1-9][0-9]*)([mg])$")
MIN_HEAP_MB = 128

# The nodes this process started: PID -> (process, node folder). Their liveness comes from the
# process object, which also reaps them: /proc can show a JVM's command line empty in the first
# milliseconds (the java launcher may exec itself again).
_children: dict[int, tuple[subprocess.Popen, Path]] = {}


@dataclass(frozen=True)
class NodeSpec:
    """One node of the plan: its name and ports."""

    name: str
    http_port: int
    transport_port: int


@dataclass(frozen=True)
class Plan:
    """What a data folder's cluster is: written at start, read by stop, status and restart."""

    host: str
    heap: str
    nodes: tuple[NodeSpec, ...]

    @classmethod
    def make(cls, nodes: int, http_base: int, transport_base: int, host: str, heap: str) -> Plan:
        specs = tuple(NodeSpec(f"node-{i + 1}", http_base + i, transport_base + i) for i in range(nodes))
        return cls(host, heap, specs)

    @classmethod
    def load(cls, data_dir: Path) -> Plan | None:
        path = data_dir / PLAN_FILE
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(raw["host"], raw["heap"], tuple(NodeSpec(**node) for node in raw["nodes"]))

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / PLAN_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


@dataclass
class NodeHandle:
    """A node of a running cluster as the tests and the CLI see it."""

    index: int
    name: str
    home: Path
    http_port: int
    transport_port: int
    url: str

    @property
    def pid(self) -> int | None:
        """The PID of this node's JVM, or None when it is not running."""
        return running_pid(self.home)


@dataclass
class Cluster:
    """A handle on the cluster of one data folder; every method re-reads the folder."""

    data_dir: Path
    plan: Plan
    launched: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[NodeHandle]:
        return [NodeHandle(i, spec.name, node_home(self.data_dir, spec), spec.http_port, spec.transport_port,
                           http_url(self.plan.host, spec.http_port))
                for i, spec in enumerate(self.plan.nodes)]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """The HTTP address of the first node that runs (node-1's when none does)."""
        return next((node.url for node in self.nodes if node.pid), self.urls[0])

    def manager_index(self) -> int:
        """Which node is the elected cluster-manager now."""
        name = get_json(self.url, "/_cat/cluster_manager?format=json&h=node")[0]["node"]
        return next(node.index for node in self.nodes if node.name == name)

    def kill_node(self, index: int) -> int:
        return kill_node(index, self.data_dir)

    def restart_node(self, index: int, wait: float = DEFAULT_WAIT_SECONDS) -> int:
        return restart_node(index, self.data_dir, wait)

    def status(self) -> dict:
        return status(self.data_dir)

    def stop(self, wipe: bool = False) -> list[str]:
        return stop(wipe, self.data_dir)


# --- starting -------------------------------------------------------------------------------------


def start(nodes: int = 3, http_base: int = 9201, transport_base: int = 9301, host: str = "127.0.0.1",
          heap: str = "512m", data_dir: Path | str = DEFAULT_DATA_DIR,
          wait: float = DEFAULT_WAIT_SECONDS, report: Callable[[str], None] = lambda line: None) -> Cluster:
    """Start the cluster of `data_dir` and wait for green (`wait` seconds; 0: do not wait or check).

    A fresh folder is bootstrapped with explicit discovery settings; an existing one restarts
    without them. Raises ClusterRunning when every node already runs (nodes found stopped are
    started again), ClusterError for anything that stops the start (a non-loopback host, a port
    in use, a failed build, a node that dies, a missing module, no green in time). `report`
    is told of the slow steps, for a person watching.
    """
    data_dir = Path(data_dir).resolve()
    host = loopback_host(host)
    requested = validated_plan(nodes, http_base, transport_base, host, heap)
    plan = Plan.load(data_dir) or requested
    cluster = Cluster(data_dir, plan)
    stopped = [node for node in cluster.nodes if not node.pid]
    if not stopped:
        raise ClusterRunning(f"the cluster is already running: {len(plan.nodes)} nodes at {cluster.url} "
                             f"(data in {data_dir})")
    if len(stopped) == len(plan.nodes):
        plan = adopt_plan(data_dir, requested)
        cluster = Cluster(data_dir, plan)
        stopped = cluster.nodes
    check_ports_free(plan.host, stopped)
    bootstrap = is_fresh(data_dir, plan)
    classpath = launcher_classpath(report)
    report(f"starting {', '.join(node.name for node in stopped)} from {data_dir}")
    try:
        for node in stopped:
            write_node_config(data_dir, plan, node.index, bootstrap)
            launch(node, plan, classpath)
            cluster.launched.append(node.name)
        if wait:
            wait_for_health(cluster, stopped, wait, ready_status(plan))
            check_modules(cluster.url)
    except BaseException:  # a failed or interrupted start leaves no JVM of its own behind
        stop_nodes(stopped)
        raise
    return cluster


def loopback_host(host: str) -> str:
    """`host` as an address, refused unless it is a loopback one: the cluster has no authentication."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ClusterError(f"expected a loopback address such as 127.0.0.1, got {host!r}") from None
    if not address.is_loopback:
        raise ClusterError(f"refusing to bind the cluster to {host}: it has no authentication, so it listens "
                           f"on a loopback address only (127.0.0.1 or ::1)")
    return str(address)


def validated_plan(nodes: int, http_base: int, transport_base: int, host: str, heap: str) -> Plan:
    """The plan asked for, or ClusterError naming the first value that cannot work."""
    if nodes < 1:
        raise ClusterError(f"a cluster needs at least one node, got {nodes}")
    match = HEAP.match(heap)
    if not match or int(match[1]) * (1024 if match[2] == "g" else 1) < MIN_HEAP_MB:
        raise ClusterError(f"expected a heap such as 512m or 1g (at least {MIN_HEAP_MB}m), got {heap!r}")
    plan = Plan.make(nodes, http_base, transport_base, host, heap)
    ports = [port for spec in plan.nodes for port in (spec.http_port, spec.transport_port)]
    if min(ports) < 1024 or max(ports) > 65535:
        raise ClusterError(f"ports {http_base}+ and {transport_base}+ for {nodes} nodes leave 1024-65535")
    if len(set(ports)) != len(ports):
        raise ClusterError(f"the HTTP ports ({http_base}+) and transport ports ({transport_base}+) overlap")
    return plan


def adopt_plan(data_dir: Path, requested: Plan) -> Plan:
    """The plan for a full start: the one asked for, unless the folder's cluster has other nodes."""
    saved = Plan.load(data_dir)
    if saved and has_data(data_dir, saved) and len(saved.nodes) != len(requested.nodes):
        raise ClusterError(f"{data_dir} holds a {len(saved.nodes)}-node cluster; start it with "
                           f"{len(saved.nodes)} nodes, or wipe it first (search cluster stop --wipe)")
    requested.save(data_dir)
    return requested


def check_ports_free(host: str, nodes: list[NodeHandle]) -> None:
    """ClusterError naming the first port some other program listens on."""
    for node in nodes:
        for kind, port in (("HTTP", node.http_port), ("transport", node.transport_port)):
            if not port_free(host, port):
                raise ClusterError(f"{node.name}'s {kind} port {port} on {host} is in use by another program")


def wait_ports_free(host: str, nodes: list[NodeHandle], seconds: float) -> None:
    """check_ports_free, given `seconds` for the ports of a node just killed to be released (the
    kernel may hold them while its connections close)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check_ports_free(host, nodes)
        except ClusterError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(POLL_SECONDS)


def port_free(host: str, port: int) -> bool:
    """Whether a listener could bind `port` (with SO_REUSEADDR, as OpenSearch binds)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def node_home(data_dir: Path, spec: NodeSpec) -> Path:
    return data_dir / spec.name


def has_data(data_dir: Path, plan: Plan) -> bool:
    """Whether any node of the plan has written cluster state (it has joined a cluster once)."""
    return any((node_home(data_dir, spec) / "data" / "nodes").exists() for spec in plan.nodes)


def is_fresh(data_dir: Path, plan: Plan) -> bool:
    """A fresh cluster is bootstrapped; one that has data must not be (it would form a second cluster)."""
    return not has_data(data_dir, plan)


def write_node_config(data_dir: Path, plan: Plan, index: int, bootstrap: bool) -> Path:
    """Write NODE/config/opensearch.yml for node `index` (JSON values are valid YAML)."""
    spec = plan.nodes[index]
    home = node_home(data_dir, spec)
    settings = {
        "cluster.name": CLUSTER_NAME,
        "node.name": spec.name,
        "node.roles": ["cluster_manager", "data", "ingest"],
        "node.processors": 1,
        "path.data": str(home / "data"),
        "path.logs": str(home / "logs"),
        "network.host": plan.host,
        "http.port": spec.http_port,
        "transport.port": spec.transport_port,
        "discovery.seed_hosts": [host_port(plan.host, other.transport_port) for other in plan.nodes],
        "bootstrap.memory_lock": False,
    }
    for level, free_space in DISK_WATERMARKS.items():
        settings[f"cluster.routing.allocation.disk.watermark.{level}"] = free_space
    if bootstrap:
        settings["cluster.initial_cluster_manager_nodes"] = [other.name for other in plan.nodes]
    config = home / "config" / "opensearch.yml"
    config.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}: {json.dumps(value)}" for key, value in settings.items()]
    config.write_text("# Written by search/backends/opensearch/cluster.py at each start.\n"
                      + "\n".join(lines) + "\n", encoding="utf-8")
    return config


def java_command(node: NodeHandle, plan: Plan, classpath: str) -> list[str]:
    """The command line of one node's JVM; it names the launcher and the node's folder (see is_our_node)."""
    heap_mb = int(HEAP.match(plan.heap)[1]) * (1024 if plan.heap.endswith("g") else 1)
    return [java_executable(), f"-Xms{plan.heap}", f"-Xmx{plan.heap}",
            f"-XX:MaxDirectMemorySize={heap_mb // 2}m", *JVM_OPTIONS, f"-Djava.io.tmpdir={node.home / 'tmp'}",
            f"-XX:ErrorFile={node.home / 'logs' / 'hs_err_pid%p.log'}",
            "-cp", classpath, MAIN_CLASS, str(node.home), *MODULES.values()]


def launch(node: NodeHandle, plan: Plan, classpath: str) -> int:
    """Start one node's JVM in its own session (it outlives this process) and record its PID."""
    for folder in ("logs", "tmp"):
        (node.home / folder).mkdir(parents=True, exist_ok=True)
    with (node.home / "logs" / "stdout.log").open("ab") as output:
        process = subprocess.Popen(java_command(node, plan, classpath), cwd=node.home,
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _children[process.pid] = (process, node.home)
    (node.home / PID_FILE).write_text(f"{process.pid}\n", encoding="utf-8")
    return process.pid


def ready_status(plan: Plan) -> str:
    """Green, except on one node: no replica can be placed there, so yellow is the best it gets."""
    return "green" if len(plan.nodes) > 1 else "yellow"


def wait_for_health(cluster: Cluster, watched: list[NodeHandle], wait: float, status: str = "green") -> dict:
    """Poll until the cluster has all its nodes and `status`, as each watched node itself answers
    (a node just killed may still be counted by the others for a while, so their answer alone
    could come before the restarted node is up); ClusterError if a watched node dies first."""
    deadline = time.monotonic() + wait
    wanted = len(cluster.plan.nodes)
    last = "no node answered"
    while time.monotonic() < deadline:
        for node in watched:
            if not node.pid:
                raise ClusterError(f"{node.name} stopped while starting: {last_words(node.home)}")
        try:
            query = f"wait_for_status={status}&wait_for_nodes={wanted}&timeout=1s"
            answers = [get_json(url, f"/_cluster/health?{query}", accept_timeout=True)
                       for url in [node.url for node in watched] or [cluster.url]]
        except ClusterError as error:
            last = error.message
        else:
            health = answers[-1]
            last = f"{health['status']} with {health['number_of_nodes']} of {wanted} nodes"
            if not any(answer.get("timed_out") for answer in answers):
                return health
        time.sleep(POLL_SECONDS)
    raise ClusterError(f"the cluster was not {status} with {wanted} nodes after {wait:.0f} s ({last}); "
                       f"logs in {cluster.data_dir}/node-*/logs")


def missing_modules(url: str, required: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Per node name, the required modules (short names) that `_nodes/plugins` does not list."""
    required = MODULES if required is None else required
    answer = get_json(url, "/_nodes/plugins?filter_path=nodes.*.name,nodes.*.plugins.name")
    missing = {}
    for node in answer.get("nodes", {}).values():
        loaded = {plugin["name"] for plugin in node.get("plugins", [])}
        lacking = [short for short, cls in required.items() if cls not in loaded]
        if lacking:
            missing[node["name"]] = lacking
    return missing


def check_modules(url: str, required: dict[str, str] | None = None) -> None:
    """ClusterError in one line when any node lacks a module the engine relies on."""
    missing = missing_modules(url, required)
    if missing:
        detail = "; ".join(f"{name} lacks {', '.join(shorts)}" for name, shorts in sorted(missing.items()))
        raise ClusterError(f"refusing the cluster: OpenSearch modules did not load ({detail}); "
                           f"the launcher's class path misses their jars")


def last_words(home: Path) -> str:
    """The most telling line a dead node left: its last ERROR, else the last line of its output."""
    logs = home / "logs"
    for path in (*sorted(logs.glob("node-*.log")), logs / "stdout.log"):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
        errors = [line for line in lines if "ERROR" in line or "Exception" in line]
        if errors:
            return errors[-1][:300]
    output = logs / "stdout.log"
    text = output.read_text(encoding="utf-8", errors="replace") if output.is_file() else ""
    tail = text.strip().splitlines()
    return (tail[-1][:300] if tail else "no output") + f" (see {logs})"


# --- processes ------------------------------------------------------------------------------------


def read_pid(home: Path) -> int | None:
    try:
        return int((home / PID_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def running_pid(home: Path) -> int | None:
    """The recorded PID of the node in `home` if that process is still this node's JVM."""
    pid = read_pid(home)
    return pid if pid and is_our_node(pid, home) else None


def is_our_node(pid: int, home: Path) -> bool:
    """True when `pid` is alive (not a zombie) and its command line is the launcher of `home`."""
    if pid in _children:
        process, launched_home = _children[pid]
        if process.poll() is None:
            return launched_home == home
        del _children[pid]
        return False
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and MAIN_CLASS.encode() in arguments and str(home).encode() in arguments


def wait_gone(pid: int, home: Path, seconds: float) -> bool:
    """Wait up to `seconds` for the node's process to end; True when it has."""
    deadline = time.monotonic() + seconds
    while is_our_node(pid, home):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def signal_node(node: NodeHandle, signum: int) -> int | None:
    """Send `signum` to the node's JVM if it runs; its PID, or None."""
    pid = node.pid
    if pid:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return None
    return pid


def stop_nodes(nodes: list[NodeHandle], seconds: float = STOP_SECONDS) -> list[str]:
    """SIGTERM every node (each closes cleanly), SIGKILL what still runs after `seconds`."""
    signalled = [(node, pid) for node in nodes if (pid := signal_node(node, signal.SIGTERM))]
    deadline = time.monotonic() + seconds
    for node, pid in signalled:
        if not wait_gone(pid, node.home, max(0.0, deadline - time.monotonic())):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(pid, node.home, 10)
    for node in nodes:
        (node.home / PID_FILE).unlink(missing_ok=True)
    return [node.name for node, _ in signalled]


# --- the other commands ---------------------------------------------------------------------------


def require_cluster(data_dir: Path | str) -> Cluster:
    data_dir = Path(data_dir).resolve()
    plan = Plan.load(data_dir)
    if plan is None:
        raise ClusterError(f"no cluster has been started from {data_dir}")
    return Cluster(data_dir, plan)


def stop(wipe: bool = False, data_dir: Path | str = DEFAULT_DATA_DIR) -> list[str]:
    """Stop the nodes started from `data_dir` (the names stopped); `wipe` then deletes the folder."""
    data_dir = Path(data_dir).resolve()
    plan = Plan.load(data_dir)
    stopped = stop_nodes(Cluster(data_dir, plan).nodes) if plan else []
    if wipe and data_dir.exists():
        if plan is None:
            raise ClusterError(f"not deleting {data_dir}: without {PLAN_FILE} it is not a cluster's folder")
        shutil.rmtree(data_dir)
    return stopped


def kill_node(index: int, data_dir: Path | str = DEFAULT_DATA_DIR) -> int:
    """kill -9 node `index` (0-based), as a crash would; its PID. The node's data stays."""
    node = node_at(require_cluster(data_dir), index)
    pid = signal_node(node, signal.SIGKILL)
    if not pid:
        raise ClusterError(f"{node.name} is not running")
    if not wait_gone(pid, node.home, 30):
        raise ClusterError(f"{node.name} (PID {pid}) survived SIGKILL for 30 s")
    return pid


def restart_node(index: int, data_dir: Path | str = DEFAULT_DATA_DIR,
                 wait: float = DEFAULT_WAIT_SECONDS) -> int:
    """Start node `index` again on its existing data and wait until the cluster is green; its PID."""
    cluster = require_cluster(data_dir)
    node = node_at(cluster, index)
    if node.pid:
        raise ClusterError(f"{node.name} is already running (PID {node.pid})")
    wait_ports_free(cluster.plan.host, [node], PORT_RELEASE_SECONDS)
    classpath = launcher_classpath()
    write_node_config(cluster.data_dir, cluster.plan, index, bootstrap=False)
    pid = launch(node, cluster.plan, classpath)
    if wait:
        wait_for_health(cluster, [node], wait, ready_status(cluster.plan))
    return pid


def node_at(cluster: Cluster, index: int) -> NodeHandle:
    nodes = cluster.nodes
    if not 0 <= index < len(nodes):
        raise ClusterError(f"the cluster has nodes 0 to {len(nodes) - 1}, not {index}")
    return nodes[index]


def status(data_dir: Path | str = DEFAULT_DATA_DIR) -> dict:
    """Nodes, health, shards and document counts of the cluster of `data_dir`, as plain data."""
    data_dir = Path(data_dir).resolve()
    plan = Plan.load(data_dir)
    if plan is None:
        return {"running": False, "data_dir": str(data_dir), "nodes": []}
    cluster = Cluster(data_dir, plan)
    nodes = [node_status(node) for node in cluster.nodes]
    report = {"running": any(node["pid"] for node in nodes), "data_dir": str(data_dir), "url": cluster.url,
              "nodes": nodes}
    if report["running"]:
        try:
            report.update(cluster_figures(cluster.url, nodes))
        except ClusterError as error:
            report["error"] = error.message
    return report


def node_status(node: NodeHandle) -> dict:
    pid = node.pid
    return {"name": node.name, "pid": pid, "url": node.url, "transport_port": node.transport_port,
            "rss_mb": resident_mb(pid) if pid else None}


def cluster_figures(url: str, nodes: list[dict]) -> dict:
    """Health, shard counts and indices from the node at `url`; marks the elected cluster-manager."""
    health = get_json(url, "/_cluster/health")
    rows = get_json(url, "/_cat/nodes?format=json&h=name,cluster_manager,heap.percent")
    joined = {row["name"]: row for row in rows}
    for node in nodes:
        row = joined.get(node["name"])
        node["joined"] = row is not None
        node["cluster_manager"] = bool(row and row["cluster_manager"] == "*")
        node["heap_percent"] = int(row["heap.percent"]) if row and row["heap.percent"] else None
    rows = get_json(url, "/_cat/indices?format=json&bytes=b&h=index,health,pri,rep,docs.count,store.size")
    indices = [{"name": row["index"], "health": row["health"], "primaries": int(row["pri"]),
                "replicas": int(row["rep"]), "documents": int(row["docs.count"] or 0),
                "store_bytes": int(row["store.size"] or 0)} for row in sorted(rows, key=lambda r: r["index"])]
    shards = {key: health[f"{key}_shards"] for key in
              ("active_primary", "active", "relocating", "initializing", "unassigned")}
    return {"health": health["status"], "number_of_nodes": health["number_of_nodes"], "shards": shards,
            "indices": indices, "documents": sum(index["documents"] for index in indices)}


def resident_mb(pid: int) -> int | None:
    """The resident memory of a process in MB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


# --- HTTP -----------------------------------------------------------------------------------------


def http_url(host: str, port: int) -> str:
    return f"http://{host_port(host, port)}"


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def get_json(url: str, path: str, timeout: float = 10.0, accept_timeout: bool = False):
    """GET url+path as JSON; a 408 from a health wait is an answer when `accept_timeout`."""
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if accept_timeout and error.code == 408:
            return json.load(error)
        raise ClusterError(f"{url}{path} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ClusterError(f"{url} did not answer: {reason}") from None
