"""Facets: how the matching stories divide by source, author, entity type, tag and time (month,
and for a short span week or day: the timeline's bars).

Each value counts stories, not documents, like the total: a count is the number
of results its filter would leave. Values come from columns, read into arrays once
per index commit, so counting never loads a stored article.

The entity facets are one per type, named like the query fields (`person`, `org`,
`place`, `weapon`); acronyms the recogniser could not type (`GNP`, `AG`) have no
facet of their own: they stay on the article and behind `entity:`. One author
printed in several casings (`TED D'AFFLISIO`, `Ted D'Afflisio`) is one value,
shown in its most frequent casing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from search.analysis import name_terms
from search.bylines import author_key
from search.documents import entity_term, tag_term
from search.entities.surnames import NO_OWNERS, SurnameOwners
from search.query import tree as qt

MAX_FACET_VALUES = 10
KEPT_PARTS = ("docs", "pair_of_row", "value_of_pair", "order", "text", "ends")  # FacetTable.arrays, per facet
OWNERS_ARRAYS = ("facet.surname_owners.text", "facet.surname_owners.ends")  # FacetTable.owners' lines
Values = Callable[[dict], Iterable[tuple[str, str]]]  # facet values read back -> (key, as printed)


@dataclass(frozen=True)
class Facet:
    """One facet: its name (also its filter's parameter, on the web and in `Filters`), its heading
    on the page, the values a document holds (`search.documents.facet_values` read back: a key
    groups the printings of one value, shown in the most frequent), and the filter a value makes
    (given the index's surname owners: a person's filter finds the surnames the person owns)."""

    name: str
    heading: str
    values: Values
    filter: Callable[[str, SurnameOwners], qt.Node]


def name_tree(fieldname: str, value: str) -> qt.Node:
    """The words of a name in order, as the name fields split them."""
    words = name_terms(value)
    if not words:
        return qt.NOTHING
    return qt.Term(fieldname, words[0]) if len(words) == 1 else qt.Phrase(fieldname, tuple(words))


def entity_filter(name: str, owners: SurnameOwners = NO_OWNERS) -> qt.Node:
    """Articles that name the entity (by its whole name, whatever its type), or a surname that
    names it across the index (search/entities/surnames.py)."""
    terms = tuple(qt.Term("entity", entity_term(each)) for each in owners.names(name))
    return terms[0] if len(terms) == 1 else qt.Or(terms)


def _entities_of(kind: str) -> Values:
    """An entity type's names, keyed as the `entity` field indexes them (one value for `Gdańsk`
    and `Gdansk`, shown as most printed)."""
    return lambda doc: ((entity_term(name), name) for entity_kind, name in doc["entity"]
                        if entity_kind == kind)


def _source(doc: dict) -> Iterable[tuple[str, str]]:
    return [(doc["source"], doc["source"])] if doc["source"] else []


# The facets, in the order the page shows them. Adding one: a row here, its values in
# search.documents.facet_values, its parameter and counts in web/data/openapi.json (checked by
# tests/test_facets.py), and whatever its backends need to filter by it.
FACETS: tuple[Facet, ...] = (
    Facet("source", "Sources", _source, lambda value, _: name_tree("source", value)),
    Facet("person", "People", _entities_of("person"), entity_filter),
    Facet("org", "Organisations", _entities_of("org"), entity_filter),
    Facet("place", "Places", _entities_of("place"), entity_filter),
    Facet("weapon", "Weapons", _entities_of("weapon"), entity_filter),
    Facet("author", "Author", lambda doc: ((author_key(name), name) for name in doc["author"]),
          lambda value, _: name_tree("author", value)),
    Facet("tag", "Tags", lambda doc: ((tag_term(tag), tag) for tag in doc["tag"]),
          lambda value, _: qt.Term("tag", tag_term(value))),
)
TIME_FACETS = ("month", "week", "day")  # a week is named by its Monday (`2023-01-09`), a day by its date
FACET_NAMES = (*(facet.name for facet in FACETS), *TIME_FACETS)
# The timeline's unit: days while the matching stories span at most 2 calendar months, weeks
# while at most 9, else months (every time facet is kept; only the unit shown is counted).
FINER_UNITS = (("day", 2), ("week", 9))
OVERVIEW_FACETS = ("source", "person", "org", "place")  # what an overview of the index lists (home, stats)


def facet_keys(doc: dict, day: date | None) -> Iterator[tuple[str, str, str]]:
    """A document's (facet, key, value as printed) for every facet, and its month, week and day."""
    for facet in FACETS:
        for key, shown in facet.values(doc):
            yield facet.name, key, shown
    if day:
        for name, value in zip(TIME_FACETS, time_values(day), strict=True):
            yield name, value, value


