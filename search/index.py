"""The index on disk: its schema, its metadata, and opening it safely.

The schema is the one place that says what is stored and how each field is
analysed. Beside Whoosh's files the index keeps `search-meta.json`: the
format version and the fingerprint of the analysis tables it was built with,
so an index the code no longer matches says so instead of answering wrongly.
"""

from __future__ import annotations

import json
import shutil
import time
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer, SimpleAnalyzer, Token
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Characters
from whoosh.index import Index
from whoosh.reading import IndexReader

from search.analysis import NewsAnalyzer, exact_analyzer, news_analyzer
from search.codec import ArrayCodec
from search.entities import Entity
from search.errors import IndexIncompatible, IndexMissing
from search.ingest import Article
from search.tables import AnalysisTables, analysis_tables, fingerprint

FORMAT_VERSION = 7
META_FILE = "search-meta.json"
WHOOSH_PREFIXES = ("_MAIN_", "MAIN_", "MAIN.tmp")  # segments, TOCs, the lock, multiprocess temp files
REBUILD_HINT = "run `search index --rebuild`"
KEY_SEPARATOR = "\x1f"
ENTITY_FILTERS = ("person", "org", "place", "weapon")
CONTENT_SEPARATOR = "\n\n"
COMPLETION_SEPARATOR = "\t"
MAX_COMPLETION_CHARS = 120
UNDATED = 2**64 - 1  # the date column's value for a document without a date
PHRASE_FIELDS = ("title_exact", "content_exact")  # the printed words, where quoted phrases match
VECTOR_FIELD = "content"  # each document's terms and counts are kept for it (feedback reads them)


def array_codec() -> ArrayCodec:
    """How every segment is written: Whoosh's format plus the arrays file, with positions for
    the phrase fields and term vectors for feedback's field."""
    return ArrayCodec(PHRASE_FIELDS, (VECTOR_FIELD,))


def build_schema(tables: AnalysisTables | None = None) -> Schema:
    """Every field of a document, and how it is analysed."""
    news = news_analyzer(tables)
    exact = exact_analyzer()
    names = SimpleAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        file_key=ID(sortable=True),
        file_sig=ID(sortable=True),
        path=STORED,
        line=STORED,
        title=positional_text(news, stored=True),
        title_exact=positional_text(exact),
        content=positional_text(news),
        content_exact=positional_text(exact),
        body=STORED,
        source=TEXT(analyzer=names, stored=True),
        author=TEXT(analyzer=names),
        authors=STORED,
        date=DATETIME(stored=True, sortable=True),
        url=STORED,
        story=ID(stored=True, sortable=True),
        minhash=COLUMN(VarBytesColumn()),
        facets=COLUMN(VarBytesColumn()),
        completion=KEYWORD(commas=True, scorable=True),
        entities=STORED,
        entity=KEYWORD(lowercase=True, commas=True),
        entity_keys=TEXT(analyzer=EntityKeyAnalyzer(news), phrase=False),
        **{kind: TEXT(analyzer=names) for kind in ENTITY_FILTERS},
    )


