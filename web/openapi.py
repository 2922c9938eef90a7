"""The OpenAPI 3.1 document of the JSON API.

The paths and the web's own schemas are data (`data/openapi.json`); the search
response schema is the engine's committed result schema, inserted here so the
two can never disagree.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from functools import lru_cache
from pathlib import Path

from search.results import result_schema

REF_PREFIX = re.compile(r"^#/\$defs/")
OPENAPI_PATH = Path(__file__).parent / "data" / "openapi.json"


def _rehome_refs(node: object) -> object:
    """Point the result schema's `#/$defs/x` references at `#/components/schemas/x`."""
    if isinstance(node, dict):
        return {key: REF_PREFIX.sub("#/components/schemas/", value) if key == "$ref" else _rehome_refs(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_rehome_refs(item) for item in node]
    return node


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """The whole document, with the result schema and its definitions among the components."""
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    response = deepcopy(result_schema())
    definitions = response.pop("$defs", {})
    for key in ("$schema", "$id"):
        response.pop(key, None)
    schemas = document["components"]["schemas"]
    schemas["SearchResponse"] = _rehome_refs(response)
    schemas.update({name: _rehome_refs(schema) for name, schema in definitions.items()})
    return document
