"""Stories: near-duplicate, syndicated and rewritten versions of one article share a story id.

Each article's word 5-shingles become a MinHash signature, stored with the number of
shingles, the date, the headline's ticker symbols and first words, and the text's first
figures. A MinHash LSH index over the signatures finds earlier versions in sub-linear
time. Two versions are one story when, published within days of each other:

- the smaller one's shingles are mostly contained in the larger one's, estimated from the
  signatures' Jaccard similarity and the two set sizes: a short first report and the
  longer rewrite that repeats its lead are one story, though their Jaccard similarity is
  low; or the smaller is a flash (a bare headline) whose words the story's headline repeats;
- they name one issuer: template stories (earnings tables, dividends, money supply, market
  reports) share most of their words but not their issuer, so headlines that both carry
  ticker symbols (`<ABC>`) must share one; and where the text could be another issuer's
  (a flash, a table or a notice under 50 shingles, a text under 120 that is not a copy
  of the other) the headlines must not begin with different subjects (`same_subject`),
  while a longer copy under another outlet's headline stays one story;
- they give the same figures: a standing report's next issue repeats its words with new
  numbers (`same_figures`).

A new version joins the story of its most similar earlier version; otherwise its own id
is its story id. Signatures are kept in the index (a bytes column), so incremental runs
compare new articles with everything indexed before. Each rule was tuned on the tuning
half of a hand-judged set of Reuters pairs (`bench/story_pairs.py`).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import islice

import numpy as np

from search.analysis import normalize_text
from search.tables import read_words

NUM_PERM = 64
SCHEME = "affine32"
SHINGLE_WORDS = 5
BAND_WIDTH = 2  # signature values an LSH band holds: 32 bands find pairs down to a Jaccard of ~0.1
SAME_STORY = 0.5  # estimated containment of the smaller version in the larger one
DAYS_APART = 3  # versions of one story are published within days of each other (a weekend)
MIN_SHARED = 2  # signature values two versions must share (one is too often chance)
SUBJECT_WORDS = 2  # a headline's subject starts in its first words
TABLE_SHINGLES = 50  # a text this short (a table, a notice) can be another issuer's word for word
NOTICE_SHINGLES = 120  # a text this short may be another issuer's with its names changed ...
COPY = 0.9  # ... unless it is a copy (containment of at least this), which says one issuer
NAME_WORDS = 3  # the most words a name in a template headline takes ("PUERTO RICO")
HEADLINE_WORDS = 12  # headline words kept in the signature
SAME_SPELLING = 0.8  # difflib ratio above which two words are one name misspelt (SVEECO, VEECO)
FIGURES = 12  # figures of the text (or a bare headline) kept in the signature
WORD = re.compile(r"\w+")
FIGURE = re.compile(r"(?<![\w.,/-])\d+(?:[.,/-]\d+)*(?!\w)")
TICKER = re.compile(r"<([A-Z][A-Z0-9]*(?:\.[A-Z]+)?)>")
HASHES_BYTES = NUM_PERM * 4
HEADER = struct.Struct("<IIIB")  # shingle count, headline key, day (0: no date), headline only
FLASH_WORDS = 0.6  # share of the shorter headline's words a flash and its story share
FLASH_KEY_WORDS = 8  # a flash is found by pairs of adjacent words among its headline's first
FLASH_DAYS = 1  # a flash's story follows it the same or the next day
FLASH_CANDIDATES = 8  # flashes compared with a story: those sharing the most word pairs


def without_tickers(text: str) -> str:
    """The text with its ticker symbols (`<BMY>`) blanked: one version has them, another not."""
    return TICKER.sub(" ", text)


def shingles(title: str | None, text: str) -> set[bytes]:
    """Overlapping runs of SHINGLE_WORDS words, case, punctuation and ticker symbols ignored."""
    return normalized_shingles(normalize_text(title or ""), normalize_text(text))


def normalized_shingles(title: str, text: str) -> set[bytes]:
    """`shingles` of a title and text already through `normalize_text`."""
    words = WORD.findall(without_tickers(f"{title} {text}").lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def headline_tickers(title: str | None) -> tuple[str, ...]:
    """The ticker symbols a headline carries (`STANDARD OIL <SRD> TO FORM UNIT` -> SRD)."""
    return tuple(sorted(set(TICKER.findall(title or ""))))


def headline_words(title: str | None) -> list[str]:
    """The headline's words, in capitals, without ticker symbols."""
    return WORD.findall(without_tickers(title or "").upper())


