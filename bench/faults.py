"""The server under faults (issue 22 §7): clients searching while `search index --rebuild` runs and
while workers are killed, and every worker's memory under a long load.

    .venv/bin/python bench/faults.py                       # 16 clients x 30 s each, 10 minutes of memory
    .venv/bin/python bench/faults.py --scenarios rebuild --seconds 12 --docs-a 400 --docs-b 100 --no-report

Every scenario starts `search serve` (one worker per core) on a generated index of its own.

- rebuild: the clients search while `search index --rebuild` runs back to back, alternating two
  generated corpora (different articles and ids): every answer must be one corpus's whole answer to
  its query, the one its `X-Index-Generation` header names (no answer mixes two commits).
- kill: the clients search while a worker is killed (`kill -9`) at a third and at two thirds of
  the run: the arbiter must replace it, and the only errors allowed are connections the killed
  worker held, closed (at most one per client and kill).
- memory: the clients search for `--memory-minutes` while each worker's memory (USS, PSS) is
  sampled; the report gives each worker's first and last sample after a minute's warm-up.

Answers that are errors the API documents (503 with a JSON error) are counted apart. The figures
go to bench/work/faults.json and (unless --no-report) the "Server faults (§7)" section of
bench/RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from load import Server

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "faults"
REPORT = HERE / "RELIABILITY.md"
SECTION = "## Server faults (§7)"
GENERATION_HEADER = "X-Index-Generation"
QUERIES = ("harbour", "minister budget", "storm", "railway strike", "election", "harbour storm", "vaccine")
COMMON = ("minister", "budget", "harbour", "storm", "railway", "strike", "election", "vaccine", "council",
          "river", "market", "court", "festival", "bridge", "school", "police", "airport", "farmers")
REQUEST_TIMEOUT_SECONDS = 20  # an answer later than this is a hang, never a documented error
CLOSED = (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError, BrokenPipeError)
REPLACE_SECONDS = 30
AFTER_REBUILD_SECONDS = 3


# --- corpora --------------------------------------------------------------------------------

def write_corpus(path: Path, docs: int, seed: int) -> Path:
    """`docs` articles of common words among coined ones, ids prefixed by the seed (so two corpora
    share no article), as one JSON Lines file in the folder `path`."""
    rng = random.Random(seed)
    coined = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
              for _ in range(2000)]
    path.mkdir(parents=True, exist_ok=True)
    with (path / "articles.jsonl").open("w", encoding="utf-8") as out:
        for number in range(docs):
            words = [rng.choice(COMMON) if rng.random() < 0.15 else rng.choice(coined) for _ in range(60)]
            record = {"id": f"c{seed}-{number:05d}", "title": " ".join(words[:6]).capitalize(),
                      "text": " ".join(words[6:]) + ".", "date": f"2022-{1 + number % 12:02d}-01",
                      "source": "Fault Wire"}
            out.write(json.dumps(record) + "\n")
    return path


def index_command(corpus: Path, index: Path, rebuild: bool = False) -> list[str]:
    """The `search index` command line for `corpus` into `index`."""
    search = Path(sys.executable).with_name("search")
    return [str(search), "index", str(corpus), "--index", str(index), *(["--rebuild"] if rebuild else [])]


def build(corpus: Path, index: Path) -> None:
    """Index `corpus` into `index` (a new index), failing loudly."""
    subprocess.run(index_command(corpus, index), check=True, capture_output=True)


# --- the clients ----------------------------------------------------------------------------

@dataclass
class Tally:
    """What the clients got: each answer as (query, generation, shape), errors by kind; the
    clients stop at `deadline` (which a scenario may set later)."""

    deadline: float
    answers: list[tuple[str, int | None, tuple]] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, query: str, generation: int | None, shape: tuple) -> None:
        with self.lock:
            self.answers.append((query, generation, shape))

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


def shape_of(body: dict) -> tuple:
    """What must agree between two answers to one query from one commit."""
    return body["total"], body["all_words_total"], tuple(hit["id"] for hit in body["results"])


def ask(connection: http.client.HTTPConnection, query: str) -> tuple[int, int | None, dict]:
    """One search: status, the generation header (None when absent) and the JSON body."""
    connection.request("GET", "/api/search?" + urllib.parse.urlencode({"q": query, "size": 10}))
    response = connection.getresponse()
    body = json.loads(response.read())
    generation = response.getheader(GENERATION_HEADER)
    return response.status, int(generation) if generation is not None else None, body


def record(tally: Tally, query: str, status: int, generation: int | None, body: dict) -> None:
    """File one answer: a page of results, a documented 503, or an undocumented answer."""
    if status == 200 and generation is not None and not body.get("partial"):
        tally.answer(query, generation, shape_of(body))
    elif status == 200:
        tally.error("documented_partial" if body.get("partial") else "no_generation_header")
    elif status == 503 and "error" in body:
        tally.error(f"documented_503_{body['error'].get('code')}")
    else:
        tally.error(f"status_{status}")


def client(port: int, seed: int, tally: Tally) -> None:
    """Search on a kept-alive connection until the tally's deadline, opening a new one after an
    error."""
    rng = random.Random(seed)
    connection = None
    while time.monotonic() < tally.deadline:
        query = rng.choice(QUERIES)
        try:
            connection = connection or http.client.HTTPConnection("127.0.0.1", port,
                                                                   timeout=REQUEST_TIMEOUT_SECONDS)
            record(tally, query, *ask(connection, query))
        except TimeoutError:
            tally.error("hang")
        except CLOSED:
            tally.error("closed_by_killed_worker")
        except (OSError, http.client.HTTPException, ValueError) as error:
            tally.error(f"other_{type(error).__name__}")
        else:
            continue
        connection.close()
        connection = None


def run_clients(port: int, clients: int, seconds: float) -> tuple[Tally, list[threading.Thread]]:
    """Start `clients` client threads for `seconds`; the caller joins them."""
    tally = Tally(time.monotonic() + seconds)
    threads = [threading.Thread(target=client, args=(port, number, tally), daemon=True)
               for number in range(clients)]
    for thread in threads:
        thread.start()
    return tally, threads


def expected_answers(port: int) -> tuple[int, dict[str, tuple]]:
    """The server's generation and its answer to every query, asked while nothing else runs."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    answers, generations = {}, set()
    for query in QUERIES:
        status, generation, body = ask(connection, query)
        assert status == 200 and not body["partial"], (query, status, body)
        answers[query] = shape_of(body)
        generations.add(generation)
    connection.close()
    [generation] = generations
    return generation, answers


