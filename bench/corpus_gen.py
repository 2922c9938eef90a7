"""Synthetic news corpora with Reuters' word and phrase statistics, deterministic for a seed.

    .venv/bin/python bench/corpus_gen.py --reuters ../shared/data/reuters/corpus.jsonl \
        --docs 100000 --out bench/work/corpora/syn-100k

How a corpus is made:

- Bodies and headlines come from two first-order Markov chains over Reuters tokens (words,
  numbers, punctuation, paragraph breaks), fitted on Reuters-21578 bodies and headlines, so word
  frequencies and common phrases (`oil prices`, `said it`) follow real news. Body lengths are
  drawn from Reuters' own body lengths; a body ends at the first sentence end past its length.
- New words keep coming as the corpus grows (Heaps' law, V = K * N^beta with K and beta fitted on
  Reuters): where the chain emits one of Reuters' rare words, the generator coins a new word
  (letters drawn from a character model of Reuters' vocabulary) whenever the vocabulary is below
  the Heaps curve, and otherwise reuses a coined word in proportion to its use so far (so coined
  words get a Zipf-like tail of their own) or keeps the rare word.
- A sprinkle of entities: about a third of the bodies get a sentence led by a multi-word name
  that Reuters mentions often (`James Baker said ...`); a tenth get a Reuters byline.
- Dates are spread over 2000-2024, sources over a fixed set of made-up outlets.

Every random choice comes from one seeded numpy Generator, so the same seed and the same Reuters
file give the same corpus byte for byte; articles are made in chunks of a fixed size, so the
10k corpus is the first tenth of the 100k one, which is the first tenth of the 1M one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from corpus_io import read_manifest, write_manifest, write_shards
from tokens import SENTENCE_END, STOPWORDS, tokens

GENERATOR_VERSION = 2
DEFAULT_SEED = 20240601
DOC_START, TITLE_START, SEPARATOR = "<d>", "<t>", "\x00"
CHUNK_DOCS = 10_000  # fixed, so a smaller corpus is the first part of a larger one
GROUP_DOCS = 4_000
MAX_TITLE_TOKENS = 24
MAX_BODY_TOKENS = 2_000
RARE_MAX_COUNT = 2
ENTITY_SHARE = 0.35
BYLINE_SHARE = 0.10
ENTITY_MIN_COUNT = 8
ENTITY = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?: (?:of |de |al-)?[A-Z][a-z]+){1,2}\b")
BYLINE = re.compile(r"^By ([A-Z][\w.'-]+(?: [A-Z][\w.'-]+){1,3})")
OUTLET_NAMES = ("Daily", "Evening", "Global", "National", "Morning", "City", "Northern", "Capital")
OUTLET_KINDS = ("Ledger", "Herald", "Courier", "Wire", "Post", "Times", "Journal", "Tribune")
FIRST_DAY = dt.date(2000, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days + 1


class Chain:
    """A first-order Markov chain over token ids that samples many sequences in one numpy step.

    Transitions are sorted by source; `keys` holds source + cumulative probability within the
    source's row, so one `searchsorted` of `state + u` draws every sequence's next token.
    """

    def __init__(self, stream: np.ndarray, size: int):
        stream = np.append(stream, stream[0])  # every token has a successor
        pairs, counts = np.unique(stream[:-1].astype(np.int64) * size + stream[1:], return_counts=True)
        source, self.targets = pairs // size, (pairs % size).astype(np.int32)
        cumulative = np.cumsum(counts)
        first = np.searchsorted(source, source, side="left")
        before = cumulative[first] - counts[first]
        totals = np.bincount(source, weights=counts, minlength=size)
        self.keys = source + (cumulative - before) / totals[source]

    def step(self, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        index = np.searchsorted(self.keys, states + rng.random(len(states)), side="right")
        return self.targets[np.minimum(index, len(self.targets) - 1)]

    def walk(self, start: int, count: int, length: int, rng: np.random.Generator) -> np.ndarray:
        """`count` sequences of `length` tokens, all from state `start`."""
        out = np.empty((count, length), dtype=np.int32)
        states = np.full(count, start, dtype=np.int32)
        for column in range(length):
            states = self.step(states, rng)
            out[:, column] = states
        return out


@dataclass
class Model:
    """Everything learned from Reuters that generation needs."""

    vocab: list[str]
    body: Chain
    title: Chain
    body_lengths: np.ndarray
    rare: np.ndarray  # bool per token id: a rare word, where new words are coined
    is_word: np.ndarray  # bool per token id: counts as a word (has a letter or digit)
    lower: np.ndarray  # per token id: id of its lowercase form (vocabulary counting)
    heaps_k: float
    heaps_beta: float
    entities: list[str]
    entity_weights: np.ndarray
    bylines: list[str]
    lowercase_first: set[str]
    letters: dict[str, tuple[list[str], np.ndarray]]  # character trigram model for new words


def read_reuters(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def fit_heaps(stream: np.ndarray) -> tuple[float, float]:
    """K and beta of V = K * N^beta over a stream of word ids (least squares on log-log)."""
    _, first = np.unique(stream, return_index=True)
    first.sort()
    sizes = np.linspace(10_000, len(stream), 200).astype(np.int64)
    vocab = np.searchsorted(first, sizes, side="left")
    beta, log_k = np.polyfit(np.log(sizes), np.log(vocab), 1)
    return float(np.exp(log_k)), float(beta)


def letter_model(vocabulary: set[str]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Character trigram model (two letters of context) over lowercase alphabetic words."""
    counts: dict[str, Counter] = {}
    for word in sorted(vocabulary):
        if word.isalpha() and word.isascii() and 4 <= len(word) <= 12:
            padded = f"^^{word}$"
            for i in range(2, len(padded)):
                counts.setdefault(padded[i - 2:i], Counter())[padded[i]] += 1
    model = {}
    for context, counter in counts.items():
        letters = sorted(counter)
        weights = np.array([counter[c] for c in letters], dtype=float)
        model[context] = (letters, np.cumsum(weights) / weights.sum())
    return model


