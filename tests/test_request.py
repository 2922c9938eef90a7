"""search.request.SearchRequest: one search, checked once for every caller."""

import pytest

from search.errors import InvalidParameter
from search.request import Filters, SearchRequest
from search.settings import SETTINGS


def test_a_request_keeps_its_sort_by_the_canonical_name():
    assert SearchRequest("oil", sort="date").sort == "newest"
    assert SearchRequest("oil", sort="oldest").sort == "oldest"
    assert SearchRequest("oil").filters == Filters() and SearchRequest("oil").limit == SETTINGS.page_size


@pytest.mark.parametrize(("options", "message"), [
    ({"q": " "}, "the query is empty"),
    ({"q": "x" * (SETTINGS.max_query_chars + 1)}, "longer than"),
    ({"limit": 0}, "the limit must be between"),
    ({"limit": SETTINGS.max_results + 1}, "the limit must be between"),
    ({"offset": SETTINGS.max_results - 5, "limit": 10}, "can be paged through"),
    ({"offset": -1}, "can be paged through"),
    ({"sort": "score"}, "sort must be one of relevance, newest, oldest, date"),
])
def test_a_request_out_of_bounds_is_refused_when_made(options, message):
    with pytest.raises(InvalidParameter, match=message):
        SearchRequest(**{"q": "oil", **options})


@pytest.mark.parametrize(("start", "end"),
                         [("2022-12", "2022-01"), ("2023", "2022-12-31"), ("2022-10-02", "2022-10-01")])
def test_a_reversed_date_range_is_refused_not_searched_for_nothing(start, end):
    with pytest.raises(InvalidParameter, match=f"the dates are reversed: from {start} is after to {end}"):
        SearchRequest("oil", filters=Filters(date_from=start, date_to=end)).filters.tree()
    assert Filters(date_from="2022-10", date_to="2022-10").tree() is not None  # one month: not reversed


def test_the_engine_runs_a_request_as_it_runs_the_same_text_and_options(engine):
    request = SearchRequest("drones", limit=2, offset=1, sort="relevance")
    by_request, by_text = engine.search(request), engine.search("drones", limit=2, offset=1)
    assert [hit["id"] for hit in by_request["results"]] == [hit["id"] for hit in by_text["results"]]
    assert by_request["total"] == by_text["total"]
