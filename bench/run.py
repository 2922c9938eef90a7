"""`make bench`: speed, memory and relevance of our engine beside its peers, in one run.

    .venv/bin/python bench/run.py --shared ../shared            # make bench: Reuters, 10k, 100k (~60 min)
    .venv/bin/python bench/run.py --shared ../shared --large    # make bench-large: 1M (~120 min)
    .venv/bin/python bench/run.py --shared ../shared --quick    # every code path on small data (minutes)
    .venv/bin/python bench/run.py --relevance-only --engines lucene  # one engine's relevance, added

Writes bench/RESULTS.md, bench/RESULTS.json and bench/scale.png (a quick run writes to bench/work/
instead, so the committed results only ever come from a full run). A large run adds the 1M corpus
to the results of the last full run; a full run keeps the last large run's 1M results.

For every corpus, each round runs every engine in an order rotated by one per round; each build
and each query run is a fresh child process (bench/worker.py). An engine whose first build took
longer than `--rebuild-limit` seconds reuses that index in later rounds (only its queries are
timed again); in a large run an engine whose build is projected past `--max-build-seconds` from
the smaller corpora is not built and its build time is reported as estimated. A query run stops
after `--query-time-cap` seconds (the log is shuffled, so what ran is a sample; the count is
reported). Round 1 of every corpus, relevance and the extras run first; repeat rounds only while
they fit in `--budget-minutes`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import load
import peers
import psutil
import report
from corpus_gen import generate
from corpus_io import folder_bytes, read_manifest, split_jsonl
from querylog import SAMPLE_DOCS, SYNTHETIC_SAMPLE_DOCS, make_log, read_log, write_log
from timing import ChildRun, median_of, run_child

HERE = Path(__file__).resolve().parent
ENGINES = ("ours", *peers.PEERS)
RELEVANCE_COLLECTIONS = ("cranfield", "cisi")
HOUR = 3600.0
STANDALONE_TABLES = ("startup", "serve", "indexing")  # of startup.py, serve_bench.py, index_bench.py
MEMORY_CAP_FRACTION = 0.6  # a large run does not build an engine projected to need more of the RAM


@dataclass
class CorpusSpec:
    """One corpus of the benchmark."""

    name: str
    docs: int | None  # None: all of Reuters
    rounds: int
    synthetic: bool


@dataclass
class Settings:
    """What a run measures and where it writes."""

    mode: str
    shared: Path
    work: Path
    results: Path
    corpora: list[CorpusSpec]
    queries_dir: Path
    query_count: int
    rebuild_limit: float
    max_build_seconds: float | None
    sample_queries: int
    http_seconds: float
    load_seconds: float
    profile_count: int
    extras_corpus: str | None
    profile_corpus: str | None
    relevance: bool
    budget_seconds: float | None = None
    query_time_cap: float | None = None  # seconds per query run; later queries of the log are left out
    engines: tuple[str, ...] = ENGINES
    seed: int = 20240601
    notes: list[str] = field(default_factory=list)

    def query_limit(self, engine: str, docs: int) -> int | None:
        """How many queries of the log an engine answers on a corpus of `docs` documents."""
        if engine == "rank-bm25" and docs >= 100_000:
            return self.sample_queries
        if engine == "whoosh" and docs >= 1_000_000:
            return self.sample_queries
        return None


@dataclass
class CorpusRun:
    """A corpus's data and what its rounds have measured so far."""

    spec: CorpusSpec
    folder: Path
    manifest: dict
    log_path: Path
    docs: int
    engines: dict[str, dict] = field(default_factory=dict)
    built_once: dict[str, float] = field(default_factory=dict)
    estimated: dict[str, dict] = field(default_factory=dict)
    rounds_done: int = 0
    repeat_seconds: float = 0.0  # what one more round would take (builds that repeat, and queries)


