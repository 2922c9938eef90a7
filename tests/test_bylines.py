"""search.bylines: reporters' names and the credited agency, from bylines as wires print them."""

from __future__ import annotations

import pytest

from search.bylines import Byline, author_key, bylines, credit_and_source, parse_byline, shown_case


@pytest.mark.parametrize(("raw", "names", "agency"), [
    ("By Patti Domm, Reuters", ["Patti Domm"], "Reuters"),
    ("BY TED D'AFFLISIO, Reuters", ["Ted D'Afflisio"], "Reuters"),
    ("By TED d'AFFLISIO, REUTERS", ["Ted D'Afflisio"], "Reuters"),
    ("By Patti Domm, Reuter", ["Patti Domm"], "Reuters"),
    ("By Cal Mankowski, Reutersd", ["Cal Mankowski"], "Reuters"),  # a typo of the agency, no reporter
    ("By Alan Peters, Reuters", ["Alan Peters"], "Reuters"),
    ("By Brad Schade Reuters", ["Brad Schade"], "Reuters"),
    ("By STEPHEN JUKES AND PHILIP SHEHADI, REUTERS", ["Stephen Jukes", "Philip Shehadi"], "Reuters"),
    ("by Janie Gabbett", ["Janie Gabbett"], None),
    ("By Maggie McNeil, Reuters", ["Maggie McNeil"], "Reuters"),
    ("By Tony Diver, Political Correspondent", ["Tony Diver"], None),
    ("By Jane Doe in Kyiv", ["Jane Doe"], None),
    ("Tony Diver; Danielle Sheridan", ["Tony Diver", "Danielle Sheridan"], None),
    ("By Jo Yun-jeung, Associated Press", ["Jo Yun-jeung"], "Associated Press"),
    ("Staff Writer", [], None),
])
def test_a_byline_gives_names_and_the_agency_it_credits(raw, names, agency):
    assert parse_byline(raw) == Byline(names, agency)


def test_one_reporter_is_one_key_whatever_the_casing():
    printed = ["BY TED D'AFFLISIO, Reuters", "By Ted D'Afflisio, REUTERS", "By TED d'AFFLISIO, Reuters"]
    assert len({author_key(parse_byline(raw).names[0]) for raw in printed}) == 1


def test_one_reporter_is_one_key_with_or_without_the_hyphen_in_a_double_surname():
    printed = ["By Nailene Chou Wiest, Reuters", "By NAILENE CHOU-WIEST, Reuters", "By Nailene Chou–Wiest"]
    assert len({author_key(parse_byline(raw).names[0]) for raw in printed}) == 1
    assert author_key("Ann Smith") != author_key("Annsmith")


def test_names_printed_in_capitals_are_shown_in_title_case_and_mixed_case_as_printed():
    assert shown_case("NAILENE CHOU WIEST") == "Nailene Chou Wiest"
    assert shown_case("Ian MacKenzie") == "Ian MacKenzie"
    assert shown_case("MARK O'NEILL") == "Mark O'Neill"


def test_a_list_of_names_or_bylines_is_read_item_by_item_without_repeats():
    assert bylines(["By Tony Diver, Reuters", "Danielle Sheridan", "Tony Diver"]) == Byline(
        ["Tony Diver", "Danielle Sheridan"], "Reuters")
    assert bylines(None) == Byline()
    assert bylines({"name": "x"}) == Byline()


def test_the_agency_is_the_source_of_a_record_without_one_and_a_credit_beside_another():
    byline = parse_byline("By Patti Domm, Reuters")
    assert credit_and_source(byline, None) == ("Reuters", None)
    assert credit_and_source(byline, "Reuters") == ("Reuters", None)
    assert credit_and_source(parse_byline("By Patti Domm, Reuter"), "REUTERS") == ("REUTERS", None)
    assert credit_and_source(byline, "The Business Times") == ("The Business Times", "Reuters")
    telegraph = "The Daily Telegraph"
    assert credit_and_source(parse_byline("By Tony Diver"), telegraph) == (telegraph, None)
