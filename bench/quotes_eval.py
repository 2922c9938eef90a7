"""Who said what, measured: the quote extractor (search/quotes.py) against quotes annotated by hand.

    .venv/bin/python bench/quotes_eval.py --shared ../shared              # held-out rows
    .venv/bin/python bench/quotes_eval.py --shared ../shared --set tune   # the rows it was tuned on

`data/quotes.jsonl` holds every quotation of 46 articles (the five seed articles and Reuters
stories taken in a seeded shuffle of those with quotation marks), each with its kind (a quote,
a scare quote, other) and its speaker (a named person, or null). Whole articles are in one set:
`tune` (what the rules were written against) or `heldout` (never looked at while writing them).

Attribution is scored over quotes with a named speaker. A quote the extractor attributes counts
once, matched to the annotated quote of its article whose words it shares (the texts compared
with spaces and quotation marks taken out, one holding the other). It is correct when the
speakers agree: the same name, or the same surname (the annotation gives a name as the article
first prints it in full, the extractor as its entity is named).
    precision = correct attributions / attributions made
    recall    = correct attributions / annotated quotes with a named speaker
Also reported: how many annotated quotes (of any speaker) the extractor finds at all.
`bench/eval.py` writes this into EVAL.md; alone, this script prints the section.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from search.analysis import news_analyzer
from search.entities import extract_entities
from search.ingest import read_file
from search.quotes import Quote, extract_quotes

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = Path(__file__).parent / "data" / "quotes.jsonl"
SEEDS = ROOT / "corpus"
IGNORED = re.compile(r"[\s\"“”«»„]+")


def comparable(text: str) -> str:
    """A quote's words as compared: lower case, without spaces, marks or closing punctuation."""
    return IGNORED.sub("", text).lower().rstrip(",.…")


def same_speaker(annotated: str, extracted: str) -> bool:
    """Whether two names are one person's: the same surname as the news analysis reads it (its
    spelling variants one: `Zelenskiy`, `Zelenskyy`)."""
    analyzer = news_analyzer()
    surnames = [[token.text for token in analyzer(name.split()[-1], mode="query")] if name.split() else []
                for name in (annotated, extracted)]
    return bool(surnames[0]) and surnames[0] == surnames[1]


def read_annotations(kept: str) -> dict[str, list[dict]]:
    """The annotated quotes of one set, by article id."""
    by_doc: dict[str, list[dict]] = {}
    for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["set"] == kept:
            by_doc.setdefault(row["doc"].removesuffix(".txt"), []).append(row)
    return by_doc


def read_articles(ids: set[str], shared: Path) -> dict:
    """The annotated articles as the indexer reads them (seed files, Reuters records)."""
    found = {}
    for path in sorted(SEEDS.glob("*.txt")):
        found.update((a.id, a) for a in read_file(path, path.name).articles if a.id in ids)
    reuters = shared / "data" / "reuters" / "corpus.jsonl"
    if ids - set(found):
        found.update((a.id, a) for a in read_file(reuters, reuters.name).articles if a.id in ids)
    return found


def matching_row(quote: Quote, rows: list[dict]) -> dict | None:
    """The annotated quote whose words the extracted one shares."""
    words = comparable(quote.text)
    shared = [(min(len(words), len(other)) / max(len(words), len(other)), row)
              for row, other in ((row, comparable(row["quote"])) for row in rows)
              if words and other and (words in other or other in words)]
    return max(shared, key=lambda item: item[0])[1] if shared else None


def evaluate(kept: str, shared: Path) -> dict:
    """Precision and recall of attribution on one set, with the counts they come from."""
    annotations = read_annotations(kept)
    articles = read_articles(set(annotations), shared)
    made = correct = found = 0
    wrong, missed = [], []
    for doc, rows in annotations.items():
        article = articles[doc]
        entities = extract_entities(article.title, article.text, source=article.source)
        quotes = extract_quotes(article.text, entities)
        found += sum(1 for row in rows if row["kind"] == "quote" and any(
            matching_row(quote, [row]) for quote in quotes))
        for quote in quotes:
            if quote.speaker is None:
                continue
            made += 1
            row = matching_row(quote, rows)
            if row and row["speaker"] and same_speaker(row["speaker"], quote.speaker):
                correct += 1
            else:
                wrong.append((doc, quote.text[:60], quote.speaker, row and row["speaker"]))
        for row in rows:
            if row["speaker"] and not any(q.speaker and matching_row(q, [row]) for q in quotes):
                missed.append((doc, row["quote"][:60], row["speaker"], row["cue"]))
    named = sum(1 for rows in annotations.values() for row in rows if row["speaker"])
    quotes_total = sum(1 for rows in annotations.values() for row in rows if row["kind"] == "quote")
    return {"set": kept, "articles": len(annotations), "quotes": quotes_total, "named": named,
            "found": found, "attributed": made, "correct": correct,
            "precision": round(correct / made, 3) if made else 0.0,
            "recall": round(correct / named, 3) if named else 0.0, "wrong": wrong, "missed": missed}


def section(shared: Path) -> tuple[str, dict]:
    """The `Who said what` section of EVAL.md: both sets, the held-out one first."""
    if not (shared / "data" / "reuters" / "corpus.jsonl").exists():
        return "", {}
    results = {}
    for kept in ("heldout", "tune"):
        results[kept] = evaluate(kept, shared)
        del results[kept]["wrong"], results[kept]["missed"]
    lines = [
        "## Who said what",
        "",
        "Quotations and their speakers (search/quotes.py) against `bench/data/quotes.jsonl`: every "
        "quotation of 46 articles annotated by hand (the five seed articles and Reuters stories "
        "taken in a seeded shuffle of those with quotation marks), each article in one set. The "
        "rules were written against the `tune` articles only; the held-out ones were not read "
        "while writing them. An attribution is correct when the annotated speaker has the same "
        "surname (spelling variants one); precision over the attributions made, recall over the "
        "annotated quotes with a named speaker (`bench/quotes_eval.py`).",
        "",
        "| set | articles | quotes | with a named speaker | found | attributed | correct | precision "
        "| recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kept, row in results.items():
        lines.append(f"| {kept} | {row['articles']} | {row['quotes']} | {row['named']} | {row['found']} "
                     f"| {row['attributed']} | {row['correct']} | {row['precision']:.3f} "
                     f"| {row['recall']:.3f} |")
    return "\n".join(lines) + "\n", results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--set", default="heldout", choices=("tune", "heldout"))
    parser.add_argument("--wrong", action="store_true", help="list the wrong attributions")
    args = parser.parse_args(argv)
    result = evaluate(args.set, args.shared)
    wrong, missed = result.pop("wrong"), result.pop("missed")
    print(json.dumps(result))
    for item in (*wrong, "missed:", *missed) if args.wrong else ():
        print(*item, sep=" | ") if isinstance(item, tuple) else print(item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
