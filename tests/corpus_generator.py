"""A seeded generator of synthetic news-like JSON Lines corpora for the reliability tests.

The same seed always gives the same corpus: a vocabulary of common English words and
made-up words (many of them short, so a 500-word query fits the 2,000-character limit),
drawn with a Zipf-like distribution so a few words are in almost every document.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

COMMON = [
    "time", "year", "people", "way", "day", "man", "thing", "woman", "life", "child", "world", "school",
    "state", "family", "student", "group", "country", "problem", "hand", "part", "place", "case",
    "week", "company", "system", "program", "question", "work", "government", "number", "night",
    "point", "home", "water", "room", "mother", "area", "money", "story", "fact", "month", "lot",
    "right", "study", "book", "eye", "job", "word", "business", "issue", "side", "kind", "head",
    "house", "service", "friend", "father", "power", "hour", "game", "line", "end", "member", "law",
    "car", "city", "community", "name", "president", "team", "minute", "idea", "kid", "body",
    "information", "back", "parent", "face", "others", "level", "office", "door", "health", "person",
    "art", "war", "history", "party", "result", "change", "morning", "reason", "research", "girl",
    "guy", "moment", "air", "teacher", "force", "education", "army", "navy", "missile", "drone",
    "strike", "border", "minister", "talks", "deal", "market", "price", "oil", "gas", "grain", "port",
    "ship", "troops", "attack", "defense", "election", "vote", "court", "police", "report", "council",
    "bank", "trade", "energy", "winter", "summer", "forest", "river", "coast", "said", "mln", "dlrs",
    "pct", "cts", "net", "shr", "prices", "rates", "loan", "loans", "stock", "share", "sales", "debt",
    "offer", "board"
]
CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"
SOURCES = ["Daily Planet", "Morning Star", "Evening Herald", "The Courier", "Wire Service",
           "Globe Report", "The Sentinel", "Metro News", "Coastal Times", "Northern Post"]


def made_up_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables)) + (
        rng.choice(CONSONANTS) if rng.random() < 0.5 else "")


def vocabulary(seed: int = 7, size: int = 3000) -> list[str]:
    """`size` distinct words, common ones first (they become the most frequent)."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        word = made_up_word(rng, rng.choice((1, 1, 1, 2, 2, 3, 3, 4)))
        if len(word) >= 3 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def records(count: int, seed: int = 7, vocab: list[str] | None = None):
    """`count` article records, deterministic for a seed."""
    vocab = vocab or vocabulary(seed)
    weights = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(vocab))))
    rng = random.Random(seed)
    start = date(2020, 1, 1)
    for n in range(count):
        title = " ".join(rng.choices(vocab, cum_weights=weights, k=rng.randint(4, 8))).capitalize()
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = rng.choices(vocab, cum_weights=weights, k=rng.randint(6, 12))
            sentences.append(" ".join(words).capitalize() + ".")
        yield {
            "id": f"gen-{seed}-{n:06d}",
            "title": title,
            "text": " ".join(sentences),
            "date": (start + timedelta(days=rng.randrange(1400))).isoformat(),
            "source": rng.choice(SOURCES),
        }


def write_corpus(path: Path, count: int, seed: int = 7, extra: list[dict] | None = None) -> Path:
    """A JSON Lines file of `count` generated records (plus `extra` ones, first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in [*(extra or []), *records(count, seed)]:
            out.write(json.dumps(record) + "\n")
    return path
