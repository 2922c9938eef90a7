"""Request parameters (web/params.py): every limit the web applies, as pure functions."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from search.errors import InvalidParameter, NotFound
from search.request import Filters
from web.params import (
    MAX_PAGE_SIZE,
    SearchParams,
    article_id,
    check_known,
    search_params,
    text_value,
    whole_number,
)


def args(**values) -> MultiDict:
    return MultiDict({name.rstrip("_"): value for name, value in values.items()})


def test_defaults():
    params = search_params(args(q=" drones "))
    assert params == SearchParams("drones", 1, 10, "relevance", None, Filters())
    assert params.offset == 0


def test_every_parameter_is_read():
    params = search_params(args(q="drones", page="3", size="20", sort="date", format="csv", source="Reuters",
                                author="Max Hunder", entity="NATO", from_="2022-10", to="2022-12-31"))
    assert (params.page, params.size, params.sort, params.format, params.offset) == (3, 20, "date", "csv", 40)
    assert params.filters == Filters(source="Reuters", author="Max Hunder", entity="NATO",
                                     date_from="2022-10", date_to="2022-12-31")


def test_a_query_may_be_missing_where_it_is_not_required_or_a_filter_is_given():
    assert search_params(args(), require_query=False).q == ""
    assert search_params(args(q="  ", source="Reuters")).q == ""
    with pytest.raises(InvalidParameter, match="q is required"):
        search_params(args())
    with pytest.raises(InvalidParameter, match="q is required"):
        search_params(args(q=" "))


@pytest.mark.parametrize(("values", "message"), [
    ({"q": "x", "size": str(MAX_PAGE_SIZE + 1)}, "size must be between 1 and 100"),
    ({"q": "x", "page": "0"}, "page must be between 1 and 1000"),
    ({"q": "x", "page": "51", "size": "20"}, "first 1000 results"),
    ({"q": "x", "sort": "latest"}, "sort must be one of relevance, newest, oldest, date"),
    ({"q": "x", "format": "xml"}, "format must be one of csv, json"),
    ({"q": "x", "from": "2022-13"}, "from must be a date"),
    ({"q": "x", "to": "soon"}, "to must be a date"),
    ({"q": "x" * 2001}, "longer than 2000"),
    ({"q": "x", "source": "s" * 201}, "source is longer than 200"),
    ({"q": "x", "pge": "2"}, "unknown parameter 'pge'"),
])
def test_invalid_values_name_the_problem(values, message):
    with pytest.raises(InvalidParameter, match=message):
        search_params(MultiDict(values))


@pytest.mark.parametrize(("raw", "expected"), [(None, 7), ("", 7), ("1", 1), (" 42 ", 42), ("0050", 50),
                                               ("\t7\t", 7)])
def test_whole_number(raw, expected):
    values = MultiDict({} if raw is None else {"n": raw})
    assert whole_number(values, "n", 7, 1, 100) == expected


@pytest.mark.parametrize("raw", ["0", "101", "-1", "+1", "1.0", "1e2", "one", "1 2", "9" * 10, "0x10",
                                 "\u0663", "\x1d2", "3\x1f"])
def test_whole_number_refuses(raw):
    with pytest.raises(InvalidParameter, match="n must be"):
        whole_number(MultiDict({"n": raw}), "n", 7, 1, 100)


@pytest.mark.parametrize("given", [[("page", "1"), ("page", "2")], [("page", "1"), ("page", "1")],
                                   [("page", ""), ("page", "")], [("q", "a"), ("q", "b")]])
def test_a_parameter_given_twice_is_refused_whatever_its_values(given):
    name = given[0][0]
    with pytest.raises(InvalidParameter, match=f"^{name} is given more than once"):
        check_known(MultiDict(given), frozenset({"q", "page"}))
    with pytest.raises(InvalidParameter, match=f"^{name} is given more than once"):
        search_params(MultiDict([("q", "x"), *given] if name != "q" else given))


def test_an_unknown_parameter_is_named_before_a_repeated_one():
    with pytest.raises(InvalidParameter, match="unknown parameter 'x'"):
        check_known(MultiDict([("q", "a"), ("q", "b"), ("x", "1")]), frozenset({"q"}))


def test_text_value_counts_the_limit_as_sent():
    assert text_value(MultiDict({"t": "  abcd  "}), "t", 8) == "abcd"
    with pytest.raises(InvalidParameter, match="longer than 7"):
        text_value(MultiDict({"t": "  abcd  "}), "t", 7)


def test_text_value():
    assert text_value(MultiDict({"t": "  a b  "}), "t") == "a b"
    assert text_value(MultiDict({"t": "   "}), "t") is None
    assert text_value(MultiDict(), "t") is None
    assert text_value(MultiDict({"t": "x" * 5}), "t", 5) == "xxxxx"
    with pytest.raises(InvalidParameter, match="longer than 4"):
        text_value(MultiDict({"t": "x" * 5}), "t", 4)
    with pytest.raises(InvalidParameter, match="NUL"):
        text_value(MultiDict({"t": "a\x00b"}), "t")


def test_check_known_names_the_first_unknown_and_what_is_expected():
    check_known(MultiDict({"q": "x"}), frozenset({"q", "limit"}))
    with pytest.raises(InvalidParameter, match=r"unknown parameter 'b'; expected: limit, q"):
        check_known(MultiDict({"q": "x", "c": "1", "b": "2"}), frozenset({"q", "limit"}))
    with pytest.raises(InvalidParameter, match="expected: none"):
        check_known(MultiDict({"x": "1"}), frozenset())


@pytest.mark.parametrize("value", ["000_2c27c168a57ccc4f", "a.b-c_D", "x" * 200, "..", "."])
def test_article_id_passes_what_the_index_could_have_written(value):
    assert article_id(value) == value


@pytest.mark.parametrize("value", ["", "a/b", "../etc", "a b", "a\x00", "x" * 201, "é", "a%2e"])
def test_article_id_refuses_anything_else_as_not_found(value):
    with pytest.raises(NotFound):
        article_id(value)


def test_args_keep_what_differs_from_the_defaults():
    params = search_params(args(q="drones", page="2", size="10", source="Reuters"))
    assert params.args() == {"q": "drones", "page": 2, "source": "Reuters"}
    assert params.args(page=None, sort="date") == {"q": "drones", "sort": "date", "source": "Reuters"}
    assert params.args(source=None) == {"q": "drones", "page": 2}
    dated = search_params(args(q="x", size="5", from_="2022", to="2023"))
    assert dated.args() == {"q": "x", "size": 5, "from": "2022", "to": "2023"}
