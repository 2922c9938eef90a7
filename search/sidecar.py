"""Metadata for saved articles from a table beside them: a `metadata.csv` in a folder of text or
HTML files gives each file its date, source, URL, authors and headline, the facts a saved text
often lacks (issue 23 §8).

    file,date,source,url,authors,title
    kyiv-strikes.txt,2022-10-12,The Daily Telegraph,https://…,Tony Diver; Danielle Sheridan,

A row's values win over what the file's own text says; an empty cell leaves the file's own.
`file` is the name of a file in the same folder. A row is part of its file's signature
(`mark`), so editing a row indexes that file again on the next run.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SIDECAR_NAME = "metadata.csv"
COLUMNS = ("date", "source", "url", "authors", "title")  # beside `file`
AUTHOR_SEPARATOR = ";"


@dataclass(frozen=True)
class SidecarRow:
    """One file's row: its non-empty values by column, and where the row stands."""

    values: tuple[tuple[str, str], ...]
    location: str  # `folder/metadata.csv:line`

    def get(self, column: str) -> str | None:
        return dict(self.values).get(column)

    @property
    def mark(self) -> str:
        """What the row adds to its file's signature: a hash of its values."""
        return "+" + hashlib.sha1(repr(self.values).encode("utf-8")).hexdigest()[:16]


def row_for(path: Path) -> SidecarRow | None:
    """The row of `metadata.csv` beside a file that names it, if any."""
    table = read_table(path.parent / SIDECAR_NAME)
    return table.rows.get(path.name) if table else None


def mark(path: Path) -> str:
    """What a file's sidecar row adds to its signature ("" without one)."""
    row = row_for(path)
    return row.mark if row else ""


def table_notes(folder: Path, names: set[str]) -> list[tuple[str, str]]:
    """What is wrong with a folder's table, as (location, reason): a table that cannot be read or
    has no `file` column (it gives no row), and rows naming no file among the folder's `names`."""
    table = read_table(folder / SIDECAR_NAME)
    if table is None:
        return []
    missing = [(row.location, f"{name!r} is no file of this folder; the row is ignored")
               for name, row in table.rows.items() if name not in names]
    return [*table.notes, *missing]


@dataclass(frozen=True)
class Table:
    """A sidecar as read: its rows by file name, and why it gives none when it cannot be read."""

    rows: dict[str, SidecarRow]
    notes: tuple[tuple[str, str], ...] = ()


def read_table(table: Path) -> Table | None:
    """The sidecar at `table`, None when there is none (read again when its time or size changes)."""
    try:
        stat = table.stat()
    except OSError:
        return None
    return _read(table, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read(table: Path, mtime_ns: int, size: int) -> Table:
    """A sidecar's rows by file name; a table that cannot be read, or has no `file` column, gives
    no rows and says why."""
    where = f"{table.parent.name}/{SIDECAR_NAME}"
    try:
        with table.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            if "file" not in (reader.fieldnames or ()):
                return Table({}, ((where, "no `file` column; the table is ignored"),))
            rows = {}
            for line, record in enumerate(reader, start=2):
                name = (record.get("file") or "").strip()
                values = tuple((column, value.strip()) for column in COLUMNS
                               if isinstance(value := record.get(column), str) and value.strip())
                if name:
                    rows[name] = SidecarRow(values, f"{where}:{line}")
            return Table(rows)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return Table({}, ((where, f"cannot be read ({error}); the table is ignored"),))


def authors_of(row: SidecarRow) -> list[str] | None:
    """The row's authors (`A; B`), or None when it names none."""
    value = row.get("authors")
    return [name.strip() for name in value.split(AUTHOR_SEPARATOR) if name.strip()] if value else None
