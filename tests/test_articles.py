"""The article view: paragraphs, entity marks (escaped), versions."""

from __future__ import annotations

import random
import re
import time

from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB
from hypothesis import given, settings
from hypothesis import strategies as st

from search.articles import article_record, entity_forms, entity_marks, mark_entities, paragraphs
from search.documents import related_text
from search.settings import SETTINGS

WALLACE = {"name": "Ben Wallace", "type": "person", "mentions": 2, "salience": 1.0}
NATO = {"name": "NATO", "type": "org", "mentions": 1, "salience": 0.5}


def test_paragraphs_split_on_blank_lines_or_else_on_lines():
    assert paragraphs("One.\n\nTwo\nstill two.\n\n\n") == ["One.", "Two still two."]
    assert paragraphs("One.\nTwo.") == ["One.", "Two."]
    assert paragraphs("") == []


def test_mentions_are_marked_in_any_case_and_by_surname():
    text = "BEN WALLACE met Nato. Later Wallace left; wallaceville is a town."
    marked = mark_entities(text, [WALLACE, NATO])
    assert marked.count('<mark class="entity" data-type="person" title="Ben Wallace">') == 2
    assert ">BEN WALLACE</mark>" in marked and ">Wallace</mark>" in marked
    assert ">Nato</mark>" in marked
    assert "wallaceville" in marked and ">wallaceville<" not in marked


def test_text_and_names_are_escaped():
    hostile = {"name": '<img src=x onerror="alert(1)">', "type": "org", "mentions": 1, "salience": 1.0}
    marked = mark_entities('<script>alert(1)</script> and <img src=x onerror="alert(1)">', [hostile])
    assert "<script>" not in marked and "<img" not in marked
    assert "&lt;script&gt;" in marked
    assert marked.count("<mark") == 1


def test_article_record_of_the_print_edition(engine):
    record = engine.article(TELEGRAPH_PRINT)
    assert record["title"] == "Wallace heads to Pentagon over Kyiv strikes"
    assert [v["id"] for v in record["versions"]] == [TELEGRAPH_WEB]
    assert len(record["paragraphs"]) == len(record["paragraphs_html"]) > 3
    assert any('data-type="person"' in p for p in record["paragraphs_html"])
    assert "Newspapers in English" not in " ".join(record["paragraphs"])


def one_expression_marks(text: str, entities: list[dict]) -> list[tuple[int, int]]:
    """What entity marks means, as one regular expression of every form, longest first: the
    definition `entity_marks` must agree with (it finds the same marks word by word)."""
    forms = entity_forms(entities)
    if not forms:
        return []
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return [m.span() for m in re.finditer(rf"(?<!\w)({alternatives})(?!\w)", text)]


NAME_WORDS = ["Ben", "Wallace", "Nato", "US", "U.S.", "Kyiv", "Bank", "<Gulf", "Gulf>", "é", "Ūkraine"]
names = st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3).map(" ".join)
entity_lists = st.lists(st.builds(lambda name, kind: {"name": name, "type": kind, "salience": 1.0},
                                  names, st.sampled_from(["person", "org", "place"])), max_size=6)
BETWEEN = [" ", ", ", ".", "-", "x", "s", "\n\n"]
texts = st.lists(st.sampled_from(NAME_WORDS + BETWEEN), max_size=40).map("".join)


@given(text=texts, entities=entity_lists)
@settings(max_examples=300, deadline=None, derandomize=True)
def test_entity_marks_are_what_one_expression_of_every_form_finds(text, entities):
    found = sorted((mark.start, mark.end) for mark in entity_marks(text, entities))
    assert found == one_expression_marks(text, entities)


def test_a_long_article_naming_many_entities_is_marked_in_time_linear_in_its_length():
    """A 3 MB article naming 300 entities (a case that took 35 s when each paragraph scanned
    every mark and one expression tried every form at every character): a bound far above the
    ~2 s it now takes, in CPU time so a loaded machine does not fail it."""
    rng = random.Random(5)
    entities = [{"name": f"Name{i} Surname{i}", "type": "person", "salience": 0.5} for i in range(300)]
    words = [*(f"Surname{i}" for i in range(300)), "the", "oil", "price", "rose", "in", "market"]
    paragraphs_ = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(5000)]
    stored = {"id": "long", "title": "Long", "body": "\n\n".join(paragraphs_), "entities": entities}
    started = time.process_time()
    record = article_record(stored, [], [(0, 4)])
    assert time.process_time() - started < 15
    assert len(record["paragraphs_html"]) == 5000 and record["matches"] == 1
    assert sum(html.count('class="entity"') for html in record["paragraphs_html"]) > 100_000


def test_related_coverage_reads_the_first_pages_of_a_long_article():
    body = "word " * (SETTINGS.max_related_chars // 2)
    text = related_text({"title": "Headline", "body": body})
    assert len(text) <= SETTINGS.max_related_chars and text.startswith("Headline") and text.endswith("word")
    assert related_text({"title": "Short", "body": "A short body."}).endswith("A short body.")