def settings_for(args: argparse.Namespace) -> Settings:
    common = {"shared": args.shared, "rebuild_limit": args.rebuild_limit}
    budget = {"budget_seconds": args.budget_minutes * 60 if args.budget_minutes else None}
    if args.quick:
        work = HERE / "work" / "quick"
        return Settings(
            mode="quick", work=work, results=HERE / "work" / "RESULTS-quick.md",
            corpora=[CorpusSpec("reuters-2k", 2000, 2, False), CorpusSpec("syn-1k", 1000, 1, True),
                     CorpusSpec("syn-3k", 3000, 1, True)],
            queries_dir=work / "queries", query_count=50, max_build_seconds=None, sample_queries=20,
            http_seconds=3, load_seconds=3, profile_count=20, extras_corpus="reuters-2k",
            profile_corpus="syn-3k", relevance=not args.no_relevance, **common, **budget,
            query_time_cap=args.query_time_cap or 60)
    if args.relevance_only:
        return Settings(
            mode="relevance", work=HERE / "work", results=HERE / "RESULTS.md", corpora=[],
            queries_dir=HERE / "queries", query_count=1000, max_build_seconds=None, sample_queries=100,
            http_seconds=0, load_seconds=0, profile_count=0, extras_corpus=None, profile_corpus=None,
            relevance=True, **common)
    if args.large:
        return Settings(
            mode="large", work=HERE / "work", results=HERE / "RESULTS.md",
            corpora=[CorpusSpec(size_name(args.large_docs), args.large_docs, 1, True)],
            queries_dir=HERE / "queries",
            query_count=1000, max_build_seconds=args.max_build_seconds or 1800, sample_queries=100,
            http_seconds=0, load_seconds=0, profile_count=0, extras_corpus=None, profile_corpus=None,
            relevance=False, **common, query_time_cap=args.query_time_cap or 300,
            budget_seconds=(args.budget_minutes if args.budget_minutes is not None else 115) * 60 or None)
    return Settings(
        mode="full", work=HERE / "work", results=HERE / "RESULTS.md",
        corpora=[CorpusSpec("reuters", None, 3, False), CorpusSpec("syn-10k", 10_000, 3, True),
                 CorpusSpec("syn-100k", 100_000, 3, True)],
        queries_dir=HERE / "queries", query_count=1000, max_build_seconds=args.max_build_seconds,
        sample_queries=100, http_seconds=20, load_seconds=30, profile_count=200, extras_corpus="reuters",
        profile_corpus="syn-10k", relevance=not args.no_relevance, **common,
        query_time_cap=args.query_time_cap or 150,
        budget_seconds=(args.budget_minutes if args.budget_minutes is not None else 55) * 60 or None)


