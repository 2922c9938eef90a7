"""NLTK's Snowball stems of an index's words, kept with the index so that a query need not load NLTK.

Importing NLTK's stemmer costs about a second (`nltk`'s package init imports most of NLTK and
`scipy.stats`), where stemming a query's few words costs microseconds. So an indexing run keeps,
for every word its phrase fields hold (as the stemmer sees it: lower-cased, possessive
stripped, variants folded; `analysis.stem_inputs`), Snowball's stem in a sorted text file,
`word<TAB>stem` a line, read whole and searched by bisection (no parse at open, whatever the
vocabulary's size; a process that asks it thousands of times parses it once). A word the table
lacks is stemmed by NLTK, loaded then. The table is a memo of one pure function, so any table,
of any index, only ever gives NLTK's own answer
(`tests/test_stems.py` checks it against NLTK on a whole vocabulary).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from search.files import write_whole

STEMS_FILE = "stems.tsv"


BISECTIONS_BEFORE_PARSING = 2_000  # a command's query asks a few; a server many thousands


class StemTable:
    """A sorted `word<TAB>stem` file's bytes, looked up by bisection until it has been asked
    often enough to be worth parsing whole into a dictionary (tens of milliseconds per 100,000
    words: a long-lived process pays it once, a one-query command never)."""

    def __init__(self, data: bytes):
        self.data = data
        self.asked = 0
        self._parsed: dict[str, str] | None = None

    @classmethod
    def read(cls, path: Path) -> StemTable | None:
        """The table in `path`, or None when there is none (an index built before tables)."""
        try:
            return cls(path.read_bytes())
        except OSError:
            return None

    def get(self, word: str) -> str | None:
        """The stem kept for `word`, or None. Lines are sorted by their UTF-8 bytes; `low` and
        `high` are always the starts of lines (or the end)."""
        if self._parsed is not None:
            return self._parsed.get(word)
        self.asked += 1
        if self.asked > BISECTIONS_BEFORE_PARSING:
            self._parsed = dict(self.items())
            return self._parsed.get(word)
        data, wanted = self.data, word.encode("utf-8", "surrogatepass")
        low, high = 0, len(data)
        while low < high:
            start = max(data.rfind(b"\n", 0, (low + high) // 2) + 1, low)
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end
            key, _, stem = data[start:end].partition(b"\t")
            if key == wanted:
                return stem.decode("utf-8", "surrogatepass")
            if key < wanted:
                low = end + 1
            else:
                high = start
        return None

    def items(self) -> Iterable[tuple[str, str]]:
        for line in self.data.decode("utf-8", "surrogatepass").splitlines():
            key, _, stem = line.partition("\t")
            yield key, stem


def update_stem_table(path: Path, words: Iterable[str], stem: Callable[[str], str]) -> int:
    """Add the stems of the words the table at `path` lacks (a word of an earlier commit stays:
    its stem is still NLTK's); the file is written whole (search/files.py). Returns how
    many words were added."""
    table = StemTable.read(path)
    known = dict(table.items()) if table else {}
    added = {word: stem(word) for word in set(words) if word not in known and _storable(word)}
    if added or table is None:
        known.update(added)
        lines = sorted(f"{word}\t{stemmed}".encode("utf-8", "surrogatepass")
                       for word, stemmed in known.items())
        write_whole(path, lambda out: out.write(b"".join(line + b"\n" for line in lines)))
    return len(added)


def _storable(word: str) -> bool:
    """A word the line format can hold and sort by: no tab, line break or other control character
    (each sorts below the tab that ends a word)."""
    return bool(word) and min(word) > " "
