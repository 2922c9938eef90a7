"""Named entities of one article: a package, cut along the sections of the former `entities.py`.

This step only moves the module to `rules.py`; the names other modules use are exported here.
"""

from search.entities.rules import (
    Entity,
    acronym_definitions,
    country_of,
    entity_tables,
    extract_entities,
    phrase_key,
    read_columns,
    salience,
    split_aliases,
)

__all__ = [
    "Entity",
    "acronym_definitions",
    "country_of",
    "entity_tables",
    "extract_entities",
    "phrase_key",
    "read_columns",
    "salience",
    "split_aliases",
]
