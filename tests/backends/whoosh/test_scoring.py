"""The numpy scorer (search/backends/whoosh/scoring.py) against Whoosh's own matchers, postings and
field lengths."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import datetime

import numpy as np
import pytest
from conftest import build_jsonl_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.formats import Characters

from search.backends.whoosh import scoring
from search.backends.whoosh.codec import numeric_column
from search.backends.whoosh.compile import compile_tree
from search.backends.whoosh.queries import DateSpan
from search.backends.whoosh.scoring import ArrayScorer, Postings, common_ascending, distinct_ascending
from search.backends.whoosh.store import open_index
from search.documents import TITLE_FIELDS, content_of
from search.engine import Engine
from search.feedback import FEEDBACK_FIELD
from search.indexer import update_index
from search.query.tree import DateRange
from search.rank import with_entity_boost

WORDS = [
    "world", "war", "drone", "missile", "strike", "border", "talks", "deal", "market", "price", "grain",
    "port", "ship", "troops", "attack", "defence", "election", "vote", "court", "police", "report",
    "council", "bank", "trade", "energy", "winter", "river", "coast", "worker", "works", "working",
    "worked", "word", "words", "the", "of",
]
NAMES = ["Ben Wallace", "NATO", "Kyiv", "Volodymyr Zelenskyy", "Antony Blinken", "Odesa"]
SOURCES = ["Daily Planet", "Morning Star", "Wire Service"]
WHOOSH_AND_NOT = pytest.mark.xfail(strict=True, reason=(
    "Whoosh's AndNotMatcher._find_first only drops the first positive document when the negative "
    "matcher stands on the same id; it never skips the negative to it (matching/binary.py)"))
AND_NOT = ["drone -grain", "drone NOT port", "(drone OR river) -grain"]
QUERIES = [
    "grain", "drone", "Kyiv", "grain port", "missile strike border talks deal", "drone OR grain",
    "drone AND grain", *(pytest.param(text, marks=WHOOSH_AND_NOT) for text in AND_NOT[:2]), AND_NOT[2],
    "title:river", "wor*", "wo?k*", "wintr~", '"missile strike"', '"ben wallace said"', '"grain port"~3',
    "grain source:planet", "Ben Wallace", "drone date:2022-01..2022-06", "grain grain port",
    '"missile strike deal"~8', '"strike missile"~3', '"grain grain"~3', '"wallace said drone"~6',
    '"drone port"~0', "NOT grain", "-(drone OR port)", "NOT the",
]
FIELDS = ("content", "title", "content_exact", "entity_keys")
TEXT_FIELDS = ("content", "title", "content_exact", "title_exact")


def news(count: int, seed: int) -> list[dict]:
    """Articles over one small vocabulary, some words repeated, a name in every sentence."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        sentences = []
        for _ in range(rng.randint(2, 5)):
            words = rng.choices(WORDS, k=rng.randint(5, 12))
            words += [words[0]] * (rng.randint(1, 3) if rng.random() < 0.3 else 0)
            sentences.append(f"{rng.choice(NAMES)} said " + " ".join(words) + ".")
        records.append({
            "id": f"news-{seed}-{n:03d}", "text": " ".join(sentences), "source": rng.choice(SOURCES),
            "title": " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).capitalize() if n % 9 else None,
            "date": f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        })
    return records + [{**record, "id": record["id"] + "-copy", "source": "Wire Service"}
                      for record in records[1:4]]


def bulletins(count: int) -> list[dict]:
    """Short wire notes: enough documents for posting lists of several blocks."""
    return [{"id": f"wire-{n:04d}", "title": f"Port note {n}", "source": "Wire Service",
             "text": "grain " * (n % 4 + 1) + ("price port" if n % 3 else "ship drone")} for n in range(300)]


def write_jsonl(path, records: list[dict]) -> None:
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def single_engine(tmp_path_factory) -> Engine:
    return Engine(build_jsonl_index(tmp_path_factory.mktemp("one-segment"), news(60, 1)))


@pytest.fixture(scope="module")
def segmented_engine(tmp_path_factory) -> Engine:
    """Three news files and a wire file, committed in two segments; then one news file
    is cut and changed, so its old documents are deleted and the rest re-added."""
    base = tmp_path_factory.mktemp("segments")
    root = base / "corpus"
    root.mkdir()
    for part in range(3):
        write_jsonl(root / f"part{part}.jsonl", news(20, part))
    write_jsonl(root / "wire.jsonl", bulletins(300))
    update_index(base / "index", [root], commit_every=30)
    changed = news(20, 0)[:12]
    changed[3]["text"] += " Odesa said grain grain port."
    write_jsonl(root / "part0.jsonl", changed)
    report = update_index(base / "index", [root], commit_every=30)
    assert (report.updated, report.removed) == (12, 11)
    return Engine(base / "index")


