"""People across articles: a surname printed alone is the person the index names in full with it.

Within one article `people.py` resolves `Reagan` to `Ronald Reagan` when the article prints the
full name. Wire copy about someone well known often never does (`President Reagan said`), so
over Reuters the people facet showed `Reagan` (315 stories) beside `Ronald Reagan` (20). Across
the index a lone surname belongs to one full name when that name holds at least OWNER_SHARE of
the documents naming someone in full with that surname, and at least OWNER_MIN_DOCUMENTS of
them: `Reagan` is `Ronald Reagan` (20 of 24: Nancy and Michael Reagan are named too), `Baker` is
`James Baker` (182 of 211), while `Carter` (Jimmy, Donald and Mason Carter) stays itself. A name
with a middle name or initial is the two-word name with its first and last words, where the index
prints that too, named as most documents print it (`Martin T. Sosnoff` is `Martin Sosnoff`), and
so is a name with a short form of the first name (`James Wright` is `Jim Wright`; the short forms
are data, `data/entities/nicknames.tsv`).
Counted from each commit's documents on both backends, so a person's facet count and the total
of filtering by that person agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from search.documents import entity_term
from search.entities.tables import read_columns, split_aliases

OWNER_SHARE = 0.8
OWNER_MIN_DOCUMENTS = 3


@dataclass(frozen=True)
class SurnameOwners:
    """Which full name owns each lone surname, or longer form of a name, of an index (keys:
    `entity_term` of the name owned)."""

    owners: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_counts(cls, documents: Mapping[str, int]) -> SurnameOwners:
        """The owners given how many documents name each person (names as printed; printings
        of one name, `REAGAN` and `Reagan`, are added up)."""
        by_key: Counter = Counter()
        printed: dict[str, Counter] = {}
        for name, count in documents.items():
            key = entity_term(name)
            by_key[key] += count
            printed.setdefault(key, Counter())[name] += count
        same = _same_first_and_last(by_key)
        full_names: dict[str, Counter] = {}
        for key, count in by_key.items():
            words = key.split()
            if len(words) >= 2:
                full_names.setdefault(words[-1], Counter())[same.get(key, key)] += count
        owner_of = dict(same)
        for key in by_key:
            candidates = full_names.get(key) if " " not in key else None
            if not candidates:
                continue
            owner, count = max(candidates.items(), key=lambda item: (item[1], item[0]))
            if count >= OWNER_MIN_DOCUMENTS and count >= OWNER_SHARE * sum(candidates.values()):
                owner_of[key] = owner
        return cls({key: min(printed[owner].items(), key=lambda item: (-item[1], item[0]))[0]
                    for key, owner in owner_of.items()})

    def fold(self, key: str, shown: str) -> tuple[str, str]:
        """A person's facet value (key, as printed) as the facets count it: its owner, if owned."""
        owner = self.owners.get(key)
        return (entity_term(owner), owner) if owner else (key, shown)

    def names(self, name: str) -> list[str]:
        """Every name a filter by `name` finds: its owner (or itself) and the surnames it owns."""
        owner = self.owners.get(entity_term(name), name)
        return [owner, *self._owned.get(entity_term(owner), ())]

    @cached_property
    def _owned(self) -> dict[str, list[str]]:
        """The names each owner owns, by the owner's key (worked out once, not for each filter)."""
        owned: dict[str, list[str]] = {}
        for key, owner in self.owners.items():
            owned.setdefault(entity_term(owner), []).append(key)
        return owned

    def lines(self) -> list[str]:
        """The table as `surname<TAB>owner` lines (kept with a commit; `of_lines` reads them)."""
        return [f"{surname}\t{owner}" for surname, owner in sorted(self.owners.items())]

    @classmethod
    def of_lines(cls, lines: Iterable[str]) -> SurnameOwners:
        return cls(dict(line.split("\t", 1) for line in lines))


def _same_first_and_last(documents: Mapping[str, int]) -> dict[str, str]:
    """Names that share their first name (or a short form of it: `jim` is `james`) and last
    word with a two-word name (`martin t. sosnoff` and `martin sosnoff`, `james wright` and `jim
    wright`), each mapped to the one of them most documents print, if not itself: news adds a
    middle name or initial some of the time, as `people.compatible` lets it within an article
    (`Richard von Weizsaecker` stays whole where most articles print it so), and prints a
    short first name some of the time."""
    formal = first_names()
    groups: dict[tuple[str, str], list[str]] = {}
    for key in documents:
        words = key.split()
        if len(words) >= 2:
            groups.setdefault((formal.get(words[0], words[0]), words[-1]), []).append(key)
    same = {}
    for members in groups.values():
        if len(members) > 1 and any(len(key.split()) == 2 for key in members):
            owner = max(members, key=lambda key: (documents[key], key))
            same.update((key, owner) for key in members if key != owner)
    return same


@lru_cache(maxsize=1)
def first_names() -> dict[str, str]:
    """Each short first name's full one, lower-cased as keys are (`data/entities/nicknames.tsv`)."""
    return {entity_term(short): entity_term(row[0]) for row in read_columns("nicknames.tsv")
            if len(row) >= 2 for short in split_aliases(row[1])}


NO_OWNERS = SurnameOwners()
