"""How a story count is read from its aggregations (search/backends/opensearch/aggregations.py):
the matching documents less all but one version of each story several of whose versions match,
exact below the bound and the bound itself, as a lower bound, at it (no cluster needed: the
answers are shaped as the cluster gives them; golden and protocol tests count on a real one)."""

from __future__ import annotations

import pytest

from search.backends.opensearch.aggregations import story_count


def shared(stories: int, versions: int) -> dict:
    """An answer's `stats_bucket` over the stories holding two matching versions or more."""
    return {"shared_count": {"count": stories, "sum": float(versions) if stories else 0.0}}


@pytest.mark.parametrize(("stories", "versions", "documents", "counted"), [
    (0, 0, 22_085, 22_085),  # every story one version: as many stories as documents
    (3, 7, 20, 16),  # three stories of 2, 2 and 3 versions: 20 - 7 + 3
    (1, 40, 40, 1),  # one story, all of its versions matching
])
def test_stories_are_the_documents_less_the_extra_versions_of_shared_stories(stories, versions, documents,
                                                                              counted):
    assert story_count(shared(stories, versions), documents, bound=10_000) == (counted, True)


def test_at_the_bound_of_shared_stories_the_count_is_the_bound_and_a_lower_bound():
    assert story_count(shared(100, 250), 5_000, bound=100) == (100, False)
    assert story_count(shared(99, 250), 5_000, bound=100) == (4_849, True)
