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


def _minhash(raw: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=permutations(),
                   hashvalues=np.frombuffer(raw, dtype=np.uint32))


class StoryFinder:
    """Assigns story ids, remembering every signature it has seen."""

    def __init__(self, known: Iterable[tuple[str, str, bytes]] = ()):
        """`known`: (document id, story id, signature) of documents already indexed."""
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self.stories: dict[str, str] = {}
        self.minhashes: dict[str, MinHash] = {}
        for doc_id, story, raw in known:
            if raw:
                self._remember(doc_id, story, _minhash(raw))

    def _remember(self, doc_id: str, story: str, minhash: MinHash) -> None:
        if doc_id in self.minhashes:
            self.lsh.remove(doc_id)
        self.lsh.insert(doc_id, minhash)
        self.minhashes[doc_id] = minhash
        self.stories[doc_id] = story

    def forget(self, doc_id: str) -> None:
        """A document left the index (its file changed or went away)."""
        if self.minhashes.pop(doc_id, None) is not None:
            self.lsh.remove(doc_id)
            self.stories.pop(doc_id, None)

    def assign(self, doc_id: str, raw: bytes) -> str:
        """The story of the most similar known version, or a new story named after `doc_id`."""
        minhash = _minhash(raw)
        best, best_similarity = None, SAME_STORY
        for candidate in sorted(self.lsh.query(minhash)):
            if candidate == doc_id:
                continue
            similarity = minhash.jaccard(self.minhashes[candidate])
            if similarity > best_similarity or (best is None and similarity == best_similarity):
                best, best_similarity = candidate, similarity
        story = self.stories[best] if best else doc_id
        self._remember(doc_id, story, minhash)
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
