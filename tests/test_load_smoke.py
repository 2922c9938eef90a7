"""A short load on `search serve` (the long run is in `make bench`): several clients mixing
searches, completions and article fetches get only answers, no errors, no dropped connections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["Amraam", "drone strikes inside Russia", "Zelenskyy", '"air defence"', "Wallace AND nato",
           "kyiv~", "drone*", "((unbalanced", "source:telegraph missiles", "date:2022.."]


def test_a_short_mixed_load_has_no_errors_and_no_dropped_connections(seed_index, tmp_path):
    log = tmp_path / "queries.tsv"
    log.write_text("".join(f"smoke\t{query}\n" for query in QUERIES), encoding="utf-8")
    out = tmp_path / "load.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--index", str(seed_index), "--queries", str(log),
         "--clients", "6", "--seconds", "4", "--out", str(out), "--log", str(tmp_path / "serve.log")],
        capture_output=True, text=True, timeout=180, cwd=ROOT / "bench",
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["errors"] == 0 and report["dropped"] == 0, report
    assert set(report["by_kind"]) == {"search", "suggest", "article"}
    assert report["requests_ok"] >= 50, report
    assert report["p99_ms"] < 4000, "no request may wait past two time budgets"