def mixed_answers(tally: Tally, expected: dict[str, dict[str, tuple]]) -> tuple[int, dict[int, str]]:
    """Answers that are no corpus's whole answer, or not the corpus the rest of their generation's
    answers are from; and the corpus each generation was seen holding."""
    holds: dict[int, Counter] = {}
    for query, generation, shape in tally.answers:
        corpora = [name for name, answers in expected.items() if answers[query] == shape]
        holds.setdefault(generation, Counter())[corpora[0] if len(corpora) == 1 else "?"] += 1
    mixed = 0
    for counts in holds.values():
        corpus, most = counts.most_common(1)[0]
        mixed += sum(counts.values()) - (most if corpus != "?" else 0)
    return mixed, {generation: counts.most_common(1)[0][0] for generation, counts in holds.items()}


# --- the server's workers -------------------------------------------------------------------

def workers_of(server: Server) -> set[int]:
    """The process ids of the server's workers (the arbiter's children)."""
    return {child.pid for child in psutil.Process(server.proc.pid).children()}


def wait_for_workers(server: Server, count: int, gone: set[int],
                     seconds: float = REPLACE_SECONDS) -> set[int]:
    """The workers once there are `count` of them and none is in `gone` (the last seen otherwise)."""
    deadline = time.monotonic() + seconds
    found = workers_of(server)
    while (len(found) != count or found & gone) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = workers_of(server)
    return found


def started(index: Path, log: Path) -> Server:
    """`search serve` on `index`, answering, with all its workers forked."""
    server = Server(index, log)
    problem = server.wait_healthy()
    if problem:
        server.stop()
        raise SystemExit(f"faults: {problem} (see {log})")
    wait_for_workers(server, len(os.sched_getaffinity(0)), set())
    return server


# --- scenarios ------------------------------------------------------------------------------

def rebuild_scenario(work: Path, args: argparse.Namespace) -> dict:
    """Load while `search index --rebuild` alternates the two corpora back to back."""
    corpora = {"a": write_corpus(work / "a", args.docs_a, 1), "b": write_corpus(work / "b", args.docs_b, 2)}
    index = work / "index-rebuild"
    build(corpora["a"], index)
    server = started(index, work / "serve-rebuild.log")
    try:
        first, expected_a = expected_answers(server.port)
        tally, threads = run_clients(server.port, args.clients, float("inf"))
        rebuilds = rebuild_until_joined(corpora, index, tally, threads, args.seconds)
        last, expected_last = expected_answers(server.port)
    finally:
        server.stop()
    expected = {"a": expected_a}
    if rebuilds["count"]:  # the last rebuild read b when their count is odd
        expected["b"] = expected_last if rebuilds["count"] % 2 else expected_b_of(corpora["b"], work)
    mixed, holding = mixed_answers(tally, expected)
    return {**summary(tally, args), **rebuilds, "mixed": mixed, "first_generation": first,
            "last_generation": last, "generations": {str(g): c for g, c in sorted(holding.items())}}


