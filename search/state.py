"""The state of an index: what it records about how it was built and what it learned.

The analysis fingerprint it was built with (an index the code no longer matches must say so),
the user's spelling variants and aliases kept with it, and the acronym definitions learned from
the corpus. Each backend keeps it where it keeps the index (the embedded index in a file beside
it), so two machines pointed at one store agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from search.tables import AnalysisTables, analysis_tables


@dataclass
class IndexState:
    """What the index records about how it was built."""

    format: int = 0
    tables: str = ""
    user_variants: list[list[str]] = field(default_factory=list)
    learned: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    updated: float = 0.0
    streams: dict[str, dict] = field(default_factory=dict)  # file key -> StreamRecord.as_dict()
    run_acronyms: list[str] | None = None  # acronyms known when the run still under way began

    @classmethod
    def from_dict(cls, data: dict) -> IndexState:
        """The state recorded as `as_dict` wrote it (TypeError or ValueError when it is not)."""
        if not isinstance(data, dict):
            raise ValueError("not a record of an index's state")
        return cls(**data)

    def as_dict(self) -> dict:
        return asdict(self)

    def alias_groups(self) -> list[tuple[str, list[str]]]:
        """The user's aliases kept with the index (`search index --aliases`)."""
        return list(self.aliases.items())

    def learned_groups(self) -> list[tuple[str, list[str]]]:
        """Acronym definitions learned from the corpus: short form, long forms."""
        return list(self.learned.items())

    def stream(self, key: str) -> StreamRecord | None:
        """How far runs have read the big file under `key`, if one has."""
        recorded = self.streams.get(key)
        return StreamRecord(**recorded) if recorded else None

    def tables_for_index(self) -> AnalysisTables:
        pairs = [(variant, canonical) for variant, canonical in self.user_variants]
        return analysis_tables().with_variants(pairs)


@dataclass(frozen=True)
class StreamRecord:
    """How far runs have read one big file (a `search.ingest.Position`: offset, last line or
    record, SHA-1 of the bytes before the offset) and, once a run reached its end, the stored
    file's size and time then, which tell a later run it is unchanged without reading it."""

    offset: int
    line: int
    sha1: str
    stored_bytes: int | None = None
    mtime_ns: int | None = None
    signature: str = ""  # of a JSON array: the whole file's, which a run resuming in it requires

    def as_dict(self) -> dict:
        return asdict(self)
