"""The article view: paragraphs, entity marks (escaped), versions."""

from __future__ import annotations

from conftest import TELEGRAPH_PRINT, TELEGRAPH_WEB

from search.articles import mark_entities, paragraphs

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
