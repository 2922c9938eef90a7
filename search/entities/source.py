"""The article's own source where it is only at work: credited (`LONDON (Reuters) -`), signing
off, or reporting (`told Reuters`) is no entity of the article; where the story is about it, it is.

Separate because it alone needs the record's `source` and the source-role table.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.entities.article import Article, Mention
from search.entities.organisations import company_key
from search.entities.tables import entity_tables, phrase_key

CREDIT_LINE_CHARS = 100
SIGN_OFF_NOISE = 3
SIGN_OFF = " \t\r.,;:-–—()'\"*"
DATELINE_DASH = re.compile(r"\s*\)?\s*[-–—]{1,2}\s")


@lru_cache(maxsize=1_000)
def source_names(source: str | None) -> frozenset[str]:
    """The company keys that name the article's source: its own name and, when the gazetteer
    knows it, the canonical name (`The Telegraph` is `Daily Telegraph`). Remembered: a corpus
    has few sources."""
    if not source or not source.strip():
        return frozenset()
    tables = entity_tables()
    legal = tables.cues["legal-suffix"]
    names = {company_key(source, legal)}
    entry = tables.lexicon.get(phrase_key(source, tables.token))
    if entry is not None and entry.type in ("org", "acronym"):
        names.add(company_key(entry.name, legal))
    return frozenset(names)


def without_source_at_work(article: Article, mentions: list[Mention], source: str | None) -> list[Mention]:
    """Drop the mentions of the article's own source where it is only at work: credited (`LONDON
    (Reuters) -`, `By Patti Domm, Reuters`), signing off (`Reuter` alone on the last line), or
    reporting (`told Reuters`, `a Reuter survey`). Where the story is about it (`Reuters Holdings
    said`, `REUTERS TO CARRY JIJI SERVICE`, `Reuters will carry`), it stays an entity."""
    names = source_names(source)
    if not names:
        return mentions
    legal = article.tables.cues["legal-suffix"]
    return [mention for mention in mentions
            if mention.type == "person" or company_key(mention.name, legal) not in names
            or not source_at_work(article, mention)]


def source_at_work(article: Article, mention: Mention) -> bool:
    """Whether a mention of the source stands where a credit, a sign-off or a reporting role puts it."""
    text, roles = article.text, article.tables.source_roles
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.end)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[line_start:mention.start], text[mention.end:line_end]
    bare_after = after.lstrip("'s").lstrip()
    if before.rstrip().endswith("(") and after.lstrip().startswith(")"):
        return True  # `(Reuters)`
    if not before.strip(SIGN_OFF) and not after.strip(SIGN_OFF):
        return True  # alone on its line: a sign-off or a credit
    if len(text[mention.end:].strip(SIGN_OFF)) <= SIGN_OFF_NOISE:
        return True  # the text's last word, but for a stray mark (`REUTER^M`)
    if DATELINE_DASH.match(after):
        return True  # `Reuters - `
    if line_end - line_start <= CREDIT_LINE_CHARS and roles.credit.match(text, line_start):
        return True  # `By Patti Domm, Reuters`
    if roles.before.search(before):
        return True  # `told Reuters`
    following = bare_after.split(None, 1)[:1]
    return bool(following) and following[0].strip(",.;:").lower() in roles.after  # `a Reuter survey`
