"""search.stories: shingles, MinHash signatures and story ids, alone and through real indexes."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
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
    build_jsonl_index,
    ids,
)
from conftest import checked_search as search

from search.engine import Engine
from search.indexer import update_index
from search.stories import (
    DAYS_APART,
    MIN_SHARED,
    NUM_PERM,
    SAME_STORY,
    StoryFinder,
    Version,
    containment,
    figures,
    headline_tickers,
    same_figures,
    same_issuer,
    same_subject,
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


def test_shingles_ignore_ticker_symbols():
    """A version with the ticker and one without share their shingles."""
    assert shingles("FORD <F> LATE MARCH SALES UP", "") == shingles("FORD LATE MARCH SALES UP", "")


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


def test_signature_starts_with_the_minhash_values_and_reads_back():
    text = seed_text(BLINKEN_LAMMY)
    first = signature("LAMMY <XYZ> IN KYIV", text, date(2022, 10, 19))
    assert isinstance(first, bytes)
    assert signature("LAMMY <XYZ> IN KYIV", text, date(2022, 10, 19)) == first
    version = Version.from_bytes(first)
    assert len(version.hashes) == NUM_PERM
    assert first[:NUM_PERM * 4] == version.hashes.tobytes()
    assert version.size == len(shingles("LAMMY <XYZ> IN KYIV", text))
    assert version.day == date(2022, 10, 19).toordinal()
    assert (version.tickers, version.words, version.bare) == (("XYZ",), ("LAMMY", "IN", "KYIV"), False)
    assert version.to_bytes() == first


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


def every_pair_reference(documents: list[tuple[str, bytes]], forgotten: dict[int, str]) -> dict[str, str]:
    """The stories the finder must assign, found by comparing each document with every
    live earlier one (no LSH): the finder's index must not lose a pair the rule accepts."""
    known: dict[str, tuple[str, bytes]] = {}
    stories = {}
    for position, (doc_id, raw) in enumerate(documents):
        known.pop(doc_id, None)
        new = Version.from_bytes(raw)
        best, best_rank = None, None
        for other_id, (story, other_raw) in known.items():
            other = Version.from_bytes(other_raw)
            shared = int(np.count_nonzero(new.hashes == other.hashes))
            contained = float(containment(np.array([shared]), new.size, np.array([other.size]))[0])
            rank = (-contained, -shared, other_id)
            if shared >= MIN_SHARED and contained >= SAME_STORY and (best_rank is None or rank < best_rank):
                best, best_rank = story, rank
        stories[doc_id] = best or doc_id
        known[doc_id] = (stories[doc_id], raw)
        if position in forgotten:
            known.pop(forgotten[position], None)
    return stories


def test_the_finders_index_finds_the_versions_that_comparing_every_pair_finds():
    """Articles, copies edited lightly enough to be one story and unrelated articles, some
    forgotten, some assigned again: every story the same as a comparison of every pair."""
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(300)]
    documents, forgotten = [], {}
    for base in range(100):
        words = rng.choices(vocabulary, k=rng.randint(30, 80))
        for copy in range(3):
            edited = [rng.choice(vocabulary) if rng.random() < copy * 0.04 else word for word in words]
            doc_id = f"a{base}-{copy}" if rng.random() > 0.05 else f"a{base}-0"
            documents.append((doc_id, signature(None, " ".join(edited))))
        if base % 10 == 3:
            forgotten[len(documents) - 1] = f"a{base}-1"
    finder = StoryFinder()
    assigned = {}
    for position, (doc_id, raw) in enumerate(documents):
        assigned[doc_id] = finder.assign(doc_id, raw)
        if position in forgotten:
            finder.forget(forgotten[position])
    assert assigned == every_pair_reference(documents, forgotten)
    joined = sum(story != doc_id for doc_id, story in assigned.items())
    assert 100 < joined < 250, "the copies should join their originals, and only they"


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


# --- wire copy: rewrites, flashes and template stories (a Reuters-like corpus) -----------------