class Run:
    """One benchmark run: prepares data, runs the timed steps, keeps every number."""

    def __init__(self, settings: Settings):
        self.s = settings
        self.started = time.perf_counter()
        self.logs = settings.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.child_log = self.logs / f"{settings.mode}-children.log"
        self.raw = settings.work / "raw" / settings.mode
        self.phases: dict[str, float] = {}
        self.results: dict = empty_results()

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        line = f"[{elapsed / 60:6.1f} min] {message}"
        print(line, file=sys.stderr, flush=True)
        with (self.logs / f"{self.s.mode}.log").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def phase(self, name: str, started: float) -> None:
        self.phases[name] = round(time.perf_counter() - started, 1)

    # -- data ------------------------------------------------------------------------------------

    def corpus(self, spec: CorpusSpec) -> tuple[Path, dict]:
        folder = self.s.work / "corpora" / spec.name
        reuters = self.s.shared / "data" / "reuters" / "corpus.jsonl"
        if spec.synthetic:
            manifest = generate(reuters, spec.docs or 0, folder, seed=self.s.seed)
        else:
            split_jsonl(reuters, folder, spec.docs)
            manifest = read_manifest(folder) or {}
        manifest = {**manifest, "bytes": folder_bytes(folder) - folder_bytes(folder / "manifest.json")}
        return folder, manifest

    def query_log(self, spec: CorpusSpec, folder: Path) -> Path:
        path = self.s.queries_dir / f"{spec.name}.tsv"
        if not path.exists() or len(read_log(path)) != self.s.query_count:
            sample = SYNTHETIC_SAMPLE_DOCS if spec.synthetic else SAMPLE_DOCS
            write_log(path, make_log(folder, self.s.query_count, sample_docs=sample))
            self.log(f"wrote the query log {path}")
        return path

    # -- timed steps -----------------------------------------------------------------------------

    def child(self, script: str, args: list[str], tag: str, timeout: float) -> ChildRun:
        result = run_child(script, args, self.raw / f"{tag}.json", timeout, self.child_log)
        if not result.ok:
            self.log(f"  {tag}: FAILED ({result.error})")
        return result

    def build(self, engine: str, folder: Path, index: Path, tag: str) -> dict:
        result = self.child("worker.py", ["build", engine, str(folder), str(index)], tag, 4 * HOUR)
        if not result.ok:
            return {"failed": result.error}
        report = result.report
        self.log(f"  {engine} build: {report['seconds']:.1f} s, {report['docs_per_second']:.0f} docs/s, "
                 f"peak {result.peak_memory_bytes / 2**20:.0f} MB, index "
                 f"{report['index_bytes'] / 2**20:.1f} MB")
        return {**report, "peak_memory_bytes": result.peak_memory_bytes}

    def query(self, engine: str, index: Path, log_path: Path, limit: int | None, tag: str) -> dict:
        args = ["query", engine, str(index), str(log_path), "--limit", "10"]
        if limit:
            args += ["--max-queries", str(limit)]
        if self.s.query_time_cap:
            args += ["--time-cap", str(self.s.query_time_cap)]
        result = self.child("worker.py", args, tag, 2 * HOUR)
        if not result.ok:
            return {"failed": result.error}
        report = {k: v for k, v in result.report.items() if k != "latencies_ms"}
        self.log(f"  {engine} queries: {report.get('queries', 0)} in {result.seconds:.1f} s, "
                 f"p50 {report.get('p50_ms', 0):.2f} ms, p99 {report.get('p99_ms', 0):.2f} ms"
                 + (f", {report['errors']} errors" if report.get("errors") else ""))
        return {**report, "peak_memory_bytes": result.peak_memory_bytes, "sampled": bool(limit)}

    # -- phases ----------------------------------------------------------------------------------

    def prepare(self, spec: CorpusSpec) -> CorpusRun:
        started = time.perf_counter()
        folder, manifest = self.corpus(spec)
        state = CorpusRun(spec, folder, manifest, self.query_log(spec, folder), int(manifest["documents"]))
        for name in (*self.s.engines, *(peers.OURS_VIEWS if "ours" in self.s.engines else ())):
            state.engines[name] = {"rounds": [], "notes": []}
        self.log(f"corpus {spec.name}: {state.docs} documents, vocabulary {manifest.get('vocabulary')}, "
                 f"{spec.rounds} round(s)")
        self.phase(f"data {spec.name}", started)
        return state

    def run_round(self, state: CorpusRun, number: int, previous: dict) -> None:
        """One round over a corpus: every engine in turn (order rotated by the round number)."""
        started = time.perf_counter()
        spec, repeat = state.spec, 0.0
        order = rotate(self.s.engines, number)
        self.log(f"{spec.name} round {number + 1}/{spec.rounds}: {', '.join(order)}")
        for engine in order:
            if engine in state.estimated:
                continue
            index = self.s.work / "index" / spec.name / engine
            tag = f"{spec.name}-r{number + 1}-{engine}"
            entry: dict = {"round": number + 1, "position": order.index(engine) + 1}
            if number == 0 and self.skip_build(state, engine, previous):
                continue
            if number == 0 or state.built_once.get(engine, 0) <= self.s.rebuild_limit:
                began = time.perf_counter()
                entry["build"] = self.build(engine, state.folder, index, f"{tag}-build")
                if number == 0 and "seconds" in entry["build"]:
                    state.built_once[engine] = entry["build"]["seconds"]
                if entry["build"].get("seconds", HOUR) <= self.s.rebuild_limit:
                    repeat += time.perf_counter() - began
            if "failed" in entry.get("build", {}):
                state.engines[engine]["rounds"].append(entry)
                continue
            began = time.perf_counter()
            limit = self.s.query_limit(engine, state.docs)
            entry["query"] = self.query(engine, index, state.log_path, limit, tag)
            repeat += time.perf_counter() - began
            state.engines[engine]["rounds"].append(entry)
            if engine == "ours":  # the same index without snippets, and the ranking alone
                for view in peers.OURS_VIEWS:
                    timed = self.query(view, index, state.log_path, limit, f"{tag}-{view.split('-')[1]}")
                    state.engines[view]["rounds"].append({**entry, "build": None, "query": timed})
        state.rounds_done = number + 1
        state.repeat_seconds = repeat
        self.phase(f"{spec.name} round {number + 1}", started)

    def skip_build(self, state: CorpusRun, engine: str, previous: dict) -> bool:
        """In a large run: estimate a peer's build instead of running it when the projection is
        past the caps. Ours is always built: it is what the run measures."""
        if engine == "ours" or not self.s.max_build_seconds:
            return False
        projection = project_build(engine, state.docs, [self.results, previous])
        if not projection:
            return False
        left = self.s.budget_seconds - self.elapsed() if self.s.budget_seconds else math.inf
        memory = projection.get("peak_memory_bytes") or 0
        why = ""
        if projection["seconds"] > self.s.max_build_seconds:
            why = f"over the {self.s.max_build_seconds / 60:.0f}-min cap"
        elif projection["seconds"] > left:
            why = f"more than the {left / 60:.0f} min left of the time budget"
        elif memory > MEMORY_CAP_FRACTION * psutil.virtual_memory().total:
            why = f"projected peak memory {memory / 2**30:.1f} GB"
        if not why:
            return False
        state.estimated[engine] = projection
        state.engines[engine]["estimate"] = projection
        state.engines[engine]["notes"].append(
            f"not built: projected {projection['seconds'] / 60:.0f} min from {projection['basis']} ({why})")
        self.log(f"  {engine}: build estimated at {projection['seconds']:.0f} s ({why}), not run")
        return True

    def finish(self, state: CorpusRun) -> None:
        spec, engines = state.spec, state.engines
        for engine, seconds in state.built_once.items():
            if seconds > self.s.rebuild_limit and state.rounds_done > 1:
                engines[engine]["notes"].append(
                    f"built once ({seconds:.0f} s > {self.s.rebuild_limit:.0f} s); later rounds reuse the "
                    "index and time the queries in fresh processes")
        for engine, data in engines.items():
            data["aggregate"] = aggregate(data["rounds"])
            limit = self.s.query_limit("ours" if engine in peers.OURS_VIEWS else engine, state.docs)
            capped = [r["query"]["queries"] for r in data["rounds"]
                      if (r.get("query") or {}).get("time_capped")]
            if capped:
                count = f"{min(capped)}" if min(capped) == max(capped) else f"{min(capped)}–{max(capped)}"
                data["notes"].append(f"timed on the first {count} queries of the log: "
                                     f"the {self.s.query_time_cap:g}-s cap per query run")
            elif limit and any(r.get("query") for r in data["rounds"]):
                data["notes"].append(f"timed on the first {limit} queries of the log (a sample)")
        if state.rounds_done < spec.rounds:
            self.s.notes.append(f"{spec.name}: {state.rounds_done} of {spec.rounds} rounds (time budget)")
        log_path = state.log_path
        self.results["corpora"][spec.name] = {
            "docs": state.docs, "rounds": state.rounds_done, "rounds_planned": spec.rounds,
            "synthetic": spec.synthetic, "manifest": state.manifest,
            "query_log": str(log_path.relative_to(HERE.parent)) if log_path.is_relative_to(HERE.parent)
            else str(log_path), "queries": self.s.query_count, "engines": engines}
        for engine in self.s.engines:  # peers' indexes are rebuilt next time; ours serves the extras
            if engine != "ours":
                shutil.rmtree(self.s.work / "index" / spec.name / engine, ignore_errors=True)

    def run_all(self, previous: dict) -> None:
        """Round 1 of every corpus, relevance and the extras first; then the repeat rounds while
        the time budget allows (a corpus whose next round would not fit stops there)."""
        states = []
        for spec in self.s.corpora:
            state = self.prepare(spec)
            self.run_round(state, 0, previous)
            states.append(state)
        if self.s.relevance:
            self.run_relevance()
        self.run_extras()
        for number in range(1, max(spec.rounds for spec in self.s.corpora)):
            for state in states:
                if number >= state.spec.rounds or state.rounds_done < number:
                    continue
                if self.s.budget_seconds and self.elapsed() + state.repeat_seconds > self.s.budget_seconds:
                    self.log(f"{state.spec.name}: round {number + 1} would take about "
                             f"{state.repeat_seconds / 60:.1f} min, past the time budget; stopping at "
                             f"{state.rounds_done} round(s)")
                    continue
                self.run_round(state, number, previous)
        for state in states:
            self.finish(state)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def run_relevance(self) -> None:
        started = time.perf_counter()
        for collection in RELEVANCE_COLLECTIONS:
            data = self.s.shared / "data" / collection
            if not (data / "qrels.txt").exists():
                self.results["relevance"][collection] = {"skipped": f"no {data}/qrels.txt"}
                continue
            rows = {}
            for engine in self.s.engines:
                result = self.child("worker.py", ["relevance", engine, str(data),
                                                  str(self.s.work / "index" / "relevance" / collection)],
                                    f"relevance-{collection}-{engine}", HOUR)
                rows[engine] = result.report if result.ok else {"failed": result.error}
                if result.ok:
                    self.log(f"relevance {collection} {engine}: MAP {result.report['MAP']:.4f}, "
                             f"nDCG@10 {result.report['nDCG@10']:.4f}")
            self.results["relevance"][collection] = rows
        shutil.rmtree(self.s.work / "index" / "relevance", ignore_errors=True)
        self.phase("relevance (cranfield, cisi)", started)

    def run_extras(self) -> None:
        """Ours only: the slow-query list, the profile, HTTP throughput and the load test."""
        extras = self.results["extras"]
        if self.s.extras_corpus:
            index = self.s.work / "index" / self.s.extras_corpus / "ours"
            log_path = self.s.queries_dir / f"{self.s.extras_corpus}.tsv"
            started = time.perf_counter()
            result = self.child("slow_queries.py", ["--index", str(index)], "slow-queries", HOUR)
            extras["slow_queries"] = {"corpus": self.s.extras_corpus,
                                      **(result.report if result.ok else {"failed": result.error})}
            self.phase("slow-query list", started)
            self.log(f"slow-query list: {len(extras['slow_queries'].get('queries', []))} queries")
            if self.s.http_seconds:
                started = time.perf_counter()
                queries = [text for _, text in read_log(log_path)]
                extras["http_search"] = {"corpus": self.s.extras_corpus, **load.serve_and_load(
                    index, queries, 8, self.s.http_seconds, {"search": 1}, self.logs / "serve.log")}
                self.log(f"HTTP /api/search, 8 clients: {summary_line(extras['http_search'])}")
                extras["load"] = {"corpus": self.s.extras_corpus, **load.serve_and_load(
                    index, queries, 16, self.s.load_seconds, load.parse_mix(load.DEFAULT_MIX),
                    self.logs / "serve.log")}
                self.log(f"load test, 16 clients: {summary_line(extras['load'])}")
                self.phase("HTTP throughput and load test", started)
        if self.s.profile_corpus and self.s.profile_count:
            started = time.perf_counter()
            index = self.s.work / "index" / self.s.profile_corpus / "ours"
            log_path = self.s.queries_dir / f"{self.s.profile_corpus}.tsv"
            result = self.child("profile_engine.py", ["--index", str(index), "--queries", str(log_path),
                                                      "--count", str(self.s.profile_count)], "profile", HOUR)
            extras["profile"] = {"corpus": self.s.profile_corpus,
                                 **(result.report if result.ok else {"failed": result.error})}
            if result.ok:
                tree = (self.raw / "profile.txt").read_text(encoding="utf-8")
                tree_path = self.s.results.with_name("PROFILE.txt")
                tree_path.write_text(tree, encoding="utf-8")
                extras["profile"]["tree"] = tree_path.name
            self.phase("profile", started)


