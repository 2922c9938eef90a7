"""Aliases: every name of one thing is a way to find it.

One table merges four sources, all data:
- the gazetteers' other names (`AMRAAM` = `advanced medium-range air-to-air
  missile`, `IMF` = `International Monetary Fund`, `UK` = `Britain`),
- demonyms (`Iranian` names Iran),
- acronym definitions the corpus itself gives (`Army Tactical Missile Systems
  (ATACMS)`), learned at index time and kept with the index,
- a user's file (`canonical<TAB>alias|alias`), given to `search index --aliases`
  (kept with the index) or to `search --aliases` (for one run).

A query naming any member of a group also matches the others; `matched`
reports such hits with `via: alias`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.analysis import TOKEN_PATTERN, NewsAnalyzer, news_analyzer, normalize_text, stem_inputs
from search.documents import entity_term
from search.entities import read_columns, split_aliases
from search.errors import InvalidParameter
from search.settings import SETTINGS
from search.state import IndexState
from search.tables import AnalysisTables, analysis_tables, fingerprint, table_text

GAZETTEERS = {"countries.tsv": 1, "organisations.tsv": 1, "weapons.tsv": 1, "places.tsv": 2}
MAX_ALIAS_WORDS = 8
NAME_CONTEXT_WORDS = 3  # how many query words around an alias's may complete a longer name


def builtin_groups() -> list[tuple[str, list[str]]]:
    """(canonical, other names) from the gazetteers and the demonyms."""
    groups: dict[str, list[str]] = {}
    for name, alias_column in GAZETTEERS.items():
        for row in read_columns(name):
            names = split_aliases(row[alias_column]) if len(row) > alias_column else []
            groups.setdefault(row[0], []).extend(names)
    for row in read_columns("demonyms.tsv"):
        if len(row) >= 2:
            groups.setdefault(row[1], []).append(row[0])
    return list(groups.items())


def read_alias_file(path: Path) -> list[tuple[str, list[str]]]:
    """A user's aliases: `canonical<TAB>alias|alias` lines."""
    groups = []
    for number, raw in enumerate(table_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        canonical, sep, others = line.partition("\t")
        if not sep or not canonical.strip():
            raise ValueError(f"{path}:{number}: expected canonical<TAB>alias|alias")
        groups.append((canonical.strip(), split_aliases(others)))
    return groups


def load_alias_files(paths: Iterable[Path]) -> list[tuple[str, list[str]]]:
    """Every user alias file's groups; a bad file is an invalid parameter."""
    groups = []
    for path in paths:
        try:
            groups.extend(read_alias_file(path))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise InvalidParameter(f"--aliases {path}: {error}") from None
    return groups


@dataclass
class AliasTable:
    """Groups of names for one thing, looked up by their analysed form."""

    analyzer: NewsAnalyzer = field(default_factory=news_analyzer)
    groups: dict[str, set[str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def key(self, name: str) -> str:
        """A name as the analyzer sees it (`Amraam` and `AMRAAM` agree); with the built-in
        tables, remembered between processes (KeyMemo)."""
        memo = KEY_MEMO if self.analyzer.tables is analysis_tables() else None
        found = memo.get(name) if memo is not None else None
        if found is None:
            found = " ".join(t.text for t in self.analyzer(name, mode="query"))
            if memo is not None:
                memo.put(name, found)
        return found

    def add(self, canonical: str, others: Iterable[str]) -> None:
        """Join `canonical` and `others` into one group (merging groups they already belong to)."""
        names = {canonical, *others}
        keys = {self.key(name) for name in names} - {""}
        merged_into = {self.keys[k] for k in keys if k in self.keys}
        target = min(merged_into) if merged_into else self.key(canonical) or canonical
        for other in merged_into - {target}:
            names |= self.groups.pop(other)
        self.groups.setdefault(target, set()).update(names)
        for name in self.groups[target]:
            name_key = self.key(name)
            if name_key:
                self.keys[name_key] = target

    def add_all(self, groups: Iterable[tuple[str, Iterable[str]]]) -> AliasTable:
        for canonical, others in groups:
            self.add(canonical, others)
        return self

    def others(self, name_key: str) -> list[str]:
        """The other names in the group of the name with this key, in a stable order."""
        group = self.keys.get(name_key)
        if group is None:
            return []
        return sorted(name for name in self.groups[group] if self.key(name) != name_key)


class KeyMemo:
    """Each name's key under the built-in analysis, kept in the user's cache folder between
    processes: analysing the ~1,000 built-in alias groups and an index's learned definitions
    took about 0.1 s of every command's start. A key is a pure function of the name and the
    analysis, whose fingerprint names the file, so a changed analysis never reads old keys; a
    missing, unreadable or unwritable file only means analysing again."""

    def __init__(self):
        self.keys: dict[str, str] | None = None
        self.added = False
        self.lock = threading.Lock()  # a server's threads may build alias tables at once

    def path(self) -> Path:
        base = os.environ.get(SETTINGS.cache_env) or Path(
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "news-search"
        return Path(base) / f"alias-keys-{fingerprint()}.json"

    def get(self, name: str) -> str | None:
        if self.keys is None:
            try:
                loaded = json.loads(self.path().read_text(encoding="utf-8"))
                self.keys = {name: key for name, key in loaded.items()
                             if isinstance(name, str) and isinstance(key, str)}
            except (OSError, ValueError, TypeError, AttributeError):
                self.keys = {}
        return self.keys.get(name)

    def put(self, name: str, key: str) -> None:
        with self.lock:
            if self.keys is not None:
                self.keys[name] = key
                self.added = True

    def save(self) -> None:
        """Write the keys learned since the file was read (whole, then moved into place)."""
        with self.lock:
            if not self.added or self.keys is None:
                return
            keys, self.added = dict(self.keys), False
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            pass


KEY_MEMO = KeyMemo()


def name_stem_inputs(state: IndexState, tables: AnalysisTables) -> set[str]:
    """What the stemmer is asked for the names of the alias table a query reader of this index
    builds (built-in, the user's, learned): the words an index keeps stems of beside its own."""
    groups = [*builtin_groups(), *state.alias_groups(), *state.learned_groups()]
    return {key for canonical, others in groups for name in (canonical, *others)
            for word in TOKEN_PATTERN.findall(normalize_text(name)) for key in stem_inputs(word, tables)}


@lru_cache(maxsize=1)
def builtin_table() -> AliasTable:
    table = AliasTable().add_all(builtin_groups())
    KEY_MEMO.save()
    return table


def alias_table(extra: Iterable[tuple[str, Iterable[str]]] = (),
                learned: Iterable[tuple[str, Iterable[str]]] = ()) -> AliasTable:
    """The built-in table with the user's groups merged in, then the corpus's definitions.

    A definition learned from one article only names something new: it never
    joins a name the table already knows (one article's `Ukraine Support (US)`
    must not make `US` mean it everywhere).
    """
    extra, learned = list(extra), list(learned)
    if not extra and not learned:
        return builtin_table()
    table = AliasTable().add_all(builtin_groups()).add_all(extra)
    for short, longs in learned:
        names = [short, *longs]
        if not any(table.key(name) in table.keys for name in names):
            table.add(short, longs)
    KEY_MEMO.save()
    return table


@dataclass(frozen=True)
class AliasMatch:
    """A run of query words that names something with other names."""

    words: str
    alternatives: tuple[str, ...]
    places: tuple[int, ...] = ()  # where the run's words stand in the words looked up


def find_aliases(table: AliasTable, words: list[str]) -> list[AliasMatch]:
    """The longest runs of query words that are a name in the table, left to right (words
    without terms, such as stopwords, are passed over). A name with no other form the query
    could miss (`New York Times`, whose `The New York Times` keys alike) is still a name: its
    words are not looked up again alone (`New York`, the city)."""
    terms = [(place, word, table.key(word)) for place, word in enumerate(words)]
    terms = [(place, word, key) for place, word, key in terms if key]
    found, i = [], 0
    while i < len(terms):
        for size in range(min(MAX_ALIAS_WORDS, len(terms) - i), 0, -1):
            run = terms[i:i + size]
            run_key = " ".join(key for _, _, key in run)
            if run_key in table.keys:
                others = table.others(run_key)
                if others:
                    found.append(AliasMatch(" ".join(word for _, word, _ in run), tuple(others),
                                            tuple(place for place, _, _ in run)))
                i += size
                break
        else:
            i += 1
    return found


def names_around(match: AliasMatch, words: list[str]) -> list[str]:
    """Each longer run of the query's words holding an alias match (up to NAME_CONTEXT_WORDS
    more words), as the `entity` field keys names: the names it may be part of (`american
    brands` around `American`)."""
    first, last = min(match.places), max(match.places) + 1
    return [entity_term(" ".join(words[start:stop]))
            for start in range(max(0, first - NAME_CONTEXT_WORDS), first + 1)
            for stop in range(last, min(len(words), last + NAME_CONTEXT_WORDS) + 1)
            if 0 < (first - start) + (stop - last) <= NAME_CONTEXT_WORDS]


def outside_names(matches: list[AliasMatch], words: list[str],
                  held_names: Callable[[list[str]], set[str]] | None) -> list[AliasMatch]:
    """The alias matches that are not part of a longer name the index holds: `American` in
    `American Brands` (held as `American Brands Inc`) names a company, not the United States,
    so its other names (`USA`, `united states`) are not searched, and `New York` in `New York
    Times` names a newspaper, not the city (`NYC`); `Japanese` in `Japanese government` still
    names Japan. `held_names` says which names the index holds, all at once (None: no index
    to ask; every match stands)."""
    around = {match: names_around(match, words) for match in matches}
    asked = sorted({name for names in around.values() for name in names})
    if held_names is None or not asked:
        return matches
    held = held_names(asked)
    return [match for match in matches if held.isdisjoint(around[match])]