LEAD = (
    "Korland's Agriculture Minister Tomas Vell reaffirmed the country's commitment to last "
    "year's grain export pact to steady world wheat prices, the state news agency said.\n"
    "Asked about the recent slide in wheat prices, Vell said Korland would not sell its grain "
    "below the agreed floor price under any circumstances.\n"
)
FIRST_REPORT = LEAD + "He said every member of the pact had told him it would keep to its quota.\n"
REWRITE = LEAD + (
    "Vell blamed the slide on a mild winter in the northern grain belt and on stocks that "
    "traders had built up before the harvest, and he expected prices to recover by the spring.\n"
    "Korland was one of the architects of the pact, under which the six exporters agreed to cut "
    "their shipments by a tenth and to hold a floor of 140 dlrs a tonne for hard wheat.\n"
    "The agreement followed two years in which prices fell by almost half as the big exporters "
    "competed for buyers in North Africa and the Middle East.\n"
    "Officials of the other members are due to meet in the port city of Aldmoor next month to "
    "review the quotas, and Vell said he saw no reason to change them.\n"
    "Traders in the capital said the minister's remarks had steadied the market, though buyers "
    "were still holding back in the hope of further cuts before the new crop.\n"
)
TABLE_WORDING = (
    "Shr {} cts vs {} cts\nNet {} vs {}\nRevs {} mln vs {} mln\n"
    "Nine mths\nShr {} dlrs vs {} dlrs\nNet {} mln vs {} mln\nRevs {} mln vs {} mln\n"
)
TABLE = TABLE_WORDING.format(52, 41, "5,210,000", "4,102,000", 61.3, 55.0,
                             1.48, 1.20, 14.8, 12.0, 180.2, 160.4)
# The same wording with other companies' figures.
CARVER_TABLE = TABLE_WORDING.format(17, 29, "1,930,000", "3,215,000", 24.8, 26.1,
                                    0.66, 0.71, 7.4, 7.9, 77.0, 79.5)
DUNMORE_TABLE = TABLE_WORDING.format(8, 12, "610,000", "905,000", 9.2, 9.0,
                                     0.31, 0.35, 2.3, 2.6, 27.7, 27.1)
FUND_PAYOUT = ("Mthly div 6.1 cts vs 6.1 cts prior\nPay April 30\nRecord April 15\n"
               "NOTE: Northfield {} Tax-Free Fund.\n")
TAX_STORY = (
    "Korland cut its export tax on wheat to five pct from eight pct with immediate effect to help "
    "its traders compete with cheaper grain from its neighbours, the finance ministry said.\n"
    "The ministry said the cut would cost the treasury about 40 mln crowns a year but would be "
    "paid for by higher shipments, which had fallen by a fifth since the autumn.\n"
    "Exporters welcomed the move and said they expected to sign new contracts with buyers in "
    "North Africa within weeks, though some said the cut came too late for this season.\n"
    "The tax on barley and maize was left unchanged at six pct, the ministry added.\n"
)
FUTURES = "HARBOUR WHEAT\nMAY {0} UP 1 1/2\nJUL {1} UP 1/2\nSEP {2} UNCH\nDEC {3} OFF 1/4\n"