def expected_b_of(corpus: Path, work: Path) -> dict[str, tuple]:
    """Corpus b's answers from a server of its own (when the run ended on corpus a)."""
    index = work / "index-b"
    if not index.exists():
        build(corpus, index)
    server = started(index, work / "serve-b.log")
    try:
        return expected_answers(server.port)[1]
    finally:
        server.stop()


def rebuild_until_joined(corpora: dict[str, Path], index: Path, tally: Tally,
                         threads: list[threading.Thread], load_seconds: float) -> dict:
    """Run rebuilds (b, a, b, …) back to back from a second into the load until `load_seconds`
    have passed; the clients stop AFTER_REBUILD_SECONDS after the last one ends, having read
    what it moved in."""
    count, failed, seconds = 0, 0, []
    end = time.monotonic() + load_seconds
    time.sleep(1)
    while time.monotonic() < end:
        corpus = corpora["b" if count % 2 == 0 else "a"]
        began = time.monotonic()
        done = subprocess.run(index_command(corpus, index, rebuild=True), capture_output=True, text=True)
        seconds.append(round(time.monotonic() - began, 1))
        failed += done.returncode != 0
        count += 1
    tally.deadline = time.monotonic() + AFTER_REBUILD_SECONDS
    for thread in threads:
        thread.join()
    return {"count": count, "rebuilds_failed": failed, "rebuild_seconds": seconds}


def corpus_a_index(work: Path, args: argparse.Namespace) -> Path:
    """Corpus a's index, built the first time a scenario asks for it (kill and memory share it)."""
    index = work / "index-kill"
    if not index.exists():
        build(write_corpus(work / "a", args.docs_a, 1), index)
    return index


def kill_scenario(work: Path, args: argparse.Namespace) -> dict:
    """Load while one worker is killed at a third and another at two thirds of the run."""
    index = corpus_a_index(work, args)
    server = started(index, work / "serve-kill.log")
    try:
        generation, expected = expected_answers(server.port)
        tally, threads = run_clients(server.port, args.clients, args.seconds)
        kills = [kill_one_worker(server, args.seconds / 3) for _ in range(2)]
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    mixed, _ = mixed_answers(tally, {"a": expected})
    return {**summary(tally, args), "kills": kills, "mixed": mixed, "generation": generation}


def kill_one_worker(server: Server, after: float) -> dict:
    """Wait `after` seconds, `kill -9` the oldest worker, and time its replacement."""
    time.sleep(after)
    before = workers_of(server)
    victim = min(before, key=lambda pid: psutil.Process(pid).create_time())
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    now = wait_for_workers(server, len(before), {victim})
    replaced = len(now) == len(before) and victim not in now
    return {"replaced": replaced, "replaced_within_seconds": round(time.monotonic() - killed, 1)}


def memory_scenario(work: Path, args: argparse.Namespace) -> dict:
    """Load for `--memory-minutes` while every worker's memory is sampled every 10 seconds."""
    index = corpus_a_index(work, args)
    server = started(index, work / "serve-memory.log")
    try:
        tally, threads = run_clients(server.port, args.clients, args.memory_minutes * 60)
        samples = sample_memory(server, threads)
    finally:
        server.stop()
    return {**summary(tally, args), "workers": samples}


def sample_memory(server: Server, threads: list[threading.Thread], every: float = 10) -> dict:
    """Each worker's (seconds, USS, PSS) samples, until the client threads end."""
    began, samples = time.monotonic(), {}
    while any(thread.is_alive() for thread in threads):
        for pid in workers_of(server):
            info = psutil.Process(pid).memory_full_info()
            samples.setdefault(str(pid), []).append((round(time.monotonic() - began), info.uss, info.pss))
        time.sleep(every)
    return samples


def summary(tally: Tally, args: argparse.Namespace) -> dict:
    """The counts every scenario reports."""
    return {"clients": args.clients, "answers": len(tally.answers), "errors": dict(tally.errors)}


# --- the report -----------------------------------------------------------------------------

def memory_rows(workers: dict) -> list[str]:
    """One table row per worker: its memory after a minute's warm-up and at the end."""
    rows = []
    for pid, samples in workers.items():
        warm = [s for s in samples if s[0] >= 60] or samples
        first, last = warm[0], warm[-1]
        peak = max(s[1] for s in warm)
        rows.append(f"| {pid} | {first[0]} s: {megabytes(first[1])} | {last[0]} s: {megabytes(last[1])} "
                    f"| {megabytes(peak)} | {(last[1] - first[1]) / 2**20:+.1f} MB |")
    return rows


