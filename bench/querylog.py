"""A fixed, seeded query log per corpus: what news readers type, drawn from the corpus itself.

    .venv/bin/python bench/querylog.py --corpus bench/work/corpora/syn-10k --out bench/queries/syn-10k.tsv

Each line is `kind<TAB>query`; the kinds and their shares of the log:

- `word`: one content word (3+ letters, not a stopword, in at least 3 documents and at most
  20% of them), drawn with weight sqrt(document frequency);
- `two-words`: two adjacent content words from a body, lowercased;
- `headline`: three to five consecutive words of a headline, lowercased;
- `entity`: a multi-word capitalised name from a body (`Saudi Arabia`, `James Baker`), drawn
  with weight sqrt(mentions);
- `phrase`: two or three adjacent content words from a body, in double quotes.

Synthetic corpora's logs are drawn from their first 10,000 articles, which are the same at every
size (bench/corpus_gen.py), so syn-10k, syn-100k and syn-1m share one log and the scale curve
compares like with like; Reuters' log is drawn from all of Reuters.

Queries are distinct; only letters, digits, spaces (and a phrase's quotes) appear, so every
engine's query syntax takes them as words.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from collections import Counter
from pathlib import Path

from corpus_io import iter_records
from tokens import STOPWORDS, words

DEFAULT_COUNT = 1000
DEFAULT_SEED = 7
SAMPLE_DOCS = 30_000  # all of Reuters
SYNTHETIC_SAMPLE_DOCS = 10_000  # the generator's first 10,000 articles are the same at every size
SHARES = {"word": 0.30, "two-words": 0.25, "headline": 0.20, "entity": 0.15, "phrase": 0.10}
COMPANY_WORDS = frozenset({"Inc", "Co", "Corp", "Ltd", "Plc", "Cos", "Group", "Shr", "Qtr"})
NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?: (?:of )?[A-Z][a-z]+){1,2}\b")

Query = tuple[str, str]


def read_log(path: Path) -> list[Query]:
    """The (kind, query) lines of a query log."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            kind, _, text = line.partition("\t")
            rows.append((kind, text))
    return rows


def write_log(path: Path, queries: list[Query]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{kind}\t{text}\n" for kind, text in queries), encoding="utf-8")


class Sampler:
    """Document frequencies, headlines, bodies and names of a corpus sample."""

    def __init__(self, corpus: Path, rng: random.Random, sample_docs: int = SAMPLE_DOCS):
        self.rng = rng
        self.titles: list[list[str]] = []
        self.bodies: list[list[str]] = []
        df: Counter[str] = Counter()
        names: Counter[str] = Counter()
        for record in iter_records(corpus, sample_docs):
            title, text = record.get("title") or "", record.get("text") or ""
            self.titles.append(words(title))
            self.bodies.append(words(text))
            df.update(set(self.titles[-1]) | set(self.bodies[-1]))
            names.update(NAME.findall(text))
        docs = max(len(self.bodies), 1)
        self.content = {w for w, n in df.items()
                        if len(w) >= 3 and w.isalpha() and w not in STOPWORDS and 3 <= n <= 0.2 * docs}
        self.words = sorted(self.content)
        self.word_weights = [math.sqrt(df[w]) for w in self.words]
        self.names = sorted(n for n, c in names.items() if c >= 2 and n.split()[0].lower() not in STOPWORDS
                            and not COMPANY_WORDS.intersection(n.split()))
        self.name_weights = [math.sqrt(names[n]) for n in self.names]

    def word(self) -> str | None:
        return self.rng.choices(self.words, self.word_weights)[0] if self.words else None

    def entity(self) -> str | None:
        return self.rng.choices(self.names, self.name_weights)[0] if self.names else None

    def run(self, length: int) -> str | None:
        """`length` adjacent content words from a random body."""
        body = self.rng.choice(self.bodies) if self.bodies else []
        if len(body) < length:
            return None
        start = self.rng.randrange(len(body) - length + 1)
        run = body[start:start + length]
        return " ".join(run) if all(w in self.content for w in run) else None

    def headline(self) -> str | None:
        title = [w for w in self.rng.choice(self.titles) if w.isalnum()] if self.titles else []
        if len(title) < 3:
            return None
        length = self.rng.randint(3, min(5, len(title)))
        start = self.rng.randrange(len(title) - length + 1)
        return " ".join(title[start:start + length])

    def draw(self, kind: str) -> str | None:
        if kind == "word":
            return self.word()
        if kind == "two-words":
            return self.run(2)
        if kind == "headline":
            return self.headline()
        if kind == "entity":
            return self.entity()
        phrase = self.run(self.rng.choice((2, 2, 3)))
        return f'"{phrase}"' if phrase else None


def make_log(corpus: Path, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED,
             sample_docs: int = SAMPLE_DOCS) -> list[Query]:
    """`count` distinct queries drawn from the first `sample_docs` documents of `corpus` in the shares
    above, in a shuffled order."""
    rng = random.Random(seed)
    sampler = Sampler(corpus, rng, sample_docs)
    wanted = {kind: round(share * count) for kind, share in SHARES.items()}
    wanted["word"] += count - sum(wanted.values())
    seen: set[str] = set()
    queries: list[Query] = []
    for kind, target in wanted.items():
        made, attempts = 0, 0
        while made < target and attempts < target * 200:
            attempts += 1
            text = sampler.draw(kind)
            if text and text.lower() not in seen:
                seen.add(text.lower())
                queries.append((kind, text))
                made += 1
    while len(queries) < count and sampler.words:  # a small corpus may run short of some kind
        text = " ".join(sampler.word() or "" for _ in range(2))
        if text.lower() not in seen:
            seen.add(text.lower())
            queries.append(("two-words", text))
    rng.shuffle(queries)
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sample-docs", type=int, default=SAMPLE_DOCS)
    args = parser.parse_args()
    queries = make_log(args.corpus, args.count, args.seed, args.sample_docs)
    write_log(args.out, queries)
    print(f"wrote {len(queries)} queries to {args.out}: {dict(Counter(k for k, _ in queries))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
