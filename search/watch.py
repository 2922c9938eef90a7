"""Watched queries: `search watch "QUERY"` prints the stories indexed since its last run.

A watch remembers the ids of the documents its query matched at its last run (every version,
the newest `WATCH_DEPTH` by date, holding every word of the query as a feed does). What it
matches now and did not then was indexed since: a story none of whose versions it knew is
new, a new version of a known story is an update. New is "indexed since", not "dated since":
an old article indexed today is new to the watch (if it is among the newest `WATCH_DEPTH`).

The watches are kept in a file of the reader's (`$XDG_STATE_HOME/news-search/watches.json`,
by default under `~/.local/state`), by index location and query, not in the index: an index
folder may be shared or read-only, a rebuild replaces it, and an OpenSearch index has none.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from search.engine import Engine
from search.errors import InvalidParameter
from search.request import SearchRequest
from search.settings import SETTINGS

WATCH_DEPTH = SETTINGS.max_results  # documents a watch compares, newest first
SHOWN_PER_PAGE = 50  # stories read at a time to find the new ones


def watches_file() -> Path:
    """Where the reader's watches are kept."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "news-search" / "watches.json"


@dataclass
class WatchReport:
    """What one run of a watch found: the stories new since the last run and the known stories
    with new versions (each a hit of the result shape), and when the last run was (None the
    first time: nothing is reported then, the watch starts)."""

    query: str
    since: float | None
    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"query": self.query, "since": self.since, "new": self.new, "updated": self.updated}


class Watches:
    """The watched queries of one index, kept in `path` (shared with other indexes' watches)."""

    def __init__(self, path: Path, location: str):
        self.path, self.location = path, location

    def _read_all(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or unreadable: the watches start again
            return {}

    def _write_all(self, everything: dict) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(everything, ensure_ascii=False), encoding="utf-8")
            temporary.replace(self.path)
        except OSError as error:
            raise InvalidParameter(f"cannot keep the watches in {self.path}: "
                                   f"{error.strerror or error} (set XDG_STATE_HOME)") from None

    def listed(self) -> dict[str, float]:
        """Each watched query of this index and when it last ran."""
        return {query: kept["ran"] for query, kept in self._read_all().get(self.location, {}).items()}

    def forget(self, query: str) -> bool:
        """Stop watching a query; whether it was watched."""
        everything = self._read_all()
        known = everything.get(self.location, {})
        if known.pop(query, None) is None:
            return False
        self._write_all(everything)
        return True

    def run(self, engine: Engine, query: str) -> WatchReport:
        """What is new for `query` since its last run; remembers what it matches now."""
        request = SearchRequest(query, limit=WATCH_DEPTH, sort="newest", every_word=True, correct=False)
        now = engine.matching_ids(request)
        everything = self._read_all()
        kept = everything.get(self.location, {}).get(query)
        report = WatchReport(query, kept["ran"] if kept else None)
        if kept is not None:
            seen = set(kept["seen"])
            if any(doc_id not in seen for doc_id in now):
                report.new, report.updated = _unseen_stories(engine, query, set(now) - seen, seen)
        everything.setdefault(self.location, {})[query] = {"ran": time.time(), "seen": now}
        self._write_all(everything)
        return report


def _unseen_stories(engine: Engine, query: str, unseen: set[str], seen: set[str]) -> tuple[list, list]:
    """The stories holding the unseen documents, newest first: new (no version seen before) and
    updated (a version seen before). Read a page of stories at a time until each unseen
    document's story is found."""
    new, updated, left, offset = [], [], set(unseen), 0
    while left and offset < WATCH_DEPTH:
        limit = min(SHOWN_PER_PAGE, WATCH_DEPTH - offset)
        page = engine.search(SearchRequest(query, limit=limit, offset=offset, sort="newest", every_word=True,
                                           correct=False))
        for hit in page["results"]:
            members = {hit["id"], *(version["id"] for version in hit["versions"])}
            if members & left:
                (updated if members & seen else new).append(hit)
                left -= members
        if len(page["results"]) < limit:
            break
        offset += limit
    return new, updated
