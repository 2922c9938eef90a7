"""Measuring a timed step in a fresh child process: wall time, peak memory, the child's JSON report.

Every timed step of the benchmark (one engine's build, one engine's query run) runs in a child
process of its own, so no cache, JIT state or warm searcher is carried from one step to the next.
While the child runs, its process tree's memory is sampled every `SAMPLE_SECONDS`: the peak is the
largest sum over the tree of each process's proportional set size (PSS: shared pages split among
the processes that share them, so a forked worker pool is not counted twice), or RSS where PSS
cannot be read. Reading PSS walks every mapped page, so it grows with the processes' memory: the
pause after a sample is stretched to keep the sampler under `SAMPLER_SHARE` of one core (at 1M
articles a sample took long enough that sampling every 0.1 s used about half a core of the two).
Beside the child's report, `<report>-memory.jsonl` keeps a timeline of the samples, each process
by role (the child, a forked writer, a spawned merge worker), to tell which phase peaks.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

SAMPLE_SECONDS = 0.1
SAMPLER_SHARE = 0.02
TIMELINE_SECONDS = 5.0  # a sample is kept in the memory timeline this often, and whenever it is a new peak
HERE = Path(__file__).resolve().parent


@dataclass
class ChildRun:
    """What one child step did."""

    ok: bool
    seconds: float
    peak_memory_bytes: int
    report: dict
    error: str = ""


def _tree_memory(proc: psutil.Process) -> list[tuple[str, int]]:
    """Each process of the tree as (role, bytes): the child itself (`main`), a process it forked
    (`forked`: a writer pool) or started afresh (`spawned`: a merge worker)."""
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []
    found = []
    for member in members:
        try:
            info = member.memory_full_info()
            used = getattr(info, "pss", info.rss)
            role = "main" if member.pid == proc.pid else (
                "spawned" if any("spawn_main" in part for part in member.cmdline()) else "forked")
        except psutil.AccessDenied:
            used, role = 0, "other"
            with contextlib.suppress(psutil.Error):
                used = member.memory_info().rss
        except psutil.Error:
            continue
        found.append((role, used))
    return found


def _timeline_entry(elapsed: float, members: list[tuple[str, int]]) -> str:
    """One sample of the memory timeline: seconds since the start, the tree's total MB, and
    each process's role and MB."""
    return json.dumps({"s": round(elapsed, 1), "mb": round(sum(used for _, used in members) / 2**20),
                       "processes": [[role, round(used / 2**20)] for role, used in members]})


def run_child(script: str, args: Sequence[str], out: Path, timeout: float, log: Path) -> ChildRun:
    """Run `bench/<script> args... --out OUT` with this Python; sample its memory until it ends."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    argv = [sys.executable, str(HERE / script), *args, "--out", str(out)]
    timeline = out.with_name(f"{out.stem}-memory.jsonl")
    started = time.perf_counter()
    peak, last_entry = 0, -TIMELINE_SECONDS
    with log.open("ab") as log_file, timeline.open("w", encoding="utf-8", buffering=1) as timeline_file:
        log_file.write(f"\n$ {' '.join(argv)}\n".encode())
        log_file.flush()
        proc = psutil.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        timed_out = False
        while proc.poll() is None:
            sampled = time.perf_counter()
            members = _tree_memory(proc)
            total = sum(used for _, used in members)
            if total > peak or sampled - last_entry >= TIMELINE_SECONDS:
                timeline_file.write(_timeline_entry(sampled - started, members) + "\n")
                last_entry = sampled
            peak = max(peak, total)
            cost = time.perf_counter() - sampled
            if time.perf_counter() - started > timeout:
                timed_out = True
                _kill_tree(proc)
                break
            time.sleep(max(SAMPLE_SECONDS, cost / SAMPLER_SHARE))
        proc.wait()
    seconds = time.perf_counter() - started
    if timed_out:
        return ChildRun(False, seconds, peak, {}, f"timed out after {timeout:.0f} s")
    if proc.returncode != 0 or not out.exists():
        return ChildRun(False, seconds, peak, {}, f"exit code {proc.returncode}: {_tail(log)}")
    return ChildRun(True, seconds, peak, json.loads(out.read_text(encoding="utf-8")))


def _kill_tree(proc: psutil.Process) -> None:
    """End a child we started and the processes it started, each by its id."""
    try:
        members = [*proc.children(recursive=True), proc]
    except psutil.Error:
        members = [proc]
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.kill()


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:])


def latency_summary(latencies_ms: Sequence[float]) -> dict:
    """p50, p95, p99 and mean in milliseconds, and single-thread queries per second."""
    if not latencies_ms:
        return {}
    values = np.asarray(latencies_ms, dtype=float)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"queries": len(values), "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
            "mean_ms": float(values.mean()), "max_ms": float(values.max()),
            "qps": float(len(values) / (values.sum() / 1000)) if values.sum() else 0.0}


def median_of(rounds: Sequence[dict], key: str) -> float | None:
    """The median of one number over the rounds that have it."""
    values = [r[key] for r in rounds if r.get(key) is not None]
    return float(statistics.median(values)) if values else None


def max_rss_bytes() -> int:
    """This process's peak resident set size (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def write_report(out: Path, report: dict) -> None:
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
