"""Files an index commit writes beside its segments, written whole: under a temporary name (the
writer holds the index's lock), flushed to disk, moved into place, the folder flushed after the
move. A crash or a power cut leaves the old file or the new one, never a part, as Lucene commits
its files."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_whole(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path` with `write(file)`, durably and all at once (see the module's docstring)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (names made, renamed, removed) to disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def is_disk_full(error: OSError) -> bool:
    """Whether a write failed because the disk (or the user's quota on it) is full."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT)