@pytest.fixture(params=["single_engine", "segmented_engine"])
def news_engine(request) -> Engine:
    return request.getfixturevalue(request.param)


def whoosh_scores(searcher, query) -> dict[int, float]:
    """Each matching document's score by Whoosh's matchers, segment by segment. `needs_current`
    makes an OR a tree of unions, as on a segment of over 5,000 documents: on a smaller one
    Whoosh preloads an OR of three or more parts, and then counts a prefix's expansions (1.0
    each) instead of scoring them."""
    scores = {}
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = query.matcher(subsearcher, subsearcher.context(needs_current=True))
        while matcher.is_active():
            scores[offset + matcher.id()] = matcher.score()
            matcher.next()
    return scores


def boosted(engine: Engine, text: str):
    """The query the engine ranks for `text` (entity boost included), compiled for Whoosh."""
    parsed = engine.reader.parse(text)
    return compile_tree(with_entity_boost(parsed.tree, parsed.terms, engine.weights))


def whoosh_query(engine: Engine, text: str):
    return compile_tree(engine.reader.parse(text).tree)


def scorer(engine: Engine, deadline: float) -> ArrayScorer:
    searcher = engine.view().searcher
    return ArrayScorer(searcher, Postings(searcher), engine.weights, deadline)


def test_segmented_index_has_several_segments_with_deletions(segmented_engine):
    leaves = [leaf for leaf, _ in segmented_engine.view().searcher.reader().leaf_readers()]
    assert len(leaves) > 1
    assert any(leaf.has_deletions() and leaf.doc_count() for leaf in leaves)


def assert_scored_as(engine: Engine, query, expected: dict[int, float]) -> None:
    scored = scorer(engine, time.monotonic() + 60).evaluate(query)
    assert expected
    assert set(np.flatnonzero(scored.hit).tolist()) == set(expected)
    assert {docnum: scored.score[docnum] for docnum in expected} == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whooshs_matchers(news_engine, text):
    query = boosted(news_engine, text)
    assert_scored_as(news_engine, query, whoosh_scores(news_engine.view().searcher, query))


NESTED = ["(drone -grain) OR port", "(drone AND grain) OR (river AND port)", "drone OR (grain -port)",
          '("missile strike" OR river) AND grain', "(wor* OR Kyiv) AND NOT (port OR river)"]


@pytest.mark.parametrize("text", [*AND_NOT, *NESTED, "grain port", "missile strike border talks deal",
                                  "wor*", "Ben Wallace", '"missile strike"'])
def test_an_or_merged_as_lists_of_documents_scores_as_one_summed_in_arrays(news_engine, text, monkeypatch):
    """Whatever share of the index an OR's postings are, the same matches with the same scores
    (to the last bit: a document's scores are added in the same order), from `evaluate` (arrays
    of the index) and `matches` (lists where the result is sparse)."""
    query = boosted(news_engine, text)
    found = []
    for share in (0.0, 1.0):
        monkeypatch.setattr(scoring, "SPARSE_SHARE", share)
        run = scorer(news_engine, time.monotonic() + 60)
        dense = run.evaluate(query)
        places, scores = scorer(news_engine, time.monotonic() + 60).matches(query)
        assert places.tolist() == np.flatnonzero(dense.hit).tolist()
        assert scores.tolist() == dense.score[places].tolist()
        found.append((places.tolist(), scores.tolist()))
    assert found[0] == found[1] and found[0][0], text


def test_a_phrase_repeating_a_word_scores_as_whooshs(segmented_engine):
    engine = segmented_engine
    query = boosted(engine, '"grain grain price"')
    expected = whoosh_scores(engine.view().searcher, query)
    assert len(expected) > 1
    assert_scored_as(engine, query, expected)


@pytest.mark.parametrize("text", ['"missile strike"', '"grain grain price"', '"ben wallace said" OR port'])
def test_a_phrase_found_over_the_index_is_remembered_for_the_commit(segmented_engine, text):
    """A phrase's places are found once a commit (an alias's phrases come back query after query)
    and give the same matches and scores as a scorer that finds them afresh."""
    searcher, weights = segmented_engine.view().searcher, segmented_engine.weights
    query, cache = boosted(segmented_engine, text), scoring.ArrayCache()
    found = []
    for postings in (Postings(searcher, cache), Postings(searcher, cache), Postings(searcher)):
        places, scores = ArrayScorer(searcher, postings, weights, time.monotonic() + 60).matches(query)
        found.append((places.tolist(), scores.tolist()))
        assert cache.phrases.size > 0
    assert found[0] == found[1] == found[2] and found[0][0]


