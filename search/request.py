"""One search as the engine takes it: the query, its page, filters, order and options, checked once.

The command line and the web layer build a `SearchRequest` from what the user gave, and the engine
runs it; a value out of bounds is refused when the request is made, with the same message
whichever caller made it (a 400 on the web, one line and exit code 2 on the command line).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from search.documents import ENTITY_FILTERS
from search.entities.surnames import NO_OWNERS, SurnameOwners
from search.errors import InvalidParameter
from search.facets import FACETS, entity_filter
from search.query import date_filter
from search.query import tree as qt
from search.settings import SETTINGS

SORT_ALIASES = dict(SETTINGS.sort_aliases)
SORT_NAMES = (*SETTINGS.sorts, *SORT_ALIASES)


@dataclass(frozen=True)
class Filters:
    """Restrictions that narrow a search without changing its ranking: a value of any facet
    (search/facets.py), an entity of any type, a date range."""

    source: str | None = None
    author: str | None = None
    entity: str | None = None
    person: str | None = None
    org: str | None = None
    place: str | None = None
    weapon: str | None = None
    tag: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @property
    def given(self) -> bool:
        """Whether any filter is given (a search without words then browses it)."""
        return any(getattr(self, item.name) for item in fields(self))

    @property
    def names_people(self) -> bool:
        """Whether a filter may name a person (whose surname alone other articles may print)."""
        return bool(self.person or self.entity)

    def tree(self, owners: SurnameOwners = NO_OWNERS) -> qt.Node | None:
        """The filter as a query tree: each facet's value as the facet filters (a name analysed as
        its field analyses it, `O'Brien`; an entity by its whole name, or a surname it owns in
        the index; a tag as it was given)."""
        parts = [entity_filter(self.entity, owners)] if self.entity else []
        parts += [facet.filter(value, owners) for facet in FACETS if (value := getattr(self, facet.name))]
        if self.date_from or self.date_to:
            dates = date_filter(self.date_from, self.date_to)
            if dates is None:
                raise InvalidParameter("dates must be YYYY, YYYY-MM or YYYY-MM-DD")
            if dates.start and dates.end and dates.start > dates.end:
                raise InvalidParameter(f"the dates are reversed: from {self.date_from} is after "
                                       f"to {self.date_to}")
            parts.append(dates)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else qt.And(tuple(parts))

    def typed_entities(self, owners: SurnameOwners = NO_OWNERS) -> list[tuple[str, str]]:
        """(type, name) of each entity the filter asks for (`entity` for the untyped one), and of
        the surnames a person it names owns in the index."""
        kinds = ("entity", *ENTITY_FILTERS)
        return [(kind, name) for kind in kinds if getattr(self, kind)
                for name in owners.names(getattr(self, kind))]


@dataclass(frozen=True)
class SearchRequest:
    """One search (see the module's docstring): `limit` results from `offset` on, one per story
    (no words but a filter: the filter's stories browsed); `facets` counts the matching stories
    by facet; `correct` lets a query that finds nothing be answered by its spelling correction;
    `every_word` keeps only the stories that hold every word of a query of optional words (a
    feed follows those). `sort` is kept by its canonical name."""

    q: str
    limit: int = SETTINGS.page_size
    offset: int = 0
    filters: Filters | None = field(default_factory=Filters)  # None: no filter
    sort: str = "relevance"
    facets: bool = False
    correct: bool = True
    every_word: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", self.filters or Filters())
        if not isinstance(self.q, str):
            raise InvalidParameter("the query is empty")
        if not self.q.strip() and not self.filters.given:
            raise InvalidParameter("the query is empty: give words to search for, or a filter to browse by")
        if len(self.q) > SETTINGS.max_query_chars:
            raise InvalidParameter(f"the query is longer than {SETTINGS.max_query_chars} characters")
        if not 1 <= self.limit <= SETTINGS.max_results:
            raise InvalidParameter(f"the limit must be between 1 and {SETTINGS.max_results}")
        if self.offset < 0 or self.offset + self.limit > SETTINGS.max_results:
            raise InvalidParameter(f"only the first {SETTINGS.max_results} results can be paged through")
        sort = SORT_ALIASES.get(self.sort, self.sort)
        if sort not in SETTINGS.sorts:
            raise InvalidParameter(f"sort must be one of {', '.join(SORT_NAMES)}")
        object.__setattr__(self, "sort", "newest" if self.browses and sort == "relevance" else sort)

    @property
    def browses(self) -> bool:
        """A filter alone, without words: every matching story, newest first unless sorted."""
        return not self.q.strip()
