"""Every limit and default a user meets, declared once (like Datasette's SETTINGS table).

The engine, the command line and the web layer read their limits from `SETTINGS`; the OpenAPI
document and README's limits table state them for people, and tests/test_settings.py checks
that all of them agree with this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def setting(value, meaning: str):
    """A field of the table: its value and what it limits."""
    return field(default=value, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Settings:
    """The table (see the module's docstring)."""

    max_query_chars: int = setting(2000, "characters of a query")
    max_results: int = setting(1000, "results that can be paged through (page × size), and --limit")
    page_size: int = setting(10, "results on a page (web `size`, CLI --limit) by default")
    max_page_size: int = setting(100, "results on one web page at most")
    feed_entries: int = setting(20, "stories an Atom feed holds by default (web `size`)")
    max_value_chars: int = setting(200, "characters of a filter value or of `suggest` text")
    related: int = setting(5, "related stories shown by default")
    max_related: int = setting(20, "related stories asked for at most")
    max_related_chars: int = setting(50_000, "characters of an article read to find its related coverage")
    snippet_scan_chars: int = setting(50_000, "characters of a long article searched for its snippet, "
                                      "from the line of its first match")
    completions: int = setting(8, "completions by default")
    max_completions: int = setting(20, "completions asked for at most")
    max_request_bytes: int = setting(16 * 1024, "bytes of a request body the app reads")
    time_budget_seconds: float = setting(2.0, "seconds a search may take before answering what it has")
    exact_count_up_to: int = setting(10_000, "stories (or articles) counted exactly; past it a count "
                                     "says `more than`")
    max_expanded_words: int = setting(10, "words of a query expanded as wildcards, prefixes or fuzzy matches "
                                      "(the rest are searched as typed)")
    max_sloppy_phrase_words: int = setting(12, "words of a phrase matched with slop (`\"…\"~N`); a longer "
                                           "one is matched word for word")
    max_expansions: int = setting(1000, "index terms a wildcard, prefix or fuzzy word expands to")
    spelling_lookups: int = setting(8, "words a query has looked up for spelling")
    spelling_seconds: float = setting(0.3, "seconds after which no spelling lookup starts")
    max_record_bytes: int = setting(5_000_000, "bytes of one record in a file")
    lock_wait_seconds: float = setting(30.0, "seconds a second indexer waits for the lock")
    commit_every_docs: int = setting(25_000, "documents indexed between commits by default")
    sorts: tuple[str, ...] = setting(("relevance", "newest", "oldest"), "the orders results come in")
    sort_aliases: tuple[tuple[str, str], ...] = setting((("date", "newest"),),
                                                        "other names of an order (`date` came first)")
    default_index: str = setting("index", "the index folder when none is given")
    index_env: str = setting("SEARCH_INDEX", "the environment variable naming the index folder")
    backend_env: str = setting("SEARCH_BACKEND", "the environment variable naming the backend (`--backend`)")
    cache_env: str = setting("SEARCH_CACHE_DIR", "the environment variable naming the cache folder "
                             "(default $XDG_CACHE_HOME/news-search or ~/.cache/news-search)")
    default_opensearch_url: str = setting("http://127.0.0.1:9201/news",
                                          "the OpenSearch index when none is given (cluster URL / alias)")
    opensearch_url_env: str = setting("SEARCH_OPENSEARCH_URL",
                                      "the environment variable naming the OpenSearch index")
    default_corpus: str = setting("corpus", "the folder `search index` reads when given none")

    def described(self) -> list[tuple[str, object, str]]:
        """(name, value, meaning) of every setting."""
        return [(item.name, getattr(self, item.name), item.metadata["meaning"]) for item in fields(self)]


SETTINGS = Settings()
