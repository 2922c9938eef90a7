"""Worker processes that end with the process that started them.

An indexing run forks workers (the enrichment pool, Whoosh's writer processes) and starts a
parallel merge's afresh. Killed with `kill -9`, the run's own process cannot stop them; left
running they would go on using the cores and keep the index's lock, so every later run would
wait and give up.
On Linux each worker asks the kernel for SIGKILL when its parent ends (PR_SET_PDEATHSIG);
elsewhere nothing is asked. `in_order` hands a pool's results back in order, a few jobs ahead.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from itertools import islice

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class _Registration:
    """What `multiprocessing.util.register_after_fork` keeps alive (it holds its key weakly)."""


_REGISTERED: _Registration | None = None


def workers_die_with_this_process() -> None:
    """From now on, every process `multiprocessing` starts from this one dies with it."""
    global _REGISTERED
    if _REGISTERED is not None or not sys.platform.startswith("linux"):
        return
    _REGISTERED = _Registration()
    parent = os.getpid()
    multiprocessing.util.register_after_fork(_REGISTERED, lambda _: _die_with(parent))


def fresh_workers(count: int) -> ProcessPoolExecutor:
    """A pool of `count` processes started afresh (not forked: they share none of this
    process's memory, which a forked worker's garbage collector would copy page by page as it
    walks the objects it inherited), each ending with this process."""
    return ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with, initargs=(os.getpid(),))


def _die_with(parent: int) -> None:
    """In a new worker: be killed when `parent` ends, or end now if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def in_order(pool: Executor, function: Callable, jobs: Iterable, ahead: int) -> Iterator:
    """`pool.map`, but with at most `ahead` jobs submitted and not yet taken: `map` submits every
    job at once, and readers far ahead of the writer would hold every enriched article of the run
    in memory (gigabytes for a million)."""
    jobs = iter(jobs)
    pending = deque(pool.submit(function, job) for job in islice(jobs, ahead))
    while pending:
        result = pending.popleft().result()
        pending.extend(pool.submit(function, job) for job in islice(jobs, 1))
        yield result
