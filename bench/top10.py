"""The top ten ids of a query log over an index, written or checked: a restructuring that should
change no result shows it on real data (issue 17 asks it of Reuters' 1,000 logged queries).

    .venv/bin/python bench/top10.py --index DIR --queries bench/queries/reuters.tsv --write top10.json
    .venv/bin/python bench/top10.py --index DIR --queries bench/queries/reuters.tsv --check top10.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from querylog import read_log


def top_ten(index: Path, queries: Path) -> dict[str, list[str]]:
    """Each logged query's ten shown ids, as the engine answers it."""
    from search.engine import Engine

    engine = Engine(index)
    return {text: [hit["id"] for hit in engine.search(text, limit=10)["results"]]
            for _, text in read_log(queries)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    found = top_ten(args.index, args.queries)
    if args.write:
        args.write.write_text(json.dumps(found, indent=0), encoding="utf-8")
        print(f"wrote the top ten of {len(found)} queries to {args.write}")
        return 0
    expected = json.loads(args.check.read_text(encoding="utf-8"))
    changed = [text for text, ids in expected.items() if found.get(text) != ids]
    print(f"{len(expected) - len(changed)} of {len(expected)} queries give the same top ten")
    for text in changed[:10]:
        print(f"  changed: {text!r}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
