"""`make eval`: relevance of our ranker against a plain Whoosh baseline, written to bench/EVAL.md.

For each test collection it builds a real index of ours (the default configuration the CLI and
web use) and a stock Whoosh index (StemmingAnalyzer, BM25F, OR-grouped MultifieldParser over
title and body, no boosts), runs every query, and scores both runs with ir-measures. It also
measures the ranking choices one by one (each row changes one thing from the default), so every
default in `search/rank.py` is backed by a number.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import entities_eval
import opensearch_eval
import quotes_eval
import spelling_eval
import story_pairs
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.scoring import BM25F

from search.engine import Engine
from search.evaluate import read_qrels, read_queries, run_queries, score_run
from search.indexer import update_index
from search.rank import DEFAULT_WEIGHTS, Weights

COLLECTIONS = ("cranfield", "cisi")
HERE = Path(__file__).resolve().parent


def baseline_ranker(corpus: Path, directory: Path):
    """Stock Whoosh as its users would run it."""
    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=StemmingAnalyzer()),
                    body=TEXT(analyzer=StemmingAnalyzer()))
    ix = whoosh_index.create_in(str(directory), schema)
    writer = ix.writer()
    for line in corpus.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        writer.add_document(id=str(record["id"]), title=record.get("title") or "",
                            body=record.get("text") or "")
    writer.commit()
    searcher = ix.searcher(weighting=BM25F())
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def rank(text: str, depth: int) -> list[tuple[str, float]]:
        hits = searcher.search(parser.parse(text), limit=depth)
        return [(hit["id"], hit.score) for hit in hits]

    return rank


def with_weights(engine: Engine, weights: Weights):
    def rank(text: str, depth: int) -> list[tuple[str, float]]:
        engine.weights = engine.backend.weighting.weights = weights
        return engine.ranked_ids(text, depth)

    return rank


def variants() -> list[tuple[str, Weights]]:
    """The default, then one change at a time."""
    d = DEFAULT_WEIGHTS
    title_only = {**d.field_weights}
    return [
        ("default (ours)", d),
        ("no pseudo-relevance feedback", replace(d, feedback_docs=0)),
        ("no headline boost (title 0)", replace(d, field_weights={**title_only, "title": 0.0,
                                                                  "title_exact": 0.0})),
        ("headline boost 0.5", replace(d, field_weights={**title_only, "title": 0.5, "title_exact": 0.5})),
        ("k1 1.2", replace(d, k1=1.2)),
        ("k1 1.8", replace(d, k1=1.8)),
        ("b 0.6", replace(d, b=0.6)),
        ("b 0.9", replace(d, b=0.9)),
        ("feedback: 5 documents", replace(d, feedback_docs=5)),
        ("feedback: 10 terms", replace(d, feedback_terms=10)),
        ("feedback weight 0.3", replace(d, feedback_weight=0.3)),
        ("no entity boost", replace(d, entity_boost=0.0)),
        ("entity boost 4", replace(d, entity_boost=4.0)),
    ]


def evaluate_collection(shared: Path, name: str, work: Path) -> dict:
    data = shared / "data" / name
    queries, qrels = read_queries(data / "queries.tsv"), read_qrels(data / "qrels.txt")
    started = time.perf_counter()
    update_index(work / name, [data / "corpus.jsonl"])
    build_seconds = time.perf_counter() - started
    engine = Engine(work / name)
    rows = {}
    for label, weights in variants():
        rows[label] = score_run(run_queries(with_weights(engine, weights), queries), qrels)
        print(f"{name}: {label}: MAP {rows[label]['MAP']:.4f}", file=sys.stderr)
    baseline_dir = work / f"{name}-baseline"
    baseline_dir.mkdir()
    rows["stock Whoosh baseline"] = score_run(
        run_queries(baseline_ranker(data / "corpus.jsonl", baseline_dir), queries), qrels)
    return {"queries": len(queries), "build_seconds": round(build_seconds, 2), "rows": rows}


def markdown(results: dict) -> str:
    lines = [
        "# Relevance evaluation",
        "",
        "Written by `make eval` (`bench/eval.py`); do not edit by hand. Measures by ir-measures "
        "(pytrec_eval): MAP, nDCG@10, P@10, Recall@100 over every judged query (a query with no "
        "result counts as 0).",
        "",
        "- **default (ours)**: the configuration the CLI and web use (`search/rank.py` `DEFAULT_WEIGHTS`): "
        "BM25 over headline+body as one field plus a headline boost, Lucene IDF "
        "`log(1 + (N - n + 0.5) / (n + 0.5))`, query term frequency counted, RM3 pseudo-relevance "
        "feedback for plain queries of 4+ distinct words, the entity boost, aliases; short queries "
        "(2-3 words) rank articles with all their words first.",
        "- **stock Whoosh baseline**: Whoosh-Reloaded 2.7.5, `StemmingAnalyzer`, `BM25F()`, "
        "OR-grouped `MultifieldParser` over title and body, no boosts.",
        "- Every other row changes one thing from the default, to show what each choice is worth.",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}.",
        "",
    ]
    for name, result in results.items():
        baseline = result["rows"]["stock Whoosh baseline"]["MAP"]
        ours = result["rows"]["default (ours)"]["MAP"]
        lines += [
            f"## {name} ({result['queries']} queries)",
            "",
            f"Default MAP {ours:.4f} vs baseline {baseline:.4f}: "
            f"{(ours / baseline - 1) * 100:+.1f}%.",
            "",
            "| configuration | MAP | nDCG@10 | P@10 | Recall@100 |",
            "|---|---|---|---|---|",
        ]
        for label, row in result["rows"].items():
            lines.append(f"| {label} | {row['MAP']:.4f} | {row['nDCG@10']:.4f} | {row['P@10']:.4f} "
                         f"| {row['Recall@100']:.4f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def entity_section(shared: Path) -> tuple[str, dict]:
    """Entity recognition against Reuters' own people/orgs/places tags (bench/entities_eval.py)."""
    corpus = shared / "data" / "reuters" / "corpus.jsonl"
    if not corpus.exists():
        return "", {}
    result = entities_eval.evaluate(entities_eval.read_stories(corpus, None), 0.0, False)
    text = "\n".join([
        "## Entities on Reuters-21578",
        "",
        "Document-level precision and recall of the people, organisations and places we recognise "
        "against Reuters' own `people`, `orgs` and `places` tags (headline and body, as indexed; "
        "only stories with a tag of that type count; see `bench/entities_eval.py` for the mapping "
        "to Reuters' codes).",
        "",
        entities_eval.markdown(result),
        "",
    ])
    return text, result


