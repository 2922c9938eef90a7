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
from pathlib import Path

from search.processes import command_line, start_ticks, started_at


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
