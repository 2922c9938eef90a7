"""Who said what: quotations found at index time with their speakers, searched with `quote:` and
`speaker:`, shown with hits, on the article page, in the API and by `search show`."""

from __future__ import annotations

from conftest import TELEGRAPH_PRINT, VALIDATOR, WASHINGTON_TIMES
from test_web_pages import get_page

from search.entities import Entity
from search.quotes import by_speaker, extract_quotes, quoted_spans
from search.snippets import plain_text


def person(name: str, *forms: str) -> Entity:
    return Entity(name, "person", 1, 1.0, forms or (name,))


SMITH = person("John Smith", "John Smith", "Smith", "Mr. Smith")
JONES = person("Mary Jones", "Mary Jones", "Jones")


def speakers(text: str, *people: Entity) -> list[tuple[str, str | None]]:
    return [(quote.text, quote.speaker) for quote in extract_quotes(text, people)]


def test_each_cue_names_its_speaker():
    text = ('John Smith met Mary Jones on Monday.\n'
            '"Prices will rise this year," said Smith.\n'
            '"We see no reason for alarm at all," Jones told reporters.\n'
            'Smith said: "The cuts are coming sooner than you think."\n'
            '"Markets always recover in the end," according to Mary Jones.')
    assert speakers(text, SMITH, JONES) == [
        ("Prices will rise this year", "John Smith"),
        ("We see no reason for alarm at all", "Mary Jones"),
        ("The cuts are coming sooner than you think.", "John Smith"),
        ("Markets always recover in the end", "Mary Jones"),
    ]


def test_a_name_printed_with_and_without_its_accents_is_one_speaker():
    ladon = person("Agnieszka Ładoń", "Agnieszka Ładoń", "Ładoń")
    text = ('Agnieszka Ładoń won the vote in Gdańsk.\n'
            '"Tonight the city chose its future," Ladon said.\n'
            '"We will start on the tram lines at once," she added.\n'
            'LADON said: "Nobody will be left out of it."')
    assert [speaker for _, speaker in speakers(text, ladon)] == ["Agnieszka Ładoń"] * 3


def test_a_straight_mark_typed_for_an_apostrophe_opens_no_quote():
    """Reuters types `Turkey"s` for `Turkey's`: read as a mark, quotes began mid-word (`s plans
    would have infringed ...`) and paired with the real ones wrongly."""
    text = ('Turkey alleged that the consortium"s plans would have infringed the 1976 accord, John '
            'Smith said.\n"We will never accept the consortium"s plans for the shelf," said Smith.')
    said = 'We will never accept the consortium"s plans for the shelf'
    [quote] = quoted_spans(text)
    assert [text[start:end] for start, end in quote] == [f"{said},"]
    assert speakers(text, SMITH) == [(said, "John Smith")]


def test_a_pronoun_is_the_person_named_last_unless_an_unnamed_speaker_spoke_since():
    text = ('Mary Jones spoke first.\n"This plan will not work for farmers," she said.\n'
            '"Nobody asked us about the plan," a spokesman said.\n'
            '"It is late and it is costly," he said.')
    assert [speaker for _, speaker in speakers(text, JONES)] == ["Mary Jones", None, None]


def test_a_pronoun_is_the_last_who_spoke_not_someone_they_talked_about():
    text = ('Mary Jones said the panel would question John Smith and his associates next week.\n'
            '"Anything above reported income is what we have to recover," he said.\n'
            'John Smith has denied the charges since March.\n'
            '"I have nothing to hide from anyone," he told a news conference.')
    assert [speaker for _, speaker in speakers(text, SMITH, JONES)] == ["Mary Jones", "John Smith"]


def test_a_repeated_paragraph_is_one_quote():
    text = '"We do not want a trade war," Smith said.\n"We do not want a trade war," Smith said.'
    assert speakers(text, SMITH) == [("We do not want a trade war", "John Smith")]


def test_an_apposition_between_name_and_verb_and_honorific_dots_are_read_through():
    text = ('"The deficit will narrow next year," John Smith, the bank\'s chief economist, said.\n'
            '"Growth has slowed more than we expected," said Mr. Smith, who spoke in London.')
    assert [speaker for _, speaker in speakers(text, SMITH)] == ["John Smith", "John Smith"]


def test_a_quote_over_paragraphs_is_one_and_keeps_its_speaker_in_the_next_paragraph():
    text = ('"The first paragraph of a long statement,\n'
            '"and its second paragraph, closed at last," Smith said.\n'
            '"A paragraph that carries on without a cue of its own."\n'
            'Jones left.')
    found = speakers(text, SMITH)
    assert found[0] == ("The first paragraph of a long statement, and its second paragraph, closed at last",
                        "John Smith")
    assert found[1] == ("A paragraph that carries on without a cue of its own.", "John Smith")