def megabytes(size: int) -> str:
    """A size in whole megabytes."""
    return f"{size / 2**20:.0f} MB"


DECISIONS = """\
What is decided and checked (web/server.py's docstring; tests/test_server_faults.py runs a short
version of each scenario in `make test`):

- Workers are gunicorn's threaded workers (`gthread`, `--threads` per worker), adapted to wait for
  slow clients in their event loop (web/worker.py): a request's head is read there before a thread
  takes it, and a finished connection is drained there. Clients that send their headers a byte a
  second, stop half-way or never close cost a worker sockets, not threads (tests/test_server.py);
  a head not whole in 30 s is closed, one over 1 MB refused (414 or 431). Left to a proxy's
  per-client limits: over 1,000 connections per worker that each send a byte stop it accepting
  until their heads expire.
- A worker killed mid-request cannot answer; its clients (in flight or on a kept-alive connection)
  see the connection closed: no status line, or a body short of its `Content-Length`, within
  seconds, never a hang. That is the one documented error of a kill (`closed_by_killed_worker`, at
  most one per client and kill); a GET may be sent again. The arbiter replaces the worker.
- Every `/api/search` answer names the commit it was read from (`X-Index-Generation`). An answer
  "mixes generations" when it is not one corpus's whole answer (total, all-words total, ids of the
  page) or not the corpus the other answers of its generation hold; `mixed` counts them.
- Other documented answers: 503 with a JSON error (`documented_503_*`), and a search cut at its time
  budget (`documented_partial`). A client waiting 20 s is a `hang`.
"""


NOTICED = """\
A search that meets the files of a commit a rebuild is moving out is tried once more on the new
commit (search/engine.py, `on_the_latest_commit`), so a rebuild answers no 503. The memory run
reads a generated index of 2,000 articles, not Reuters."""


def section(results: dict, args: argparse.Namespace) -> str:
    """The markdown section for bench/RELIABILITY.md."""
    lines = [SECTION, "", DECISIONS, f"`python bench/faults.py` ({time.strftime('%Y-%m-%d')}, "
             f"{os.cpu_count()} cores, one worker per core, {args.clients} clients searching on kept-alive "
             f"connections for {args.seconds:g} s a scenario and {args.memory_minutes:g} minutes for memory; "
             f"generated corpora of {args.docs_a} and {args.docs_b} articles):", ""]
    for name, result in results.items():
        lines.append(f"- **{name}**: `{json.dumps(result_line(name, result))}`")
    if "memory" in results:
        lines += ["", "Worker memory (USS) over the memory run:", "",
                  "| worker | first (after 1 min) | last | peak | change |", "|---|---|---|---|---|",
                  *memory_rows(results["memory"]["workers"])]
    return "\n".join([*lines, "", NOTICED]) + "\n"


def result_line(name: str, result: dict) -> dict:
    """A scenario's figures without the memory samples."""
    return {key: value for key, value in result.items() if key != "workers"}


def publish(text: str) -> None:
    """Put the section in bench/RELIABILITY.md in place of its last version, other sections kept."""
    old = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Reliability (issue 22)\n\n"
    start = old.find(SECTION)
    if start < 0:
        REPORT.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")
        return
    end = old.find("\n## ", start + len(SECTION))
    rest = old[end + 1:] if end >= 0 else ""
    REPORT.write_text(old[:start] + text + ("\n" + rest if rest else ""), encoding="utf-8")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", nargs="+", choices=("rebuild", "kill", "memory"),
                        default=["rebuild", "kill", "memory"])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--memory-minutes", type=float, default=10)
    parser.add_argument("--docs-a", type=int, default=2000)
    parser.add_argument("--docs-b", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=None, help="the JSON figures (default WORK/faults.json)")
    parser.add_argument("--no-report", action="store_true", help="leave bench/RELIABILITY.md alone")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report section from the figures of the last run (--out), run nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios asked for; write the JSON figures and the report section."""
    args = arguments(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    out = args.out or args.work / "faults.json"
    if args.report_only:
        publish(section(json.loads(out.read_text(encoding="utf-8")), args))
        return 0
    scenarios = {"rebuild": rebuild_scenario, "kill": kill_scenario, "memory": memory_scenario}
    results = {name: scenarios[name](args.work, args) for name in args.scenarios}
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps({name: result_line(name, result) for name, result in results.items()}, indent=1))
    if not args.no_report:
        publish(section(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
