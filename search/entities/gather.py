"""Mentions gathered into entities, each counted over headline and body and given a salience.

Separate because it is the one place that decides what an entity is worth to its article (the
weights below). Not named `salience.py`: the package exports the function `salience`, which a
submodule of that name would shadow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from search.entities.article import Article, Mention

TYPES = ("person", "org", "place", "weapon", "acronym")  # what Entity.type can be, people first
FREQUENCY_WEIGHT = 0.5
HEADLINE_WEIGHT = 0.3
LEAD_WEIGHT = 0.2


@dataclass(frozen=True)
class Entity:
    """One named entity of an article."""

    name: str
    type: str
    mentions: int
    salience: float
    forms: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """The stored shape: name, type, mentions, salience (3 places)."""
        return {"name": self.name, "type": self.type, "mentions": self.mentions,
                "salience": round(self.salience, 3)}


def salience(mentions: int, most: int, in_headline: bool, in_lead: bool) -> float:
    """How central an entity is to its article, from 0 to 1.

    Frequency, damped by a log and relative to the article's most mentioned
    entity, weighs 0.5; a mention in the headline 0.3; a mention in the first
    paragraph 0.2. The headline entity of a story thus outranks a place the
    story merely repeats.
    """
    frequency = math.log1p(mentions) / math.log1p(most) if most > 0 else 0.0
    return FREQUENCY_WEIGHT * frequency + HEADLINE_WEIGHT * in_headline + LEAD_WEIGHT * in_lead


def gather(mentions: list[Mention], article: Article) -> list[Entity]:
    """Count each entity's mentions and forms, score their salience, most salient first."""
    seen: dict[tuple[str, str], dict] = {}
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        key = (mention.type, mention.name)
        found = seen.setdefault(key, {"count": 0, "forms": [], "end": -10, "headline": False, "lead": False})
        if mention.start < found["end"] or article.text[found["end"]:mention.start] in (" (", "("):
            continue
        found["count"] += 1
        found["end"] = mention.end
        if mention.surface not in found["forms"]:
            found["forms"].append(mention.surface)
        found["headline"] |= mention.start < article.title_end
        found["lead"] |= article.lead[0] <= mention.start < article.lead[1]
    most = max((found["count"] for found in seen.values()), default=0)
    entities = [
        Entity(name, kind, found["count"], salience(found["count"], most, found["headline"], found["lead"]),
               tuple(found["forms"]))
        for (kind, name), found in seen.items()
    ]
    entities.sort(key=lambda e: (-e.salience, e.name, e.type))
    return entities
