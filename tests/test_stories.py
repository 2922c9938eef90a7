"""search.stories: shingles, MinHash signatures and story ids, alone and through real indexes."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    BLINKEN_LAMMY,
    CORPUS,
    HOLR,
    ROOT,
    TELEGRAPH_PRINT,
    TELEGRAPH_WEB,
    WASHINGTON_TIMES,
    ids,
)
from conftest import checked_search as search
from datasketch import MinHash, MinHashLSH

from search.engine import Engine
from search.indexer import update_index
from search.stories import (
    LSH_THRESHOLD,
    NUM_PERM,
    SAME_STORY,
    SCHEME,
    StoryFinder,
    permutations,
    shingles,
    signature,
)

# A few words of the Blinken/Lammy article changed, as a syndicating outlet would.
EDITS = [
    ("In a rare joint diplomatic mission", "In a rare joint mission"),
    ("arrived in Kyiv on Wednesday", "arrived in Kyiv on Thursday"),
    ("crucial discussions", "vital discussions"),
    ("nine-hour train journey", "ten-hour train journey"),
]


def seed_text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")


def lightly_edited(text: str) -> str:
    for old, new in EDITS:
        assert old in text, old
        text = text.replace(old, new)
    return text


def result_holding(answer: dict, doc_id: str) -> dict:
    """The result that shows `doc_id`, as the hit or as one of its versions."""
    return next(h for h in answer["results"] if doc_id in (h["id"], *version_ids(h)))


def version_ids(result: dict) -> list[str]:
    return [version["id"] for version in result["versions"]]


def story_of(engine: Engine, doc_id: str) -> str:
    return engine.document(doc_id)["story"]


# --- shingles ---------------------------------------------------------------------------------


def test_shingles_are_overlapping_runs_of_five_words():
    assert shingles(None, "one two three four five six seven") == {
        b"one two three four five",
        b"two three four five six",
        b"three four five six seven",
    }


def test_shingles_ignore_case_and_punctuation_and_include_the_title():
    assert shingles("Drones, DRONES!", "over the “harbour” today.") == shingles(
        None, "drones drones over the harbour today"
    )
    assert b"drones drones over the harbour" in shingles("Drones, DRONES!", "over the harbour today.")


def test_a_text_shorter_than_a_shingle_is_one_shingle_and_no_text_none():
    assert shingles("Brief", "note") == {b"brief note"}
    assert shingles(None, "") == set()
    assert shingles("", "  ... ") == set()


# --- signatures -------------------------------------------------------------------------------


def test_signature_is_256_bytes_and_the_same_every_time():
    text = seed_text(BLINKEN_LAMMY)
    first = signature("Headline", text)
    assert isinstance(first, bytes)
    assert len(first) == 256 == NUM_PERM * 4
    assert signature("Headline", text) == first


def test_signature_is_the_same_in_another_process():
    """Signatures are stored in the index, so a later run (another process) must agree."""
    code = (
        "import sys; from search.stories import signature; "
        "sys.stdout.write(signature('Headline', 'a b c d e f g h i j k').hex())"
    )
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    assert other == signature("Headline", "a b c d e f g h i j k").hex()


def test_signature_differs_for_different_text_and_ignores_case():
    assert signature(None, seed_text(BLINKEN_LAMMY)) != signature(None, seed_text(HOLR))
    assert signature("Wallace Flies Out", "to the Pentagon today") == signature(
        "wallace flies out", "TO THE PENTAGON TODAY."
    )


# --- StoryFinder ------------------------------------------------------------------------------


def test_a_lightly_edited_copy_joins_the_original_and_a_different_article_stays_apart():
    original = seed_text(BLINKEN_LAMMY)
    finder = StoryFinder()
    assert finder.assign("original", signature(None, original)) == "original"
    assert finder.assign("copy", signature(None, lightly_edited(original))) == "original"
    assert finder.assign("other", signature(None, seed_text(HOLR))) == "other"


def test_a_copy_of_a_copy_joins_the_first_story():
    original = seed_text(BLINKEN_LAMMY)
    once = lightly_edited(original)
    twice = once.replace("Kremlin spokesperson", "Kremlin spokesman").replace("late Tuesday", "on Tuesday")
    assert twice != once
    finder = StoryFinder()
    finder.assign("original", signature(None, original))
    finder.assign("copy", signature(None, once))
    assert finder.assign("copy-of-copy", signature(None, twice)) == "original"


def test_known_documents_give_their_story_to_new_versions():
    original = seed_text(BLINKEN_LAMMY)
    finder = StoryFinder([("002", "story-of-002", signature(None, original))])
    assert finder.assign("syndicated", signature(None, lightly_edited(original))) == "story-of-002"


def test_assigning_a_document_again_does_not_match_itself():
    raw = signature(None, seed_text(BLINKEN_LAMMY))
    finder = StoryFinder()
    assert finder.assign("only", raw) == "only"
    assert finder.assign("only", raw) == "only"


def test_forget_removes_a_document_from_the_candidates():
    original = seed_text(BLINKEN_LAMMY)
    finder = StoryFinder()
    finder.assign("original", signature(None, original))
    finder.forget("original")
    assert finder.assign("copy", signature(None, lightly_edited(original))) == "copy"


def test_forgetting_an_unknown_id_keeps_the_others():
    original = seed_text(BLINKEN_LAMMY)
    finder = StoryFinder()
    finder.assign("original", signature(None, original))
    finder.forget("never-seen")
    assert finder.assign("copy", signature(None, lightly_edited(original))) == "original"


@pytest.mark.parametrize(("first", "second"), [
    (TELEGRAPH_PRINT, HOLR), (HOLR, TELEGRAPH_PRINT),
    (BLINKEN_LAMMY, WASHINGTON_TIMES), (WASHINGTON_TIMES, BLINKEN_LAMMY),
])
def test_different_seed_articles_stay_apart_whichever_is_indexed_first(first, second):
    finder = StoryFinder()
    finder.assign(first, signature(None, seed_text(first)))
    assert finder.assign(second, signature(None, seed_text(second))) == second


@pytest.mark.parametrize(("first", "second"), [
    (TELEGRAPH_PRINT, TELEGRAPH_WEB), (TELEGRAPH_WEB, TELEGRAPH_PRINT),
])
def test_the_two_telegraph_editions_join_whichever_is_indexed_first(first, second):
    finder = StoryFinder()
    finder.assign(first, signature(None, seed_text(first)))
    assert finder.assign(second, signature(None, seed_text(second))) == first


class DatasketchStories:
    """The story finder as first written, on datasketch's LSH and a MinHash object per article:
    the reference the compact one must agree with."""

    def __init__(self):
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self.stories, self.minhashes = {}, {}

    def forget(self, doc_id):
        if self.minhashes.pop(doc_id, None) is not None:
            self.lsh.remove(doc_id)

    def assign(self, doc_id, raw):
        minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME, permutations=permutations(),
                          hashvalues=np.frombuffer(raw, dtype=np.uint32))
        best, best_similarity = None, SAME_STORY
        for candidate in sorted(self.lsh.query(minhash)):
            similarity = minhash.jaccard(self.minhashes[candidate]) if candidate != doc_id else -1
            if similarity > best_similarity or (best is None and similarity == best_similarity):
                best, best_similarity = candidate, similarity
        story = self.stories[best] if best else doc_id
        self.forget(doc_id)
        self.lsh.insert(doc_id, minhash)
        self.minhashes[doc_id], self.stories[doc_id] = minhash, story
        return story


def test_the_compact_finder_assigns_the_stories_datasketchs_lsh_did():
    """Articles and copies edited from lightly to heavily (similar around the threshold), some
    forgotten, some assigned again: every story the same as the first implementation's."""
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(300)]
    compact, reference = StoryFinder(), DatasketchStories()
    joined = 0
    for base in range(120):
        words = rng.choices(vocabulary, k=rng.randint(20, 70))
        for copy in range(4):
            edited = [rng.choice(vocabulary) if rng.random() < copy * 0.05 else word for word in words]
            doc_id = f"a{base}-{copy}" if rng.random() > 0.05 else f"a{base}-0"
            raw = signature(None, " ".join(edited))
            story = compact.assign(doc_id, raw)
            assert story == reference.assign(doc_id, raw), doc_id
            joined += story != doc_id
        if base % 10 == 3:
            compact.forget(f"a{base}-1")
            reference.forget(f"a{base}-1")
    assert 50 < joined < 300, "the copies should join their originals, but not all of them"


