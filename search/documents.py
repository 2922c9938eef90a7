"""What an indexed article holds, said once for every backend: the text scored as one field,
what index time learns (entities, story, signature), and the keys that find a file, a byline,
a source, a tag, an entity or a completion. A backend's writer stores these as its fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from search.analysis import fold_accents, name_terms
from search.settings import SETTINGS

if TYPE_CHECKING:  # a search reads documents without the ingest and extraction code
    from search.entities import Entity
    from search.ingest import Article
    from search.quotes import Quote

KEY_SEPARATOR = "\x1f"
ENTITY_FILTERS = ("person", "org", "place", "weapon")
CONTENT_SEPARATOR = "\n\n"
COMPLETION_SEPARATOR = "\t"
QUOTE_SEPARATOR = "\n\n"  # between an article's quotes in the `quote` field
MAX_COMPLETION_CHARS = 120
PHRASE_FIELDS = ("title_exact", "content_exact")  # the printed words, where quoted phrases match
CONTENT_FIELDS = ("content", "content_exact")  # headline and body as one text (content_of)
TITLE_FIELDS = ("title", "title_exact")  # the headline alone
# The quotations (search/quotes.py), analysed as headline and body are; where their terms stand is
# given in the content's characters, inside the stored quotes (search/occurrences.py).
QUOTE_FIELDS = ("quote", "quote_exact")
SPAN_FIELDS = (*CONTENT_FIELDS, *TITLE_FIELDS, *QUOTE_FIELDS)  # where snippets find a term's characters
# A headline field's twin: the body field starts with the headline, analysed alike, so a term's
# matches there include the headline's (a backend need not look a term up in both).
HEADLINE_TWINS = dict(zip(TITLE_FIELDS, CONTENT_FIELDS, strict=True))
VECTOR_FIELD = "content"  # each document's terms and counts are kept for it (feedback reads them)
# The spelling vocabulary (search/spelling.py): the fields whose words did-you-mean checks a typed
# word against and draws its corrections from. A searchable field joins it by being named here:
# names (a capitalised word is only corrected to a name) or the printed words of the text.
NAME_FIELDS = ("source", "author", *ENTITY_FILTERS)
SPELLING_FIELDS = (*PHRASE_FIELDS, *NAME_FIELDS, "tag")

# The kinds of field a backend keeps (each backend maps them to its own: the Whoosh schema,
# OpenSearch's mapping).
TEXT = "text"  # the news analysis: words with positions
NAME = "name"  # a name's words, in order (search.analysis.name_terms)
KEYS = "keys"  # comma-separated values, each one term (bylines, sources, tags, entities, completions)
ENTITY_KEYS = "entity_keys"  # each entity's key, weighted by its salience (the entity boost)
ID = "id"  # one exact value
DATE = "date"
STORED = "stored"  # shown with a hit, never searched
COLUMN = "column"  # bytes read for every document at once (facet values, the story signature)


@dataclass(frozen=True)
class Field:
    """One field of an indexed article: its name, its kind, and whether a hit shows its value."""

    name: str
    kind: str
    stored: bool = False


FIELDS: tuple[Field, ...] = (
    Field("id", ID, stored=True), Field("file_key", ID), Field("file_sig", ID),
    Field("path", STORED, stored=True), Field("line", STORED, stored=True),
    Field("title", TEXT, stored=True), Field("title_exact", TEXT),
    Field("content", TEXT), Field("content_exact", TEXT), Field("body", STORED, stored=True),
    Field("source", NAME, stored=True), Field("source_key", KEYS),
    Field("author", NAME), Field("authors", STORED, stored=True), Field("byline", KEYS),
    Field("credit", STORED, stored=True), Field("tag", KEYS), Field("tags", STORED, stored=True),
    Field("date", DATE, stored=True), Field("url", STORED, stored=True),
    Field("story", ID, stored=True), Field("minhash", COLUMN), Field("facets", COLUMN),
    Field("completion", KEYS), Field("entities", STORED, stored=True), Field("entity", KEYS),
    Field("entity_keys", ENTITY_KEYS), *(Field(kind, NAME) for kind in ENTITY_FILTERS),
    Field("quote", TEXT), Field("quote_exact", TEXT), Field("speaker", NAME),
    Field("quotes", STORED, stored=True),
)


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


def related_text(stored: dict) -> str:
    """The text an article's related coverage is found by: headline and body, up to
    SETTINGS.max_related_chars (what a long article is about is said in its first pages; a
    3 MB one was analysed whole for every page view)."""
    text = content_of(stored.get("title"), stored.get("body") or "")[0]
    limit = SETTINGS.max_related_chars
    return text if len(text) <= limit else text[:limit].rsplit(None, 1)[0]


@dataclass(frozen=True)
class IndexedFile:
    """What the index holds of one file: its signature, its document ids and the signature each
    document carries (`marks`: a big file's documents carry their stretch's)."""

    signature: str
    ids: tuple[str, ...]
    marks: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.marks:
            object.__setattr__(self, "marks", (self.signature,) * len(self.ids))


@dataclass(frozen=True)
class Enrichment:
    """What index time learns about an article beyond its text."""

    entities: tuple[Entity, ...] = ()
    minhash: bytes = b""
    story: str = ""
    quotes: tuple[Quote, ...] = ()


NO_ENRICHMENT = Enrichment()


def entity_keys(kind: str, name_terms_of_name: list[str]) -> list[str]:
    """The keys an entity is found by in the entity boost's field: its name's terms joined
    (`ben wallac`, `AMRAAM`), and a person's surname term alone (`wallac`)."""
    terms = name_terms_of_name
    keys = {" ".join(terms), terms[-1]} if kind == "person" and terms else {" ".join(terms)}
    return sorted(keys - {""})


