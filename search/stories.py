"""Stories: near-duplicate and syndicated versions of one article share a story id.

Each article's word 5-shingles become a MinHash signature; a MinHash LSH index
over the signatures finds earlier versions in sub-linear time, and the
estimated Jaccard similarity confirms them. A new version joins the story of
its most similar earlier version; otherwise its own id is its story id.
Signatures are kept in the index (a bytes column), so incremental runs
compare new articles with everything indexed before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from search.analysis import normalize_text

NUM_PERM = 64
SCHEME = "affine32"
SHINGLE_WORDS = 5
LSH_THRESHOLD = 0.3
SAME_STORY = 0.3
WORD = re.compile(r"\w+")


def shingles(title: str | None, text: str) -> set[bytes]:
    """Overlapping runs of SHINGLE_WORDS words, case and punctuation ignored."""
    words = WORD.findall(normalize_text(f"{title or ''} {text}").lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


@lru_cache(maxsize=1)
def permutations() -> object:
    """The hash permutations every signature uses (fixed by the seed; computed once, not per article)."""
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def signature(title: str | None, text: str) -> bytes:
    """The article's MinHash signature, as bytes for the index."""
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=permutations())
    minhash.update_batch(list(shingles(title, text)))
    return minhash.hashvalues.astype(np.uint32).tobytes()


@lru_cache(maxsize=1)
def banding() -> tuple[int, int]:
    """How many LSH bands, of how many signature values each, find pairs above LSH_THRESHOLD
    (datasketch's choice, which the stories were tuned with)."""
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class StoryFinder:
    """Assigns story ids, remembering every signature it has seen.

    The signatures are rows of one array, and each LSH band is a table from the band's
    values to the rows that share them: about 2 KB an article, where datasketch's LSH and a
    MinHash object per article took 7.4 (7 GB for a million articles in the indexing process).
    """

    def __init__(self, known: Iterable[tuple[str, str, bytes]] = ()):
        """`known`: (document id, story id, signature) of documents already indexed."""
        bands, width = banding()
        self._band_bytes = [(band * width * 4, (band + 1) * width * 4) for band in range(bands)]
        self._buckets: list[dict[bytes, int | list[int]]] = [{} for _ in range(bands)]
        self._signatures = np.zeros((1024, NUM_PERM), dtype=np.uint32)
        self._ids: list[str | None] = []
        self._stories: list[str] = []
        self._rows: dict[str, int] = {}
        for doc_id, story, raw in known:
            if raw:
                self._remember(doc_id, story, raw)

    def _keys(self, raw: bytes) -> Iterable[tuple[dict, bytes]]:
        return zip(self._buckets, (raw[start:stop] for start, stop in self._band_bytes), strict=True)

    def _remember(self, doc_id: str, story: str, raw: bytes) -> None:
        self.forget(doc_id)
        row = len(self._ids)
        if row == len(self._signatures):
            self._signatures = np.concatenate([self._signatures, np.zeros_like(self._signatures)])
        self._signatures[row] = np.frombuffer(raw, dtype=np.uint32)
        self._ids.append(doc_id)
        self._stories.append(story)
        self._rows[doc_id] = row
        for bucket, key in self._keys(raw):
            held = bucket.get(key)
            if held is None:
                bucket[key] = row
            elif isinstance(held, list):
                held.append(row)
            else:
                bucket[key] = [held, row]

    def forget(self, doc_id: str) -> None:
        """A document left the index (its file changed or went away)."""
        row = self._rows.pop(doc_id, None)
        if row is None:
            return
        for bucket, key in self._keys(self._signatures[row].tobytes()):
            held = bucket[key]
            if isinstance(held, list):
                held.remove(row)
            else:
                del bucket[key]
        self._ids[row] = None

    def _candidates(self, raw: bytes) -> set[int]:
        """The rows that share at least one band with the signature."""
        found: set[int] = set()
        for bucket, key in self._keys(raw):
            held = bucket.get(key)
            if isinstance(held, list):
                found.update(held)
            elif held is not None:
                found.add(held)
        return found

    def assign(self, doc_id: str, raw: bytes) -> str:
        """The story of the most similar known version, or a new story named after `doc_id`."""
        candidates = sorted((self._ids[row], row) for row in self._candidates(raw)
                            if self._ids[row] != doc_id)
        best, best_similarity = None, SAME_STORY
        if candidates:
            signatures = self._signatures[[row for _, row in candidates]]
            shared = np.count_nonzero(signatures == np.frombuffer(raw, dtype=np.uint32), axis=1)
            for (_, row), similarity in zip(candidates, (shared / NUM_PERM).tolist(), strict=True):
                if similarity > best_similarity or (best is None and similarity == best_similarity):
                    best, best_similarity = row, similarity
        story = self._stories[best] if best is not None else doc_id
        self._remember(doc_id, story, raw)
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