# --- stories in the seed index ----------------------------------------------------------------


def test_the_two_telegraph_editions_share_a_story(engine):
    assert story_of(engine, TELEGRAPH_PRINT) == story_of(engine, TELEGRAPH_WEB)


@pytest.mark.parametrize(("a", "b", "query"), [
    (TELEGRAPH_PRINT, HOLR, '"Defence Secretary"'),
    (BLINKEN_LAMMY, WASHINGTON_TIMES, "Blinken"),
])
def test_different_articles_have_different_stories_both_ways(engine, a, b, query):
    assert story_of(engine, a) != story_of(engine, b)
    answer = search(engine, query)
    story_a, story_b = result_holding(answer, a), result_holding(answer, b)
    assert story_a is not story_b
    assert b not in {story_a["id"], *version_ids(story_a)}
    assert a not in {story_b["id"], *version_ids(story_b)}


def test_wallace_pentagon_shows_the_telegraph_editions_as_one_story(engine):
    answer = search(engine, "Wallace Pentagon")
    assert ids(answer)[0] == TELEGRAPH_PRINT
    assert TELEGRAPH_WEB not in ids(answer)
    assert version_ids(answer["results"][0]) == [TELEGRAPH_WEB]
    documents = [doc_id for doc_id, _ in engine.ranked_ids("Wallace Pentagon")]
    assert len(documents) > len({story_of(engine, doc_id) for doc_id in documents})
    assert answer["total"] == len({story_of(engine, doc_id) for doc_id in documents})
    assert answer["total"] == len(answer["results"])