WIRE_RECORDS = [
    {"id": "first-report", "date": "1987-03-01",
     "title": "KORLAND REAFFIRMS SUPPORT FOR GRAIN EXPORT PACT", "text": FIRST_REPORT},
    {"id": "rewrite", "date": "1987-03-02",
     "title": "KORLAND REAFFIRMS SUPPORT FOR GRAIN EXPORT ACCORD", "text": REWRITE},
    {"id": "acme-qtr", "date": "1987-10-19", "title": "ACME WIDGETS INC <ACW> 3RD QTR NET", "text": TABLE},
    {"id": "belmont-qtr", "date": "1987-10-19", "title": "BELMONT TOOLS <BLT> 3RD QTR NET", "text": TABLE},
    {"id": "acme-qtr-again", "date": "1987-10-19", "title": "ACME WIDGETS <ACW> 3RD QTR NET",
     "text": TABLE.replace("Revs 61.3", "Sales 61.3") + "Avg shrs 10.0 mln vs 10.0 mln\n"},
    {"id": "carver-qtr", "date": "1987-10-20", "title": "CARVER MILLS INC 3RD QTR NET", "text": CARVER_TABLE},
    {"id": "dunmore-qtr", "date": "1987-10-20", "title": "DUNMORE FOODS 3RD QTR NET", "text": DUNMORE_TABLE},
    {"id": "ohio-payout", "date": "1987-04-13", "title": "NORTHFIELD OHIO TAX-FREE SETS PAYOUT",
     "text": FUND_PAYOUT.format("Ohio")},
    {"id": "iowa-payout", "date": "1987-04-13", "title": "NORTHFIELD IOWA TAX-FREE SETS PAYOUT",
     "text": FUND_PAYOUT.format("Iowa")},
    {"id": "tax-flash", "date": "1987-04-07",
     "title": "KORLAND CUTS WHEAT EXPORT TAX TO FIVE PCT FROM EIGHT PCT", "text": ""},
    {"id": "meridia-flash", "date": "1987-04-07",
     "title": "MERIDIA CUTS WHEAT EXPORT TAX TO FIVE PCT FROM EIGHT PCT", "text": ""},
    {"id": "tax-story", "date": "1987-04-07", "title": "KORLAND CUTS WHEAT EXPORT TAX", "text": TAX_STORY},
    {"id": "futures-1100", "date": "1987-04-07", "title": "HARBOUR GRAIN FUTURES 11:00 EDT",
     "text": FUTURES.format(285, 281, 277, 279)},
    {"id": "futures-1200", "date": "1987-04-07", "title": "HARBOUR GRAIN FUTURES 12:00 EDT",
     "text": FUTURES.format(286, 282, 277, 280)},
    {"id": "futures-1100-repeat", "date": "1987-04-07", "title": "HARBOUR GRAIN FUTURES 11:00 EDT",
     "text": FUTURES.format(285, 281, 277, 279)},
    {"id": "first-report-next-month", "date": "1987-04-01",
     "title": "KORLAND REAFFIRMS SUPPORT FOR GRAIN EXPORT PACT", "text": FIRST_REPORT},
]
WIRE = {record["id"]: record for record in WIRE_RECORDS}
# The pairs one story, and the pairs not, each with why.
ONE_STORY = [
    ("first-report", "rewrite"),  # the rewrite repeats the first report's lead word for word
    ("acme-qtr", "acme-qtr-again"),  # the table sent again with a line more
    ("tax-flash", "tax-story"),  # a flash, then the story under a shorter headline
    ("futures-1100", "futures-1100-repeat"),  # a repeat
]
NOT_ONE_STORY = [
    ("acme-qtr", "belmont-qtr"),  # one table, two companies (tickers)
    ("carver-qtr", "dunmore-qtr"),  # one wording, two companies' figures (no tickers)
    ("acme-qtr", "carver-qtr"),  # one wording, two companies' figures (one ticker)
    ("ohio-payout", "iowa-payout"),  # one fund family, two funds
    ("meridia-flash", "tax-story"),  # another country's flash
    ("futures-1100", "futures-1200"),  # the next issue of a standing report
    ("first-report", "first-report-next-month"),  # a month apart
]


def wire_signature(doc_id: str) -> bytes:
    record = WIRE[doc_id]
    return signature(record["title"], record["text"], date.fromisoformat(record["date"]))


def wire_stories() -> dict[str, str]:
    finder = StoryFinder()
    return {record["id"]: finder.assign(record["id"], wire_signature(record["id"]))
            for record in WIRE_RECORDS}


def exact_similarity(a: str, b: str) -> tuple[float, float]:
    """(Jaccard, containment of the smaller) of two wire records' shingle sets."""
    first = shingles(WIRE[a]["title"], WIRE[a]["text"])
    second = shingles(WIRE[b]["title"], WIRE[b]["text"])
    shared = len(first & second)
    return shared / len(first | second), shared / min(len(first), len(second))


def test_the_first_report_and_its_rewrite_are_the_wire_pattern_jaccard_misses():
    jaccard, contained = exact_similarity("first-report", "rewrite")
    assert jaccard < 0.3 < SAME_STORY < contained


def test_the_template_tables_are_as_alike_as_copies():
    """Only the headlines' names tell them apart: the shingles alone would make them one."""
    for a, b in [("acme-qtr", "belmont-qtr"), ("ohio-payout", "iowa-payout")]:
        assert exact_similarity(a, b)[1] > 0.7