def fit(reuters: list[dict]) -> Model:
    """Learn the chains, lengths, rare words, Heaps' law and names from Reuters."""
    body_tokens, title_tokens, lengths = [], [], []
    for record in reuters:
        body = tokens(record.get("text") or "")
        if body:
            body_tokens.append(DOC_START)
            body_tokens.extend(body)
            lengths.append(len(body))
        title = tokens(record.get("title") or "")
        if title:
            title_tokens.append(TITLE_START)
            title_tokens.extend(title)
    vocab = [*sorted(set(body_tokens) | set(title_tokens) | {"\n"}), SEPARATOR]
    ids = {token: i for i, token in enumerate(vocab)}
    counts = Counter(body_tokens)
    is_word = np.array([any(c.isalnum() for c in t) for t in vocab])
    body_ids = np.array([ids[t] for t in body_tokens], dtype=np.int32)
    rare = np.array([counts[t] <= RARE_MAX_COUNT and t.replace("-", "").isalpha() for t in vocab])
    lowers = sorted({t.lower() for t in vocab})
    lower_ids = {t: i for i, t in enumerate(lowers)}
    lower = np.array([lower_ids[t.lower()] for t in vocab], dtype=np.int32)
    heaps_k, heaps_beta = fit_heaps(lower[body_ids[is_word[body_ids]]])
    texts = [record.get("text") or "" for record in reuters]
    names = Counter(name for name in ENTITY.findall("\n".join(texts))
                    if name.split()[0].lower() not in STOPWORDS)
    entities = sorted(name for name, n in names.items() if n >= ENTITY_MIN_COUNT)
    weights = np.array([names[name] for name in entities], dtype=float)
    bylines = sorted({m.group(1) for r in reuters if (m := BYLINE.match(r.get("author") or ""))})
    lower_count = Counter(t for t in body_tokens if t.islower())
    upper_count = Counter(t.lower() for t in body_tokens if t[:1].isupper())
    lowercase_first = {t for t, n in upper_count.items() if lower_count[t] > n}
    return Model(
        vocab=vocab,
        body=Chain(body_ids, len(vocab)),
        title=Chain(np.array([ids[t] for t in title_tokens], dtype=np.int32), len(vocab)),
        body_lengths=np.array(lengths, dtype=np.int32),
        rare=rare, is_word=is_word, lower=lower, heaps_k=heaps_k, heaps_beta=heaps_beta,
        entities=entities, entity_weights=weights / weights.sum(), bylines=bylines,
        lowercase_first=lowercase_first, letters=letter_model(set(lowers)),
    )