def empty_results() -> dict:
    """The shape of RESULTS.json before anything is measured."""
    return {"corpora": {}, "relevance": {}, "extras": {}, "meta": {}}


def size_name(docs: int) -> str:
    """A synthetic corpus's name: syn-1m, syn-100k, syn-2500."""
    for unit, suffix in ((1_000_000, "m"), (1000, "k")):
        if docs % unit == 0:
            return f"syn-{docs // unit}{suffix}"
    return f"syn-{docs}"


def rotate(engines: tuple[str, ...], number: int) -> list[str]:
    shift = number % len(engines)
    return [*engines[shift:], *engines[:shift]]


def summary_line(result: dict) -> str:
    if "skipped" in result:
        return f"skipped: {result['skipped']}"
    return (f"{result.get('throughput_rps', 0):.0f} req/s, p50 {result.get('p50_ms', 0):.1f} ms, "
            f"p99 {result.get('p99_ms', 0):.1f} ms, {result.get('errors', 0)} errors, "
            f"{result.get('dropped', 0)} dropped")


def aggregate(rounds: list[dict]) -> dict:
    """Medians over the rounds of every build and query number."""
    builds = [r["build"] for r in rounds if r.get("build") and "failed" not in r["build"]]
    queries = [r["query"] for r in rounds if r.get("query") and "failed" not in r["query"]]
    out: dict = {"builds": len(builds), "query_runs": len(queries)}
    for key in ("seconds", "docs_per_second", "peak_memory_bytes", "index_bytes"):
        out[f"build_{key}"] = median_of(builds, key)
    for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "qps", "peak_memory_bytes", "self_max_rss_bytes",
                "open_seconds", "queries", "errors", "partial", "empty_results"):
        out[f"search_{key}"] = median_of(queries, key)
    if queries:
        kinds = sorted({k for q in queries for k in q.get("by_kind", {})})
        out["by_kind"] = {k: {m: median_of([q["by_kind"][k] for q in queries if k in q.get("by_kind", {})], m)
                              for m in ("p50_ms", "p99_ms", "queries")} for k in kinds}
    failures = [r[step]["failed"] for r in rounds for step in ("build", "query")
                if isinstance(r.get(step), dict) and "failed" in r[step]]
    if failures:
        out["failures"] = failures
    return out


