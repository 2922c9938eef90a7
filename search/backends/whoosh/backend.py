"""The embedded backend: an index on this machine's disk, written by Whoosh and searched with
numpy over posting arrays (search.backends.base.Backend).

Each thread reads through its own Whoosh searcher of the latest commit; what is read of a commit
as arrays (postings, lengths, columns, story codes, facets) is kept once per commit and shared
by the threads' searchers of it (the last two commits are kept: a thread may still answer from
the one before). A failure to read the files says to rebuild (IndexIncompatible); every other
failure is a bug, and reaches the caller as it is.
"""

from __future__ import annotations

import errno
import functools
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import whoosh
from whoosh.searching import Searcher

from search.analysis import use_known_stems
from search.backends.base import Capabilities, Ranking, RankRequest, Ref, Row, TermSpans, Version
from search.backends.whoosh.compile import compile_tree
from search.backends.whoosh.ranking import (
    PostingsFeedback,
    RankColumns,
    Ranker,
    commit_columns,
    content_terms,
    facet_table,
)
from search.backends.whoosh.related import related_stories
from search.backends.whoosh.scoring import ArrayCache, Postings
from search.backends.whoosh.spans import matched_terms
from search.backends.whoosh.store import open_index, read_kept, read_state
from search.backends.whoosh.vocabulary import IndexVocabulary
from search.backends.whoosh.weighting import NewsBM25F
from search.documents import NAMES_READ, SPELLING_FIELDS, is_name_of
from search.entities.surnames import SurnameOwners
from search.errors import REBUILD_HINT, BackendUnavailable, IndexIncompatible, SearchError
from search.facets import FacetTable
from search.query import tree as qt
from search.query.language import NAME_MATCH_WEIGHTS
from search.rank import DEFAULT_WEIGHTS, Weights
from search.spelling import SpellingLexicon
from search.state import IndexState
from search.stems import STEMS_FILE, StemTable
from search.stories import StoryMembers

KNOWN_LIMIT = 100_000  # answers a commit's memo keeps (`held_names`' names, `versions`' documents)
OPEN_RETRY_PAUSES = (0.05, 0.2, 0.5)  # seconds between tries at opening a commit being moved in


class WhooshBackend:
    """An index in a folder of this machine (see the module's docstring)."""

    name = "whoosh"
    capabilities = Capabilities()

    def __init__(self, index_dir: Path, weights: Weights = DEFAULT_WEIGHTS):
        self.index_dir = Path(index_dir).absolute()
        self.location = str(self.index_dir)
        self.ix = open_index(self.index_dir)
        self.schema = self.ix.schema  # Whoosh re-reads the table of contents on every `ix.schema`
        self.weights = weights
        self.weighting = NewsBM25F(weights)
        self._local = threading.local()
        self._caches: dict[int, ArrayCache] = {}
        self._caches_lock = threading.Lock()
        use_known_stems(StemTable.read(self.index_dir / STEMS_FILE))  # before the engine reads aliases

    def state(self) -> IndexState:
        return read_state(self.index_dir) or IndexState()

    def view(self) -> WhooshView:
        """This thread's view of the latest commit. A new searcher, not Whoosh's refresh():
        refresh reuses the old segment readers and, after a merge, can keep a merged-away
        segment beside the merged one (counted twice)."""
        current: WhooshView | None = getattr(self._local, "view", None)
        if current is None:
            current = self._local.view = self._open_view()
        elif current.is_stale():
            try:
                fresh = self._open_view()
            except IndexIncompatible:
                return current  # the index is being rewritten: answer from the last good commit
            current.searcher.close()
            current = self._local.view = fresh
        return current

    def _open_view(self) -> WhooshView:
        """A searcher of the latest commit. A failure is tried again a few times before it is
        called damaged: a thread's first view can meet a rebuild moving its files in (2 of 5,653
        answers during rebuilds told the user to rebuild a sound index)."""
        for pause in (*OPEN_RETRY_PAUSES, None):
            try:
                searcher = self.ix.searcher(weighting=self.weighting)
                break
            except Exception as error:  # Whoosh raises many kinds for missing or damaged files
                if pause is None:
                    raise IndexIncompatible(f"the index at {self.index_dir} cannot be read ({error}); "
                                            f"{REBUILD_HINT}") from None
                time.sleep(pause)
        return WhooshView(self, searcher, Postings(searcher, self._cache_of(searcher.reader())))

    def _cache_of(self, reader) -> ArrayCache:
        """The arrays read of one commit, shared by every thread's searcher of it."""
        generation = reader.generation()
        with self._caches_lock:
            if generation not in self._caches:
                if self._caches:  # a new commit since the open, which read the table already
                    use_known_stems(StemTable.read(self.index_dir / STEMS_FILE))
                self._caches[generation] = ArrayCache()
                for stale in sorted(self._caches)[:-2]:
                    del self._caches[stale]
            return self._caches[generation]

    def health(self) -> dict:
        documents = self.view().searcher.doc_count()
        return {"status": "ok", "documents": documents, "generation": self.ix.latest_generation()}


