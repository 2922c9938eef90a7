"""One article's extraction from start to end: the steps of the other modules in their order.

Separate so that the order of the steps reads in one function (`extract_entities`), apart from
what each step does.
"""

from __future__ import annotations

import re

from search.analysis import normalize_text
from search.entities.article import Article
from search.entities.definitions import acronym_definitions, learned_lexicon
from search.entities.gather import TYPES, Entity, gather
from search.entities.organisations import companies_not_people, company_names, promote_companies, subsidiaries
from search.entities.people import (
    cued_by_surname,
    named_in_headline,
    possessive_people,
    promote_candidates,
    resolve_people,
)
from search.entities.rules import scan_span
from search.entities.source import without_source_at_work
from search.entities.tables import UPPER, entity_tables
from search.entities.tokens import TEXT, line_mode, span_tokens

LEAD_CHARS = 600
LINE = re.compile(r"[^\n]+")
TICKER = re.compile(rf"[{UPPER}0-9]{{1,6}}")


def prepare(title: str | None, text: str, definitions: dict[str, str] | None) -> Article:
    """Join headline and body, split the lines and learn the article's acronyms."""
    tables = entity_tables()
    title = normalize_text(title or "").strip()
    body = normalize_text(text or "")
    joined = f"{title}\n\n{body}" if title else body
    body_start = len(joined) - len(body)
    lead_start = body_start + len(body) - len(body.lstrip())
    newline = joined.find("\n", lead_start)
    lead_end = min(newline if newline >= 0 else len(joined), lead_start + LEAD_CHARS)
    starts, modes = [0], [TEXT]
    for line in LINE.finditer(joined):
        starts.append(line.start())
        modes.append(line_mode(line.group()))
    extras = learned_lexicon(acronym_definitions(joined), tables)
    return Article(joined, len(title), (lead_start, lead_end), tables, extras, definitions or {},
                   starts, modes)


def ticker_at(span: re.Match) -> bool:
    """Whether a word in capitals is a ticker symbol in its brackets (`<NSC>`, `<RTRS.L>`): a
    market code, not the National Security Council. A name in brackets (`<Siemens AG>`, Reuters'
    mark of an unlisted company) is a name."""
    text, start, end = span.string, span.start(), span.end()
    return start > 0 and text[start - 1] == "<" and text[end:end + 1] in (">", ".")


def extract_entities(title: str | None, text: str, definitions: dict[str, str] | None = None, *,
                     source: str | None = None) -> list[Entity]:
    """Entities of one article, most salient first (ties by name).

    `source` is the publication the article comes from (`Reuters`): where it is only at work
    (credit, sign-off, `told Reuters`) it is no entity of the article.
    """
    article = prepare(title, text, definitions)
    for span in article.tables.span.finditer(article.text):
        if span.group() in article.tables.ignorable or TICKER.fullmatch(span.group()) and ticker_at(span):
            continue
        tokens = span_tokens(span)
        if tokens:
            scan_span(article, tokens, article.mode_at(span.start()))
    named_in_headline(article)
    cued_by_surname(article)
    promote_companies(article)
    subsidiaries(article)
    promote_candidates(article)
    possessive_people(article)
    mentions = without_source_at_work(article, company_names(article, article.mentions), source)
    known = {(m.type, m.name.lower()) for m in mentions}
    # a person named as another kind of entity is dropped; one named as an organisation is that
    # organisation (`the company Townsend Thoresen` ... `Townsend Thoresen said`): companies_not_people
    people = [m for m in resolve_people(article)
              if not any((kind, m.name.lower()) in known for kind in TYPES[1:] if kind != "org")]
    return gather(mentions + companies_not_people(article, mentions, people), article)
