"""Who holds an index's write lock, written into the lock file by the run that takes it.

Whoosh's lock is an `flock` on `MAIN_WRITELOCK`: the kernel lets go of it when its holder dies,
so a lock is never stale, but a second `search index` that finds it held could only say
"another run". The run that takes the lock writes its process id, its start time (as the
kernel counts it, and as a clock time) and its command line into the lock file (the flock stays
on Whoosh's own descriptor); the one that gives up names that run, after checking that a
process with that id and start time still runs (ids are reused).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
import time
from pathlib import Path

PROC = Path("/proc")


def record_owner(lock_file: Path) -> None:
    """Write this process into the lock file it now holds (best effort: a lock file that cannot
    be written leaves the busy message without a name)."""
    owner = {"pid": os.getpid(), "start_ticks": start_ticks(os.getpid()),
             "started": started_at(os.getpid()), "command": command_line()}
    with contextlib.suppress(OSError):
        lock_file.write_text(json.dumps(owner), encoding="utf-8")


def describe_owner(lock_file: Path) -> str:
    """Who holds the lock, for the busy message (`process 123, started …: \\`search index …\\``);
    empty when the lock file names no one."""
    try:
        owner = json.loads(lock_file.read_text(encoding="utf-8"))
        pid, command, started = int(owner["pid"]), str(owner["command"]), owner.get("started")
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    since = f", started {started}" if started else ""
    if owner.get("start_ticks") is not None and start_ticks(pid) != owner["start_ticks"]:
        return (f"the run that took it (process {pid}{since}: `{command}`) has ended; "
                "a process it started may hold it still")
    return f"process {pid}{since}: `{command}`"


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
