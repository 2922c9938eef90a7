"""The article view: one stored article with its paragraphs, the query's matches and the
entities it names marked in them, and its story's other versions."""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from search.results import article_metadata, public_entity

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
LINE_BREAK = re.compile(r"\n")
SPACES = re.compile(r"\s+")
WORD = re.compile(r"\w+")
WORDS_AND_BETWEEN = re.compile(r"(\w+)")
WORD_CHARACTER = re.compile(r"\w")
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
    """Each mention of an entity in the text: a printed form standing as whole words, the
    longest form where several start at one place. Found word by word through a table of the
    forms by first word (one regular expression of every form tries each form at each
    character: 28 s for a 3 MB article naming a few hundred entities)."""
    forms = entity_forms(entities)
    by_first_word: dict[str, list[str]] = {}
    for form in sorted(forms, key=len, reverse=True):
        first = WORD.match(form)
        by_first_word.setdefault(first.group() if first else "", []).append(form)
    marks = _marks_by_words(text, by_first_word, forms)
    if "" not in by_first_word:
        return marks
    alternatives = "|".join(map(re.escape, by_first_word[""]))  # forms that start with punctuation
    marks += [Mark(m.start(), m.end(), forms[m.group()])
              for m in re.finditer(rf"(?<!\w)({alternatives})(?!\w)", text)]
    leftmost, taken = [], 0  # as one expression would: the leftmost mention, then the next after it
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        if mark.start >= taken:
            leftmost.append(mark)
            taken = mark.end
    return leftmost


def _marks_by_words(text: str, by_first_word: dict[str, list[str]], forms: dict[str, dict]) -> list[Mark]:
    """The mentions of forms that start with a word, at the start of each word of the text
    (not inside one mention), none followed by more of a word. The text is cut into words
    and what lies between once; only the words some form starts with are looked at."""
    pieces = WORDS_AND_BETWEEN.split(text)  # between, word, between, word, …, between
    offsets = [0, *accumulate(map(len, pieces))]
    marks, taken = [], 0
    for at in [at for at in range(1, len(pieces), 2) if pieces[at] in by_first_word]:
        start = offsets[at]
        if start < taken:
            continue
        for form in by_first_word[pieces[at]]:
            end = start + len(form)
            if text.startswith(form, start) and not WORD_CHARACTER.match(text, end):
                marks.append(Mark(start, end, forms[form]))
                taken = end
                break
    return marks


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
    """Marks in order, none overlapping: a query match wins over an entity, a longer over a shorter
    (each mark checked against its neighbours among those kept, so many marks stay cheap)."""
    kept: list[Mark] = []
    starts: list[int] = []
    for mark in sorted(marks, key=lambda m: (m.entity is not None, m.start, -m.end)):
        at = bisect_left(starts, mark.start)
        if (at and kept[at - 1].end > mark.start) or (at < len(kept) and kept[at].start < mark.end):
            continue
        kept.insert(at, mark)
        starts.insert(at, mark.start)
    return kept


def mark_entities(text: str, entities: list[dict]) -> str:
    """HTML-escaped text with each entity mention in `<mark class="entity" data-type=…>`."""
    return marked_html(text, entity_marks(text, entities))[0]


def marks_by_paragraph(marks: list[Mark], spans: list[tuple[int, int]]) -> list[list[Mark]]:
    """The marks wholly inside each paragraph, counted from its start (one pass over the marks
    in order, not a scan of every mark per paragraph)."""
    ordered = sorted(marks, key=lambda m: m.start)
    starts = [mark.start for mark in ordered]
    inside = []
    for start, end in spans:
        first, last = bisect_left(starts, start), bisect_left(starts, end)
        inside.append([Mark(m.start - start, m.end - start, m.entity) for m in ordered[first:last]
                       if m.end <= end])
    return inside


def article_record(stored: dict, versions: list[dict],
                   matches: list[tuple[int, int]] | None = None) -> dict:
    """The full article in its one JSON shape; with `matches` (body spans of a query's matches),
    every matched form is highlighted, the first with the anchor `match-1`."""
    entities = [public_entity(entity) for entity in stored.get("entities") or []]
    body = stored.get("body") or ""
    queried = [Mark(start, end) for start, end in matches or []]
    marks = queried + entity_marks(body, list(stored.get("entities") or []))
    rendered, number = [], 1
    for (start, end), inside in zip(spans := paragraph_spans(body), marks_by_paragraph(marks, spans),
                                    strict=True):
        paragraph_html, number = marked_html(body[start:end], inside, number)
        rendered.append(paragraph_html)
    record = {
        **article_metadata(stored),
        "paragraphs": paragraphs(body),
        "paragraphs_html": rendered,
        "entities": entities,
        "versions": versions,
        "quotes": list(stored.get("quotes") or []),
    }
    if matches is not None:
        record["matches"] = number - 1
    return record