@pytest.mark.parametrize("words", [["missile", "strike"], ["strike", "missile"], ["grain", "grain", "price"],
                                   ["ben", "wallace", "said"], ["the", "of"], ["port", "nowhere"]])
def test_whether_words_stand_in_a_row_somewhere_is_whooshs_phrase_answer(news_engine, words):
    """Spelling asks whether a run of typed words stands in the index; the arrays answer as
    Whoosh's phrase matcher does, deleted documents left out."""
    searcher = news_engine.view().searcher
    for fieldname in ("content_exact", "title_exact"):
        expected = wq.Phrase(fieldname, words).matcher(searcher).is_active()
        held = Postings(searcher).holds_phrase(fieldname, [word.encode() for word in words])
        assert held is expected, (fieldname, words)


@pytest.mark.parametrize("text", AND_NOT)
def test_and_not_scores_the_positive_side_without_the_negative_documents(news_engine, text):
    query = whoosh_query(news_engine, text)
    assert isinstance(query, wq.AndNot)
    positive, negative = (whoosh_scores(news_engine.view().searcher, side) for side in (query.a, query.b))
    assert set(positive) & set(negative)
    expected = {docnum: score for docnum, score in positive.items() if docnum not in negative}
    assert_scored_as(news_engine, query, expected)


