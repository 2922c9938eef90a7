"""The column pool (search/backends/whoosh/pool.py) against what Whoosh's pool of tuples gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

from search.backends.whoosh import pool
from search.backends.whoosh.pool import FieldColumns, PooledPostings, reordered


def random_postings(seed: int, count: int) -> list[tuple[bytes, int, float, bytes]]:
    """Postings as a writer adds them: document after document, each term once a document."""
    generator = random.Random(seed)
    words = [bytes(generator.choices(b"abcdez", k=generator.randint(1, 4))) for _ in range(40)]
    found = []
    for docnum in range(count):
        for word in sorted(set(generator.sample(words, generator.randint(1, 6)))):
            value = bytes(generator.randrange(256) for _ in range(generator.randint(0, 9)))
            found.append((word, docnum, round(generator.random() * 5, 3), value))
    generator.shuffle(found)  # the pool must not rely on the order words come in a document
    found.sort(key=lambda posting: posting[1])
    return found


@pytest.mark.parametrize("rows", [1, 3, 1 << 18])
def test_sorted_columns_are_whooshs_sorted_tuples(monkeypatch, rows):
    monkeypatch.setattr(pool, "REORDER_ROWS", rows)
    postings = random_postings(seed=rows, count=60)
    columns = FieldColumns()
    for btext, docnum, weight, value in postings:
        columns.add(btext, docnum, weight, value)
    expected = sorted(("body", *posting) for posting in postings)
    assert list(columns.sorted().tuples("body")) == expected
    assert list(PooledPostings({"body": columns, "a": FieldColumns()})) == expected


@pytest.mark.parametrize("rows", [1, 2, 5, 1 << 18])
def test_reordered_values_follow_the_order_and_leave_out_what_it_leaves_out(monkeypatch, rows):
    monkeypatch.setattr(pool, "REORDER_ROWS", rows)
    generator = random.Random(rows)
    pieces = [bytes(generator.randrange(256) for _ in range(generator.randint(0, 6))) for _ in range(30)]
    order = np.array(generator.sample(range(30), 20))
    values, ends = reordered(np.frombuffer(b"".join(pieces), dtype=np.uint8),
                             np.array([len(piece) for piece in pieces]), order)
    assert values == b"".join(pieces[at] for at in order)
    assert ends.tolist() == np.cumsum([len(pieces[at]) for at in order]).tolist()