class Generator:
    """Draws articles from a fitted model; `articles()` yields them in a fixed order.

    Work is done a chunk of documents at a time on flat numpy arrays of token ids, so a million
    articles take minutes, not hours.
    """

    def __init__(self, model: Model, seed: int, prefix: str):
        self.model = model
        self.rng = np.random.default_rng(seed)
        self.prefix = prefix
        self.vocab = list(model.vocab)
        self.base_size = len(model.vocab)
        self.id_of = {t: i for i, t in enumerate(model.vocab)}
        self.known = {t.lower() for t in model.vocab}
        self.seen_lower = np.zeros(int(model.lower.max()) + 1, dtype=bool)
        self.coined_uses = np.empty(0, dtype=np.int32)  # one entry per use of a coined word
        self.word_tokens = 0
        self._vocab_array = np.array(self.vocab, dtype=object)
        outlets = [f"The {a} {b}" for a in OUTLET_NAMES for b in OUTLET_KINDS]
        self.outlets = [outlets[i] for i in self.rng.permutation(len(outlets))[:24]]
        ranks = np.arange(1, len(self.outlets) + 1, dtype=float)
        self.outlet_weights = (1 / ranks) / (1 / ranks).sum()

    @property
    def coined(self) -> int:
        return len(self.vocab) - self.base_size

    @property
    def vocabulary(self) -> int:
        """Distinct lowercase words so far (the Heaps controller's count)."""
        return int(self.seen_lower.sum()) + self.coined

    def articles(self, count: int) -> Iterator[dict]:
        number = 0
        while number < count:
            size = min(CHUNK_DOCS, count - number)
            titles = self._titles(size)
            bodies = self._bodies(size)
            yield from self._records(number, self._render(titles), self._render(bodies))
            number += size

    def _titles(self, size: int) -> list[np.ndarray]:
        start = self.id_of[TITLE_START]
        walked = self.model.title.walk(start, size, MAX_TITLE_TOKENS, self.rng)
        stops = walked == start
        ends = np.where(stops.any(axis=1), stops.argmax(axis=1), MAX_TITLE_TOKENS)
        rows = [walked[i, :max(int(ends[i]), 1)] for i in range(size)]
        self._count(np.concatenate(rows))
        return rows

    def _bodies(self, size: int) -> list[np.ndarray]:
        """Walk the body chain for documents grouped by target length; cut at a sentence end."""
        targets = self.rng.choice(self.model.body_lengths, size)
        order = np.argsort(targets, kind="stable")
        rows: list[np.ndarray] = [np.empty(0, dtype=np.int32)] * size
        end_ids = [self.id_of[t] for t in SENTENCE_END if t in self.id_of]
        start = self.id_of[DOC_START]
        for first in range(0, size, GROUP_DOCS):
            group = order[first:first + GROUP_DOCS]
            length = min(int(targets[group].max() * 1.3) + 30, MAX_BODY_TOKENS)
            walked = self.model.body.walk(start, len(group), length, self.rng)
            walked[walked == start] = self.id_of["\n"]
            ends = np.isin(walked, end_ids) & (np.arange(length) >= targets[group][:, None] - 1)
            cuts = np.where(ends.any(axis=1), ends.argmax(axis=1) + 1, length)
            for row, doc in enumerate(group.tolist()):
                rows[doc] = walked[row, :cuts[row]]
        lengths = np.array([len(row) for row in rows])
        flat = np.concatenate(rows)
        self._coin(flat)
        self._count(flat)
        return np.split(flat, np.cumsum(lengths)[:-1])

    def _count(self, flat: np.ndarray) -> None:
        """Count words and mark their lowercase forms as seen."""
        base = flat[flat < self.base_size]
        words_in = base[self.model.is_word[base]]
        self.seen_lower[self.model.lower[words_in]] = True
        self.word_tokens += len(words_in) + int((flat >= self.base_size).sum())

    def _coin(self, flat: np.ndarray) -> None:
        """Replace rare words with new or reused coined words so the vocabulary follows Heaps' law."""
        slots = np.flatnonzero(self.model.rare[flat])
        if not len(slots):
            return
        base = flat[self.model.is_word[flat] & ~self.model.rare[flat]]
        unseen = int((~self.seen_lower[np.unique(self.model.lower[base])]).sum())
        words_in = int(self.model.is_word[flat].sum())
        expected = self.model.heaps_k * (self.word_tokens + words_in) ** self.model.heaps_beta
        new = int(min(max(expected - self.vocabulary - unseen, 0), len(slots)))
        slots = slots[self.rng.permutation(len(slots))]
        for slot in slots[:new].tolist():
            flat[slot] = self._new_word(self.vocab[flat[slot]])
        rest = slots[new:]
        pool = self.coined_uses
        if len(pool) and len(rest):
            coined_share = self.coined / max(self.vocabulary, 1)
            reused = rest[self.rng.random(len(rest)) < coined_share]
            flat[reused] = pool[self.rng.integers(len(pool), size=len(reused))]
            rest = reused
        else:
            rest = rest[:0]
        self.coined_uses = np.concatenate([pool, flat[slots[:new]], flat[rest]]).astype(np.int32)

    def _new_word(self, like: str) -> int:
        """A word nobody has used yet, cased like the word it replaces."""
        while True:
            word, context = "", "^^"
            while len(word) < 14:
                letters, cumulative = self.model.letters.get(context, (["$"], np.array([1.0])))
                pick = int(np.searchsorted(cumulative, self.rng.random(), side="right"))
                letter = letters[min(pick, len(letters) - 1)]
                if letter == "$":
                    break
                word += letter
                context = context[1] + letter
            if len(word) >= 4 and word not in self.known:
                break
        self.known.add(word)
        if like.isupper() and len(like) > 1:
            word = word.upper()
        elif like[:1].isupper():
            word = word.capitalize()
        self.vocab.append(word)
        return len(self.vocab) - 1

    def _render(self, rows: list[np.ndarray]) -> list[str]:
        """Token ids to text, every row at once: punctuation attached, paragraphs on their own lines."""
        if len(self._vocab_array) != len(self.vocab):
            self._vocab_array = np.array(self.vocab, dtype=object)
        lengths = np.array([len(row) for row in rows])
        flat = np.insert(np.concatenate(rows), np.cumsum(lengths)[:-1], self.id_of[SEPARATOR])
        text = " ".join(self._vocab_array[flat].tolist())
        text = re.sub(r" ([.,;:?!])", r"\1", text)
        text = re.sub(r" *\n[\n ]*", "\n", text)
        text = re.sub(r"([.?!])[.?!]+", r"\1", text)
        return [part.strip() for part in text.split(SEPARATOR)]

    def _with_entity(self, body: str, name: str, where: float) -> str:
        """Lead one sentence with a name Reuters mentions often: `James Baker said ...`."""
        sentences = body.split(". ")
        at = int(where * len(sentences))
        sentence = sentences[at].lstrip("\n")
        first = sentence.split(" ", 1)[0]
        if first.lower() in self.model.lowercase_first:
            sentence = first.lower() + sentence[len(first):]
        lead = "\n" if sentences[at].startswith("\n") else ""
        sentences[at] = f"{lead}{name} said {sentence}"
        return ". ".join(sentences)

    def _records(self, before: int, titles: list[str], texts: list[str]) -> Iterator[dict]:
        size, rng, model = len(texts), self.rng, self.model
        days = rng.integers(DAYS, size=size)
        outlets = rng.choice(len(self.outlets), size=size, p=self.outlet_weights)
        with_entity = rng.random(size) < (ENTITY_SHARE if model.entities else 0.0)
        names = rng.choice(len(model.entities), size=size, p=model.entity_weights) if model.entities else []
        places = rng.random(size)
        with_byline = rng.random(size) < (BYLINE_SHARE if model.bylines else 0.0)
        bylines = rng.integers(max(len(model.bylines), 1), size=size)
        for i in range(size):
            text = texts[i]
            if with_entity[i] and text:
                text = self._with_entity(text, model.entities[names[i]], float(places[i]))
            record = {
                "id": f"{self.prefix}-{before + i + 1:07d}",
                "title": titles[i],
                "text": text,
                "date": (FIRST_DAY + dt.timedelta(days=int(days[i]))).isoformat(),
                "source": self.outlets[outlets[i]],
            }
            if with_byline[i]:
                record["authors"] = [model.bylines[bylines[i]]]
            yield record


