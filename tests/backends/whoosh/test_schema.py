"""The Whoosh backend's schema (search/backends/whoosh/schema.py): its fields analyse as the
neutral analysis says (search/fields.py), the name fields' words equal the query side's (accents folded),
and entities are indexed under their keys, weighted by salience."""

from __future__ import annotations

import pytest
from conftest import SEEDS
from fixtures_corpora import DATED_RECORDS, WIRE_RECORDS
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Characters

from search.analysis import exact_analyzer, name_terms, news_analyzer
from search.backends.whoosh.schema import (
    EntityKeyAnalyzer,
    Occurrences,
    WhooshAnalyzer,
    build_schema,
)
from search.documents import COLUMN, DATE, ENTITY_KEYS, FIELDS, ID, KEYS, NAME, STORED, TEXT, document_fields
from search.fields import query_analyzers
from search.ingest import read_file
from search.query.parser import ANALYSED_FIELDS

TEXTS = [text for record in [*DATED_RECORDS, *WIRE_RECORDS] for key in ("title", "text", "author", "source")
         for text in [record.get(key) or ""]] + ["U.S.-led", "D'Afflisio", "x*y", " a, ,b ", "", "Kyiv, NATO"]


def whoosh_query_terms(fieldname: str, text: str, whole: bool) -> list[str]:
    analyzer = build_schema()[fieldname].analyzer
    return [token.text for token in analyzer(text, mode="query", tokenize=not whole, removestops=not whole)]


@pytest.mark.parametrize("fieldname", ANALYSED_FIELDS)
def test_each_field_is_queried_as_the_schema_analyses_it(fieldname):
    analyzers = query_analyzers()
    for text in TEXTS:
        for whole in (False, True):
            assert analyzers[fieldname](text, whole) == whoosh_query_terms(fieldname, text, whole), text


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.text(max_size=60))
def test_name_words_are_what_the_name_fields_index(text):
    assert name_terms(text) == [token.text for token in build_schema()["person"].analyzer(text)]


def test_entity_key_analyzer_indexes_people_by_name_and_surname_weighted_by_salience():
    analyzer = EntityKeyAnalyzer(news_analyzer())
    value = "0.8000\tperson\tBen Wallace\n0.5000\torg\tInternational Monetary Fund\n0.3000\tweapon\tAMRAAM"
    tokens = [(token.text, token.boost) for token in analyzer(value)]
    assert sorted(tokens) == sorted([
        ("ben wallac", 0.8), ("wallac", 0.8), ("intern monetari fund", 0.5), ("AMRAAM", 0.3),
    ])


@pytest.mark.parametrize("analyzer", [news_analyzer(), exact_analyzer()], ids=["news", "exact"])
@pytest.mark.parametrize("path", SEEDS, ids=[path.stem for path in SEEDS])
def test_the_index_formats_postings_equal_whooshs_from_the_token_stream(analyzer, path):
    """`Occurrences` (what the text fields are indexed with) collects each term's positions in
    one pass; Whoosh's own format walks the tokens. The postings are the same, and the character
    offsets snippets recompute from the text (`occurrences`) are those Whoosh would have stored."""
    text = path.read_text(encoding="utf-8") + "\n\nBEN WALLACE SAID the U.S. air-to-air AMRAAM, not the US’S."
    ours = sorted((word, count, weight, Occurrences().decode_positions(value))
                  for word, count, weight, value in Occurrences().word_values(text, WhooshAnalyzer(analyzer)))
    whooshs = sorted((word, count, weight, Characters().decode_positions(value))
                     for word, count, weight, value in Characters().word_values(text, analyzer, mode="index"))
    assert len(ours) > 100
    assert ours == whooshs
    characters = {word: [tuple(place) for place in Characters().decode_characters(value)]
                  for word, _, _, value in Characters().word_values(text, analyzer, mode="index")}
    assert analyzer.occurrences(text) == characters


WHOOSH_TYPES = {TEXT: "TEXT", NAME: "TEXT", KEYS: "KEYWORD", ENTITY_KEYS: "TEXT", ID: "ID",
                DATE: "DateColumn", STORED: "STORED", COLUMN: "COLUMN"}


def test_the_schema_holds_the_declared_fields_each_of_its_kind_and_stored_as_declared():
    schema = build_schema()
    assert sorted(schema.names()) == sorted(field.name for field in FIELDS)
    for field in FIELDS:
        assert type(schema[field.name]).__name__ == WHOOSH_TYPES[field.kind], field
        assert bool(schema[field.name].stored) == field.stored, field


def test_an_articles_field_values_name_only_declared_fields():
    article = read_file(SEEDS[0], SEEDS[0].name).articles[0]
    values = document_fields(article, "key", "sig")
    assert set(values) <= {field.name for field in FIELDS} and {"id", "content", "story"} <= set(values)