@pytest.mark.parametrize(("a", "b"), ONE_STORY)
def test_versions_of_one_report_share_a_story(a, b):
    stories = wire_stories()
    assert stories[a] == stories[b] == a


@pytest.mark.parametrize(("a", "b"), NOT_ONE_STORY)
def test_different_reports_have_different_stories(a, b):
    stories = wire_stories()
    assert stories[a] != stories[b]


def test_a_rewrite_joins_whichever_comes_first():
    finder = StoryFinder()
    finder.assign("rewrite", wire_signature("rewrite"))
    assert finder.assign("first-report", wire_signature("first-report")) == "rewrite"


def test_a_copy_under_another_outlets_headline_joins():
    """A long text copied word for word is one story, whatever its headline begins with:
    the headline names the issuer only where a short text could be another's."""
    finder = StoryFinder()
    finder.assign("rewrite", wire_signature("rewrite"))
    copy = signature("Minister Vell stands by grain pact as wheat slides", REWRITE + "By a stringer.",
                     date(1987, 3, 2))
    assert finder.assign("copy", copy) == "rewrite"
    notice = signature("Minister Vell sets payout", FUND_PAYOUT.format("Ohio"), date(1987, 4, 13))
    finder.assign("ohio-payout", wire_signature("ohio-payout"))
    assert finder.assign("notice", notice) == "notice"


def assigned(*versions: tuple[str, str, str]) -> list[str]:
    """Each (id, headline, text) of one day assigned in turn: the story ids."""
    finder = StoryFinder()
    day = date(1987, 6, 18)
    return [finder.assign(doc_id, signature(title, text, day)) for doc_id, title, text in versions]


def test_a_story_that_shares_only_its_speaker_with_a_flash_is_not_its_story():
    """Reuters: `TREASURY'S BAKER SAYS BRAZIL NOT IN CRISIS` had joined the flash `... BAKER SAYS
    JAPAN TARIFF ACTION NOT START OF TRADE WAR`: speaker, `SAYS` and `NOT` were most of the words."""
    body = ("Korland's finance minister Tomas Vell said the country's banks were not in crisis despite "
            "their losses on farm loans.\nVell told a committee no bank would need help this year.\n")
    assert assigned(("flash", "KORLAND'S VELL SAYS TARIFF TALKS NOT START OF TRADE WAR", ""),
                    ("story", "KORLAND'S VELL SAYS BANKS NOT IN CRISIS", body)) == ["flash", "story"]
    assert assigned(("flash", "KORLAND'S VELL SAYS BANKS NOT IN CRISIS, NO HELP NEEDED", ""),
                    ("story", "KORLAND'S VELL SAYS BANKS NOT IN CRISIS", body)) == ["flash", "flash"]


def test_two_flashes_of_one_speaker_with_other_news_are_two_stories():
    """The Reuters pair that had been one story, minutes apart."""
    first = ("a", "FED'S SEGER SAYS U.S. ECONOMIC RECOVERY SHOWS WEAKNESS", "")
    second = ("b", "FED'S SEGER SAYS U.S. THRIFT INDUSTRY NEEDS STABLE INTEREST RATES", "")
    assert assigned(first, second) == ["a", "b"]


def test_a_flash_filed_in_the_text_field_is_a_flash_with_its_subject():
    """Reuters files some flashes with an empty headline and the headline as the text; compared
    without a headline, one company's price move joined another's (`SUN RAISES CRUDE POSTINGS`,
    `PHILLIPS RAISES CRUDE POSTINGS`)."""
    posting = "RAISES CRUDE POSTINGS 50 CTS, EFFECTIVE TODAY, WTI TO 17.50 DLRS/BBL"
    kestrel, heron = ("kestrel", "", f"KESTREL {posting}"), ("heron", f"HERON {posting}", "")
    assert assigned(kestrel, heron) == ["kestrel", "heron"]


def test_an_undated_version_is_compared_whatever_the_date():
    finder = StoryFinder()
    finder.assign("first-report", wire_signature("first-report"))
    undated = signature(WIRE["first-report-next-month"]["title"], FIRST_REPORT)
    assert finder.assign("undated", undated) == "first-report"