def test_scare_quotes_are_no_quotes_and_other_marks_pair_too():
    text = ('The "temporary" tax stays. «Nous restons ici pour longtemps», said Smith. '
            '„Wir bleiben hier lange“, Jones said.')
    assert speakers(text, SMITH, JONES) == [("Nous restons ici pour longtemps", "John Smith"),
                                            ("Wir bleiben hier lange", "Mary Jones")]


def test_a_cue_naming_no_person_leaves_the_quote_unattributed():
    text = '"We will appeal the ruling at once," the company said. "It is wrong," Acme Corp said.'
    assert speakers(text, SMITH) == [("We will appeal the ruling at once", None), ("It is wrong", None)]


def test_spans_are_where_the_words_stand_and_unclosed_quotes_end_with_their_paragraph():
    text = 'He said "open and never closed\nNext paragraph.'
    assert quoted_spans(text) == [[(9, 30)]]
    assert text[9:30] == "open and never closed"


def test_quotes_group_by_speaker_in_order_with_the_unattributed_last():
    quotes = [{"text": "a", "speaker": None}, {"text": "b", "speaker": "Y"},
              {"text": "c", "speaker": "X"}, {"text": "d", "speaker": "Y"}]
    assert [(speaker, [q["text"] for q in said]) for speaker, said in by_speaker(quotes)] == [
        ("Y", ["b", "d"]), ("X", ["c"]), (None, ["a"])]


# --- through the engine (each backend) -----------------------------------------------------------

def test_quote_searches_inside_quotations_only(engine):
    inside = engine.search('quote:"air superiority"')
    assert inside["total"] == 1 and inside["results"][0]["quote"]["speaker"] == "James Martin"
    assert "<mark>air superiority</mark>" in inside["results"][0]["snippet"]
    assert engine.search('quote:"urgent meeting"')["total"] == 0  # in the body, in no quote
    assert engine.search('"urgent meeting"')["total"] == 1


def test_speaker_filters_to_stories_quoting_that_person_and_shows_what_they_said(engine):
    answer = engine.search("speaker:price ukraine")
    VALIDATOR.validate(answer)
    assert [hit["id"] for hit in answer["results"]] == [WASHINGTON_TIMES]
    hit = answer["results"][0]
    assert hit["quote"]["speaker"] == "Ned Price" and hit["quote"]["text"][:30] in plain_text(hit["snippet"])
    assert engine.search("speaker:ihnat")["total"] == 1
    assert engine.search("speaker:wallace")["total"] == 0  # named everywhere, quoted nowhere


def test_an_article_opened_from_a_speaker_search_marks_no_empty_match(engine):
    assert engine.article(WASHINGTON_TIMES, "speaker:price")["matches"] == 0
    assert engine.article(WASHINGTON_TIMES, "speaker:price Ukraine")["matches"] > 0


def test_the_article_lists_its_quotes_where_they_stand(engine):
    article = engine.article(WASHINGTON_TIMES)
    said = {quote["speaker"] for quote in article["quotes"]}
    assert {"Antony Blinken", "Ned Price", "Sergey Lavrov"} <= said
    body = engine.document(WASHINGTON_TIMES)["body"]
    for quote in article["quotes"]:
        assert " ".join(body[quote["start"]:quote["end"]].replace("“", " ").split()).startswith(
            " ".join(quote["text"].split())[:20])


def test_the_article_page_lists_quotes_by_speaker_with_a_link_to_their_stories(client):
    page = get_page(client, f"/articles/{WASHINGTON_TIMES}")
    section = page.one("section", cls="quotes")
    assert section.text.strip().startswith("Who said what")
    shown = [h.text for h in page.find("h4")]
    assert shown.index("Antony Blinken") < shown.index("Ned Price")
    assert [h.text for h in get_page(client, f"/articles/{TELEGRAPH_PRINT}").find("h4")][-1] == "Unattributed"
    link = next(a for a in page.find("a") if a.text == "Ned Price" and "speaker" in a.attrs["href"])
    assert get_page(client, link.attrs["href"]).hit_ids() == [WASHINGTON_TIMES]


def test_results_say_whom_a_passage_quotes(client):
    page = get_page(client, "/search", q='quote:"air superiority"')
    assert " ".join(page.one(cls="quote-speaker").text.split()) == "Quoting James Martin"
    assert len(page.hit_ids()) == 1


def test_the_command_line_shows_quotes(run_cli, seed_index):
    shown = run_cli("show", WASHINGTON_TIMES, "--index", str(seed_index))
    assert shown.code == 0
    listed = shown.stdout.split("\nquotes:\n", 1)[1]
    assert "  Ned Price:\n    “We are not encouraging Ukraine" in listed
    found = run_cli("speaker:lavrov", "--index", str(seed_index))
    assert "quoting Sergey Lavrov" in found.stdout