def name_key(name: str) -> str:
    """A name as its words, lower-cased and space-joined (`Tony Diver` -> `tony diver`): how
    bylines and sources are indexed for matching by name, and how a query's words are looked up."""
    return " ".join(name_terms(name.replace(",", " ")))


def byline_keys(authors: list[str]) -> list[str]:
    """What finds a reporter's articles by name: each whole name, and each surname alone (the
    query side decides when a lone surname may match: never a common English word)."""
    keys = set()
    for author in authors:
        words = name_key(author).split()
        if words:
            keys.update({" ".join(words), words[-1]})
    return sorted(keys)


def source_keys(source: str | None) -> list[str]:
    """What finds a source by its whole name: the name, and without a leading `the`."""
    key = name_key(source or "")
    return sorted({key, key.removeprefix("the ")} - {""})


def facet_values(article: Article, entities: tuple[Entity, ...]) -> bytes:
    """The values the results are counted by (source, authors, entities), kept in a column
    so counting them over every match never loads stored documents."""
    values = {
        "source": article.source,
        "author": list(article.authors),
        "entity": [[entity.type, entity.name] for entity in entities],
        "tag": list(article.tags),
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_facet_values(raw: bytes) -> dict:
    values = json.loads(raw) if raw else {}
    return {"source": values.get("source"), "author": values.get("author", []),
            "entity": values.get("entity", []), "tag": values.get("tag", [])}


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


def tag_term(tag: str) -> str:
    """How a tag is indexed in the `tag` field (and looked up there): `Money-FX` -> `money-fx`."""
    return " ".join(tag.replace(",", " ").split()).lower()


@lru_cache(maxsize=100_000)
def entity_term(name: str) -> str:
    """How an entity's name is indexed in the `entity` field (and looked up there): lower-cased,
    accents folded (`Gdańsk` and `Gdansk` are one place). Remembered: a facet table asks it of
    every mention of a name."""
    return fold_accents(" ".join(name.replace(",", " ").split()).lower())


NAMES_READ = 256  # entity names read from a query's words on, to find the name or a company's among them


@cache
def company_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words that may follow a company's own name in it (`resources`, `international`) and
    its legal forms (`corp`, `inc`), lower-cased (`data/entities/cues.tsv`)."""
    from search.entities.tables import entity_tables  # not at start: the entity package is heavy

    cues = entity_tables().cues
    return cues["company-word"] | cues["legal-suffix"], cues["legal-suffix"]


def is_name_of(typed: str, held: str) -> bool:
    """Whether an entity the index holds is named by the words typed (as `entity_term` keys
    them): the same words (`new york times`), or a company's name without what follows it."""
    return held == typed or is_company_of(typed, held)


def is_company_of(typed: str, held: str) -> bool:
    """Whether an entity the index holds (`american barrick resources corp`) is the words typed
    (`american barrick`, as `entity_term` keys them) followed only by words that may follow a
    company's name, the last its legal form: the words typed name that company."""
    if not held.startswith(typed + " "):
        return False
    following, legal = company_words()
    rest = held[len(typed) + 1:].split()
    return bool(rest) and rest[-1] in legal and all(word in following for word in rest)


def document_fields(article: Article, key: str, signature: str, extra: Enrichment = NO_ENRICHMENT) -> dict:
    """The field values a backend stores and indexes for one article (a value to analyse is
    text, the fields' analysis is `search.fields.index_analyzers`)."""
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
        fields["source_key"] = ",".join(source_keys(article.source))
    if article.authors:
        fields["author"] = "; ".join(article.authors)
        fields["byline"] = ",".join(byline_keys(article.authors))
    if article.credit:
        fields["credit"] = article.credit
    if article.tags:
        fields["tags"] = list(article.tags)
        fields["tag"] = ",".join(tag_term(tag) for tag in article.tags)
    if article.date:
        fields["date"] = article.date
    fields["story"] = extra.story or article.id
    fields["minhash"] = extra.minhash
    fields["entities"] = [{**entity.as_dict(), "forms": list(entity.forms)} for entity in extra.entities]
    fields["facets"] = facet_values(article, extra.entities)
    fields["completion"] = ",".join(completion_terms(article, extra.entities))
    if extra.entities:
        fields["entity"] = ",".join(entity_term(entity.name) for entity in extra.entities)
        fields["entity_keys"] = "\n".join(f"{e.salience:.4f}\t{e.type}\t{e.name}" for e in extra.entities)
    for kind in ENTITY_FILTERS:
        names = [entity.name for entity in extra.entities if entity.type == kind]
        if names:
            fields[kind] = " ; ".join(names)
    fields["quotes"] = [quote.as_dict() for quote in extra.quotes]
    if extra.quotes:
        fields["quote"] = fields["quote_exact"] = QUOTE_SEPARATOR.join(quote.text for quote in extra.quotes)
    speakers = sorted({quote.speaker for quote in extra.quotes if quote.speaker})
    if speakers:
        fields["speaker"] = " ; ".join(speakers)
    return fields
