"""Hooks of the schemathesis runs (tests/test_schemathesis.py, `make fuzz`; loaded through
SCHEMATHESIS_HOOKS): the rules of the OpenAPI document that a parameter's schema cannot state.

A search needs words (`q`) or a filter (said in the description of `q`): a generated search with
neither is given words, so a request meant to be valid is valid.

`page` and `size` each have their bounds in the document, but together they may not pass the
first 1,000 results (page × size, said in the description of `page`): a generated page and size
within their own bounds are brought within that rule, so a request meant to be valid is valid.
A request that is invalid for another reason stays invalid (only `page` is lowered, within its
bounds), and an out-of-bounds `page` or `size` is left as generated, to be refused.
"""

from __future__ import annotations

import re

import schemathesis

from search.engine import MAX_RESULTS
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
    if case.operation.path == "/api/search" and "q" not in query and not any(
            isinstance(query.get(name), str) and query[name].strip() for name in FILTER_PARAMS):
        query["q"] = "news"  # the document's one rule between parameters: words or a filter
        case.query = query
    if "page" not in query:
        return case
    page, size = whole(query["page"], 1), whole(query.get("size", ""), DEFAULT_PAGE_SIZE)
    if page is not None and size is not None and 1 <= page <= MAX_RESULTS and 1 <= size <= MAX_PAGE_SIZE:
        query["page"] = min(page, MAX_RESULTS // size)
    return case
