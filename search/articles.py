"""The article view: one stored article with its paragraphs, the query's matches and the
entities it names marked in them, and its story's other versions."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from search.results import article_metadata, public_entity

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
LINE_BREAK = re.compile(r"\n")
SPACES = re.compile(r"\s+")
FIRST_MATCH = "match-1"  # the anchor of the first highlighted match (results link to it)


@dataclass(frozen=True)
class Mark:
    """A span of the body to mark: a match of the query, or an entity's mention."""

    start: int
    end: int
    entity: dict | None = None


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """Where each paragraph stands in the body (blank-line separated; single lines when there
    are none), whitespace at either end left out."""
    breaks = PARAGRAPH_BREAK if PARAGRAPH_BREAK.search(body) else LINE_BREAK
    spans, start = [], 0
    for match in [*breaks.finditer(body), None]:
        end = match.start() if match else len(body)
        chunk = body[start:end]
        if chunk.strip():
            left = start + len(chunk) - len(chunk.lstrip())
            spans.append((left, left + len(chunk.strip())))
        start = match.end() if match else len(body)
    return spans


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs, each on one line."""
    return [" ".join(body[start:end].split()) for start, end in paragraph_spans(body)]


def printed_forms(name: str) -> set[str]:
    """How a name may be printed: as written, in capitals, and an acronym also as a word (Nato)."""
    forms = {name, name.upper()}
    if name.isupper() and name.isalpha():
        forms.add(name.capitalize())
    return forms


def entity_forms(entities: list[dict]) -> dict[str, dict]:
    """Each printed form to mark, and the entity it names (a person also by surname)."""
    forms: dict[str, dict] = {}
    for entity in entities:
        names = [entity["name"], *(entity.get("forms") or ())]
        if entity["type"] == "person" and " " in entity["name"]:
            names.append(entity["name"].split()[-1])
        for name in names:
            for form in printed_forms(name):
                forms.setdefault(form, entity)
    return forms


def entity_marks(text: str, entities: list[dict]) -> list[Mark]:
    """Each mention of an entity in the text."""
    forms = entity_forms(entities)
    if not forms:
        return []
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return [Mark(m.start(), m.end(), forms[m.group()])
            for m in re.finditer(rf"(?<!\w)({alternatives})(?!\w)", text)]


def marked_html(text: str, marks: list[Mark], first: int = 1) -> tuple[str, int]:
    """HTML-escaped text (whitespace runs as one space) with query matches in
    `<mark class="match" id="match-N">` (numbered from `first`) and entity mentions in
    `<mark class="entity" …>`; an entity overlapping a match is left unmarked. Returns the HTML
    and the number of the next match."""
    out, last, number = [], 0, first
    for mark in _without_overlaps(marks):
        out.append(html.escape(SPACES.sub(" ", text[last:mark.start])))
        shown = html.escape(SPACES.sub(" ", text[mark.start:mark.end]))
        if mark.entity is None:
            out.append(f'<mark class="match" id="match-{number}">{shown}</mark>')
            number += 1
        else:
            entity = mark.entity
            out.append(f'<mark class="entity" data-type="{html.escape(entity["type"])}" '
                       f'title="{html.escape(entity["name"])}">{shown}</mark>')
        last = mark.end
    out.append(html.escape(SPACES.sub(" ", text[last:])))
    return "".join(out), number


def _without_overlaps(marks: list[Mark]) -> list[Mark]:
    """Marks in order, none overlapping: a query match wins over an entity, a longer over a shorter."""
    ordered = sorted(marks, key=lambda m: (m.entity is not None, m.start, -m.end))
    kept: list[Mark] = []
    for mark in ordered:
        if all(mark.end <= other.start or mark.start >= other.end for other in kept):
            kept.append(mark)
    return sorted(kept, key=lambda m: m.start)


def mark_entities(text: str, entities: list[dict]) -> str:
    """HTML-escaped text with each entity mention in `<mark class="entity" data-type=…>`."""
    return marked_html(text, entity_marks(text, entities))[0]


def article_record(stored: dict, versions: list[dict],
                   matches: list[tuple[int, int]] | None = None) -> dict:
    """The full article in its one JSON shape; with `matches` (body spans of a query's matches),
    every matched form is highlighted, the first with the anchor `match-1`."""
    entities = [public_entity(entity) for entity in stored.get("entities") or []]
    body = stored.get("body") or ""
    queried = [Mark(start, end) for start, end in matches or []]
    marks = queried + entity_marks(body, list(stored.get("entities") or []))
    rendered, number = [], 1
    for start, end in paragraph_spans(body):
        inside = [Mark(m.start - start, m.end - start, m.entity) for m in marks
                  if start <= m.start and m.end <= end]
        paragraph_html, number = marked_html(body[start:end], inside, number)
        rendered.append(paragraph_html)
    record = {
        **article_metadata(stored),
        "paragraphs": paragraphs(body),
        "paragraphs_html": rendered,
        "entities": entities,
        "versions": versions,
    }
    if matches is not None:
        record["matches"] = number - 1
    return record
