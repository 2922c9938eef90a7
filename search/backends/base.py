"""What the engine asks of a backend: the one surface the embedded index and a cluster share.

The engine speaks in query trees (search/query/tree.py), document references and plain data;
a backend answers from its own store. A `Backend` opens `View`s (one consistent commit of the
index each) and writers (`IndexSink`); a view ranks a request (`RankRequest` -> `Ranking`) and
answers the questions that shape hits, articles, spelling, completions and related coverage.
Nothing here names a search library: types in these signatures are ours.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from search.documents import Enrichment, IndexedFile
from search.entities.surnames import SurnameOwners
from search.feedback import FeedbackSource
from search.query import tree as qt
from search.rank import DEFAULT_WEIGHTS, Weights
from search.state import IndexState

if TYPE_CHECKING:  # a search reads an index without the ingest code
    from search.ingest import Article

Ref = Hashable  # a backend's handle on one document, valid for the view that gave it
Spans = list[tuple[int, int]]  # (start, end) characters in a field's text
TermSpans = dict[tuple[str, str], Spans]  # (field, term) -> where the term stands
EXACT, LOWER_BOUND = "eq", "gte"  # a count's relation to the truth


@dataclass(frozen=True)
class Capabilities:
    """What a backend does beyond the core every backend has (ranked, filtered and grouped search,
    facets, stored articles): the engine refuses a request for anything missing with a 400
    `unsupported_by_backend`, never a 500 or a silent fallback."""

    sloppy_phrases: bool = True
    prefix: bool = True
    wildcard: bool = True
    fuzzy: bool = True
    completion: bool = True
    related: bool = True
    spelling: bool = True

    def lacking(self, tree: qt.Node) -> str | None:
        """The first feature the tree asks for that this backend lacks (None: it has them all)."""
        for node in tree.walk():
            needs = NODE_FEATURES.get(type(node))
            if isinstance(node, qt.Phrase) and node.slop > 1:
                needs = "sloppy_phrases"
            if needs and not getattr(self, needs):
                return needs.replace("_", " ")
        return None


NODE_FEATURES = {qt.Prefix: "prefix", qt.Wildcard: "wildcard", qt.Fuzzy: "fuzzy"}


@dataclass(frozen=True)
class Feedback:
    """Pseudo-relevance feedback for a request (search/feedback.py): how many of the best rows
    form the pool it re-scores, and how the user's own words weigh beside it."""

    pool: int
    original_scale: float


@dataclass(frozen=True)
class RankRequest:
    """What to rank: the query (entity boost included), the all-words tier ranked first (None:
    no tier), the optional words and phrases (which rows hold each; how many stories hold them
    all), a filter that narrows without ranking, the order, how many rows, one row per story or
    per document, whether to count and facet, feedback, the ranking's numbers, and when to give
    up (a monotonic time)."""

    query: qt.Node
    filter: qt.Node | None = None
    tier: qt.Node | None = None
    clauses: tuple[qt.Node, ...] = ()
    sort: str = "relevance"
    depth: int = 10
    grouped: bool = True
    count: bool = True
    facets: bool = False
    feedback: Feedback | None = None
    weights: Weights = DEFAULT_WEIGHTS
    deadline: float = float("inf")


@dataclass(frozen=True)
class Row:
    """One ranked document (grouped: the best version of its story) and its score."""

    ref: Ref
    score: float


@dataclass(frozen=True)
class Version:
    """One document of a story, as the engine chooses the version that shows it: whether the
    request matches it, which optional words it holds (empty where not looked at: a story with
    one version, and none to choose), and its id."""

    ref: Ref
    doc_id: str
    matches: bool
    holds: tuple[bool, ...] = ()


@dataclass
class Ranking:
    """A ranked request: the rows, how many stories (or documents) match and hold every optional
    word (with each count's relation to the truth: exact, or a lower bound), whether the time
    budget cut it short, and the facets when asked. `versions` and `holds` answer for the rows."""

    rows: list[Row]
    total: int = 0
    all_words_total: int | None = None
    partial: bool = False
    facets: dict | None = None
    total_relation: str = EXACT
    all_words_relation: str = EXACT
    details: object = field(default=None, repr=False)  # what the backend keeps to answer below