_WHOOSH_PACKAGE = str(Path(whoosh.__file__).parent)
_BUG_KINDS = (TypeError, AttributeError, NameError, AssertionError, RecursionError)
UNAVAILABLE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EIO, errno.ESTALE, errno.ETIMEDOUT, errno.EMFILE,
                      errno.ENFILE, errno.ENOMEM}


def is_unavailable(error: BaseException) -> bool:
    """Whether the files could not be read for now (refused, a disk failing, no descriptors
    left): trying again may succeed, rebuilding would not help."""
    return isinstance(error, OSError) and error.errno in UNAVAILABLE_ERRNOS


def is_damage(error: BaseException) -> bool:
    """Whether an error is damage met while reading the files: raised where Whoosh reads them
    (its innermost frame inside the whoosh package, or a truncated struct, stream or zlib block),
    and not a kind that only a bug raises."""
    if isinstance(error, _BUG_KINDS):
        return False
    if isinstance(error, (EOFError, struct.error, zlib.error, OSError)):
        return True
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and traceback.tb_frame.f_code.co_filename.startswith(_WHOOSH_PACKAGE)


def reading_files(method: Callable) -> Callable:
    """A view method whose damage met in the files says to rebuild; any other error is a bug and
    reaches the caller as it is."""
    @functools.wraps(method)
    def guarded(view: WhooshView, *args, **kwargs):
        try:
            return method(view, *args, **kwargs)
        except SearchError:  # already said (a view method calling another)
            raise
        except Exception as error:
            if is_unavailable(error):
                raise BackendUnavailable(f"the index at {view.backend.index_dir} cannot be read for now "
                                         f"({error.strerror or error}); try again later") from error
            if not is_damage(error):
                raise
            raise IndexIncompatible(f"the index at {view.backend.index_dir} is damaged ({error}); "
                                    f"{REBUILD_HINT}", view.generation) from error
    return guarded


def _guard_public_methods(cls: type) -> type:
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_") and name != "is_stale":
            setattr(cls, name, reading_files(member))
    return cls


