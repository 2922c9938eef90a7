"""Counting in the OpenSearch backend: stories, not documents, as the embedded backend counts.

Every version of a story is routed to one shard, so each shard's stories are its own. The number
of matching stories is the number of matching documents less, for each story two or more of whose
versions match, all but one of them: those stories are the buckets of a `terms` aggregation on the
story id that keeps only buckets of two documents or more, on each shard (most stories have one
version, so few buckets are built: a bucket for every matching story was most of a count's time).
Exact while those stories are fewer than STORY_COUNT_BOUND; past it, the bound is a lower bound.
The buckets themselves are dropped from the answer (`filter_path`): only a `stats_bucket` of them
(how many, how many versions) travels. `cardinality` is never used for a total: it estimates.

Facets count, for each value, the stories holding it with a `cardinality` of story ids under the
value's bucket: exact below its precision threshold (FACET_PRECISION stories per value), an
estimate within about 1% above. The values considered are the FACET_BUCKETS most frequent by
documents, and the stories are counted for those only (`breadth_first`: a cardinality for every
value of a large corpus would take gigabytes, as the cluster's circuit breaker said on Reuters).
The values a facet shows are folded by the facet's key as search/facets.py folds them (one author
printed in two casings is one value, shown as it is printed most often).
"""

from __future__ import annotations

from collections import Counter

from search.backends.opensearch.mapping import FACETS_FIELD
from search.entities.surnames import NO_OWNERS, SurnameOwners
from search.facets import FACETS, MAX_FACET_VALUES
from search.settings import SETTINGS

STORY_COUNT_BOUND = SETTINGS.exact_count_up_to
FACET_PRECISION = 3_000  # stories per value counted exactly (8 bytes each, per value and shard)
FACET_BUCKETS = {"source": 100, "author": 100, "entity": 400, "tag": 100}
PEOPLE_COUNTED = 20_000  # the people named most, whose surnames alone may be theirs (surname owners)
EMPTY_VALUES = {"source": None, "author": [], "entity": [], "tag": []}


def story_count_aggs(bound: int = STORY_COUNT_BOUND) -> dict:
    """The aggregations that count matching stories (read back by `story_count`): the stories
    of which two versions or more match."""
    return {"shared_stories": {"terms": {"field": "story", "size": bound, "shard_size": bound,
                                         "min_doc_count": 2, "shard_min_doc_count": 2}},
            "shared_count": {"stats_bucket": {"buckets_path": "shared_stories>_count"}}}


def story_count(aggregations: dict, documents: int, bound: int = STORY_COUNT_BOUND) -> tuple[int, bool]:
    """How many stories the matching `documents` are versions of, and whether that is exact (a
    lower bound when the stories holding several of them reached the bound)."""
    shared = aggregations["shared_count"]
    stories, versions = int(shared["count"]), int(shared["sum"] or 0)
    if stories >= bound:
        return bound, False
    return documents - versions + stories, True


def story_count_paths(prefix: str = "aggregations") -> list[str]:
    """What to keep of the answer to read `story_count` (the buckets themselves are dropped)."""
    return [f"{prefix}.shared_count.count", f"{prefix}.shared_count.sum"]


STORIES = {"stories": {"cardinality": {"field": "story", "precision_threshold": FACET_PRECISION}}}
TIME_FORMATS = {"month": "yyyy-MM", "week": "yyyy-MM-dd", "day": "yyyy-MM-dd"}  # search/facets.py's names


def facet_aggs() -> dict:
    """The aggregations facets are counted from (read back by `facet_counts`)."""
    aggs = {f"facet_{name}": {"terms": {"field": f"{FACETS_FIELD}.{name}", "size": size,
                                        "collect_mode": "breadth_first"}, "aggs": STORIES}
            for name, size in FACET_BUCKETS.items()}
    return {**aggs, **time_aggs("month")}


def time_aggs(unit: str) -> dict:
    """The aggregation that counts stories per month, week (from Monday, OpenSearch's calendar
    week) or day (read back by `time_counts`)."""
    return {f"facet_{unit}": {"date_histogram": {"field": "date", "calendar_interval": unit,
                                                 "format": TIME_FORMATS[unit], "min_doc_count": 1},
                              "aggs": STORIES}}


def time_counts(aggregations: dict, unit: str) -> list[dict]:
    """Every month, week or day the aggregation counted, in time order, with its stories."""
    return [{"value": bucket["key_as_string"], "count": int(bucket["stories"]["value"])}
            for bucket in aggregations.get(f"facet_{unit}", {}).get("buckets", [])]


def facet_counts(aggregations: dict, owners: SurnameOwners = NO_OWNERS) -> dict[str, list[dict]]:
    """The facets as the embedded backend gives them: each facet's most frequent values by story
    count (ties by value), a lone surname counted as the person who owns it, then every month."""
    counts: dict[str, Counter] = {facet.name: Counter() for facet in FACETS}
    printed: dict[str, dict[str, Counter]] = {facet.name: {} for facet in FACETS}
    for field in FACET_BUCKETS:
        for bucket in aggregations[f"facet_{field}"]["buckets"]:
            stories = int(bucket["stories"]["value"])
            for facet in FACETS:
                for key, shown in facet.values(one_value(field, bucket["key"])):
                    if facet.name == "person":
                        key, shown = owners.fold(key, shown)
                    counts[facet.name][key] += stories
                    printed[facet.name].setdefault(key, Counter())[shown] += stories
    found = {facet.name: top_values(counts[facet.name], printed[facet.name]) for facet in FACETS}
    found["month"] = time_counts(aggregations, "month")
    return found


def people_aggs() -> dict:
    """The aggregation that counts the documents naming each person, the PEOPLE_COUNTED named
    most (read back by `people_counts`; the surname owners are worked out from it)."""
    return {"people": {"terms": {"field": f"{FACETS_FIELD}.entity", "include": "person\t.*",
                                 "size": PEOPLE_COUNTED}}}


def people_counts(aggregations: dict) -> dict[str, int]:
    """How many documents name each person, by name as printed."""
    return {bucket["key"].partition("\t")[2]: int(bucket["doc_count"])
            for bucket in aggregations.get("people", {}).get("buckets", [])}


def one_value(field: str, value: str) -> dict:
    """A document's facet values (search.documents.read_facet_values) holding one value only."""
    values = {name: (None if empty is None else []) for name, empty in EMPTY_VALUES.items()}
    if field == "source":
        values["source"] = value
    elif field == "entity":
        kind, _, name = value.partition("\t")
        values["entity"] = [(kind, name)]
    else:
        values[field] = [value]
    return values


def top_values(counts: Counter, printed: dict[str, Counter]) -> list[dict]:
    """The MAX_FACET_VALUES values with most stories (ties by value as shown)."""
    shown = {key: min(forms.items(), key=lambda item: (-item[1], item[0]))[0]
             for key, forms in printed.items()}
    ranked = sorted(counts, key=lambda key: (-counts[key], shown[key]))[:MAX_FACET_VALUES]
    return [{"value": shown[key], "count": counts[key]} for key in ranked]