def project_build(engine: str, docs: int, sources: list[dict]) -> dict | None:
    """An engine's build time (and peak memory) at `docs` documents from its two largest measured
    synthetic builds: a power law through them, its exponent held between 1 and 1.5."""
    points: dict[int, tuple[float, float, str]] = {}
    for source in sources:
        for name, corpus in (source.get("corpora") or {}).items():
            found = ((corpus.get("engines") or {}).get(engine) or {}).get("aggregate", {})
            if corpus.get("synthetic") and found.get("build_seconds") and corpus["docs"] < docs:
                points.setdefault(corpus["docs"], (found["build_seconds"],
                                                   found.get("build_peak_memory_bytes") or 0.0, name))
    if not points:
        return None
    sizes = sorted(points)
    n2 = sizes[-1]
    t2, memory, name2 = points[n2]
    if len(sizes) > 1:
        n1 = sizes[-2]
        t1, _, name1 = points[n1]
        exponent = min(max(math.log(t2 / t1) / math.log(n2 / n1), 1.0), 1.5)
        basis = f"{name1} and {name2} (growth exponent {exponent:.2f})"
    else:
        exponent, basis = 1.0, f"{name2} (linear)"
    return {"seconds": t2 * (docs / n2) ** exponent, "exponent": exponent, "basis": basis,
            "peak_memory_bytes": memory * docs / n2, "estimated": True}


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model or platform.processor(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "os": platform.platform(),
            "python": platform.python_version(), "load_average_at_start": list(os.getloadavg())}