def figures(title: str | None, text: str) -> tuple[str, ...]:
    """The first FIGURES numbers of the text, or of the headline when there is no text
    (`Shr 65 cts vs 63 cts` -> 65, 63); numbers inside words (`3RD`, `M-1`) are not figures."""
    found = FIGURE.finditer(text if text.strip() else title or "")
    return tuple(plain_number(match.group()) for match in islice(found, FIGURES))


def plain_number(figure: str) -> str:
    """`1,016,552` -> `1016552`, `134.0` -> `134`, `1.10` -> `1.1`: one figure written two ways."""
    figure = figure.replace(",", "")
    return figure.rstrip("0").rstrip(".") if re.fullmatch(r"\d+\.\d+", figure) else figure


def masked(words: Sequence[str]) -> list[str]:
    """Headline words with every number as `#`: numbers do not name a subject."""
    return ["#" if any(character.isdigit() for character in word) else word for word in words]


def headline_key(words: Sequence[str]) -> int:
    """A number that two headlines share when they differ at most in their numbers
    (`MIDWEST GRAIN FUTURES 12:00 EDT`, `... 12:40 EDT`); 0 for no headline."""
    return zlib.crc32(" ".join(masked(words)).encode()) or 1 if words else 0


@lru_cache(maxsize=1)
def permutations() -> object:
    """The hash permutations every signature uses (fixed by the seed; computed once, not per article)."""
    from datasketch import MinHash  # imported when an article is indexed: it imports SciPy

    return MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


@dataclass(frozen=True)
class Version:
    """What the story finder knows of one article: its MinHash values, how many shingles
    they stand for, its headline's key (`headline_key`), its date as a day number,
    whether it is a bare headline (a flash), its headline's tickers and first words, and
    its first figures."""

    hashes: np.ndarray
    size: int
    headline_key: int = 0
    day: int = 0
    bare: bool = False
    tickers: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        """Hash values, set size, headline key, day and flash flag, then tickers, headline
        words and figures as text (`SRD<TAB>STANDARD OIL TO FORM<TAB>3 17.5`)."""
        header = HEADER.pack(self.size, self.headline_key, self.day, self.bare)
        names = names_bytes(self.tickers, self.words, self.figures)
        return self.hashes.astype(np.uint32).tobytes() + header + names

    @classmethod
    def from_bytes(cls, raw: bytes) -> Version:
        size, key, day, bare = header_of(raw)
        return cls(hashes_of(raw), size, key, day, bool(bare), *read_names(names_of(raw)))


def header_of(raw: bytes) -> tuple[int, int, int, int]:
    """(shingle count, headline key, day, flash flag) of a stored signature."""
    return HEADER.unpack_from(raw, HASHES_BYTES)


def names_of(raw: bytes) -> bytes:
    """The stored text part of a signature: tickers, headline words and figures."""
    return raw[HASHES_BYTES + HEADER.size:]


def hashes_of(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.uint32, count=NUM_PERM)


def names_bytes(*parts: Sequence[str]) -> bytes:
    return "\t".join(" ".join(part) for part in parts).encode()


def read_names(raw: bytes) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(tickers, headline words, figures) from their stored text."""
    tickers, words, found = raw.decode().split("\t")
    return tuple(tickers.split()), tuple(words.split()), tuple(found.split())


def signature(title: str | None, text: str, when: date | None = None) -> bytes:
    """The article's signature, as bytes for the index."""
    from datasketch import MinHash

    title, text = normalize_text(title or ""), normalize_text(text)
    if not title.strip() and is_headline_line(text):
        title, text = text, ""  # a flash filed without its headline field
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=permutations())
    found = normalized_shingles(title, text)
    minhash.update_batch(list(found))
    words = headline_words(title)
    return Version(minhash.hashvalues, len(found), headline_key(words), when.toordinal() if when else 0,
                   bool(words) and not text.strip(), headline_tickers(title), tuple(words[:HEADLINE_WORDS]),
                   figures(title, text)).to_bytes()


def is_headline_line(text: str) -> bool:
    """Whether a text is one short line, a headline put where the body goes."""
    line = text.strip()
    return bool(line) and "\n" not in line and len(WORD.findall(line)) <= 2 * HEADLINE_WORDS


def same_word(a: str, b: str) -> bool:
    """One word, one name spelt two ways (`HOSUING`/`HOUSING`) or an initial (`S`/`SOUTH`)."""
    if a == b or (min(len(a), len(b)) == 1 and a[0] == b[0]):
        return True
    return min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= SAME_SPELLING


