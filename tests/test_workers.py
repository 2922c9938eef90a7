"""Worker processes started afresh end with the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil

from search.workers import fresh_workers

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
