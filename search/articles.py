"""The article view: one stored article with its paragraphs, the entities it names
marked in them, and its story's other versions."""

from __future__ import annotations

import html
import re

from search.results import article_metadata

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blank-line separated; single lines when there are none)."""
    parts = PARAGRAPH_BREAK.split(body) if PARAGRAPH_BREAK.search(body) else body.splitlines()
    return [" ".join(part.split()) for part in parts if part.strip()]


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
        names = [entity["name"]]
        if entity["type"] == "person" and " " in entity["name"]:
            names.append(entity["name"].split()[-1])
        for name in names:
            for form in printed_forms(name):
                forms.setdefault(form, entity)
    return forms


def mark_entities(text: str, entities: list[dict]) -> str:
    """HTML-escaped text with each entity mention in `<mark class="entity" data-type=…>`."""
    forms = entity_forms(entities)
    if not forms:
        return html.escape(text)
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    out, last = [], 0
    for match in re.finditer(rf"(?<!\w)({alternatives})(?!\w)", text):
        entity = forms[match.group()]
        out.append(html.escape(text[last:match.start()]))
        out.append(f'<mark class="entity" data-type="{html.escape(entity["type"])}" '
                   f'title="{html.escape(entity["name"])}">{html.escape(match.group())}</mark>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def article_record(stored: dict, versions: list[dict]) -> dict:
    """The full article in its one JSON shape."""
    entities = list(stored.get("entities") or [])
    body_paragraphs = paragraphs(stored.get("body") or "")
    return {
        **article_metadata(stored),
        "paragraphs": body_paragraphs,
        "paragraphs_html": [mark_entities(paragraph, entities) for paragraph in body_paragraphs],
        "entities": entities,
        "versions": versions,
    }