def test_a_version_record_describes_the_other_edition(engine):
    version = search(engine, "Wallace Pentagon")["results"][0]["versions"][0]
    stored = engine.document(TELEGRAPH_WEB)
    assert version["id"] == TELEGRAPH_WEB
    assert version["path"] == stored["path"]
    assert version["title"] == stored.get("title")


def test_ranked_ids_list_every_document_separately(engine):
    documents = [doc_id for doc_id, _ in engine.ranked_ids("Wallace Pentagon")]
    assert {TELEGRAPH_PRINT, TELEGRAPH_WEB} <= set(documents)
    assert len(documents) == len(set(documents))


def test_search_run_lists_both_editions(seed_index, tmp_path, run_cli):
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tWallace Pentagon\n", encoding="utf-8")
    result = run_cli("run", "--queries", str(queries), "--index", str(seed_index))
    assert result.code == 0, result.stderr
    listed = [line.split()[2] for line in result.stdout.splitlines()]
    assert {TELEGRAPH_PRINT, TELEGRAPH_WEB} <= set(listed)
    assert [line.split()[3] for line in result.stdout.splitlines()] == [
        str(rank) for rank in range(1, len(listed) + 1)
    ]


# --- incremental runs -------------------------------------------------------------------------


@pytest.fixture
def syndicated(tmp_path, corpus_copy) -> tuple[Path, Path]:
    """The corpus indexed, then a lightly edited copy of 002 added in a second run."""
    index = tmp_path / "index"
    update_index(index, [corpus_copy])
    copy = corpus_copy / "syndicated_copy.txt"
    copy.write_text(lightly_edited(seed_text(BLINKEN_LAMMY)), encoding="utf-8")
    report = update_index(index, [corpus_copy])
    assert (report.added, report.updated, report.removed) == (1, 0, 0)
    return index, copy


def test_a_syndicated_copy_added_later_joins_the_story(syndicated):
    engine = Engine(syndicated[0])
    assert story_of(engine, "syndicated_copy") == story_of(engine, BLINKEN_LAMMY)
    assert story_of(engine, "syndicated_copy") != story_of(engine, WASHINGTON_TIMES)


def test_a_story_is_counted_once_after_a_copy_was_added(syndicated, engine):
    before = search(engine, "Lammy")
    after_engine = Engine(syndicated[0])
    after = search(after_engine, "Lammy")
    assert before["total"] == after["total"] == 1
    (only,) = after["results"]
    assert {only["id"], *version_ids(only)} == {BLINKEN_LAMMY, "syndicated_copy"}
    documents = [doc_id for doc_id, _ in after_engine.ranked_ids("Lammy")]
    assert sorted(documents) == sorted([BLINKEN_LAMMY, "syndicated_copy"])


def test_the_original_re_indexed_keeps_its_story_with_the_copy(syndicated):
    """Changing the original file re-reads it; it and its copy still share one story."""
    index, copy = syndicated
    original = copy.parent / f"{BLINKEN_LAMMY}.txt"
    original.write_text(original.read_text(encoding="utf-8") + "\nUpdated at noon.\n", encoding="utf-8")
    assert update_index(index, [copy.parent]).updated == 1
    engine = Engine(index)
    assert story_of(engine, "syndicated_copy") == story_of(engine, BLINKEN_LAMMY)
    assert search(engine, "Lammy")["total"] == 1


# --- grouping holds on every page and in every order ------------------------------------------


@pytest.mark.parametrize("query", ["Wallace Pentagon", "Britain", "drones", "Ukraine"])
def test_pages_show_each_story_once(engine, query):
    long_page = search(engine, query, limit=50)
    paged = [result for offset in range(long_page["total"])
             for result in search(engine, query, limit=1, offset=offset)["results"]]
    assert [r["id"] for r in paged] == ids(long_page)
    shown = [doc_id for r in paged for doc_id in (r["id"], *version_ids(r))]
    assert len(shown) == len(set(shown))
    assert long_page["total"] == len(paged)


def test_sorted_by_date_a_story_is_still_shown_once(engine):
    answer = search(engine, "Wallace Pentagon", sort="date")
    assert answer["total"] == 2
    shown = [doc_id for r in answer["results"] for doc_id in (r["id"], *version_ids(r))]
    assert sorted(shown) == sorted([TELEGRAPH_PRINT, TELEGRAPH_WEB, WASHINGTON_TIMES])