@lru_cache(maxsize=10_000)
def time_values(day: date) -> tuple[str, str, str]:
    """The month, week (its Monday) and day a date falls in, as the time facets name them
    (remembered: a facet table asks it of every dated document, and they share a few days)."""
    return f"{day:%Y-%m}", (day - timedelta(days=day.weekday())).isoformat(), day.isoformat()


def finer_unit(months: list[dict]) -> str | None:
    """The unit finer than a month the timeline of these months (the month facet) is drawn in,
    or None: days over two calendar months at most, weeks over nine."""
    if not months:
        return None
    first, last = (tuple(map(int, months[i]["value"].split("-"))) for i in (0, -1))
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    return next((unit for unit, most in FINER_UNITS if span <= most), None)


class FacetTable:
    """Every document's facet values as (document, value code) pairs, so that counting the
    matches of a search is a few array operations. Built from the documents once (`build`) and
    kept with the commit as named arrays (`arrays`, `from_arrays`): building reads every
    document's values, half a minute at a million articles. A lone surname a full name owns
    across the index is counted as that person (`owners`, search/entities/surnames.py)."""

    def __init__(self, stories: np.ndarray, shown: dict[str, list[str]],
                 pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                 order: dict[str, np.ndarray] | None = None, owners: SurnameOwners = NO_OWNERS):
        self.stories, self.shown, self.pairs, self.owners = stories, shown, pairs, owners
        self.order = order or {name: _printed_order(values) for name, values in shown.items()}  # as printed

    @classmethod
    def build(cls, documents: Iterable[tuple[int, dict, date | None]], stories: np.ndarray) -> FacetTable:
        """The table of `documents`: each one's number, facet values (search.documents.facet_values
        read back) and day; `stories` gives each document's story as a number."""
        rows: dict[str, list[tuple[str, str]]] = {name: [] for name in FACET_NAMES}  # (key, as printed)
        docs: dict[str, list[int]] = {name: [] for name in FACET_NAMES}
        for docnum, doc, day in documents:
            for name, key, shown in facet_keys(doc, day):
                rows[name].append((key, shown))
                docs[name].append(docnum)
        owners = SurnameOwners.of_counts(Counter(shown for _, shown in rows["person"]))
        rows["person"] = [owners.fold(key, shown) for key, shown in rows["person"]]
        shown, pairs = {}, {}
        for name, held in rows.items():
            code_of = {key: code for code, key in enumerate(dict.fromkeys(key for key, _ in held))}
            shown[name] = _most_printed(Counter(held), code_of)
            codes = np.fromiter((code_of[key] for key, _ in held), dtype=np.int64, count=len(held))
            pairs[name] = _story_pairs(np.array(docs[name], dtype=np.int64), codes, stories)
        return cls(stories, shown, pairs, owners=owners)

    def arrays(self) -> dict[str, np.ndarray]:
        """The table as named arrays (every facet's rows, and its values as printed in UTF-8)."""
        found = {}
        for name in FACET_NAMES:
            text, ends = _packed(self.shown[name])
            found.update(zip(_array_names(name), (*self.pairs[name], self.order[name], text, ends),
                             strict=True))
        found.update(zip(OWNERS_ARRAYS, _packed(self.owners.lines()), strict=True))
        return found

    @staticmethod
    def is_kept_in(arrays: Container[str]) -> bool:
        """Whether `arrays` (names, or named arrays) hold the table of every facet of today's and
        the surname owners (an index kept before a facet or the owners were added holds fewer)."""
        names = (*(key for name in FACET_NAMES for key in _array_names(name)), *OWNERS_ARRAYS)
        return all(key in arrays for key in names)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], stories: np.ndarray) -> FacetTable | None:
        """The table kept as `arrays`, or None when it is not kept whole."""
        if not cls.is_kept_in(arrays):
            return None
        found = {name: [arrays[key] for key in _array_names(name)] for name in FACET_NAMES}
        return cls(stories, {name: _unpacked(*parts[4:]) for name, parts in found.items()},
                   {name: tuple(parts[:3]) for name, parts in found.items()},
                   {name: parts[3] for name, parts in found.items()},
                   SurnameOwners.of_lines(_unpacked(*(arrays[key] for key in OWNERS_ARRAYS))))

    def count(self, docnums: np.ndarray) -> dict[str, list[dict]]:
        """The most frequent values of each facet, and every month (and, for a short span, every
        week or day: `finer_unit`), with story counts."""
        matching = np.zeros(len(self.stories), dtype=bool)
        matching[docnums] = True
        found = {facet.name: self._top(facet.name, self._story_counts(facet.name, matching))
                 for facet in FACETS}
        found["month"] = self._every("month", matching)
        unit = finer_unit(found["month"])
        if unit:
            found[unit] = self._every(unit, matching)
        return found

    def _every(self, name: str, matching: np.ndarray) -> list[dict]:
        """Every value of a time facet the matches hold, in time order, with story counts."""
        shown = self.shown[name]
        return sorted(({"value": shown[code], "count": int(n)}
                       for code, n in enumerate(self._story_counts(name, matching)) if n),
                      key=lambda item: item["value"])

    def _story_counts(self, name: str, matching: np.ndarray) -> np.ndarray:
        """For each value, how many distinct stories among the matching documents hold it."""
        docs, pair_of_row, value_of_pair = self.pairs[name]
        held = np.zeros(len(value_of_pair), dtype=bool)
        held[pair_of_row[matching[docs]]] = True
        return np.bincount(value_of_pair[held], minlength=len(self.shown[name]))

    def _top(self, name: str, counts: np.ndarray) -> list[dict]:
        """The most frequent values (ties by value as printed), each with its count."""
        codes = np.flatnonzero(counts)
        if len(codes) > MAX_FACET_VALUES:  # only values that can place: at least the cut-off's count
            cut = np.partition(counts[codes], len(codes) - MAX_FACET_VALUES)[len(codes) - MAX_FACET_VALUES]
            codes = codes[counts[codes] >= cut]
        ranked = codes[np.lexsort((self.order[name][codes], -counts[codes]))][:MAX_FACET_VALUES]
        shown = self.shown[name]
        return [{"value": shown[code], "count": int(counts[code])} for code in ranked.tolist()]


