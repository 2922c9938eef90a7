"""Organisations: one name per company whatever its legal form (`Norfolk Southern Corp.`,
`Norfolk Southern Corporation` and `Norfolk Southern` are one organisation).

Separate because, like the resolution of people, it works on the whole article once the rules
have run; the article's own source (source.py) is recognised by the same company key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from search.entities.article import Article, Mention
from search.entities.rules import add_typed
from search.entities.tables import entity_tables, phrase_key


@lru_cache(maxsize=50_000)
def company_key(name: str, legal: frozenset[str]) -> str:
    """What tells one organisation's names apart: lower case, without abbreviation stops, a
    leading `The` and the legal forms at the end (`Norfolk Southern Corp.`, `Norfolk Southern
    Corporation` and `NORFOLK SOUTHERN` are `norfolk southern`, as `Exxon Corp` is Exxon)."""
    words = [word.strip(",").rstrip(".").lower() for word in name.split()]
    words = [word for word in words if word]
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    while len(words) > 1 and (words[-1] in legal or words[-1] in ("&", "and")):
        words.pop()
    return " ".join(words)


def company_keys(article: Article, legal: frozenset[str]) -> set[str]:
    """The keys of the organisations the article names so far (see `company_key`)."""
    return {company_key(m.name, legal) for m in article.mentions if m.type == "org"}


def promote_companies(article: Article) -> None:
    """Unknown names that are an organisation of the article without its legal form are that
    organisation (`Norfolk Southern Corp` ... `Norfolk Southern declined comment`)."""
    legal = article.tables.cues["legal-suffix"]
    keys = company_keys(article, legal)
    if not keys:
        return
    left = []
    for run, mode in article.candidates:
        start, end = run[0].start, run[-1].end
        if company_key(article.text[start:end], legal) in keys:
            add_typed(article, "org", list(run))
        else:
            left.append((run, mode))
    article.candidates = left


def subsidiaries(article: Article) -> None:
    """An organisation printed with a country right after it is the article's subsidiary of that
    name when the article also prints it with its legal form (`Texaco Canada Inc` ... `Texaco
    Canada said`); the country stays a mention of its own, as in the full name."""
    legal = article.tables.cues["legal-suffix"]
    keys = company_keys(article, legal)
    mentions = article.mentions
    for at, after in pairwise(sorted(range(len(mentions)), key=lambda index: mentions[index].start)):
        org, place = mentions[at], mentions[after]
        if org.type != "org" or place.type != "place" or article.text[org.end:place.start] != " ":
            continue
        printed = article.text[org.start:place.end]
        if company_key(printed, legal) in keys:
            mentions[at] = Mention("org", printed, org.start, place.end, printed)


def company_names(article: Article, mentions: list[Mention]) -> list[Mention]:
    """Each organisation under one name: the gazetteer's when it has one, else the most complete
    form the article prints (`Norfolk Southern Corporation` over `Norfolk Southern Corp` over
    `Norfolk Southern`). A stop that is also the sentence's full stop (`... from Norfolk Southern
    Corp.` at a sentence end) does not count: wire copy writes `Corp`."""
    legal = article.tables.cues["legal-suffix"]
    best: dict[str, tuple[tuple, str]] = {}
    for mention in mentions:
        if mention.type != "org":
            continue
        shown = printed_company_name(article, mention)
        printed = mention.name == mention.surface
        rank = (gazetteer_org(mention.name), printed, len(shown), -mention.start)
        key = company_key(mention.name, legal)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, shown)
    return [m._replace(name=best[company_key(m.name, legal)][1]) if m.type == "org" else m for m in mentions]


def printed_company_name(article: Article, mention: Mention) -> str:
    """A mention's organisation name, less a final stop that also ends the sentence."""
    name = mention.name
    if name.endswith(".") and name == mention.surface:
        after = article.text[mention.end:mention.end + 3].lstrip(" \t\"')")
        if not after or after[0] == "\n" or after[0].isupper():
            return name[:-1]
    return name


@lru_cache(maxsize=20_000)
def gazetteer_org(name: str) -> bool:
    """Whether `name` is the canonical name of a gazetteer organisation (remembered: few names recur)."""
    tables = entity_tables()
    entry = tables.lexicon.get(phrase_key(name, tables.token))
    return entry is not None and entry.type == "org" and entry.name == name


EPONYMOUS = re.compile(r"\s(?:and|&)\s+Co\b", re.IGNORECASE)  # `Ivan F. Boesky and Co`: named for a person


def companies_not_people(article: Article, mentions: list[Mention], people: list[Mention]) -> list[Mention]:
    """A person named like an organisation of the article without its legal form, or like a
    company's first two words or more, is that organisation (`Circle Fine Art said` beside
    `Circle Fine Art Corp`, `Home Shopping said` beside `Home Shopping Network Inc`; not Ben
    Wallace beside a `Ben Wallace Foundation`, which has no legal form, nor Ivan F. Boesky beside
    `Ivan F. Boesky and Co`, named for him)."""
    legal = article.tables.cues["legal-suffix"]
    companies: dict[str, str] = {}
    for mention in (m for m in mentions if m.type == "org" and not EPONYMOUS.search(m.name)):
        key = company_key(mention.name, legal)
        companies.setdefault(key, mention.name)
        if key != mention.name.lower().removeprefix("the "):  # a legal form (or a stop) left out
            words = key.split()
            for length in range(len(words) - 1, 1, -1):
                companies.setdefault(" ".join(words[:length]), mention.name)
    found = []
    for person in people:
        company = companies.get(company_key(person.name, legal))
        found.append(person._replace(type="org", name=company) if company else person)
    return found
