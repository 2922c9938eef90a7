"""A bounded HTTP load test of `search serve` on loopback (issue 7), and the search throughput of issue 6.

    .venv/bin/python bench/load.py --index INDEX --queries LOG.tsv [--clients 16] [--seconds 30] \
        [--mix search=6,suggest=3,article=1] [--out OUT.json]
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 ...    # an already running server

Without `--url` it starts `search serve --index INDEX --host 127.0.0.1 --port N` on a free port,
waits for `GET /api/health`, runs the load, and stops the server it started. Each client is a
process of its own (so clients do not queue behind one interpreter's lock, and their CPU is
measured) with its own keep-alive connection that sends requests back to back until the time is up:
`/api/search?q=` with a query of the log, `/api/suggest?q=` with the first letters of one of its
words, `/api/articles/<id>` with an id from the index. Any answer but 200 with a JSON body is an
error; a connection that fails (refused, reset, closed early, timed out) is a dropped connection
and is reopened. Exit status 1 when there was any error or drop, so a test can run a short smoke
version: `load.py --index INDEX --queries LOG --clients 4 --seconds 3`. With `--distinct` each
client takes its own share of the log in order and stops when it runs out, so no query is sent
twice in a run (a response cache could not inflate the figure).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import resource
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from timing import latency_summary

HEALTH_WAIT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0
DEFAULT_MIX = "search=6,suggest=3,article=1"


@dataclass
class Tally:
    """What one client saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    samples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(what)


@dataclass
class Workload:
    """Where requests go and what they ask."""

    host: str
    port: int
    queries: list[str]
    ids: list[str]
    mix: dict[str, int]
    distinct: bool = False

    def request(self, rng: random.Random, own: Iterator[str] | None = None) -> tuple[str, str] | None:
        """The next request, or None when the client's own queries ran out."""
        kind = rng.choices(list(self.mix), list(self.mix.values()))[0]
        if kind == "article" and self.ids:
            return kind, f"/api/articles/{urllib.parse.quote(rng.choice(self.ids))}"
        text = next(own, None) if own is not None else rng.choice(self.queries)
        if text is None:
            return None
        if kind == "suggest":
            word = rng.choice(text.replace('"', " ").split() or ["a"])
            return kind, f"/api/suggest?q={urllib.parse.quote(word[:rng.randint(2, 4)])}"
        return "search", f"/api/search?q={urllib.parse.quote(text)}"