def differences(first: Sequence[str], second: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Where two headlines differ, as (start, end) in each: difflib's opcodes without
    misspellings of one word and without words one adds at the end (the stored
    headlines are cut at HEADLINE_WORDS)."""
    first, second = masked(first), masked(second)
    found = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2
             in SequenceMatcher(None, first, second, autojunk=False).get_opcodes()
             if tag != "equal" and not (i2 - i1 == j2 - j1 == 1 and same_word(first[i1], second[j1]))]
    if found and (found[-1][1] == len(first) or found[-1][3] == len(second)):
        found.pop()
    return found


def same_subject(first: Sequence[str], second: Sequence[str]) -> bool:
    """False when two headlines name different subjects: their first difference, in the
    first SUBJECT_WORDS words, puts one name in place of another (`REPUBLIC AMERICAN
    CORP` / `ATLANTIC AMERICAN CORP`, `U.S. M-1 MONEY SUPPLY` / `CANADIAN MONEY
    SUPPLY`), or, after a common first word, it is the only difference and a short one,
    a name in a template (`FRANKLIN INSURED TAX-FREE SETS PAYOUT` / `FRANKLIN PUERTO RICO
    TAX-FREE SETS PAYOUT`). Words added in front (`PRESIDENT REAGAN` / `REAGAN`, a
    dateline) and numbers are not another subject, nor are reworded headlines that share
    only their first word (`CONGRESS MAY CURB` / `CONGRESS EYES`). Decided on the
    headlines' shape, so it needs no list of template words or issuers."""
    found = differences(first, second)
    if not found:
        return True
    i1, i2, j1, j2 = found[0]
    if i1 >= SUBJECT_WORDS or i1 == i2 or j1 == j2:
        return True
    if i1 == 0:
        return False
    return len(found) > 1 or max(i2 - i1, j2 - j1) > NAME_WORDS


def same_issuer(tickers: tuple[str, ...], words: tuple[str, ...], other_tickers: tuple[str, ...],
                other_words: tuple[str, ...], by_subject: bool = True) -> bool:
    """Headlines that both carry tickers share one; otherwise (when `by_subject`) they do
    not begin with different subjects."""
    if tickers and other_tickers:
        return not set(tickers).isdisjoint(other_tickers)
    return not by_subject or same_subject(words, other_words)


def changed_figures(first: Sequence[str], second: Sequence[str]) -> int:
    """How many figures one version has in place of the other's, the two lists aligned
    (difflib): a figure added or left out (a line more, a cut) is not a change."""
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    return sum(min(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag == "replace")


def same_figures(first: tuple[str, ...], second: tuple[str, ...], same_headline: bool) -> bool:
    """Versions of one report give the same figures; a standing report's next issue (the
    market at noon after the opening, a table of rates reissued) gives new ones. Of the
    first figures of the version with fewer, at least half must be among the other's;
    under the same headline (numbers aside), where only the figures tell the issues
    apart, at most one may change in place (a corrected figure). Fewer than two figures
    say nothing."""
    fewer, more = sorted((first, second), key=len)
    if len(set(fewer)) < 2:
        return True
    if same_headline:
        return changed_figures(first, second) <= 1
    return 2 * len(set(fewer) - set(more)) <= len(set(fewer))


def same_report(names: bytes, other: bytes, same_headline: bool, by_subject: bool) -> bool:
    """One issuer and the same figures, from two signatures' stored names; the headlines'
    subjects are compared when `by_subject`."""
    tickers, words, found = read_names(names)
    other_tickers, other_words, other_found = read_names(other)
    return (same_issuer(tickers, words, other_tickers, other_words, by_subject)
            and same_figures(found, other_found, same_headline))


def containment(shared: np.ndarray, size: int, sizes: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller set inside the larger, for each candidate: the
    intersection is J (a + b) / (1 + J), J estimated by the share of equal MinHash values."""
    jaccard = shared / NUM_PERM
    smaller = np.maximum(np.minimum(sizes, size), 1)
    return np.minimum(jaccard * (sizes + size) / (1 + jaccard) / smaller, 1.0)


def content_words(words: Sequence[str]) -> list[str]:
    """The headline words of three letters or more, all letters (not `U`, `S`, `TO`, `3RD`)."""
    return [word for word in words if len(word) >= 3 and word.isalpha()]


def flash_keys(words: Sequence[str]) -> set[str]:
    """Pairs of adjacent content words among a headline's first FLASH_KEY_WORDS words: a
    flash and its story's headline share one (`MONEY SUPPLY`)."""
    kept = content_words(words[:FLASH_KEY_WORDS])
    return {f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False)}


def headline_agreement(first: Sequence[str], second: Sequence[str]) -> float:
    """How far one headline tells the other's news: the share of the shorter's distinct content
    words, reporting words aside (`SAYS`, `NOT`), that the other has. `BAKER SAYS BRAZIL NOT IN
    CRISIS` shares only its speaker with `BAKER SAYS JAPAN TARIFF ACTION NOT START OF TRADE WAR`
    (0.5). Abbreviations are not matched to words (`FEB`/`FEBRUARY`): on Reuters that joined
    more template headlines of other issuers (`TRADE DEFICIT ... FEB`) than it found flashes."""
    shorter, longer = sorted((news_words(first), news_words(second)), key=len)
    return len(shorter & longer) / max(1, len(shorter))


def told_in(story: Sequence[str], flash: Sequence[str]) -> float:
    """The share of a story headline's news words a flash has."""
    words = news_words(story)
    return len(words & news_words(flash)) / max(1, len(words))


def news_words(headline: Sequence[str]) -> set[str]:
    """A headline's distinct content words, reporting words aside."""
    return set(content_words(headline)) - reporting_words()


@lru_cache(maxsize=1)
def reporting_words() -> frozenset[str]:
    """Words that tell how news was reported, not what it is: the speech verbs (the quotes'
    table), `NOT` and `NO`, in capitals as headline words are kept."""
    return frozenset(word.upper() for word in read_words("speech_verbs.txt")) | {"NOT", "NO"}


def band_keys(hashes: np.ndarray) -> list[int]:
    """One number for each LSH band: its BAND_WIDTH signature values side by side."""
    return np.ascontiguousarray(hashes, dtype=np.uint32).view(f"<u{4 * BAND_WIDTH}").tolist()


class StoryFinder:
    """Assigns story ids, remembering every signature it has seen.

    The signatures' MinHash values are rows of one array, beside arrays of set sizes,
    headline keys and days; the LSH bands share one table from band keys to the rows
    that hold them, and flashes a table from their headlines' word pairs (`flash_keys`);
    each article's tickers, headline words and figures stay as their stored bytes until
    a candidate needs them. About 2.7 KB an article (measured on Reuters), where
    datasketch's LSH and a MinHash object per article took 7.4.
    """

    def __init__(self, known: Iterable[tuple[str, str, bytes]] = ()):
        """`known`: (document id, story id, signature) of documents already indexed."""
        self._buckets: dict[int, int | list[int]] = {}
        self._flashes: dict[str, list[int]] = {}
        self._hashes = np.zeros((1024, NUM_PERM), dtype=np.uint32)
        self._header = np.zeros((1024, 4), dtype=np.int64)  # size, headline key, day, flash
        self._names: list[bytes] = []
        self._ids: list[str | None] = []
        self._stories: list[str] = []
        self._rows: dict[str, int] = {}
        for doc_id, story, raw in known:
            if raw:
                self.forget(doc_id)
                keys = band_keys(hashes_of(raw))
                self._remember(doc_id, story, raw, keys, [self._buckets.get(key) for key in keys])

    def _remember(self, doc_id: str, story: str, raw: bytes, keys: list[int], held: list) -> None:
        """Add the signature as a new row; `held` is what each of its band keys held before."""
        row = len(self._ids)
        if row == len(self._header):
            self._hashes = np.concatenate([self._hashes, np.zeros_like(self._hashes)])
            self._header = np.concatenate([self._header, np.zeros_like(self._header)])
        self._hashes[row], self._header[row] = hashes_of(raw), header_of(raw)
        self._names.append(names_of(raw))
        self._ids.append(doc_id)
        self._stories.append(story)
        self._rows[doc_id] = row
        if not self._header[row, 0]:
            return  # nothing to compare: an empty article is a story of its own
        buckets = self._buckets
        for key, rows in zip(keys, held, strict=True):
            if rows is None:
                buckets[key] = row
            elif rows.__class__ is list:
                rows.append(row)
            else:
                buckets[key] = [rows, row]
        if self._header[row, 3]:
            for key in flash_keys(read_names(self._names[row])[1]):
                self._flashes.setdefault(key, []).append(row)

    def forget(self, doc_id: str) -> None:
        """A document left the index (its file changed or went away)."""
        row = self._rows.pop(doc_id, None)
        if row is None:
            return
        if self._header[row, 0]:
            for key in band_keys(self._hashes[row]):
                held = self._buckets[key]
                if held.__class__ is list:
                    held.remove(row)
                else:
                    del self._buckets[key]
        if self._header[row, 3]:
            for key in flash_keys(read_names(self._names[row])[1]):
                self._flashes[key].remove(row)
        self._ids[row] = None

    def _near(self, rows: np.ndarray, day: int, apart: int) -> np.ndarray:
        """Which rows are dated at most `apart` days from `day` (or either has no date)."""
        days = self._header[rows, 2]
        return (days == 0) | (day == 0) | (np.abs(days - day) <= apart)

    def _best(self, raw: bytes, rows: list[int]) -> int | None:
        """Of the candidate rows, the most similar known version that is one story with
        the signature `raw`: highest containment, then Jaccard, then the smaller id."""
        size, key, day, _ = header_of(raw)
        candidates = np.array(rows, dtype=np.int64)
        shared = np.count_nonzero(self._hashes[candidates] == hashes_of(raw), axis=1)
        contained = containment(shared, size, self._header[candidates, 0])
        standing = (self._header[candidates, 1] == key) & (key != 0)
        passing = self._near(candidates, day, DAYS_APART) & (shared >= MIN_SHARED) & (contained >= SAME_STORY)
        if not passing.any():
            return None
        smaller = np.minimum(self._header[candidates, 0], size)
        short = (smaller < TABLE_SHINGLES) | ((smaller < NOTICE_SHINGLES) & (contained < COPY))
        ranked = sorted(zip(-contained[passing], -shared[passing], candidates[passing].tolist(),
                            standing[passing].tolist(), short[passing].tolist(), strict=True),
                        key=lambda item: (item[0], item[1], self._ids[item[2]]))
        names = names_of(raw)
        flash = read_names(names)[1] if header_of(raw)[3] else None
        return next((row for _, _, row, same_headline, by_subject in ranked
                     if same_report(names, self._names[row], same_headline, by_subject)
                     and (flash is None or not self._header[row, 3] or self._same_news(flash, row))), None)

    def _same_news(self, words: Sequence[str], row: int) -> bool:
        """Whether two flashes tell one news (`FED'S SEGER SAYS U.S. ECONOMIC RECOVERY SHOWS
        WEAKNESS` and, minutes later, `... THRIFT INDUSTRY NEEDS STABLE INTEREST RATES` do not)."""
        return headline_agreement(words, read_names(self._names[row])[1]) >= FLASH_WORDS

    def _flash(self, raw: bytes) -> int | None:
        """The earlier flash (a bare headline) whose headline this story's repeats: of the
        flashes of the same or the previous day sharing the most word pairs with it, the one
        holding most of the story's headline words (`told_in`), then sharing the most pairs
        (ties by id, so the answer does not depend on the order the flashes were read in),
        that tells the story's news (`headline_agreement`), with one issuer and the flash's
        figures in the story."""
        names = names_of(raw)
        words = read_names(names)[1]
        shared = Counter(row for key in flash_keys(words) for row in self._flashes.get(key, ()))
        day = header_of(raw)[2]
        days = self._header[:, 2]
        ranked = sorted(shared.items(), key=lambda item: (-item[1], self._ids[item[0]]))
        near = [(read_names(self._names[row])[1], pairs, row) for row, pairs in ranked
                if not day or not days[row] or abs(int(days[row]) - day) <= FLASH_DAYS][:FLASH_CANDIDATES]
        near.sort(key=lambda item: (-told_in(words, item[0]), -item[1], self._ids[item[2]]))
        for flash, _, row in near:
            if (headline_agreement(words, flash) >= FLASH_WORDS
                    and same_report(names, self._names[row], False, True)):
                return row
        return None

    def assign(self, doc_id: str, raw: bytes) -> str:
        """The story of the most similar known version, or of the flash this story follows,
        or a new story named after `doc_id`."""
        self.forget(doc_id)
        keys = band_keys(hashes_of(raw))
        held = [self._buckets.get(key) for key in keys]
        size, _, _, bare = header_of(raw)
        rows = {row for rows in held if rows is not None
                for row in (rows if rows.__class__ is list else (rows,))}
        best = self._best(raw, list(rows)) if rows and size else None
        if best is None and size and not bare and self._flashes:
            best = self._flash(raw)
        story = self._stories[best] if best is not None else doc_id
        self._remember(doc_id, story, raw, keys, held)
        return story


class StoryMembers:
    """Each story's live documents, found by document number without a search."""

    def __init__(self, codes: np.ndarray, live: np.ndarray):
        self.codes = codes
        order = np.argsort(codes, kind="stable")
        self.order = order[live[order]]
        bounds = np.arange(int(codes.max()) + 2 if len(codes) else 1)
        self.starts = np.searchsorted(codes[self.order], bounds)

    def of(self, docnum: int) -> list[int]:
        """The documents of the story `docnum` belongs to (itself included when live)."""
        code = self.codes[docnum]
        return self.order[self.starts[code]:self.starts[code + 1]].tolist()