def _story_pairs(docs: np.ndarray, values: np.ndarray,
                 stories: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A facet's (document, value) rows as: each row's document, the row's distinct (value,
    story) pair, and each pair's value. Counting stories is then marking the pairs the
    matching rows hold and counting marked pairs by value: no sort per search."""
    story_span = int(stories.max()) + 1 if len(stories) else 1  # (value, story) pairs as one number
    keys = values * story_span + stories[docs]
    distinct, pair_of_row = np.unique(keys, return_inverse=True)
    return docs, pair_of_row.astype(np.int64, copy=False), distinct // story_span


def _array_names(name: str) -> tuple[str, ...]:
    """The names a facet's arrays are kept under (FacetTable.arrays)."""
    return tuple(f"facet.{name}.{part}" for part in KEPT_PARTS)


def _packed(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and where each ends."""
    encoded = [value.encode("utf-8") for value in values]
    ends = np.cumsum([len(value) for value in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpacked(text: np.ndarray, ends: np.ndarray) -> list[str]:
    """The strings `_packed` made."""
    data, bounds = text.tobytes(), [0, *ends.tolist()]
    return [data[start:end].decode("utf-8") for start, end in zip(bounds, bounds[1:], strict=False)]


def _printed_order(shown: list[str]) -> np.ndarray:
    """Each value's rank among the values sorted as printed (equal printings by code)."""
    order = np.empty(len(shown), dtype=np.int64)
    order[sorted(range(len(shown)), key=lambda code: (shown[code], code))] = np.arange(len(shown))
    return order


def _most_printed(printings: Counter, code_of: dict[str, int]) -> list[str]:
    """Each value's most frequent printing, by code, from a count of (key, as printed) pairs
    (ties: the first in order)."""
    best: list[tuple[int, str] | None] = [None] * len(code_of)
    for (key, shown), count in printings.items():
        code = code_of[key]
        if best[code] is None or (-count, shown) < best[code]:
            best[code] = (-count, shown)
    return [shown for _, shown in best]
