"""The reference word list: how often English at large writes a word, to tell a real word from a typo.

A word the index lacks can be perfectly real (a modern name, a new word); spelling correction
must leave such words alone. The list is wordfreq's English frequencies (Wikipedia, news,
books, subtitles, web text, Twitter, Reddit), shipped inside the `wordfreq` package. Such a
list also holds common misspellings (`recieved`, `teh`), so a word counts as real only when
it is frequent enough and its best correction is not far more frequent (search/spelling.py).

wordfreq keeps the list as a gzipped msgpack file of frequency bins, a centibel apart, most
frequent first. Importing wordfreq itself costs about 0.2 s (regex, langcodes, ftfy); reading
its file with msgpack alone, and only the bins down to REAL_WORD_ZIPF (29,269 words), takes
about 0.03 s, once per process and only when a word needs it.
"""

from __future__ import annotations

import gzip
import importlib.util
import threading
from pathlib import Path

PACKAGE = "wordfreq"
LIST_FILE = Path("data") / "large_en.msgpack.gz"
LIST_FORMAT = {"format": "cB", "version": 1}
REAL_WORD_ZIPF = 3.0  # at least once in a million words: rarer entries are as often typos as words
BIN_ZIPF = 0.01  # each bin is a centibel (a hundredth of a power of ten) below the one before
TOP_ZIPF = 9.0  # the first bin: a word written once per word (Zipf = log10 of uses per billion words)

_lock = threading.Lock()
_table: dict[str, float] | None = None


def list_path() -> Path | None:
    """Where the installed wordfreq package keeps its English list (None when it is missing)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / LIST_FILE
    return path if path.is_file() else None


def read_list(path: Path, floor: float = REAL_WORD_ZIPF) -> dict[str, float]:
    """Each word of the list written at least `floor` on the Zipf scale, with its Zipf value.

    The file is read as a stream and left once the bins fall below the floor (msgpack is
    imported here, so a search that never needs the list never loads it).
    """
    import msgpack

    table: dict[str, float] = {}
    with gzip.open(path, "rb") as stream:
        unpacker = msgpack.Unpacker(stream, raw=False)
        bins = unpacker.read_array_header() - 1
        header = unpacker.unpack()
        if header != LIST_FORMAT:
            raise ValueError(f"{path}: not a wordfreq list ({header!r})")
        for number in range(bins):
            zipf = round(TOP_ZIPF - number * BIN_ZIPF, 2)
            if zipf < floor:
                break
            for word in unpacker.unpack():
                table.setdefault(word, zipf)
    return table


def zipf_table() -> dict[str, float]:
    """The list, read on first use (an empty table when the package or its file is missing)."""
    global _table
    with _lock:
        if _table is None:
            path = list_path()
            try:
                _table = read_list(path) if path else {}
            except Exception:  # a damaged or foreign file (msgpack raises several kinds): no list
                _table = {}
        return _table


def zipf_frequency(word: str) -> float:
    """How often English writes `word`, on the Zipf scale (log10 of uses per billion words);
    0.0 for a word rarer than REAL_WORD_ZIPF or not listed."""
    return zipf_table().get(word.lower(), 0.0)


def available() -> bool:
    """Whether the list could be read (without it no word can be told real)."""
    return bool(zipf_table())


def is_common_word(word: str) -> bool:
    """A word English writes at least once in a million (`price`, `young`): such a word alone
    never stands for a reporter's name (`Domm` may)."""
    return zipf_frequency(word) >= REAL_WORD_ZIPF