def test_term_postings_equal_whooshs(news_engine):
    searcher = news_engine.view().searcher
    reader, postings = searcher.reader(), Postings(searcher)
    for fieldname in FIELDS:
        lexicon = list(reader.lexicon(fieldname))
        _, frequent = max(reader.most_frequent_terms(fieldname, 1))
        for btext in {*lexicon[::max(1, len(lexicon) // 6)], frequent}:
            ids, weights = postings.term(fieldname, btext, time.monotonic() + 60)
            matcher, expected = reader.postings(fieldname, btext), []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight()))
                matcher.next()
            assert list(reader.postings(fieldname, btext).all_ids()) == [docnum for docnum, _ in expected]
            assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected, (fieldname, btext)


def day_end(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999)


SPANS = [(datetime(2022, 3, 1), day_end(2022, 6, 30), 1.0), (datetime(2022, 10, 1), None, 2.0),
         (None, day_end(2022, 2, 14), 0.5), (datetime(2022, 5, 19), day_end(2022, 5, 19), 1.0),
         (datetime(2022, 1, 1), None, 1.0), (datetime(2022, 5, 19), datetime(2022, 5, 19), 1.0)]


@pytest.mark.parametrize(("start", "end", "boost"), SPANS)
def test_a_date_range_is_the_live_documents_dated_in_it(segmented_engine, start, end, boost):
    """Read from the date column (the date field keeps no terms): the documents their stored
    dates put in the range (both ends included: the last span is one instant), never an undated
    or deleted one, each scoring the boost; the same whether the scorer reads the whole column
    (as a list of documents or, past an eighth of the index, as flags) or Whoosh's matcher reads
    a segment's."""
    searcher = segmented_engine.view().searcher
    reader = searcher.reader()
    expected = {docnum for docnum in range(reader.doc_count_all()) if not reader.is_deleted(docnum)
                and (date := reader.stored_fields(docnum).get("date")) is not None
                and (start is None or date >= start) and (end is None or date <= end)}
    assert expected and len(expected) < reader.doc_count()
    query = compile_tree(DateRange("date", start, end, boost))
    assert query == DateSpan("date", start, end, boost)
    assert whoosh_scores(searcher, query) == dict.fromkeys(expected, boost)
    assert_scored_as(segmented_engine, query, dict.fromkeys(expected, boost))
    assert not list(reader.lexicon("date"))


def test_a_terms_weights_in_some_documents_are_its_postings_there_cached_or_not(news_engine):
    searcher = news_engine.view().searcher
    rng = random.Random(7)
    for cached in (False, True):
        postings = Postings(searcher)
        for btext in [b"grain", b"drone", b"the", b"nosuchword"]:
            ids, weights = postings.term(FEEDBACK_FIELD, btext, time.monotonic() + 60) if cached else \
                Postings(searcher).term(FEEDBACK_FIELD, btext, time.monotonic() + 60)
            expected = dict(zip(ids.tolist(), weights.tolist(), strict=True))
            docnums = np.array(sorted(rng.sample(range(postings.doc_count), 25) + ids[:5].tolist()))
            found = postings.weights_in(FEEDBACK_FIELD, btext, np.unique(docnums), time.monotonic() + 60)
            assert found.tolist() == [expected.get(docnum, 0.0) for docnum in np.unique(docnums).tolist()]


@pytest.mark.parametrize("seed", range(20))
def test_shared_and_distinct_values_of_ascending_arrays_are_numpys(seed):
    rng = np.random.default_rng(seed)
    few, many = (np.unique(rng.integers(0, 60, size=rng.integers(0, 40))) for _ in range(2))
    assert common_ascending(few, many).tolist() == np.intersect1d(few, many).tolist()
    repeated = np.sort(rng.integers(0, 10, size=rng.integers(0, 30)))
    assert distinct_ascending(repeated).tolist() == np.unique(repeated).tolist()


def indexed_characters(searcher, fieldname: str, btext: bytes, docnums: list[int]) -> dict:
    """Where Whoosh's own characters format puts a term in each document's field: its stored text
    through the field's analyzer, token by token."""
    analyzer, found = searcher.schema[fieldname].analyzer.analyzer, {}
    for docnum in docnums:
        stored = searcher.stored_fields(docnum)
        title = stored.get("title") or ""
        text = title if fieldname in TITLE_FIELDS else content_of(title, stored.get("body") or "")[0]
        for word, _, _, value in Characters().word_values(text, analyzer, mode="index"):
            if word == btext.decode("utf-8"):
                found[docnum] = [(start, end) for _, start, end in Characters().decode_characters(value)]
    return found


@pytest.mark.parametrize("fieldname", ["content", "title_exact"])
def test_characters_are_where_the_index_analysis_puts_them(segmented_engine, fieldname):
    searcher = segmented_engine.view().searcher
    reader, postings = searcher.reader(), Postings(searcher)
    btext = searcher.schema[fieldname].to_bytes("grain" if fieldname == "content" else "note")
    holders = postings.term(fieldname, btext, time.monotonic() + 60)[0].tolist()
    missing = next(docnum for docnum in reader.all_doc_ids() if docnum not in holders)
    docnums = [holders[0], holders[len(holders) // 2], missing, holders[-140], holders[-1]]
    expected = indexed_characters(searcher, fieldname, btext, docnums)
    assert missing not in expected and len(expected) == 4
    found = postings.characters(fieldname, {btext: set(docnums)})
    assert {docnum: terms[btext] for docnum, terms in found.items() if btext in terms} == expected
    other = searcher.schema[fieldname].to_bytes("price" if fieldname == "content" else "grain")
    both = postings.characters(fieldname, {btext: set(docnums), other: set(docnums)})
    assert {docnum: terms[btext] for docnum, terms in both.items() if btext in terms} == expected
    assert {docnum: terms[other] for docnum, terms in both.items() if other in terms} == \
        indexed_characters(searcher, fieldname, other, docnums)


def test_lengths_equal_whooshs_field_lengths(news_engine):
    searcher = news_engine.view().searcher
    postings = Postings(searcher)
    for fieldname in TEXT_FIELDS:
        expected = {docnum: searcher.doc_field_length(docnum, fieldname)
                    for docnum in searcher.reader().all_doc_ids()}
        held = {docnum: length for docnum, length in expected.items() if length}
        assert held
        assert {docnum: postings.lengths(fieldname)[docnum] for docnum in held} == held


def test_a_passed_deadline_is_partial_and_matches_nothing(news_engine):
    late = scorer(news_engine, time.monotonic() - 1)
    assert not late.evaluate(boosted(news_engine, "grain OR drone")).hit.any()
    assert late.partial


def test_a_generous_deadline_is_complete(news_engine):
    timely = scorer(news_engine, time.monotonic() + 60)
    assert timely.evaluate(boosted(news_engine, "grain OR drone")).hit.any()
    assert not timely.partial


@pytest.mark.parametrize("text", [
    "grain", "drone OR grain", pytest.param("drone -grain", marks=WHOOSH_AND_NOT), "(drone OR river) -grain",
    '"missile strike"', "Ben Wallace", "grain source:planet", "title:river", "wor*",
])
def test_totals_and_top_hits_agree_with_a_brute_force_count(news_engine, text):
    searcher = news_engine.view().searcher
    parsed = news_engine.reader.parse(text)
    matching = list(searcher.docs_for_query(compile_tree(parsed.tree)))
    story_of = {docnum: searcher.stored_fields(docnum)["story"] for docnum in matching}
    answer = news_engine.search(text, limit=1000)
    assert answer["total"] == len(set(story_of.values())) > 0
    stories = [searcher.document(id=hit["id"])["story"] for hit in answer["results"]]
    assert sorted(stories) == sorted(set(story_of.values()))
    if parsed.all_words_tree is None:
        scores = [hit["score"] for hit in answer["results"]]
        best = max(whoosh_scores(searcher, boosted(news_engine, text)).values())
        assert scores == sorted(scores, reverse=True)
        assert scores[0] == round(best, 6)


def test_story_versions_are_counted_once(single_engine):
    searcher = single_engine.view().searcher
    matching = list(searcher.docs_for_query(whoosh_query(single_engine, "said")))
    stories = {searcher.stored_fields(docnum)["story"] for docnum in matching}
    assert single_engine.search("said")["total"] == len(stories) < len(matching)


def test_threads_share_a_commits_arrays_and_a_new_commit_reads_afresh(tmp_path):
    """A commit's arrays, and the phrase places found in them, serve every thread; the next
    commit finds its own."""
    root = tmp_path / "corpus"
    root.mkdir()
    write_jsonl(root / "first.jsonl", news(20, 5))
    update_index(tmp_path / "index", [root])
    engine = Engine(tmp_path / "index")
    before = engine.search("grain", limit=1)["total"]
    phrase_before = engine.search('"grain port"', limit=1)["total"]
    mine = engine.view().postings.cache
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(engine.view().postings.cache))
    thread.start()
    thread.join()
    assert theirs == [mine]
    write_jsonl(root / "more.jsonl", [{"id": "late", "title": "Grain", "text": "grain grain port"}])
    update_index(tmp_path / "index", [root])
    assert engine.search("grain", limit=1)["total"] == before + 1
    assert engine.search('"grain port"', limit=1)["total"] == phrase_before + 1
    assert engine.view().postings.cache is not mine


def test_word_counts_are_each_documents_postings_turned_around(news_engine):
    """A document's term vector (from the arrays file, or its stored text analysed again in a
    segment without one) holds exactly the terms whose postings list it, with their counts."""
    view = news_engine.view()
    reader, source = view.searcher.reader(), view.feedback_source(news_engine.weights, time.monotonic() + 60)
    expected: dict[int, dict[str, float]] = {}
    for btext in reader.lexicon(FEEDBACK_FIELD):
        matcher = reader.postings(FEEDBACK_FIELD, btext)
        while matcher.is_active():
            expected.setdefault(matcher.id(), {})[btext.decode("utf-8")] = matcher.weight()
            matcher.next()
    live = list(reader.all_doc_ids())
    assert len(live) > 50 and all(docnum in expected for docnum in live)
    for docnum in live:
        assert dict(source.term_counts(docnum)) == expected[docnum], docnum


@pytest.mark.parametrize("prefix", [b"", b"g", b"gr", b"port", b"wire", b"zz"])
def test_terms_by_prefix_count_the_documents_of_every_segment(news_engine, prefix):
    """From the arrays where segments have them, else along Whoosh's lexicon: the same terms
    and counts as the whole index's lexicon and document frequencies."""
    reader = news_engine.view().searcher.reader()
    postings = Postings(news_engine.view().searcher)
    for fieldname in ("content", "content_exact", "completion"):
        expected = [(btext, reader.doc_frequency(fieldname, btext))
                    for btext in reader.expand_prefix(fieldname, prefix)][:5]
        assert postings.prefix_counts(fieldname, prefix, 5) == expected


def test_length_columns_read_in_one_piece_equal_whooshs_reader(tmp_path, seed_index):
    """numeric_column reads a length column's bytes at once; Whoosh's reader gives the same values
    one by one, also for documents past the column's end (here, the last lacks an author)."""
    records = [{"id": f"r{n}", "title": f"Report {n}", "text": "Oil prices rose. " * (n + 1),
                "authors": ["Patti Domm"] if n < 3 else []} for n in range(5)]
    for index in (seed_index, build_jsonl_index(tmp_path, records)):
        with open_index(index).reader() as reader:
            for leaf, _ in reader.leaf_readers():
                for field in ("content", "title", "author", "person", "byline"):
                    column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
                    if column is not None:
                        count = leaf.doc_count_all()
                        whooshs = np.fromiter(column, dtype=np.uint8, count=count)
                        assert np.array_equal(numeric_column(column, count), whooshs), (index, field)