def versions() -> dict:
    found: dict[str, str] = {}
    for cls in peers.ADAPTERS.values():
        found.update(cls.versions())
    for name in ("numpy", "matplotlib", "psutil", "pyinstrument", "waitress", "ir-measures"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return dict(sorted(found.items()))


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "search"], cwd=HERE.parent,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (search/ modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small corpora, 50 queries: every code path")
    size.add_argument("--large", action="store_true", help="the 1M-document corpus (make bench-large)")
    size.add_argument("--relevance-only", action="store_true",
                      help="only the relevance runs, added to the last results (--engines: a new peer)")
    parser.add_argument("--large-docs", type=int, default=1_000_000,
                        help="the large corpus's size (a smaller one rehearses a large run)")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="repeat rounds only while they fit (default: 55 full, 115 large, none quick)")
    parser.add_argument("--rebuild-limit", type=float, default=60.0,
                        help="rebuild in every round only engines whose first build took at most this (s)")
    parser.add_argument("--max-build-seconds", type=float, default=None,
                        help="estimate instead of building when the projected build is longer")
    parser.add_argument("--query-time-cap", type=float, default=None,
                        help="seconds per query run (default 150 full, 300 large, 60 quick); the rest of "
                             "the log is left out and the sample size reported")
    parser.add_argument("--no-relevance", action="store_true")
    parser.add_argument("--engines", help="comma-separated subset of " + ",".join(ENGINES))
    args = parser.parse_args()
    settings = settings_for(args)
    if args.engines:
        settings.engines = tuple(e for e in ENGINES if e in args.engines.split(","))
    unavailable = {e: why for e in settings.engines if (why := peers.ADAPTERS[e].available())}
    for engine in [e for e in unavailable if e in peers.OPTIONAL]:
        settings.notes.append(f"{peers.ADAPTERS[engine].label} left out: {unavailable.pop(engine)}")
        settings.engines = tuple(e for e in settings.engines if e != engine)
    if unavailable:
        for engine, why in unavailable.items():
            print(f"bench: {engine}: {why}", file=sys.stderr)
        return 2
    if not (settings.shared / "data" / "reuters" / "corpus.jsonl").exists():
        print(f"bench: no Reuters corpus under {settings.shared}/data/reuters (set SHARED=...)",
              file=sys.stderr)
        return 2

    run = Run(settings)
    run.log(f"make bench ({settings.mode}): results to {settings.results}")
    meta = {"mode": settings.mode, "started": dt.datetime.now().isoformat(timespec="seconds"),
            "commit": git_commit(), "machine": machine(), "versions": versions(),
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()
                         if k not in ("corpora",)},
            "corpora": [asdict(c) for c in settings.corpora]}
    json_path = settings.results.with_suffix(".json")
    previous = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    if settings.mode == "relevance":
        run.run_relevance()
    else:
        run.run_all(previous)
    meta["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    meta["phases_seconds"] = run.phases
    meta["notes"] = settings.notes
    meta["total_seconds"] = round(time.perf_counter() - run.started, 1)
    results = merge(previous, run.results, meta, settings.mode)
    json_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    report.write(results, settings.results)
    run.log(f"wrote {settings.results} and {json_path.name}")
    return 0


def merge(previous: dict, current: dict, meta: dict, mode: str) -> dict:
    """This run's results; a large run keeps the last full run's, a full run keeps the last 1M corpus
    and the standalone benches' tables (each rewrites its own), a relevance run adds its engines'
    relevance to the last results."""
    if mode == "relevance":
        merged = previous or empty_results()
        for collection, rows in current["relevance"].items():
            merged["relevance"].setdefault(collection, {}).update(rows)
        engines = ", ".join(sorted({engine for rows in current["relevance"].values() for engine in rows}))
        merged["meta"].setdefault("notes", []).append(
            f"relevance of {engines}: measured alone ({meta['started'][:10]}, commit {meta['commit']}); "
            "relevance does not depend on the machine's speed")
        return merged
    if mode == "large":
        merged = previous or empty_results()
        merged["corpora"] = {**merged.get("corpora", {}), **current["corpora"]}
        merged["large_meta"] = meta
        return merged
    merged = {**{key: previous[key] for key in STANDALONE_TABLES if key in previous}, **current, "meta": meta}
    kept = {name: c for name, c in (previous.get("corpora") or {}).items() if name == "syn-1m"}
    if kept and mode == "full":
        merged["corpora"].update(kept)
        merged["large_meta"] = previous.get("large_meta")
    return merged


if __name__ == "__main__":
    sys.exit(main())
