"""Reading and checking request parameters: one place for every limit the web applies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from search.engine import MAX_QUERY_CHARS, MAX_RESULTS
from search.errors import InvalidParameter, NotFound
from search.facets import FACETS
from search.query import date_filter
from search.request import SORT_NAMES, Filters, SearchRequest
from search.settings import SETTINGS

MAX_PAGE_SIZE = SETTINGS.max_page_size
DEFAULT_PAGE_SIZE = SETTINGS.page_size
EXPORT_FORMATS = ("csv", "json")
SPELL_VALUES = ("on", "off")  # off: the query is run as typed, never replaced by its correction
FILTER_PARAMS = {"entity": "entity", **{facet.name: facet.name for facet in FACETS},
                 "from": "date_from", "to": "date_to"}
SEARCH_PARAMS = frozenset({"q", "page", "size", "sort", "format", "spell", *FILTER_PARAMS})
DATE_PARAMS = ("from", "to")
MAX_VALUE_CHARS = SETTINGS.max_value_chars
ARTICLE_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


@dataclass(frozen=True)
class SearchParams:
    """A checked search request."""

    q: str
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    sort: str = "relevance"
    format: str | None = None
    filters: Filters = field(default_factory=Filters)
    spell: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def request(self, **changes) -> SearchRequest:
        """What the engine runs for this page (with some options changed: an export's limit)."""
        options = {"limit": self.size, "offset": self.offset, "filters": self.filters, "sort": self.sort,
                   "correct": self.spell, **changes}
        return SearchRequest(self.q, **options)

    def args(self, **changes) -> dict:
        """The query-string arguments of this request with some changed (None drops one)."""
        values = {"q": self.q, "sort": self.sort if self.sort != "relevance" else None,
                  "size": self.size if self.size != DEFAULT_PAGE_SIZE else None,
                  "page": self.page if self.page != 1 else None, "spell": None if self.spell else "off"}
        values |= {name: getattr(self.filters, attr) for name, attr in FILTER_PARAMS.items()}
        values |= changes
        return {name: value for name, value in values.items() if value not in (None, "")}


def check_known(args: MultiDict, known: frozenset[str]) -> None:
    """Refuse parameters the endpoint does not take (a typo should not pass silently), and any
    parameter given more than once (which of `page=1&page=2` was meant cannot be known)."""
    unknown = sorted(set(args) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise InvalidParameter(f"unknown parameter {unknown[0][:40]!r}; expected: {expected}")
    repeated = sorted(name for name, values in args.lists() if len(values) > 1)
    if repeated:
        raise InvalidParameter(f"{repeated[0]} is given more than once; give each parameter once")


def whole_number(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter within [low, high]; empty is the same as absent (the default), as
    for every parameter, so a form's blank field means what leaving it out does."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    digits = raw.strip(" \t")  # spaces around a number are forgiven; control characters are not
    if not re.fullmatch(r"[0-9]{1,9}", digits):
        raise InvalidParameter(f"{name} must be a whole number, got {raw[:40]!r}")
    value = int(digits)
    if not low <= value <= high:
        raise InvalidParameter(f"{name} must be between {low} and {high}, got {value}")
    return value


def text_value(args: MultiDict, name: str, limit: int = MAX_VALUE_CHARS) -> str | None:
    """A text parameter, stripped; None when absent or blank. The limit counts the characters as
    sent (spaces too), as the OpenAPI document's maxLength does."""
    raw = args.get(name) or ""
    if "\x00" in raw:
        raise InvalidParameter(f"{name} contains a NUL character")
    if len(raw) > limit:
        raise InvalidParameter(f"{name} is longer than {limit} characters")
    return raw.strip() or None


def search_params(args: MultiDict, require_query: bool = True) -> SearchParams:
    """The checked parameters of a search request; InvalidParameter names the first problem.
    Without words (`q` left out or blank) a filter browses its stories; with no filter either,
    `require_query` (the API's) refuses the request, where a page goes home."""
    check_known(args, SEARCH_PARAMS)
    q = text_value(args, "q", MAX_QUERY_CHARS)
    size = whole_number(args, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = whole_number(args, "page", 1, 1, MAX_RESULTS)
    if page * size > MAX_RESULTS:
        raise InvalidParameter(f"only the first {MAX_RESULTS} results can be paged through (page × size)")
    sort = args.get("sort") or "relevance"
    if sort not in SORT_NAMES:
        raise InvalidParameter(f"sort must be one of {', '.join(SORT_NAMES)}, got {sort[:40]!r}")
    export = args.get("format") or None
    if export is not None and export not in EXPORT_FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {export[:40]!r}")
    spell = args.get("spell") or "on"
    if spell not in SPELL_VALUES:
        raise InvalidParameter(f"spell must be one of {', '.join(SPELL_VALUES)}, got {spell[:40]!r}")
    filters = Filters(**{attr: text_value(args, name) for name, attr in FILTER_PARAMS.items()})
    problem = date_problem(args)
    if problem:
        raise InvalidParameter(problem)
    if q is None and require_query and not filters.given:
        raise InvalidParameter("q is required: the words to search for (or leave it out and give a "
                               "filter, to browse by the filter alone)")
    return SearchParams(q or "", page, size, sort, export, filters, spell == "on")


def date_problem(args: MultiDict) -> str | None:
    """What is wrong with the date range `from`, `to` (a date that is not one, dates reversed),
    or None: a page says it beside the date fields, the API answers 400."""
    for name in DATE_PARAMS:
        value = text_value(args, name)
        if value and date_filter(value, None) is None:
            return f"{name} must be a date: YYYY, YYYY-MM or YYYY-MM-DD, got {value[:40]!r}"
    try:
        Filters(date_from=text_value(args, "from"), date_to=text_value(args, "to")).tree()
    except InvalidParameter as error:
        return error.message
    return None


def article_id(value: str) -> str:
    """An id as the index writes them; anything else cannot name an article."""
    if not ARTICLE_ID.fullmatch(value):
        raise NotFound(f"no article with id {value[:80]!r}")
    return value
