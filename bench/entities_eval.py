"""How well search/entities/ finds the people, organisations and places Reuters tagged.

    .venv/bin/python bench/entities_eval.py --reuters ../shared/data/reuters/corpus.jsonl [--json PATH]

Reuters-21578 tags each story with `people`, `orgs` and `places`: lower-case
codes from a closed vocabulary (`reagan`, `imf`, `west-germany`). Our
entities are mapped to those codes: by `bench/reuters_entity_codes.tsv`
where it names them, else by the name lower-cased with hyphens (`West
Germany` -> west-germany), for a person by the shortest tail of the name that
is a code (`Paul Volcker` -> volcker), and a city counts as its country. An
entity that maps to no code (a company, a person Reuters never tags) cannot
be judged by these tags: it is counted as unmapped, not as an error.

Scores are document-level and micro-averaged: for each type, only the
stories with at least one tag of that type count; in each, the set of codes
we found is compared with the set Reuters gave. Extraction runs as the
indexer would run it: acronym definitions are first learned across the
corpus, then each story is extracted with them, and the time of both is
reported. The indexer sees headline and body only, so that is the default,
and it passes the record's `source` (mentions of Reuters at work are dropped);
`--dateline` adds the wire dateline, from which Reuters drew most place tags.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from search.entities import acronym_definitions, country_of, extract_entities

CODES = Path(__file__).with_name("reuters_entity_codes.tsv")
FIELDS = {"person": "people", "org": "orgs", "place": "places"}


def read_codes(path: Path) -> dict[tuple[str, str], str]:
    """`type<TAB>name<TAB>code` lines: (type, name) -> Reuters code."""
    codes = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, name, code = (cell.strip() for cell in line.split("\t"))
            codes[(kind, name)] = code
    return codes


def read_stories(path: Path, limit: int | None) -> list[dict]:
    """The corpus records, one JSON object a line."""
    stories = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            stories.append(json.loads(line))
            if limit and len(stories) >= limit:
                break
    return stories


def slug(name: str) -> str:
    """`West Germany` -> `west-germany`, the shape of a Reuters code."""
    return "-".join(name.lower().replace(".", "").split())


def to_code(kind: str, name: str, codes: dict, vocabulary: set[str]) -> str | None:
    """The Reuters code an entity of ours stands for, or None."""
    if kind == "place":
        name = country_of(name) or ""
        if not name:
            return None
    if (kind, name) in codes:
        return codes[(kind, name)]
    if kind == "person":
        words = slug(name).split("-")
        for start in range(len(words)):
            tail = "-".join(words[start:])
            if tail in vocabulary:
                return tail
        return None
    code = slug(name)
    return code if code in vocabulary else None


def corpus_definitions(stories: list[dict]) -> dict[str, str]:
    """Each acronym's most frequent definition across the corpus."""
    seen: dict[str, Counter] = {}
    for story in stories:
        for short, long in acronym_definitions(story.get("text") or ""):
            seen.setdefault(short, Counter())[long] += 1
    return {short: longs.most_common(1)[0][0] for short, longs in seen.items()}


def story_text(story: dict, dateline: bool) -> str:
    """The body, with the wire dateline before it (`LONDON, March 3 - `) when asked for."""
    text = story.get("text") or ""
    place = (story.get("dateline") or "").strip()
    return f"{place} - {text}" if dateline and place else text


def evaluate(stories: list[dict], min_salience: float, dateline: bool = False) -> dict:
    """Extract every story, map to codes, and count hits, misses and false alarms per type."""
    codes = read_codes(CODES)
    vocabulary = {kind: {code for story in stories for code in story.get(field) or []}
                  for kind, field in FIELDS.items()}
    started = time.perf_counter()
    definitions = corpus_definitions(stories)
    learned = time.perf_counter()
    found = [extract_entities(story.get("title") or None, story_text(story, dateline), definitions,
                              source=story.get("source"))
             for story in stories]
    finished = time.perf_counter()
    counts = {kind: Counter() for kind in FIELDS}
    for story, entities in zip(stories, found, strict=True):
        for kind, field in FIELDS.items():
            gold = set(story.get(field) or [])
            if not gold:
                continue
            predicted, unmapped = set(), 0
            for entity in entities:
                if entity.type != kind or entity.salience < min_salience:
                    continue
                code = to_code(kind, entity.name, codes, vocabulary[kind])
                if code is None:
                    unmapped += 1
                else:
                    predicted.add(code)
            tally = counts[kind]
            tally["documents"] += 1
            tally["tp"] += len(predicted & gold)
            tally["fp"] += len(predicted - gold)
            tally["fn"] += len(gold - predicted)
            tally["unmapped"] += unmapped
    rows = {kind: scores(tally) for kind, tally in counts.items()}
    return {
        "stories": len(stories),
        "min_salience": min_salience,
        "dateline": dateline,
        "definitions_learned": len(definitions),
        "seconds_definitions": round(learned - started, 3),
        "seconds_extraction": round(finished - learned, 3),
        "ms_per_story": round(1000 * (finished - started) / max(1, len(stories)), 3),
        "types": rows,
    }


def scores(tally: Counter) -> dict:
    """Precision, recall and F1 from hit counts (0 when undefined)."""
    tp, fp, fn = tally["tp"], tally["fp"], tally["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"documents": tally["documents"], "tp": tp, "fp": fp, "fn": fn, "unmapped": tally["unmapped"],
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def markdown(result: dict) -> str:
    """The result as a markdown table, with the timing under it."""
    lines = [
        "| type | documents | precision | recall | F1 | unmapped |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, row in result["types"].items():
        lines.append(f"| {kind} | {row['documents']} | {row['precision']:.3f} | {row['recall']:.3f} "
                     f"| {row['f1']:.3f} | {row['unmapped']} |")
    lines.append("")
    source = "headline, dateline and body" if result["dateline"] else "headline and body (no dateline)"
    lines.append(f"Extracted from: {source}; entities with salience >= {result['min_salience']}.")
    lines.append(f"Documents: stories with at least one Reuters tag of that type (of {result['stories']}). "
                 "Unmapped: entities found in them that map to no Reuters code (not scored).")
    lines.append(f"Time: {result['seconds_definitions']} s learning {result['definitions_learned']} acronym "
                 f"definitions, {result['seconds_extraction']} s extracting; "
                 f"{result['ms_per_story']} ms per story in all.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print (and optionally save) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, required=True, help="Reuters-21578 corpus.jsonl")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--limit", type=int, help="only the first N stories")
    parser.add_argument("--min-salience", type=float, default=0.0, help="ignore less salient entities")
    parser.add_argument("--dateline", action="store_true",
                        help="put the wire dateline (`LONDON, March 3 -`) before the text")
    args = parser.parse_args(argv)
    result = evaluate(read_stories(args.reuters, args.limit), args.min_salience, args.dateline)
    print(markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