def generate(reuters: Path, docs: int, out: Path, seed: int = DEFAULT_SEED, prefix: str = "syn") -> dict:
    """Write a corpus of `docs` articles to `out` (shards + manifest); reuses an identical one."""
    stamp = {"kind": "synthetic", "generator": GENERATOR_VERSION, "seed": seed, "docs": docs,
             "prefix": prefix, "reuters_size": reuters.stat().st_size}
    manifest = read_manifest(out)
    if manifest and manifest.get("stamp") == stamp:
        return manifest
    started = time.perf_counter()
    model = fit(read_reuters(reuters))
    generator = Generator(model, seed, prefix)
    sizes = 0

    def records() -> Iterator[dict]:
        nonlocal sizes
        for record in generator.articles(docs):
            sizes += len(record["title"]) + len(record["text"])
            yield record

    count = write_shards(records(), out)
    manifest = {
        "stamp": stamp, "documents": count, "vocabulary": generator.vocabulary,
        "word_tokens": generator.word_tokens, "coined_words": generator.coined,
        "heaps_k": round(model.heaps_k, 3), "heaps_beta": round(model.heaps_beta, 4),
        "mean_chars": round(sizes / max(count, 1), 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_manifest(out, manifest)
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=Path, required=True)
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--prefix", default="syn")
    args = parser.parse_args()
    print(json.dumps(generate(args.reuters, args.docs, args.out, args.seed, args.prefix), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