def test_a_flash_found_again_after_it_was_forgotten_no_longer_takes_stories():
    finder = StoryFinder()
    finder.assign("tax-flash", wire_signature("tax-flash"))
    finder.forget("tax-flash")
    assert finder.assign("tax-story", wire_signature("tax-story")) == "tax-story"


def test_known_flashes_and_tables_come_back_from_stored_signatures():
    """An incremental run builds its finder from the index's stored signatures."""
    finder = StoryFinder([(doc_id, doc_id, wire_signature(doc_id)) for doc_id in ("tax-flash", "acme-qtr")])
    assert finder.assign("tax-story", wire_signature("tax-story")) == "tax-flash"
    assert finder.assign("belmont-qtr", wire_signature("belmont-qtr")) == "belmont-qtr"
    assert finder.assign("acme-qtr-again", wire_signature("acme-qtr-again")) == "acme-qtr"


def test_of_two_flashes_alike_a_story_follows_the_smaller_id_whatever_order_they_were_read_in():
    """A run resumed after a crash reads the flashes back from the index in another order than
    the one it first met them in: the story must not change with it."""
    flash = wire_signature("tax-flash")
    for order in (("tax-flash-b", "tax-flash-a"), ("tax-flash-a", "tax-flash-b")):
        finder = StoryFinder([(doc_id, doc_id, flash) for doc_id in order])
        assert finder.assign("tax-story", wire_signature("tax-story")) == "tax-flash-a", order


def test_an_empty_article_is_a_story_of_its_own():
    finder = StoryFinder()
    assert finder.assign("empty", signature(None, "")) == "empty"
    assert finder.assign("also-empty", signature("", "  ")) == "also-empty"


@pytest.fixture(scope="module")
def wire_engine(tmp_path_factory) -> Engine:
    return Engine(build_jsonl_index(tmp_path_factory.mktemp("wire"), WIRE_RECORDS))


@pytest.mark.parametrize(("a", "b"), ONE_STORY)
def test_in_a_real_index_versions_share_a_story(wire_engine, a, b):
    assert story_of(wire_engine, a) == story_of(wire_engine, b)


@pytest.mark.parametrize(("a", "b"), NOT_ONE_STORY)
def test_in_a_real_index_template_stories_stay_apart(wire_engine, a, b):
    assert story_of(wire_engine, a) != story_of(wire_engine, b)


def test_a_search_shows_the_first_report_and_its_rewrite_as_one_result(wire_engine):
    answer = search(wire_engine, "grain export floor price")
    (only,) = [hit for hit in answer["results"]
               if {"first-report", "rewrite"} & {hit["id"], *version_ids(hit)}]
    assert {only["id"], *version_ids(only)} >= {"first-report", "rewrite"}


def test_a_search_shows_two_companies_tables_as_two_results(wire_engine):
    answer = search(wire_engine, "3rd qtr net", limit=20)
    acme, belmont = result_holding(answer, "acme-qtr"), result_holding(answer, "belmont-qtr")
    carver, dunmore = result_holding(answer, "carver-qtr"), result_holding(answer, "dunmore-qtr")
    assert len({id(acme), id(belmont), id(carver), id(dunmore)}) == 4
    assert "acme-qtr-again" in {acme["id"], *version_ids(acme)}


