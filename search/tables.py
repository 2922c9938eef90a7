"""The data tables that steer analysis and ingest, loaded from `search/data/`.

Tables are data, not code: each file is plain text a user can read and extend.
`fingerprint()` hashes them, with the analyzer's code, so an index built with
other tables or another analyzer is detected (`is_current_analysis`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
ANALYSIS_CODE = Path(__file__).parent / "analysis.py"

ANALYSIS_TABLES = (
    "stopwords.txt",
    "acronyms.txt",
    "variants.tsv",
    "spellings.tsv",
    "stem_exceptions.tsv",
)


MAX_TABLE_BYTES = 50 * 1024 * 1024  # a table file given by the user (variants, aliases)


def table_text(path: Path) -> str:
    """A table file's text: a regular file of at most MAX_TABLE_BYTES (a device or a pipe named
    by mistake, `/dev/zero`, would be read without end)."""
    if not path.is_file():
        raise ValueError("not a regular file")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise ValueError(f"larger than {MAX_TABLE_BYTES // 2**20} MB")
    return path.read_text(encoding="utf-8")


def data_lines(path: Path) -> list[str]:
    """Non-blank, non-comment lines of a table file, stripped."""
    lines = []
    for raw in table_text(path).splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def read_words(name: str) -> list[str]:
    """One word a line, from a built-in table."""
    return data_lines(DATA_DIR / name)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """`left<TAB>right` lines of a table file."""
    pairs = []
    for line in data_lines(path):
        left, sep, right = line.partition("\t")
        if not sep:
            raise ValueError(f"{path}: expected a TAB in {line!r}")
        pairs.append((left.strip(), right.strip()))
    return pairs


@dataclass(frozen=True)
class Rewrites:
    """Whole-word and prefix replacements (`word -> form`, `prefix* -> form*`)."""

    words: dict[str, str] = field(default_factory=dict)
    prefixes: tuple[tuple[str, str], ...] = ()

    starts: re.Pattern = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """`starts`: the prefixes, longest first, as one pattern (one call finds the rule)."""
        alternatives = "|".join(f"({re.escape(prefix)})" for prefix, _ in self.prefixes)
        object.__setattr__(self, "starts", re.compile(alternatives or "(?!)"))

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> Rewrites:
        words: dict[str, str] = {}
        prefixes = []
        for left, right in pairs:
            if left.endswith("*"):
                prefixes.append((left[:-1], right.rstrip("*")))
            else:
                words[left] = right
        prefixes.sort(key=lambda pair: -len(pair[0]))
        return cls(words, tuple(prefixes))

    def lookup(self, word: str, *, keep_rest: bool = True) -> str | None:
        """The replacement for `word`, or None when no rule applies.

        With `keep_rest`, a prefix rule keeps the rest of the word
        (`organised` -> `organized`); without it the rule's form is the answer.
        """
        found = self.words.get(word)
        if found is not None:
            return found
        match = self.starts.match(word)
        if match is None:
            return None
        prefix, form = self.prefixes[match.lastindex - 1]
        return form + word[len(prefix):] if keep_rest else form


def variant_pairs(path: Path) -> list[tuple[str, str]]:
    """`variant -> canonical` pairs from a `canonical<TAB>variants...` file."""
    pairs = []
    for canonical, variants in read_pairs(path):
        for variant in variants.split():
            pairs.append((variant.lower(), canonical.lower()))
    return pairs


@dataclass(frozen=True)
class AnalysisTables:
    """Everything the analyzer chain looks up, in one picklable value."""

    stopwords: frozenset[str]
    acronyms: frozenset[str]
    variants: dict[str, str]
    spellings: Rewrites
    stem_exceptions: Rewrites

    names: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        """`names`: every spelling in the variants table (places and people)."""
        names = frozenset(self.variants) | frozenset(self.variants.values())
        object.__setattr__(self, "names", names)

    def with_variants(self, pairs: list[tuple[str, str]]) -> AnalysisTables:
        """A copy with extra `variant -> canonical` pairs (a user's table)."""
        merged = dict(self.variants)
        merged.update(pairs)
        return AnalysisTables(
            self.stopwords, self.acronyms, merged, self.spellings, self.stem_exceptions
        )


@lru_cache(maxsize=1)
def analysis_tables() -> AnalysisTables:
    """The built-in analysis tables."""
    return AnalysisTables(
        stopwords=frozenset(read_words("stopwords.txt")),
        acronyms=frozenset(word.upper() for word in read_words("acronyms.txt")),
        variants=dict(variant_pairs(DATA_DIR / "variants.tsv")),
        spellings=Rewrites.from_pairs(read_pairs(DATA_DIR / "spellings.tsv")),
        stem_exceptions=Rewrites.from_pairs(read_pairs(DATA_DIR / "stem_exceptions.tsv")),
    )


# Fingerprints of earlier analyzer code that makes the very terms today's does: a change that moved
# code and no term (checked by tests/test_golden.py and the top ten of Reuters' logged queries),
# whose indexes need no rebuild. Indexes from before accents were folded are not among them (they
# hold `gdańsk` where a search now asks for `gdansk`). 506d131ace7ca366: before `valid_text` moved
# into analysis.py (no term changed).
SAME_TERMS_AS_TODAY = frozenset({"506d131ace7ca366"})


def is_current_analysis(index_fingerprint: str | None) -> bool:
    """Whether an index with this fingerprint was analysed as today's code analyses."""
    return index_fingerprint == fingerprint() or index_fingerprint in SAME_TERMS_AS_TODAY


def fingerprint() -> str:
    """A short hash of the analysis tables and of the code that applies them."""
    digest = hashlib.sha256()
    for name in ANALYSIS_TABLES:
        digest.update(name.encode())
        digest.update((DATA_DIR / name).read_bytes())
    digest.update(ANALYSIS_CODE.read_bytes())
    return digest.hexdigest()[:16]