def stories_section(shared: Path) -> tuple[str, dict]:
    """Story grouping against the hand-judged Reuters pairs (bench/story_pairs.py)."""
    corpus = shared / "data" / "reuters" / "corpus.jsonl"
    if not corpus.exists():
        return "", {}
    result = story_pairs.evaluate(corpus, story_pairs.PAIRS)
    return story_pairs.markdown(result) + "\n", result


def replace_section(document: str, section: str) -> str:
    """`document` with the `## ` section that `section` starts with replaced (or appended)."""
    heading = section.split("\n", 1)[0]
    start = document.find(heading + "\n")
    if start < 0:
        return document.rstrip("\n") + "\n\n" + section
    end = document.find("\n## ", start + len(heading))
    rest = "\n" + document[end + 1:] if end >= 0 else ""  # a blank line before the next heading
    return document[:start] + section.rstrip("\n") + "\n" + rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=HERE / "EVAL.md")
    parser.add_argument("--only-stories", action="store_true",
                        help="rerun only the Stories section, in the existing EVAL.md and EVAL.json")
    parser.add_argument("--only-quotes", action="store_true",
                        help="rerun only the Who said what section, in the existing EVAL.md and EVAL.json")
    parser.add_argument("--only-opensearch", action="store_true",
                        help="rerun only the OpenSearch section, in the existing EVAL.md and EVAL.json")
    args = parser.parse_args()
    if args.only_stories:
        return rewrite_stories(args.shared, args.out)
    if args.only_quotes:
        text, result = quotes_eval.section(args.shared)
        return rewrite_section(args.out, text, "quotes", result)
    if args.only_opensearch:
        with tempfile.TemporaryDirectory() as work:
            text, result = opensearch_eval.section(args.shared, Path(work))
        return rewrite_section(args.out, text, "opensearch", result)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for name in COLLECTIONS:
            if (args.shared / "data" / name / "qrels.txt").exists():
                results[name] = evaluate_collection(args.shared, name, Path(work))
        spelling_text, spelling = spelling_eval.section(args.shared, Path(work))
        opensearch_text, opensearch = opensearch_eval.section(args.shared, Path(work))
    entities_text, entities = entity_section(args.shared)
    stories_text, stories = stories_section(args.shared)
    quotes_text, quotes = quotes_eval.section(args.shared)
    sections = [markdown(results), entities_text, stories_text, quotes_text, spelling_text, opensearch_text]
    args.out.write_text("\n".join(section.rstrip("\n") + "\n" for section in sections), encoding="utf-8")
    raw = {**results, "entities": entities, "stories": stories, "quotes": quotes, "spelling": spelling,
           "opensearch": opensearch}
    args.out.with_suffix(".json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def rewrite_stories(shared: Path, out: Path) -> int:
    """Only the Stories section and its JSON, the rest of the last full run kept."""
    text, result = stories_section(shared)
    return rewrite_section(out, text, "stories", result)


def publish(out: Path, text: str, key: str, result: dict) -> int:
    """Print a section of bench/RESULTS.md and, unless `out` is `-`, write it there with its part
    of RESULTS.json (what each timed table's script does at its end)."""
    print(text)
    if str(out) == "-":
        return 0
    return rewrite_section(out, text, key, result, indent=1)


def rewrite_section(out: Path, text: str, key: str, result: dict, indent: int = 2) -> int:
    """One section of a results page (EVAL.md, RESULTS.md) and its part of the JSON beside it
    replaced, the rest of the last full run kept (RESULTS.json is written with indent 1)."""
    if not text:
        print("the data this section needs is missing", file=sys.stderr)
        return 1
    out.write_text(replace_section(out.read_text(encoding="utf-8"), text), encoding="utf-8")
    raw_path = out.with_suffix(".json")
    raw = json.loads(raw_path.read_text(encoding="utf-8")) if raw_path.exists() else {}
    raw_path.write_text(json.dumps({**raw, key: result}, indent=indent), encoding="utf-8")
    print(f"wrote the {text.splitlines()[0].lstrip('# ')} section of {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
