"""Each article of a folder as the indexer hands it to a backend: `search.documents.document_fields`
of the article read and enriched (entities, MinHash) as an indexing run reads and enriches it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from conftest import CORPUS
from fixtures_corpora import DATED_RECORDS, HOSTILE_RECORDS, SPELLING_RECORDS, WIRE_RECORDS

from search.documents import document_fields, file_key
from search.indexer import _read_job, signature_of
from search.ingest import find_files

FIXTURE_RECORDS = WIRE_RECORDS + DATED_RECORDS + SPELLING_RECORDS + HOSTILE_RECORDS


def write_corpus(root: Path, records: list[dict]) -> Path:
    """The sample corpus's seed files and the records (one JSON Lines file) in a new folder."""
    root.mkdir(parents=True)
    for seed in sorted(CORPUS.glob("*.txt")):
        shutil.copy(seed, root)
    lines = "".join(json.dumps(record) + "\n" for record in records)
    (root / "records.jsonl").write_text(lines, encoding="utf-8")
    return root


def corpus_fields(root: Path, stories: dict[str, str] | None = None) -> list[dict]:
    """Every article under `root` as its field values, with its story from `stories` (by id;
    without one, the article is its own story, as the indexer makes a story's first version)."""
    found = []
    for path in find_files(root):
        relative = path.relative_to(root).as_posix()
        contents, extras, _ = _read_job((path, relative, {}))
        key, signature = file_key(str(root.resolve()), relative), signature_of(path, path.stat())
        for article, extra in zip(contents.articles, extras, strict=True):
            story = (stories or {}).get(article.id, "")
            found.append(document_fields(article, key, signature, replace(extra, story=story)))
    return found
