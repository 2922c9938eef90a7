"""Acronym definitions (Schwartz & Hearst 2003) and the lexicon entries they teach.

`Army Tactical Missile Systems (ATACMS)` defines ATACMS. Separate because the
indexer learns definitions across the whole corpus before it extracts any
article, and each article learns its own before its rules run.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.analysis import normalize_text
from search.entities.tables import EntityTables, Entry, entity_tables, phrase_key, strip_possessive

PAREN = re.compile(r"\(([^()\n]{1,120})\)")
LONG_FORM_START = re.compile(r"[.!?;:()\[\]\n\"]")


def is_short_form(candidate: str) -> bool:
    """An acronym candidate: 2-10 characters, at most two words, starts alphanumeric, two capitals."""
    return (
        2 <= len(candidate) <= 10
        and len(candidate.split()) <= 2
        and candidate[0].isalnum()
        and sum(c.isupper() for c in candidate) >= 2
    )


def best_long_form(short: str, long: str) -> str | None:
    """Schwartz & Hearst's match: the shortest tail of `long` holding the short form's
    characters in order, its first character at the start of a word."""
    s_index, l_index = len(short) - 1, len(long) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while (l_index >= 0 and long[l_index].lower() != char) or (
            s_index == 0 and l_index > 0 and long[l_index - 1].isalnum()
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    return long[long.rfind(" ", 0, l_index + 1) + 1:]


def valid_pair(short: str, long: str | None) -> bool:
    """Schwartz & Hearst's checks: a long form longer than the short one, not holding it,
    and at most min(|short| + 5, 2 |short|) words."""
    if not long:
        return False
    words = len(long.split())
    return (
        len(long) > len(short)
        and words > 1
        and words <= min(len(short) + 5, 2 * len(short))
        and short.lower() not in long.lower().split()
    )


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """(short, long) pairs defined in the text, Schwartz & Hearst style.

    `Army Tactical Missile Systems (ATACMS)` and `ATACMS (Army Tactical Missile
    Systems)` both give ("ATACMS", "Army Tactical Missile Systems").
    """
    text = normalize_text(text)
    pairs: list[tuple[str, str]] = []
    for match in PAREN.finditer(text):
        inner = match.group(1).strip()
        before = text[max(0, match.start() - 300):match.start()]
        pair = None
        if is_short_form(inner):
            cut = max((m.end() for m in LONG_FORM_START.finditer(before)), default=0)
            words = before[cut:].split()[-min(len(inner) + 5, 2 * len(inner)):]
            long = best_long_form(inner, " ".join(words))
            pair = (inner, long) if valid_pair(inner, long) else None
        elif len(inner.split()) > 2:
            previous = before.split()[-1:] if before.endswith((" ", "\t")) else []
            short = strip_possessive(previous[0].strip(",;:")) if previous else ""
            if short and is_short_form(short):
                long = best_long_form(short, inner)
                pair = (short, long) if valid_pair(short, long) else None
        if pair and pair not in pairs:
            pairs.append(pair)
    return pairs


def definition_entries(short: str, long: str, tables: EntityTables) -> tuple[Entry, Entry]:
    """The entries a definition teaches, for its short form and for its long form.

    A long form the gazetteers know gives that entity; else a weapon word in
    it (`Missile`) makes a weapon named by the acronym, an organisation word
    (`Fund`, `Council`) an organisation named by the long form, and anything
    else an acronym.
    """
    if len(short) > 2 and short.endswith("s") and short[:-1].isupper():
        short = short[:-1]
    known = tables.lexicon.get(phrase_key(long, tables.token))
    if known is not None and known.type != "title":
        return Entry(known.name, known.type, True), Entry(known.name, known.type)
    words = {w.lower().strip(",") for w in long.split()}
    if words & tables.cues["weapon-word"]:
        return Entry(short, "weapon", True), Entry(short, "weapon")
    if words & (tables.cues["org-suffix"] | tables.cues["org-head"]):
        return Entry(long, "org", True), Entry(long, "org")
    return Entry(short, "acronym", True), Entry(short, "acronym")


def learned_lexicon(local: list[tuple[str, str]], tables: EntityTables) -> dict[str, Entry]:
    """The article's own lexicon: the acronyms it defines, which win over the gazetteers (unless
    their definition says nothing more than `acronym`)."""
    extras: dict[str, Entry] = {}
    for short, long in local:
        short_entry, long_entry = definition_entries(short, long, tables)
        key = phrase_key(short, tables.token)
        if short_entry.type == "acronym" and key in tables.lexicon:
            continue
        extras[key] = short_entry
        extras.setdefault(phrase_key(long, tables.token), long_entry)
    return extras


@lru_cache(maxsize=20_000)
def corpus_entry(short: str, long: str) -> Entry:
    """The entry of an acronym defined elsewhere in the corpus (remembered: the indexer asks often)."""
    return definition_entries(short, long, entity_tables())[0]