class Connection(http.client.HTTPConnection):
    """A keep-alive connection that sends each request at once (no Nagle delay)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def client(work: Workload, seed: int, deadline: float, tally: Tally,
           own: Iterator[str] | None = None) -> None:
    """Send requests back to back on one keep-alive connection until the deadline (or until the
    client's own queries ran out)."""
    rng = random.Random(seed)
    connection = None
    while time.perf_counter() < deadline:
        found = work.request(rng, own)
        if found is None:
            break
        kind, path = found
        if connection is None:
            connection = Connection(work.host, work.port, timeout=REQUEST_TIMEOUT_SECONDS)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.dropped += 1
            tally.error(f"{kind}: dropped: {type(error).__name__}: {error}"[:200])
            connection.close()
            connection = None
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            tally.error(f"{kind}: HTTP {response.status} for {path[:80]}")
        else:
            try:
                json.loads(body)
            except ValueError:
                tally.error(f"{kind}: not JSON for {path[:80]}")
            else:
                tally.latencies.setdefault(kind, []).append(elapsed)
        if response.getheader("connection", "").lower() == "close":
            connection.close()
            connection = None
    if connection is not None:
        connection.close()


def client_process(work: Workload, number: int, clients: int, seed: int,
                   deadline: float) -> tuple[Tally, float]:
    """One client in a process of its own: what it saw, and when it stopped."""
    tally = Tally()
    own = iter(work.queries[number::clients]) if work.distinct else None
    client(work, seed * 1000 + number, deadline, tally, own)
    return tally, time.perf_counter()


def run_load(host: str, port: int, queries: Sequence[str], ids: Sequence[str], clients: int,
             seconds: float, mix: dict[str, int], seed: int = 1, distinct: bool = False) -> dict:
    """`clients` processes for `seconds`; throughput, latency percentiles, errors, drops and the
    clients' own CPU."""
    work = Workload(host, port, list(queries), list(ids), mix, distinct)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    deadline = started + seconds
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        finished = pool.starmap(client_process, [(work, i, clients, seed, deadline) for i in range(clients)],
                                chunksize=1)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tallies = [tally for tally, _ in finished]
    wall = max(stopped for _, stopped in finished) - started
    client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    every = [ms for t in tallies for values in t.latencies.values() for ms in values]

    def summary(values: list[float]) -> dict:
        found = latency_summary(values)
        return {("requests" if k == "queries" else k): v for k, v in found.items() if k != "qps"}

    kinds = sorted({k for t in tallies for k in t.latencies})
    errors: dict[str, int] = {}
    for tally in tallies:
        for what, count in tally.errors.items():
            key = what.split(":", 1)[0]
            errors[key] = errors.get(key, 0) + count
    return {
        "clients": clients, "seconds": wall, "mix": mix, "distinct_queries": distinct,
        "client_cpu_seconds": round(client_cpu, 2),
        "requests_ok": len(every), "throughput_rps": len(every) / wall if wall else 0.0,
        **summary(every),
        "by_kind": {k: summary([ms for t in tallies for ms in t.latencies.get(k, [])]) for k in kinds},
        "errors": sum(errors.values()), "errors_by_kind": errors,
        "dropped": sum(t.dropped for t in tallies),
        "error_samples": [s for t in tallies for s in t.samples][:10],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`search serve` in a child process of ours, up until `stop()`."""

    def __init__(self, index: Path, log: Path):
        self.port = free_port()
        command = Path(sys.executable).with_name("search")
        argv = [str(command), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(self.port)]
        self.log = log.open("ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    def wait_healthy(self) -> str | None:
        """None once `/api/health` answers 200, else why the server is not there."""
        deadline = time.perf_counter() + HEALTH_WAIT_SECONDS
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                return f"`search serve` exited with code {self.proc.returncode}"
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/api/health")
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return None
            except OSError:
                pass
            time.sleep(0.25)
        return f"`search serve` did not answer /api/health within {HEALTH_WAIT_SECONDS:.0f} s"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def index_ids(index: Path, limit: int = 5000) -> list[str]:
    """Some article ids the index holds (every n-th, in id order)."""
    from search.engine import Engine

    reader = Engine(index).view().searcher.reader()  # the embedded backend's index
    ids = sorted(value for value in reader.field_terms("id"))
    step = max(len(ids) // limit, 1)
    return [value if isinstance(value, str) else value.decode() for value in ids[::step]]


def parse_mix(text: str) -> dict[str, int]:
    mix = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name.strip() not in ("search", "suggest", "article"):
            raise argparse.ArgumentTypeError(f"unknown request kind {name!r}")
        mix[name.strip()] = int(weight or 1)
    return mix


def serve_and_load(index: Path, queries: Sequence[str], clients: int, seconds: float, mix: dict[str, int],
                   log: Path, distinct: bool = False) -> dict:
    """Start `search serve` on the index, run the load, stop it; `{"skipped": why}` if it cannot
    start. Adds the server's processes and their memory (PSS: shared pages counted once)."""
    server = Server(index, log)
    try:
        problem = server.wait_healthy()
        if problem:
            return {"skipped": problem}
        ids = index_ids(index) if "article" in mix else []
        report = run_load("127.0.0.1", server.port, queries, ids, clients, seconds, mix, distinct=distinct)
        return {**report, **server_memory(server.proc.pid)}
    finally:
        server.stop()


def server_memory(pid: int) -> dict:
    """The server's processes (arbiter and workers) and their memory together."""
    import psutil

    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    infos = [process.memory_full_info() for process in processes]
    return {"server_processes": len(processes), "server_pss_bytes": sum(info.pss for info in infos),
            "server_rss_bytes": sum(info.rss for info in infos)}


def main() -> int:
    from querylog import read_log

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--url", help="load an already running server instead of starting one")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--mix", type=parse_mix, default=parse_mix(DEFAULT_MIX))
    parser.add_argument("--log", type=Path, default=Path("serve.log"))
    parser.add_argument("--distinct", action="store_true",
                        help="each client sends its own share of the log once, in order")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    queries = [text for _, text in read_log(args.queries)]
    if args.url:
        url = urllib.parse.urlsplit(args.url)
        ids = index_ids(args.index) if "article" in args.mix else []
        report = run_load(url.hostname or "127.0.0.1", url.port or 80, queries, ids, args.clients,
                          args.seconds, args.mix, distinct=args.distinct)
    else:
        report = serve_and_load(args.index, queries, args.clients, args.seconds, args.mix, args.log,
                                distinct=args.distinct)
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text if not args.out else f"wrote {args.out}")
    return 1 if report.get("skipped") or report.get("errors") or report.get("dropped") else 0


if __name__ == "__main__":
    sys.exit(main())