# --- the rules one by one ---------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "same"), [
    ("REPUBLIC AMERICAN CORP 3RD QTR NET", "ATLANTIC AMERICAN CORP 3RD QTR NET", False),
    ("U.S. M-1 MONEY SUPPLY RISES 1.9 BILLION", "CANADIAN MONEY SUPPLY M-1 RISES 217 MLN", False),
    ("FRANKLIN INSURED TAX-FREE SETS PAYOUT", "FRANKLIN PUERTO RICO TAX-FREE SETS PAYOUT", False),
    ("SIOUX FALLS HOGS OPEN UP 1.50 DLR", "ST LOUIS HOGS OPEN UP 1.00 DLR", False),
    ("SAUDI ARABIA REITERATES COMMITMENT TO OPEC PACT", "SAUDI ARABIA REITERATES COMMITMENT TO OPEC ACCORD",
     True),
    ("PRESIDENT REAGAN COMING TO CAPITOL TO LOBBY", "REAGAN TO LOBBY SENATORS ON HIGHWAY BILL", True),
    ("RIO DE JANEIRO - IBC closes export registrations", "IBC CLOSES EXPORT REGISTRATIONS", True),
    ("CONGRESS MAY CURB U.S. AID TO DEVELOPMENT BANKS", "CONGRESS EYES LOANS THAT AID U.S. FIRMS", True),
    ("U.S. HOSUING COMPLETIONS FELL 0.2 PCT", "U.S. HOUSING COMPLETIONS FELL 0.2 PCT IN JAN",
     True),
    ("S. AFRICA MINES BODY SEES MAY DAY WORK", "SOUTH AFRICA MINES BODY SEES MAY DAY WORK", True),
    ("MIDWEST GRAIN FUTURES 12:00 EDT", "MIDWEST GRAIN FUTURES 12:40 EDT", True),
    ("", "WALLACE HEADS TO PENTAGON", True),
])
def test_same_subject_compares_the_start_of_two_headlines(first, second, same):
    first_words = Version.from_bytes(signature(first, "x")).words
    second_words = Version.from_bytes(signature(second, "x")).words
    assert same_subject(first_words, second_words) is same
    assert same_subject(second_words, first_words) is same


def test_headlines_with_tickers_are_one_issuer_only_when_they_share_one():
    words = ("X",)
    assert same_issuer(("ACW",), words, ("ACW", "BLT"), ("Y",))
    assert not same_issuer(("ACW",), words, ("BLT",), words)
    assert headline_tickers("SEARS <S>, MOBIL <MOB.N> SIGN PACT") == ("MOB.N", "S")
    assert headline_tickers("<FRANKLIN CALIFORNIA TAX-FREE INCOME FUND> PAYOUT") == ()


def test_figures_are_numbers_written_one_way():
    assert figures(None, "Shr 52 cts vs 41 cts\nNet 5,210,000 vs 4,102,000, Revs 61.30 mln") == (
        "52", "41", "5210000", "4102000", "61.3")
    assert figures("U.S. M-1 MONEY SUPPLY RISES 1.9 BILLION IN FEB 23 WEEK", "") == ("1.9", "23")
    assert figures("3RD QTR", "the M-1 aggregate") == ()


@pytest.mark.parametrize(("first", "second", "same_headline", "same"), [
    (("52", "41", "5210000"), ("52", "41", "5210000", "14.8"), False, True),  # a longer table
    (("217", "32.8", "25"), ("1.16", "32.94", "11"), False, False),  # next week's figures
    (("1000", ".34", ".35", ".16", ".77"), ("1100", ".34", ".35", ".16", ".80"), True, False),  # reissued
    (("268.8", "81.7", "473784"), ("268797", "81.7", "473784"), True, True),  # one figure corrected
    (("7",), ("8", "9"), True, True),  # one figure says nothing
])
def test_same_figures(first, second, same_headline, same):
    assert same_figures(first, second, same_headline) is same


def test_containment_is_estimated_from_jaccard_and_the_two_sizes():
    first = signature(WIRE["first-report"]["title"], FIRST_REPORT)
    second = signature(WIRE["rewrite"]["title"], REWRITE)
    a, b = Version.from_bytes(first), Version.from_bytes(second)
    shared = np.count_nonzero(a.hashes == b.hashes)
    estimate = containment(np.array([shared]), a.size, np.array([b.size]))[0]
    assert abs(estimate - exact_similarity("first-report", "rewrite")[1]) < 0.2
    assert containment(np.array([NUM_PERM]), 10, np.array([10]))[0] == 1.0


def test_versions_more_than_days_apart_are_two_stories():
    def on(day: int) -> bytes:
        return signature("X REPORT", FIRST_REPORT, date(1987, 3, day))

    within, later = StoryFinder(), StoryFinder()
    within.assign("monday", on(2))
    later.assign("monday", on(2))
    assert within.assign("within", on(2 + DAYS_APART)) == "monday"
    assert later.assign("later", on(3 + DAYS_APART)) == "later"
