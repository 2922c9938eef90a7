"""The golden corpus and query log: 2,000 generated articles and 500 generated queries whose
top ten (ids and scores) are committed, so a restructuring that should change no result can
show it changed none (tests/test_golden.py; `python tests/golden_corpus.py` rewrites the file).

The articles are tests/corpus_generator.py's, given what news has and random words lack: names
the gazetteers know, bylines, tags, and rewrites of earlier articles (versions of one story).
The queries mix every kind the query language has: words, phrases, names, reporters, filters,
prefix, fuzzy and boolean operators.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from corpus_generator import records, vocabulary

DOCS = 2000
QUERIES = 500
SEED = 20261203
GOLDEN = Path(__file__).parent / "data" / "golden-top10.jsonl"
NAMES = ["NATO", "Ukraine", "Kyiv", "Kiev", "Ben Wallace", "Defence Secretary Ben Wallace", "the Pentagon",
         "the International Monetary Fund", "the IMF", "Amraam", "HIMARS", "Brazil", "Brazilian exporters",
         "the U.S. Treasury", "OPEC", "Saudi Arabia", "Jens Stoltenberg", "Mr Stoltenberg", "Zelenskiy",
         "President Volodymyr Zelensky", "the European Union", "Britain", "the UK", "Moscow"]
REPORTERS = ["Patti Domm", "Ted D'Afflisio", "Olena Roshchina", "Max Hunder", "Richard Price"]
TAGS = ["crude", "grain", "trade", "ship", "money-fx", "earn", "defence"]


def golden_records(count: int = DOCS, seed: int = SEED) -> list[dict]:
    """The golden corpus: generated articles with names, bylines, tags and rewrites."""
    rng = random.Random(seed)
    out: list[dict] = []
    for record in records(count, seed):
        if out and rng.random() < 0.08:
            earlier = rng.choice(out)
            record = {**record, "title": earlier["title"].upper(),
                      "text": earlier["text"] + " " + record["text"].split(". ")[0] + "."}
        sentences = record["text"].split(". ")
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            at = rng.randrange(len(sentences))
            sentences[at] = f"{sentences[at]}, {rng.choice(NAMES)} said"
        record["text"] = ". ".join(sentences)
        if rng.random() < 0.3:
            record["author"] = f"By {rng.choice(REPORTERS)}, Reuters"
        record["topics"] = rng.sample(TAGS, rng.choice((0, 1, 1, 2)))
        out.append(record)
    return out


def golden_queries(corpus: list[dict], count: int = QUERIES, seed: int = SEED) -> list[str]:
    """`count` distinct queries of every kind, drawn from the corpus."""
    rng = random.Random(seed + 1)
    words = vocabulary(seed)[:400]

    def body_run(length: int) -> str:
        text = rng.choice(corpus)["text"].replace(",", "").replace(".", "").split()
        start = rng.randrange(max(len(text) - length, 1))
        return " ".join(text[start:start + length]).lower()

    makers = [
        lambda: rng.choice(words),
        lambda: f"{rng.choice(words)} {rng.choice(words)}",
        lambda: body_run(3),
        lambda: f'"{body_run(2)}"',
        lambda: f'"{body_run(2)}" {rng.choice(words)}',
        lambda: rng.choice(NAMES).removeprefix("the "),
        lambda: f"{rng.choice(NAMES).removeprefix('the ')} {rng.choice(words)}",
        lambda: rng.choice(REPORTERS),
        lambda: f"{rng.choice(words)} -{rng.choice(words)}",
        lambda: f"+{rng.choice(words)} {rng.choice(words)}",
        lambda: f"{rng.choice(words)} OR {rng.choice(words)}",
        lambda: f"{rng.choice(words)} AND {rng.choice(words)}",
        lambda: f"{rng.choice(words)[:3]}*",
        lambda: f"{rng.choice(words)}~",
        lambda: f"tag:{rng.choice(TAGS)} {rng.choice(words)}",
        lambda: f"place:kyiv {rng.choice(words)}",
        lambda: f"{rng.choice(words)} date:2021",
        lambda: " ".join(rng.choice(words) for _ in range(rng.randint(4, 7))),
    ]
    queries: dict[str, None] = {}
    while len(queries) < count:
        queries.setdefault(rng.choice(makers)(), None)
    return list(queries)


def top_ten(engine, query: str) -> dict:
    """What the golden file keeps of one query: the shown ids, their scores, the totals."""
    answer = engine.search(query, limit=10)
    return {"query": query, "total": answer["total"], "all_words_total": answer["all_words_total"],
            "ids": [hit["id"] for hit in answer["results"]],
            "scores": [hit["score"] for hit in answer["results"]]}


def build(directory: Path, backend: str = "whoosh", location: Path | str | None = None) -> Path | str:
    """The golden corpus written under `directory` and indexed into `backend` at `location`
    (by default a folder under `directory`); returns the index's location."""
    from search.indexer import update_index

    root = directory / "golden-corpus"
    root.mkdir(parents=True, exist_ok=True)
    corpus = golden_records()
    (root / "golden.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    location = location or directory / "golden-index"
    update_index(location, [root], backend=backend)
    return location


def main() -> int:
    import tempfile

    from search.engine import Engine

    with tempfile.TemporaryDirectory() as directory:
        engine = Engine(build(Path(directory)))
        lines = [json.dumps(top_ten(engine, query)) for query in golden_queries(golden_records())]
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} queries to {GOLDEN}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
