"""Hooks of the schemathesis runs (tests/test_schemathesis.py, `make fuzz`; loaded through
SCHEMATHESIS_HOOKS): the rules of the OpenAPI document that a parameter's schema cannot state.

A search needs words (`q`) or a filter (said in the description of `q`), and its `from` may not
be after its `to` (said in theirs): a generated search with neither words nor filter is given
words (unless its blank `q` is too long, which makes it invalid anyway), and reversed dates are
swapped, so a request meant to be valid is valid.

`page` and `size` each have their bounds in the document, but together they may not pass the
first 1,000 results (page × size, said in the description of `page`): a generated page and size
within their own bounds are brought within that rule, so a request meant to be valid is valid.
A request that is invalid for another reason stays invalid (only `page` is lowered, within its
bounds), and an out-of-bounds `page` or `size` is left as generated, to be refused.
"""

from __future__ import annotations

import re

import schemathesis

from search.engine import MAX_QUERY_CHARS, MAX_RESULTS
from search.query import date_filter
from web.params import DEFAULT_PAGE_SIZE, FILTER_PARAMS, MAX_PAGE_SIZE


def whole(value: object, default: int) -> int | None:
    """A generated query value as the server would read a whole number sent once (`""` is the
    default), or None when it is anything else."""
    if value == "":
        return default
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
        return int(value)  # the coverage phase sends its values as text
    return value if type(value) is int else None


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Give a search without words or filter its words; lower a page within its bounds to the
    last one a size within its bounds may reach."""
    query = case.query if isinstance(case.query, dict) else {}
    words = query.get("q", "")
    if case.operation.path == "/api/search" and isinstance(words, str) and not words.strip() \
            and len(words) <= MAX_QUERY_CHARS and not any(
            isinstance(query.get(name), str) and query[name].strip() for name in FILTER_PARAMS):
        query["q"] = "news"  # a rule between parameters: words or a filter
        case.query = query
    dates = [query.get(name) for name in ("from", "to")]
    if all(isinstance(date, str) for date in dates):
        bounds = date_filter(*(date.strip() or None for date in dates))
        if bounds is not None and bounds.start and bounds.end and bounds.start > bounds.end:
            query["from"], query["to"] = dates[1], dates[0]  # another: from is not after to
    if "page" not in query:
        return case
    page, size = whole(query["page"], 1), whole(query.get("size", ""), DEFAULT_PAGE_SIZE)
    if page is not None and size is not None and 1 <= page <= MAX_RESULTS and 1 <= size <= MAX_PAGE_SIZE:
        query["page"] = min(page, MAX_RESULTS // size)
    return case