class View(Protocol):
    """One consistent commit of the index, read by one thread."""

    capabilities: Capabilities
    generation: int  # the commit read: a later commit (a checkpoint, a rebuild moved in) has a higher one

    def rank(self, request: RankRequest) -> Ranking:
        """The request's rows and counts."""

    def versions(self, ranking: Ranking, ref: Ref) -> list[Version]:
        """Every live document of the story `ref` belongs to (itself included), as the ranking
        sees them."""

    def holds(self, ranking: Ranking, ref: Ref) -> tuple[bool, ...]:
        """Which of the request's optional words the document holds."""

    def documents(self, refs: Iterable[Ref]) -> list[dict]:
        """The stored articles (id, title, body, source, date, authors, entities, …)."""

    def every_document(self) -> Iterator[dict]:
        """Every live stored article of this commit (for export and for reading an index whole)."""

    def ids(self, refs: Iterable[Ref]) -> list[str]:
        """The documents' ids (without loading the articles)."""

    def ref(self, doc_id: str) -> Ref | None:
        """The document with this id (None: no such document)."""

    def spans(self, tree: qt.Node, refs: list[Ref], ranking: Ranking | None = None) -> dict[Ref, TermSpans]:
        """Where each text-field term of the tree stands in each document (a phrase's words only
        where the whole phrase matches), for snippets and highlights."""

    def feedback_source(self, weights: Weights, deadline: float) -> FeedbackSource:
        """What feedback (search/feedback.py) reads of this commit: term vectors and BM25."""

    def has_term(self, fieldname: str, term: str) -> bool:
        """Whether any document holds the term in the field."""

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        """Find how many documents hold each (field, term) at once, for `has_term` to answer
        from (a backend that asks a server asks once, not once a term)."""

    def held_names(self, names: list[str]) -> set[str]:
        """Which of these names (as `entity_term` keys them) name an entity the index holds
        (`search.documents.is_name_of`: `new york times` itself, `american brands` for
        `American Brands Inc`), all at once."""

    def vocabulary(self) -> Vocabulary:
        """What spelling reads of the index."""

    def prefix_counts(self, fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first `limit` terms of the field starting with `prefix`, with how many documents
        hold each (for completions)."""

    def related(self, ref: Ref, limit: int) -> list[Row]:
        """The best version of each of the `limit` stories most like this document."""

    def surname_owners(self) -> SurnameOwners:
        """Which full name owns each surname printed alone in this commit (the facets count a
        lone surname as its owner, and a filter by the owner finds it)."""

    def stats(self) -> dict:
        """Counts and sizes that describe the index."""


class Vocabulary(Protocol):
    """What spelling asks of the index (search/spelling.py)."""

    def fields(self, names: Iterable[str]) -> tuple[str, ...]:
        """Those of `names` this index has."""

    def terms(self, fieldname: str, text: str) -> list[str]:
        """The terms the field's analysis makes of `text` as a query."""

    def has(self, fieldname: str, text: str) -> bool:
        """Whether `text` analyses to terms of the field, all of them in the index."""

    def frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold the term in the field."""

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        """Find the `frequency` of each (field, term) at once (see View.learn_frequencies)."""

    def has_name(self, words: list[str]) -> bool:
        """Whether these words, in order, name an entity or stand as a phrase of a name field."""

    def lexicon(self):
        """The spelling lexicon of the index's words (search.spelling.SpellingLexicon)."""


class IndexSink(Protocol):
    """Where an indexing run writes (search/indexer.py drives it): what the index already holds,
    the run's changes, made visible at each checkpoint, and the run's state kept with them."""

    state: IndexState
    location: str  # where the index is, as a person may be shown it (a folder, a cluster's alias)

    def indexed_files(self) -> dict[str, IndexedFile]:
        """Each file the index holds, by key (as the run sees it once begun)."""

    def story_signatures(self, leaving: set[str]) -> list[tuple[str, str, bytes]]:
        """(id, story, signature) of every indexed document not in `leaving`."""

    def begin(self, parallel: bool) -> None:
        """Take the index for this run (waiting for another run to finish first); `parallel`:
        the run is large enough to analyse in worker processes."""

    def delete_file(self, key: str) -> None:
        """Remove every document read from the file with this key."""

    def delete_document(self, doc_id: str) -> None:
        """Remove one written document (a big file's, written past a stopped run's position)."""

    def add(self, article: Article, file_key: str, signature: str, enrichment: Enrichment) -> None:
        """Add one article with what indexing learned of it."""

    def checkpoint(self) -> None:
        """Make what was added and deleted so far visible, and the state with it."""

    def save_state(self) -> None:
        """Keep the state alone (a run that changed no document but the user's aliases)."""

    def finish(self, changed: bool) -> None:
        """The last checkpoint when `changed`, then whatever upkeep the store needs."""

    def settle(self) -> None:
        """Finish, in a run with nothing to read, what a run stopped during its end left undone
        (a merge that was due); nothing when another run holds the index."""

    def cancel(self) -> None:
        """Give up what was not checkpointed."""


class Backend(Protocol):
    """A store of indexed articles the engine searches."""

    name: str
    location: str  # where the index is, as a person may be shown it (secrets redacted)

    def view(self) -> View:
        """The current commit, for this thread (reopened when the index has a newer one)."""

    def state(self) -> IndexState:
        """How the index was built and what it learned (read again after a new commit)."""

    def health(self) -> dict:
        """Whether the index answers, and its document count and generation."""