@_guard_public_methods
class WhooshView:
    """One commit of the index, for one thread (search.backends.base.View)."""

    capabilities = WhooshBackend.capabilities

    def __init__(self, backend: WhooshBackend, searcher: Searcher, postings: Postings):
        self.backend, self.searcher, self.postings = backend, searcher, postings
        self.schema = backend.schema
        self.generation = searcher.reader().generation()

    def is_stale(self) -> bool:
        """Whether the index has a newer commit (False while it cannot be told)."""
        try:
            return not self.searcher.up_to_date()
        except Exception:  # a rebuild is replacing the files
            return False

    def _per_commit(self, name: str, build):
        """A value read from this commit once, shared by every thread's view of it."""
        return self.postings.cache.derived(name, lambda: build(self.searcher.reader()))

    def _memo(self, name: str) -> dict:
        """A dict of answers remembered for this commit, emptied once it holds KNOWN_LIMIT."""
        known = self._per_commit(name, lambda _reader: {})
        if len(known) > KNOWN_LIMIT:
            known.clear()
        return known

    def commit_columns(self) -> dict[str, np.ndarray]:
        """The commit's per-document arrays: kept with it by the indexer, else built once."""
        def read(reader) -> dict[str, np.ndarray]:
            return read_kept(self.backend.index_dir, reader.generation()) or commit_columns(reader)
        return self._per_commit("columns", read)

    def rank_columns(self) -> RankColumns:
        return self._per_commit("rank_columns", lambda reader: RankColumns(reader, self.commit_columns()))

    def story_codes(self) -> np.ndarray:
        """Each document's story as a number (for collapsing and counting)."""
        return self.commit_columns()["story_codes"]

    def story_members(self) -> StoryMembers:
        return self._per_commit("story_members",
                                lambda _: StoryMembers(self.story_codes(), self.postings.live))

    def facet_table(self) -> FacetTable:
        """The commit's facet values: kept with it by the indexer, else built once."""
        def read(reader) -> FacetTable:
            kept = read_kept(self.backend.index_dir, reader.generation(), "facets") or {}
            return FacetTable.from_arrays(kept, self.story_codes()) or facet_table(reader, self.story_codes())
        return self._per_commit("facet_table", read)

    def count(self, docnums: np.ndarray, grouped: bool) -> int:
        """How many documents, or, grouped, how many stories they are versions of."""
        if not grouped:
            return len(docnums)
        codes = self.story_codes()
        seen = np.zeros(len(codes), dtype=bool)  # codes are numbered from 0 in order: fewer than documents
        seen[codes[docnums]] = True  # a mark each, where a bincount adds up 8-byte counts
        return int(np.count_nonzero(seen))

    def rank(self, request: RankRequest) -> Ranking:
        return Ranker(self, request).rank()

    def holds(self, ranking: Ranking, ref: Ref) -> tuple[bool, ...]:
        return ranking.details.matched([ref])[0][1]

    def versions(self, ranking: Ranking | None, ref: Ref) -> list[Version]:
        """A row alone in its story matches and has no other version to be chosen over, so its
        words are not looked at here (`holds` does when asked): most stories have one version."""
        members, ids = self._story_of(ref)
        if ranking is None or (len(members) == 1 and ref in ranking.details.rows):
            matched = [(True, ())] * len(members)
        else:
            matched = ranking.details.matched(members)
        return [Version(member, doc_id, matches, holds)
                for member, doc_id, (matches, holds) in zip(members, ids, matched, strict=True)]

    def _story_of(self, ref: Ref) -> tuple[list[Ref], list[str]]:
        """A document's story's versions and their ids, remembered for the commit: a page asks
        for each row's versions four times (as ranked and all, to choose the version shown and
        to list the others), and an id is read from a compressed column."""
        known = self._memo("stories_of")
        found = known.get(ref)
        if found is None:
            members = list(self.story_members().of(ref))
            ids = self.rank_columns().ids
            found = known[ref] = (members, [ids[member] for member in members])
        return found

    def documents(self, refs: Iterable[Ref]) -> list[dict]:
        return [dict(self.postings.stored(ref)) for ref in refs]

    def every_document(self) -> Iterator[dict]:
        return self.searcher.all_stored_fields()

    def ids(self, refs: Iterable[Ref]) -> list[str]:
        ids = self.rank_columns().ids
        return [ids[ref] for ref in refs]

    def ref(self, doc_id: str) -> Ref | None:
        return self.searcher.document_number(id=doc_id) if isinstance(doc_id, str) else None

    def spans(self, tree: qt.Node, refs: list[Ref], ranking: Ranking | None = None) -> dict[Ref, TermSpans]:
        details = ranking.details if ranking is not None else None
        query = compile_tree(tree, details.compiled if details else None)
        return matched_terms(self.searcher, query, list(refs), self.postings,
                             details.phrase_hits if details else {})

    def feedback_source(self, weights: Weights, deadline: float) -> PostingsFeedback:
        return PostingsFeedback(self.searcher, self.postings, weights, deadline)

    def has_term(self, fieldname: str, term: str) -> bool:
        """Whether the index holds the term: the name fields' words from a set read once per
        commit (a query asks of every run of its words; Whoosh's lookup walks every segment)."""
        if fieldname in NAME_MATCH_WEIGHTS:
            lexicon = self._per_commit(f"lexicon:{fieldname}",
                                       lambda reader: frozenset(reader.lexicon(fieldname)))
            return term.encode("utf-8") in lexicon
        return (fieldname, term) in self.searcher.reader()

    def learn_frequencies(self, terms: Iterable[tuple[str, str]]) -> None:
        """Nothing to ask ahead: counts are read from this commit's own files."""

    def held_names(self, names: list[str]) -> set[str]:
        """From the entity names that start with each name (a seek in the sorted terms, then the
        first NAMES_READ of them: the name itself sorts first), remembered for the commit: a
        query asks for its words and for its clauses."""
        known = self._memo("held_names")
        held = set()
        for name in names:
            found = known.get(name)
            if found is None:
                started = self.prefix_counts("entity", name, NAMES_READ)
                found = known[name] = any(is_name_of(name, term) for term, _ in started)
            if found:
                held.add(name)
        return held

    def vocabulary(self) -> IndexVocabulary:
        """What spelling reads of this commit; its lexicon of words is read on first need."""
        fields = [fieldname for fieldname in SPELLING_FIELDS if fieldname in self.schema]

        def read_lexicon(_reader) -> SpellingLexicon:
            return SpellingLexicon({fieldname: self.postings.term_texts(fieldname) for fieldname in fields})

        return IndexVocabulary(self.searcher, lambda: self._per_commit("spelling_lexicon", read_lexicon),
                               self.postings)

    def prefix_counts(self, fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        found = self.postings.prefix_counts(fieldname, prefix.encode("utf-8"), limit)
        return [(btext.decode("utf-8"), count) for btext, count in found]

    def related(self, ref: Ref, limit: int) -> list[Row]:
        return related_stories(self.searcher, ref, limit)

    def surname_owners(self) -> SurnameOwners:
        return self.facet_table().owners

    def stats(self) -> dict:
        reader = self.searcher.reader()
        directory = self.backend.index_dir
        state = read_state(directory)
        kept = read_kept(directory, reader.generation()) or {}
        return {
            "documents": self.searcher.doc_count(),
            "terms": int(kept["content_terms"]) if "content_terms" in kept else content_terms(reader),
            "size_bytes": sum(path.stat().st_size for path in directory.iterdir() if path.is_file()),
            "generation": self.backend.ix.latest_generation(),
            "updated": state.updated if state else None,
        }