class Occurrences(Characters):
    """Whoosh's format of word positions and character offsets, filled from the analyzer's
    `occurrences` in one pass over the text (Whoosh's own builds a Token per occurrence);
    the postings written are the same."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, NewsAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        for word, places in analyzer.occurrences(value).items():
            yield word, len(places), len(places) * self.field_boost, self.encode(places)


def positional_text(analyzer: Analyzer, **options) -> TEXT:
    """A text field that keeps word positions (for phrases) and character offsets (for snippets)."""
    field = TEXT(analyzer=analyzer, chars=True, **options)
    field.format = Occurrences(field_boost=field.format.field_boost)
    return field


class ColumnValues:
    """A column's values by top-level document number, read segment by segment
    (Whoosh's multi-segment column reader can fail on the last segment)."""

    def __init__(self, reader: IndexReader, fieldname: str, translate: bool = True):
        leaves = reader.leaf_readers()
        self.offsets = [offset for _, offset in leaves]
        self.columns = [leaf.column_reader(fieldname, translate=translate) for leaf, _ in leaves]

    def __getitem__(self, docnum: int):
        leaf = bisect_right(self.offsets, docnum) - 1
        return self.columns[leaf][docnum - self.offsets[leaf]]


def file_key(root: str, path: str) -> str:
    """The key shared by every document read from one file under one root."""
    return f"{root}{KEY_SEPARATOR}{path}"


def content_of(title: str | None, body: str) -> tuple[str, int]:
    """The text scored as one field (headline, then body) and where the body starts in it.

    Headline and body are scored together, as one BM25 field, because that
    ranks better than summing two fields' scores (measured in bench/EVAL.md);
    the headline field adds a smaller boost of its own.
    """
    if not title:
        return body, 0
    return f"{title}{CONTENT_SEPARATOR}{body}", len(title) + len(CONTENT_SEPARATOR)


@dataclass(frozen=True)
class Enrichment:
    """What index time learns about an article beyond its text."""

    entities: tuple[Entity, ...] = ()
    minhash: bytes = b""
    story: str = ""


class EntityKeyAnalyzer(Analyzer):
    """Indexes each entity under its name's key, weighted by the entity's salience.

    A key is the name's terms joined by spaces (`ben wallac`, `AMRAAM`); a person
    is also found by surname (`wallac`). At index time the value holds a
    `salience<TAB>type<TAB>name` line per entity. The ranker reads the weights
    back as the entity boost.
    """

    def __init__(self, words: Analyzer):
        self.words = words

    def key(self, name: str) -> list[str]:
        return [token.text for token in self.words(name, mode="query")]

    def __call__(self, value: str, mode: str = "", **kwargs):
        token = Token(**kwargs)
        for line in value.splitlines():
            salience, kind, name = line.split("\t", 2)
            terms = self.key(name)
            keys = {" ".join(terms), terms[-1]} if kind == "person" and terms else {" ".join(terms)}
            for key in sorted(keys - {""}):
                token.text, token.boost = key, float(salience)
                yield token


def document_fields(article: Article, key: str, signature: str, extra: Enrichment = Enrichment()) -> dict:
    """The field values Whoosh stores and indexes for one article."""
    content = content_of(article.title, article.text)[0]
    fields = {
        "id": article.id,
        "file_key": key,
        "file_sig": signature,
        "path": article.path,
        "line": article.line,
        "body": article.text,
        "content": content,
        "content_exact": content,
        "authors": list(article.authors),
        "url": article.url,
    }
    if article.title:
        fields["title"] = fields["title_exact"] = article.title
    if article.source:
        fields["source"] = article.source
    if article.authors:
        fields["author"] = "; ".join(article.authors)
    if article.date:
        fields["date"] = article.date
    fields["story"] = extra.story or article.id
    fields["minhash"] = extra.minhash
    fields["entities"] = [entity.as_dict() for entity in extra.entities]
    fields["facets"] = facet_values(article, extra.entities)
    fields["completion"] = ",".join(completion_terms(article, extra.entities))
    if extra.entities:
        fields["entity"] = ",".join(entity_term(entity.name) for entity in extra.entities)
        fields["entity_keys"] = "\n".join(f"{e.salience:.4f}\t{e.type}\t{e.name}" for e in extra.entities)
    for kind in ENTITY_FILTERS:
        names = [entity.name for entity in extra.entities if entity.type == kind]
        if names:
            fields[kind] = " ; ".join(names)
    return fields


def facet_values(article: Article, entities: tuple[Entity, ...]) -> bytes:
    """The values the results are counted by (source, authors, entities), kept in a column
    so counting them over every match never loads stored documents."""
    values = {
        "source": article.source,
        "author": list(article.authors),
        "entity": [[entity.type, entity.name] for entity in entities],
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_facet_values(raw: bytes) -> dict:
    return json.loads(raw) if raw else {"source": None, "author": [], "entity": []}


def completion_term(kind: str, text: str, typed: str | None = None) -> str:
    """One completion: the lowercased text a typed prefix matches, its kind, the text to show."""
    shown = " ".join(text.replace(",", " ").split())[:MAX_COMPLETION_CHARS]
    return COMPLETION_SEPARATOR.join(((typed or shown).lower(), kind, shown))


def completion_terms(article: Article, entities: tuple[Entity, ...]) -> list[str]:
    """What typing in the search box can complete to: entity names (a person's also from
    the surname) and the headline."""
    found = set()
    for entity in entities:
        found.add(completion_term("entity", entity.name))
        if entity.type == "person" and " " in entity.name.strip():
            found.add(completion_term("entity", entity.name, typed=entity.name.split()[-1]))
    if article.title and article.title.strip():
        found.add(completion_term("headline", article.title))
    return sorted(term for term in found if not term.startswith(COMPLETION_SEPARATOR))


def entity_term(name: str) -> str:
    """How an entity's name is indexed in the `entity` field (and looked up there)."""
    return " ".join(name.replace(",", " ").split()).lower()


@dataclass
class IndexMeta:
    """What the index records about how it was built."""

    format: int = FORMAT_VERSION
    tables: str = ""
    user_variants: list[list[str]] = field(default_factory=list)
    learned: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    updated: float = 0.0

    @classmethod
    def read(cls, directory: Path) -> IndexMeta | None:
        try:
            data = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None

    def write(self, directory: Path) -> None:
        self.updated = time.time()
        temporary = directory / f".{META_FILE}.tmp"
        temporary.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        temporary.replace(directory / META_FILE)

    def alias_groups(self) -> list[tuple[str, list[str]]]:
        """The user's aliases kept with the index (`search index --aliases`)."""
        return list(self.aliases.items())

    def learned_groups(self) -> list[tuple[str, list[str]]]:
        """Acronym definitions learned from the corpus: short form, long forms."""
        return list(self.learned.items())

    def tables_for_index(self) -> AnalysisTables:
        pairs = [(variant, canonical) for variant, canonical in self.user_variants]
        return analysis_tables().with_variants(pairs)


def is_whoosh_index(directory: Path) -> bool:
    """Whether `directory` holds a Whoosh index (of any version)."""
    return directory.is_dir() and any(directory.glob("_MAIN_*.toc"))


def open_index(directory: Path) -> Index:
    """Open an index built by this version of the code, or say what to do."""
    if not is_whoosh_index(directory):
        raise IndexMissing(f"no index at {directory}; build it with `search index`")
    meta = IndexMeta.read(directory)
    if meta is None:
        raise IndexIncompatible(f"{directory} is not an index this program built; {REBUILD_HINT}")
    if meta.format != FORMAT_VERSION or meta.tables != fingerprint():
        raise IndexIncompatible(
            f"the index at {directory} was built by another version of the analysis; {REBUILD_HINT}"
        )
    try:
        ix = whoosh_index.open_dir(str(directory))
        # open_dir reads only the TOC: opening a reader reads the segments, so a segment
        # file truncated, emptied, deleted or garbled is caught here, not by the first search
        with ix.reader():
            pass
        return ix
    except Exception as error:  # Whoosh raises many kinds for damaged files
        raise IndexIncompatible(f"the index at {directory} is damaged ({error}); {REBUILD_HINT}") from None


def create_index(directory: Path, user_variants: list[tuple[str, str]]) -> Index:
    """A new, empty index (replacing an old one of ours) with its metadata."""
    clear_index(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = IndexMeta(tables=fingerprint(), user_variants=[list(p) for p in user_variants])
    ix = whoosh_index.create_in(str(directory), build_schema(meta.tables_for_index()))
    meta.write(directory)
    return ix


def clear_index(directory: Path) -> None:
    """Remove an index's files; refuse a folder that holds anything else."""
    if not directory.exists():
        return
    ours = {META_FILE, f".{META_FILE}.tmp"}
    entries = [p for p in directory.iterdir() if not p.name.startswith(".") or p.name in ours]
    foreign = [
        p for p in entries
        if p.name not in ours and not p.name.startswith(WHOOSH_PREFIXES) and p.suffix != ".seg"
    ]
    if foreign:
        raise IndexIncompatible(
            f"{directory} holds files that are not an index ({foreign[0].name}); "
            "choose an empty folder with --index"
        )
    for entry in entries:
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
