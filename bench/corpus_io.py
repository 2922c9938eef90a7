"""Corpora on disk for the benchmark: folders of JSON Lines shards that every engine reads alike.

A corpus is a folder of `part-NNNNN.jsonl` files of `RECORDS_PER_SHARD` records each plus a
`manifest.json` that says how it was made. Our indexer reads and enriches files in a process
pool only when a run has many files, so a corpus split in shards is how its users would feed it
a large collection; the peers read the same shards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from tokens import tokens

RECORDS_PER_SHARD = 100
MANIFEST = "manifest.json"


def shard_paths(folder: Path) -> list[Path]:
    """The corpus's shard files in order."""
    return sorted(folder.glob("part-*.jsonl"))


def iter_records(folder: Path, limit: int | None = None) -> Iterator[dict]:
    """Every record of a corpus folder in shard order, or of one JSON Lines file (at most `limit`)."""
    count = 0
    for path in [folder] if folder.is_file() else shard_paths(folder):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if limit is not None and count >= limit:
                    return
                if line.strip():
                    count += 1
                    yield json.loads(line)


def write_shards(records: Iterable[dict], folder: Path, per_shard: int = RECORDS_PER_SHARD) -> int:
    """Write records into numbered shards of `per_shard` records; returns the record count."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in shard_paths(folder):
        old.unlink()
    count, shard, handle = 0, 0, None
    try:
        for record in records:
            if count % per_shard == 0:
                if handle:
                    handle.close()
                handle = (folder / f"part-{shard:05d}.jsonl").open("w", encoding="utf-8")
                shard += 1
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if handle:
            handle.close()
    return count


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a corpus folder, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def split_jsonl(source: Path, folder: Path, limit: int | None = None) -> int:
    """Copy a JSON Lines file into shards (the first `limit` records); reuses an up-to-date copy."""
    stamp = {"kind": "copy", "source": str(source.resolve()), "size": source.stat().st_size,
             "mtime_ns": source.stat().st_mtime_ns, "limit": limit}
    manifest = read_manifest(folder)
    if manifest and manifest.get("stamp") == stamp:
        return int(manifest["documents"])

    def records() -> Iterator[dict]:
        with source.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if limit is not None and number >= limit:
                    return
                if line.strip():
                    yield json.loads(line)

    count = write_shards(records(), folder)
    vocabulary, chars = text_statistics(iter_records(folder))
    write_manifest(folder, {"stamp": stamp, "documents": count, "vocabulary": vocabulary,
                            "mean_chars": round(chars / max(count, 1), 1)})
    return count


def text_statistics(records: Iterable[dict]) -> tuple[int, int]:
    """Distinct lowercased words (as the generator counts them) and characters of titles and texts."""
    seen: set[str] = set()
    chars = 0
    for record in records:
        for text in (record.get("title") or "", record.get("text") or ""):
            seen.update(t.lower() for t in tokens(text) if any(c.isalnum() for c in t))
            chars += len(text)
    return len(seen), chars


def folder_bytes(path: Path) -> int:
    """Bytes on disk of a file or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
