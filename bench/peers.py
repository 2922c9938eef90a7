"""The engines under test: ours and its peers, one small adapter each, configured as users run them.

Every adapter builds an index from a corpus (a folder of JSON Lines shards or one file), opens
it in a fresh process, and answers a query with its top ids (the timed call) or a scored ranking
(for relevance). Titles and bodies are indexed; every peer ranks with BM25 under its defaults.
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
import sqlite3
import subprocess
from abc import ABC, abstractmethod
from importlib import metadata
from pathlib import Path
from typing import ClassVar

import numpy as np
from corpus_io import iter_records
from tokens import stemmed_terms, words

QUOTED = re.compile(r'"([^"]*)"')
HERE = Path(__file__).resolve().parent
LUCENE_SOURCE = HERE / "lucene" / "LuceneDriver.java"
LUCENE_DIR = HERE / "work" / "lucene"  # the jar and the compiled driver (bench/install_lucene.py)
LUCENE_JAR = LUCENE_DIR / "anserini-0.21.0-fatjar.jar"
LUCENE_CLASS = LUCENE_DIR / "classes" / "LuceneDriver.class"


def body_of(record: dict) -> str:
    return record.get("text") or record.get("body") or record.get("content") or ""


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


class Adapter(ABC):
    """One engine: build an index, open it, answer queries."""

    name: ClassVar[str]
    label: ClassVar[str]
    configuration: ClassVar[str]
    distributions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def versions(cls) -> dict[str, str]:
        return {name: _version(name) for name in cls.distributions}

    @classmethod
    def available(cls) -> str | None:
        """None when the engine can run here, else why not."""
        missing = [name for name, version in cls.versions().items() if version == "not installed"]
        return f"not installed: {', '.join(missing)} (run make bench-install)" if missing else None

    @abstractmethod
    def build(self, corpus: Path, index: Path) -> int:
        """Index every record of `corpus` into the empty folder `index`; returns the document count."""

    @abstractmethod
    def open(self, index: Path) -> None:
        """Load a built index for searching."""

    @abstractmethod
    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        """The best `depth` documents for a query: (id, score), best first."""

    def top(self, text: str, k: int) -> list[str]:
        """The timed call: the ids of the top `k` documents, as a user of the engine would fetch them."""
        return [doc_id for doc_id, _ in self.rank(text, k)]


class Ours(Adapter):
    """Our engine through `Engine.search`, the function the CLI and the web layer call."""

    name = "ours"
    label = "ours"
    configuration = ("`search.indexer.update_index(..., rebuild=True)` over the corpus folder "
                     "(full analysis: entities, aliases, MinHash stories; process pool + Whoosh "
                     "MpWriter, 2 procs); "
                     "`Engine(index_dir)` default configuration, `Engine.search(q, limit=10)`: ranking "
                     "(numpy over posting arrays cached per searcher), entity boost, exact total, "
                     "story grouping, snippets, matched terms, spelling suggestion")
    distributions = ("news-search", "Whoosh-Reloaded")

    def __init__(self) -> None:
        self.engine = None
        self.partial = False

    def build(self, corpus: Path, index: Path) -> int:
        from search.indexer import update_index

        report = update_index(index, [corpus], rebuild=True)
        return report.added

    def open(self, index: Path) -> None:
        from search.engine import Engine

        self.engine = Engine(index)

    def top(self, text: str, k: int) -> list[str]:
        response = self.engine.search(text, limit=k)
        self.partial = bool(response.get("partial"))
        return [hit["id"] for hit in response["results"]]

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        self.partial = False
        return self.engine.ranked_ids(text, depth)


class OursGrouped(Ours):
    """Our full ranking without snippets (`Engine.stories`): what the latency target measures."""

    name = "ours-grouped"
    label = "ours, ranked and grouped"
    configuration = ("`Engine.stories(q, limit=10)`: the same parse, ranking, entity boost, feedback, "
                     "story grouping, exact total and spelling check as `Engine.search`; the top 10 "
                     "as records (title, source, date), without snippets")

    def top(self, text: str, k: int) -> list[str]:
        return [record["id"] for record in self.engine.stories(text, limit=k)]


class OursRanking(Ours):
    """Our ranking alone (`Engine.ranked_ids`: no grouping, no snippets) for the same queries."""

    name = "ours-ranking"
    label = "ours, ranking only"
    configuration = "`Engine.ranked_ids(q, limit=10)`: the same ranking, ungrouped, without snippets"

    def top(self, text: str, k: int) -> list[str]:
        return [doc_id for doc_id, _ in self.rank(text, k)]


class StockWhoosh(Adapter):
    """Whoosh-Reloaded as its documentation shows it."""

    name = "whoosh"
    label = "stock Whoosh"
    configuration = ("Whoosh-Reloaded, `StemmingAnalyzer` on title and body, default `ix.writer()`, "
                     "`BM25F()`, OR-grouped `MultifieldParser(['title', 'body'])`, one reused searcher")
    distributions = ("Whoosh-Reloaded",)

    stored = False  # whether headline and body are stored, to be shown with a hit

    def build(self, corpus: Path, index: Path) -> int:
        from whoosh import index as whoosh_index
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        schema = Schema(id=ID(stored=True, unique=True),
                        title=TEXT(analyzer=StemmingAnalyzer(), stored=self.stored),
                        body=TEXT(analyzer=StemmingAnalyzer(), stored=self.stored))
        ix = whoosh_index.create_in(str(index), schema)
        writer = ix.writer()
        count = 0
        for record in iter_records(corpus):
            writer.add_document(id=str(record["id"]), title=record.get("title") or "", body=body_of(record))
            count += 1
        writer.commit()
        return count

    def open(self, index: Path) -> None:
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser, OrGroup
        from whoosh.scoring import BM25F

        ix = whoosh_index.open_dir(str(index))
        self.searcher = ix.searcher(weighting=BM25F())
        self.parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        hits = self.searcher.search(self.parser.parse(text), limit=depth)
        return [(hit["id"], hit.score) for hit in hits]


class StockWhooshStored(StockWhoosh):
    """Stock Whoosh keeping headline and body too, as an engine that shows snippets must: the
    fair size to compare ours with (ours stores the text it shows)."""

    name = "whoosh-stored"
    label = "stock Whoosh, storing headline and body"
    configuration = "as stock Whoosh, with `stored=True` on title and body"
    stored = True


class BagOfWords(Adapter):
    """Shared by the in-memory BM25 libraries: title and body as one bag of stemmed words."""

    @staticmethod
    def documents(corpus: Path) -> tuple[list[str], list[str]]:
        ids, texts = [], []
        for record in iter_records(corpus):
            ids.append(str(record["id"]))
            texts.append(f"{record.get('title') or ''}\n{body_of(record)}")
        return ids, texts


class RankBM25(BagOfWords):
    name = "rank-bm25"
    label = "rank-bm25"
    configuration = ("rank-bm25 `BM25Okapi` (defaults) over title+body as one text: lowercased words, "
                     "Whoosh's English stopwords removed, Snowball-stemmed (PyStemmer); the model is "
                     "pickled to disk by the build and unpickled by the searching process; "
                     "`get_scores` then the top k by `numpy.argpartition`")
    distributions = ("rank-bm25", "PyStemmer")

    def build(self, corpus: Path, index: Path) -> int:
        from rank_bm25 import BM25Okapi

        ids, texts = self.documents(corpus)
        model = BM25Okapi([stemmed_terms(text) for text in texts])
        with (index / "bm25okapi.pickle").open("wb") as handle:
            pickle.dump((ids, model), handle, protocol=pickle.HIGHEST_PROTOCOL)
        return len(ids)

    def open(self, index: Path) -> None:
        with (index / "bm25okapi.pickle").open("rb") as handle:
            self.ids, self.model = pickle.load(handle)

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        terms = stemmed_terms(text)
        if not terms:
            return []
        scores = self.model.get_scores(terms)
        depth = min(depth, len(scores))
        best = np.argpartition(-scores, depth - 1)[:depth]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]


class BM25S(BagOfWords):
    name = "bm25s"
    label = "bm25s"
    configuration = ("bm25s defaults (Lucene BM25, k1 1.5, b 0.75) over title+body as one text, "
                     "`bm25s.tokenize(stopwords='en', stemmer=PyStemmer english)`, saved with `save` and "
                     "loaded with `BM25.load`, `retrieve(k=10, n_threads=1)`")
    distributions = ("bm25s", "PyStemmer")

    def _stemmer(self):
        import Stemmer

        return Stemmer.Stemmer("english")

    def build(self, corpus: Path, index: Path) -> int:
        import bm25s

        ids, texts = self.documents(corpus)
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer(), show_progress=False)
        del texts
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(index / "bm25s"))
        (index / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
        return len(ids)

    def open(self, index: Path) -> None:
        import bm25s

        self.bm25s = bm25s
        self.stemmer = self._stemmer()
        self.retriever = bm25s.BM25.load(str(index / "bm25s"))
        self.ids = json.loads((index / "ids.json").read_text(encoding="utf-8"))

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        query = self.bm25s.tokenize([text], stopwords="en", stemmer=self.stemmer, return_ids=False,
                                    show_progress=False)
        if not query[0]:
            return []
        docs, scores = self.retriever.retrieve(query, k=min(depth, len(self.ids)), show_progress=False,
                                               n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


class Tantivy(Adapter):
    name = "tantivy"
    label = "tantivy"
    configuration = ("tantivy-py: `id` raw and stored, `title` and `body` with the `en_stem` tokenizer; "
                     "`index.writer()` defaults (threads chosen by tantivy), one commit; "
                     "`parse_query_lenient(q, ['title', 'body'])` (OR by default), BM25, "
                     "`searcher.search(query, 10)` and the stored id of each hit")
    distributions = ("tantivy",)

    def build(self, corpus: Path, index: Path) -> int:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="en_stem")
        builder.add_text_field("body", tokenizer_name="en_stem")
        ix = tantivy.Index(builder.build(), path=str(index))
        writer = ix.writer()
        count = 0
        for record in iter_records(corpus):
            writer.add_document(tantivy.Document(id=str(record["id"]), title=record.get("title") or "",
                                                 body=body_of(record)))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    def open(self, index: Path) -> None:
        import tantivy

        self.index = tantivy.Index.open(str(index))
        self.searcher = self.index.searcher()

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        query, _errors = self.index.parse_query_lenient(text, ["title", "body"])
        hits = self.searcher.search(query, depth).hits
        return [(self.searcher.doc(address)["id"][0], float(score)) for score, address in hits]


def fts5_match(text: str) -> str:
    """A query as an FTS5 expression: quoted phrases kept, every other word OR-ed, each quoted."""
    parts = [" ".join(words(phrase)) for phrase in QUOTED.findall(text)]
    parts = [f'"{phrase}"' for phrase in parts if phrase]
    parts += [f'"{word}"' for word in words(QUOTED.sub(" ", text))]
    return " OR ".join(parts)


class SQLiteFTS5(Adapter):
    name = "sqlite-fts5"
    label = "SQLite FTS5"
    configuration = ("Python's sqlite3, `fts5(id UNINDEXED, title, body, tokenize='porter unicode61')`, "
                     "all rows in one transaction then `optimize`; words OR-ed (phrases kept), "
                     "`ORDER BY bm25(docs) LIMIT 10`")

    @classmethod
    def versions(cls) -> dict[str, str]:
        return {"sqlite": sqlite3.sqlite_version}

    def build(self, corpus: Path, index: Path) -> int:
        db = sqlite3.connect(index / "fts.db")
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
                   "tokenize='porter unicode61')")
        rows = ((str(r["id"]), r.get("title") or "", body_of(r)) for r in iter_records(corpus))
        with db:
            db.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", rows)
        with db:
            db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        db.close()
        return count

    def open(self, index: Path) -> None:
        self.db = sqlite3.connect(index / "fts.db")

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        match = fts5_match(text)
        if not match:
            return []
        rows = self.db.execute("SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) "
                               "LIMIT ?", (match, depth))
        return [(doc_id, -score) for doc_id, score in rows]


def _java_version() -> str:
    done = subprocess.run(["java", "-version"], capture_output=True, text=True)
    return (done.stderr.splitlines() or ["unknown"])[0]


class Lucene(Adapter):
    name = "lucene"
    label = "Lucene"
    configuration = ("Lucene from the Anserini 0.21.0 jar inside the pyserini 0.21.0 wheel, on Debian's "
                     "Java 17, driven by `bench/lucene/LuceneDriver.java`: `title` and `body` `TextField`s "
                     "with `EnglishAnalyzer` (Porter stemmer, stop words), `IndexWriter` defaults "
                     "(one thread), one commit; `MultiFieldQueryParser` over both (OR; broken syntax "
                     "escaped), `BM25Similarity`, top 10 and each hit's stored id. The queries go to one "
                     "JVM over a pipe, so each time includes the round trip; the JVM starts cold, like "
                     "every engine's process")

    @classmethod
    def versions(cls) -> dict[str, str]:
        if cls.available():
            return {"lucene": "not installed"}
        done = subprocess.run(cls.command("version"), capture_output=True, text=True)
        return {"lucene": f"{done.stdout.strip()} (anserini 0.21.0)", "java": _java_version()}

    @classmethod
    def available(cls) -> str | None:
        if not shutil.which("java"):
            return "no java on PATH (Debian: apt-get install openjdk-17-jdk-headless)"
        if not (LUCENE_JAR.exists() and LUCENE_CLASS.exists()):
            return "the Lucene driver is not built (make bench-install)"
        return None

    @staticmethod
    def command(*args: str) -> list[str]:
        return ["java", "-cp", f"{LUCENE_JAR}:{LUCENE_CLASS.parent}", "LuceneDriver", *args]

    def build(self, corpus: Path, index: Path) -> int:
        done = subprocess.run(self.command("build", str(corpus), str(index)), check=True,
                              capture_output=True, text=True)
        return int(done.stdout.split()[-1])

    def open(self, index: Path) -> None:
        self.process = subprocess.Popen(self.command("serve", str(index)), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")
        if self.process.stdout.readline() != "\n":  # the JVM has started and opened the index
            raise RuntimeError("the Lucene driver did not start")

    def rank(self, text: str, depth: int) -> list[tuple[str, float]]:
        self.process.stdin.write(f"{depth}\t{' '.join(text.split())}\n")
        self.process.stdin.flush()
        hits = []
        for line in self.process.stdout:
            if line == "\n":
                return hits
            doc_id, score = line.rstrip("\n").split("\t")
            hits.append((doc_id, float(score)))
        raise RuntimeError("the Lucene driver stopped answering")


ADAPTERS: dict[str, type[Adapter]] = {
    cls.name: cls
    for cls in (Ours, OursGrouped, OursRanking, StockWhoosh, StockWhooshStored, RankBM25, BM25S, Tantivy,
                SQLiteFTS5, Lucene)
}
OURS_VIEWS = ("ours-grouped", "ours-ranking")  # timed on the index "ours" builds
PEERS = ("whoosh", "rank-bm25", "bm25s", "tantivy", "sqlite-fts5", "lucene")
OPTIONAL = ("lucene",)  # left out of a run, with a note, where it cannot run


def adapter(name: str) -> Adapter:
    return ADAPTERS[name]()
