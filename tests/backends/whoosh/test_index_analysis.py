"""The neutral index-side analysis (`search.fields.index_analyzers`) against the Whoosh schema:
for every field of every article of the sample and fixture corpora, the same terms, at the same
positions, with the same counts and weights as Whoosh indexes. This is the contract that lets
another backend (OpenSearch) hold exactly the embedded index's terms."""

from __future__ import annotations

from collections import defaultdict

import pytest
from corpus_fields import FIXTURE_RECORDS, corpus_fields, write_corpus

from search.backends.whoosh.schema import build_schema
from search.fields import IndexToken, index_analyzers

Postings = dict[str, tuple[tuple[int, ...], int, float]]  # term -> (positions, count, weight)


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> list[dict]:
    return corpus_fields(write_corpus(tmp_path_factory.mktemp("analysis") / "corpus", FIXTURE_RECORDS))


def neutral_postings(tokens: list[IndexToken], positional: bool) -> Postings:
    """Each term of the neutral tokens with its positions (if the field keeps them), count, weight."""
    places: dict[str, list[int]] = defaultdict(list)
    weights: dict[str, float] = defaultdict(float)
    for position, term, weight in tokens:
        places[term].append(position)
        weights[term] += weight
    return {term: (tuple(sorted(held)) if positional else (), len(held), round(weights[term], 6))
            for term, held in places.items()}


def whoosh_postings(field, value: str) -> Postings:
    """Each term the Whoosh field writes for the value, as its postings format encodes it."""
    positional = field.format.supports("positions")
    found = {}
    for word, count, weight, encoded in field.index(value):
        word = word.decode("utf-8") if isinstance(word, bytes) else word
        held = tuple(field.format.decode_positions(encoded)) if positional else ()
        found[word] = (held, count, round(weight, 6))
    return found


def test_every_field_indexes_the_terms_whoosh_indexes(articles):
    schema, analyzers = build_schema(), index_analyzers()
    indexed = {name for name, field in schema.items() if field.indexed} - {"date"}
    assert set(analyzers) == indexed
    compared = defaultdict(int)
    for fields in articles:
        for name, analyze in analyzers.items():
            value = fields.get(name)
            if not value:
                continue
            field = schema[name]
            ours = neutral_postings(analyze(value), field.format.supports("positions"))
            assert ours == whoosh_postings(field, value), (fields["id"], name)
            compared[name] += 1
    assert set(compared) == indexed  # every field was compared on some article
    assert compared["entity_keys"] > 10 and compared["byline"] > 10
    assert sum(fields["path"].endswith(".txt") for fields in articles) == 5  # the sample corpus's seeds


@pytest.mark.parametrize("text", ["Iran sent Shahed-136 drones; the U.S. and Nato's MPs", "the of and to",
                                  " a, ,b ,", "Zelenskiy’s ally said time time time"])
def test_odd_values_index_alike(text):
    schema = build_schema()
    for name, analyze in index_analyzers().items():
        value = f"0.5000\tperson\t{text}" if name == "entity_keys" else text
        field = schema[name]
        ours = neutral_postings(analyze(value), field.format.supports("positions"))
        assert ours == whoosh_postings(field, value), name

