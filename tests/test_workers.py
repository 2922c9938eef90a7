"""Worker processes started afresh end with the process that started them; a pool's results come
back in order, only a few jobs ahead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import psutil

from search.workers import fresh_workers, in_order

STARTER = """
import os, sys, time
from search.workers import fresh_workers
pool = fresh_workers(1)
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(60)
"""


def test_a_fresh_worker_is_a_child_of_this_process():
    with fresh_workers(1) as pool:
        assert pool.submit(os.getppid).result(timeout=60) == os.getpid()


def test_a_fresh_worker_dies_with_a_starter_killed_alone():
    """`kill -9` of the starter (not its group): its worker must not live on (a merge's worker
    would go on using a core and holding the index's lock)."""
    starter = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE, text=True)
    worker = psutil.Process(int(starter.stdout.readline()))
    os.kill(starter.pid, signal.SIGKILL)
    starter.wait(timeout=30)
    _, alive = psutil.wait_procs([worker], timeout=15)
    assert not alive, f"the worker outlived its starter: {alive}"


def test_jobs_are_run_ahead_of_the_taker_in_order_and_only_a_few_at_a_time():
    """The reading processes (and a bulk load's analysis) stay at most `ahead` jobs ahead of the
    writer, however many the run has (pool.map would run them all ahead and hold every result)."""
    pulled = []

    def jobs():
        for number in range(50):
            pulled.append(number)
            yield number

    with ThreadPoolExecutor(2) as pool:
        results = in_order(pool, lambda number: number * number, jobs(), ahead=4)
        taken = []
        for result in results:
            taken.append(result)
            assert len(pulled) - len(taken) <= 4
        assert taken == [number * number for number in range(50)]
