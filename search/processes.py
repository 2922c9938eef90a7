"""What the kernel says of a process of this machine: its command, and when it started (which
tells it apart from a later process given the same id). Read by the write locks of both
backends to name the run that holds one, and to know when that run has ended."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

PROC = Path("/proc")


def command_line() -> str:
    """This process's command as typed (the program's name, not its path)."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"


def start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks after boot (Linux's /proc); None when there is no
    such process or no /proc to ask."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name before ")" may hold spaces


def started_at(pid: int) -> str | None:
    """The process's start as a local clock time, from its ticks and the boot time."""
    ticks = start_ticks(pid)
    try:
        boot = next(int(line.split()[1]) for line in (PROC / "stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None
    if ticks is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(boot + ticks / os.sysconf("SC_CLK_TCK")))
