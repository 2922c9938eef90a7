"""search.engine.Engine.search: on the seed index (read-only) and on small indexes in tmp_path."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest
from conftest import (
    BLINKEN_LAMMY,
    CORPUS,
    HOLR,
    SEEDS,
    TELEGRAPH_PRINT,
    TELEGRAPH_WEB,
    VALIDATOR,
    WASHINGTON_TIMES,
    build_jsonl_index,
    ids,
)
from conftest import checked_search as search

from search.analysis import normalize_text
from search.engine import Engine
from search.errors import BackendUnavailable, IndexIncompatible, InvalidParameter
from search.indexer import update_index
from search.request import Filters
from search.snippets import plain_text


def found_ids(answer: dict) -> set[str]:
    """Every document the answer found: the hits and the other versions of their stories."""
    return {doc_id for hit in answer["results"]
            for doc_id in [hit["id"], *(version["id"] for version in hit["versions"])]}


def hit(answer: dict, doc_id: str) -> dict:
    return next(h for h in answer["results"] if h["id"] == doc_id)


def build(tmp_path: Path, files: dict[str, str]) -> Engine:
    """An engine over a small corpus written to tmp_path."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    update_index(tmp_path / "index", [root])
    return Engine(tmp_path / "index")


def seeds_saying(phrase: str) -> set[str]:
    return {p.stem for p in SEEDS if phrase in p.read_text(encoding="utf-8")}


# --- what the seed queries find ---------------------------------------------------------------


def test_amraam_finds_the_telegraph_print_edition_with_a_marked_snippet(engine):
    answer = search(engine, "Amraam")
    assert ids(answer)[0] == TELEGRAPH_PRINT
    assert "<mark>Amraam</mark>" in answer["results"][0]["snippet"]


def test_defense_finds_articles_that_say_defence_secretary(engine):
    expected = seeds_saying("Defence Secretary")
    assert expected >= {TELEGRAPH_PRINT, TELEGRAPH_WEB, HOLR}
    answer = search(engine, "defense")
    assert found_ids(answer) >= expected
    for doc_id in expected & set(ids(answer)):
        matched = hit(answer, doc_id)["matched"]
        assert any(m["found"].lower() == "defence" and m["via"] == "variant" for m in matched), matched


def test_us_matches_the_acronym_not_the_pronoun(engine):
    assert "for us" in (CORPUS / f"{HOLR}.txt").read_text(encoding="utf-8")
    found = found_ids(search(engine, "US"))
    assert TELEGRAPH_PRINT in found
    assert HOLR not in found


def test_zelenskiy_finds_every_spelling_and_says_variant_where_printed_differently(engine):
    answer = search(engine, "Zelenskiy")
    assert set(ids(answer)) >= {BLINKEN_LAMMY, HOLR, WASHINGTON_TIMES}
    matched = [m for h in answer["results"] for m in h["matched"]]
    differing = [m for m in matched
                 if normalize_text(m["found"]).lower().removesuffix("'s") != "zelenskiy"]
    assert {m["found"] for m in differing} >= {"Zelensky", "Zelenskyy"}
    assert all(m["via"] == "variant" for m in differing), differing
    expected = {"query": "Zelenskiy", "found": "Zelensky", "via": "variant"}
    assert expected in hit(answer, BLINKEN_LAMMY)["matched"]


def test_shahed_finds_the_telegraph_web_edition(engine):
    assert TELEGRAPH_WEB in ids(search(engine, "Shahed"))


def test_a_document_about_the_query_outranks_ones_that_mention_it(tmp_path):
    """Whatever order the files were indexed in, the article that is about drones ranks first."""
    passing = "The minister spoke about the budget, schools and one drone.\n"
    engine = build(tmp_path, {
        "a_budget.txt": "Budget talks\n\n" + passing,
        "b_schools.txt": "Schools reopen\n\n" + passing,
        "z_drones.txt": "Drone war\n\nA drone struck. Another drone followed. Drone after drone.\n",
    })
    answer = search(engine, "drone")
    assert ids(answer)[0] == "z_drones"
    scores = [h["score"] for h in answer["results"]]
    assert scores == sorted(scores, reverse=True)


# --- snippets are HTML-escaped ----------------------------------------------------------------


@pytest.mark.parametrize("query", ["attacker", "alert", "script"])
def test_snippet_escapes_html_and_only_mark_is_markup(tmp_path, query):
    engine = build(tmp_path, {"xss.txt": (
        "Comment field attack\n\n"
        "The attacker typed <script>alert(1)</script> & \"quotes\" into the comment field.\n"
    )})
    snippet = search(engine, query)["results"][0]["snippet"]
    assert "&lt;" in snippet and "&amp;" in snippet
    assert f"<mark>{query}</mark>" in snippet
    without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert "alert(1)" in without_marks


# --- deterministic order and paging -----------------------------------------------------------


@pytest.mark.parametrize("query", ["defense", "US", "Zelenskiy", "Ukraine drones"])
def test_same_query_twice_gives_identical_ids_and_scores(engine, query):
    def ranking():
        return [(h["id"], h["score"]) for h in search(engine, query)["results"]]

    assert ranking() == ranking()


def pages(engine: Engine, query: str, size: int, total: int) -> list[str]:
    found: list[str] = []
    for offset in range(0, total, size):
        found += ids(search(engine, query, limit=size, offset=offset))
    return found


@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("query", ["defense", "US", "Ukraine"])
def test_paging_neither_repeats_nor_skips(engine, query, size):
    long_page = ids(search(engine, query, limit=100))
    assert len(long_page) >= 3
    assert pages(engine, query, size, len(long_page)) == long_page


def test_paging_through_tied_scores_after_an_update(tmp_path):
    """Equal scores are ordered the same on every page, also when a file was re-indexed."""
    same = "Harbour report\n\nA drone was seen over the harbour today.\n"
    engine = build(tmp_path, {f"doc{i:02d}.txt": same for i in range(12)})
    (tmp_path / "corpus" / "doc00.txt").write_text(same + "\n", encoding="utf-8")
    assert update_index(tmp_path / "index", [tmp_path / "corpus"]).updated == 1
    engine = Engine(tmp_path / "index")
    long_page = ids(search(engine, "drone", limit=50))
    assert long_page == sorted(long_page)
    assert pages(engine, "drone", 5, 12) == long_page


# --- invalid parameters and broken syntax -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("Amraam", {"limit": 0}),
        ("Amraam", {"limit": 5000}),
        ("Amraam", {"offset": -1}),
        ("", {}),
        ("   ", {}),
        ("drone " * 400, {}),
        ("Amraam", {"sort": "bogus"}),
    ],
    ids=["limit-0", "limit-5000", "offset-negative", "empty", "blank", "over-2000-chars", "sort-bogus"],
)
def test_invalid_values_raise_invalid_parameter(engine, text, options):
    with pytest.raises(InvalidParameter):
        engine.search(text, **options)


def test_an_entity_filter_finds_the_entity_by_any_of_its_names(engine):
    """`place:britain` finds what the index calls United Kingdom (the alias groups), a short word
    is read as an acronym too (`place:us`), and `entity:` names an entity of any type by its
    words (`entity:blinken` is Antony Blinken) besides its whole name."""
    kingdom = search(engine, 'place:"united kingdom"')["total"]
    assert kingdom > 0
    assert search(engine, "place:britain")["total"] == search(engine, "place:uk")["total"] == kingdom
    assert search(engine, "place:us")["total"] == search(engine, 'place:"united states"')["total"] > 0
    assert search(engine, "entity:blinken")["total"] == search(engine, "person:blinken")["total"] > 0
    assert search(engine, "entity:austin")["total"] == search(engine, "person:austin")["total"] > 0


def test_a_spelling_step_the_backend_cannot_answer_leaves_the_ranked_answer(seed_index, monkeypatch):
    """The 1M OpenSearch run failed its first search in the spelling lexicon's read, after the
    ranking had answered: the answer is kept, without a suggestion."""
    engine = Engine(seed_index)

    def unavailable(*_args, **_kwargs):
        raise BackendUnavailable("the cluster did not answer the lexicon's read")

    monkeypatch.setattr(engine.speller, "review", unavailable)
    answer = search(engine, "Amraam Wallace")
    assert answer["total"] > 0 and answer["suggestion"] is None and answer["corrected_query"] is None


def test_filters_of_two_fields_both_narrow(engine):
    """`person:X place:Y` is stories about both (they were alternatives: a second filter widened
    the results); two values of one field stay alternatives."""
    people, places = search(engine, "person:zelensky")["total"], search(engine, "place:kyiv")["total"]
    both = search(engine, "person:zelensky place:kyiv")
    assert both["total"] == search(engine, "person:zelensky AND place:kyiv")["total"]
    assert 0 < both["total"] < max(people, places)
    sources = search(engine, 'source:telegraph source:"holr magazine"')["total"]
    alone = [search(engine, query)["total"] for query in ("source:telegraph", 'source:"holr magazine"')]
    assert sources == sum(alone)


def test_a_filter_alone_browses_its_stories(engine):
    """No words but a filter: every story the filter leaves, shown by a version, with a
    passage; no filter and no words is still refused."""
    from search.request import Filters

    answer = search(engine, "", filters=Filters(source="The Daily Telegraph"), facets=True)
    assert answer["total"] == 1 and ids(answer)[0] in (TELEGRAPH_PRINT, TELEGRAPH_WEB)
    assert answer["results"][0]["snippet"] and answer["facets"]["source"] == [
        {"value": "The Daily Telegraph", "count": 1}]
    with pytest.raises(InvalidParameter, match="filter to browse by"):
        engine.search("", filters=Filters())


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_stories_are_the_citations_without_a_pass_over_their_text(engine, sort, monkeypatch):
    """`stories` is what the bench times as ranked and grouped: the export's rows without their
    passages, and no hit shaped (no article's text looked through) to make them."""
    cited = engine.citations("Amraam missile Zelenskiy", sort=sort)
    assert len(cited) >= 2 and all(row["passage"] for row in cited)
    assert any(row["versions"] for row in cited)

    def no_hits(*args, **kwargs):
        raise AssertionError("a hit was shaped")

    monkeypatch.setattr("search.engine.HitMaker", no_hits)
    assert engine.stories("Amraam missile Zelenskiy", sort=sort) == [
        {key: value for key, value in row.items() if key != "passage"} for row in cited]


def test_stats_cut_short_by_the_time_budget_say_so_and_are_counted_again(seed_index):
    engine = Engine(seed_index, time_budget=0.0)
    assert engine.stats()["partial"] is True
    engine.time_budget = 10.0
    whole = engine.stats()
    assert whole["partial"] is False and whole["stories"] == 4 and whole is engine.stats()


def test_the_version_dated_before_the_others_is_marked_as_the_first_report(tmp_path):
    """Three outlets carry one wire story; the agency's copy is the oldest. A shared earliest
    date marks no one: who was first cannot be told."""
    text = ("Defence Secretary Ben Wallace told NATO ministers in Brussels that Ukraine needed more "
            "artillery before the autumn, and that Kyiv would need air defence as much as shells.")
    dated = {"wire": "2022-09-05T08:10", "paper": "2022-09-05T11:00", "site": "2022-09-06"}
    records = [{"id": name, "title": "Wallace urges NATO allies to keep arming Ukraine", "text": text,
                "source": name.title(), "date": date} for name, date in dated.items()]
    (tmp_path / "three").mkdir()
    engine = Engine(build_jsonl_index(tmp_path / "three", records))
    (hit,) = search(engine, "Wallace artillery")["results"]
    marked = [record["id"] for record in [hit, *hit["versions"]] if record["first_report"]]
    assert marked == ["wire"] and len(hit["versions"]) == 2
    assert [v["id"] for v in engine.article("paper")["versions"] if v["first_report"]] == ["wire"]
    tied = [{**record, "date": "2022-09-05"} for record in records[:2]]
    (tmp_path / "tied").mkdir()
    (hit,) = search(Engine(build_jsonl_index(tmp_path / "tied", tied)), "Wallace")["results"]
    assert not hit["first_report"] and not any(v["first_report"] for v in hit["versions"])


def test_a_version_repeating_a_passage_already_shown_shows_none_of_its_own(tmp_path):
    """Wire updates often resend the paragraph the first take carried: a reader is shown each
    passage once, and a version that says it differently keeps its own."""
    same = ("Defence Secretary Ben Wallace told NATO ministers in Brussels that Ukraine needed more "
            "artillery before the autumn.")
    other = "Wallace later added that artillery shells were being made in Britain again."
    records = [{"id": "take-1", "title": "Wallace urges NATO allies to arm Ukraine", "text": same,
                "source": "Wire", "date": "2022-09-05T08:10"},
               {"id": "take-2", "title": "Wallace urges NATO allies to arm Ukraine", "text": same,
                "source": "Wire", "date": "2022-09-05T09:10"},
               {"id": "take-3", "title": "Wallace urges NATO allies to arm Ukraine",
                "text": same + " " + other + " " + other, "source": "Paper", "date": "2022-09-05T11:00"}]
    (tmp_path / "takes").mkdir()
    (hit,) = search(Engine(build_jsonl_index(tmp_path / "takes", records)), "Wallace artillery")["results"]
    passages = [plain_text(v["snippet"]) for v in [hit, *hit["versions"]] if "snippet" in v]
    assert len(hit["versions"]) == 2 and len(passages) == len(set(passages))
    assert len(passages) == 2, "the two takes of one paragraph show it once, the paper its own"


def test_a_query_of_exactly_2000_chars_is_accepted(engine):
    assert search(engine, ("drone " * 400)[:2000])["total"] >= 1


@pytest.mark.parametrize("query", ['"unclosed', "AND", "title:", "((", "foo:bar", '"Amraam rockets'])
def test_broken_syntax_answers_with_a_syntax_warning(engine, query):
    answer = search(engine, query)
    assert "syntax" in [w["code"] for w in answer["warnings"]]


@pytest.mark.parametrize("query", ['"Amraam rockets', "(Amraam", "Amraam AND", "foo:Amraam"])
def test_broken_syntax_still_searches_the_words(engine, query):
    assert ids(search(engine, query))[:1] == [TELEGRAPH_PRINT]


def test_well_formed_query_has_no_warnings(engine):
    assert search(engine, '"Defence Secretary" AND Wallace')["warnings"] == []


# --- the result schema ------------------------------------------------------------------------


def _drop_snippet(answer):
    del answer["results"][0]["snippet"]


def _score_as_string(answer):
    answer["results"][0]["score"] = str(answer["results"][0]["score"])


def _unknown_via(answer):
    answer["results"][0]["matched"][0]["via"] = "magic"


def _unsafe_id(answer):
    answer["results"][0]["id"] = "../etc/passwd"


def _missing_total(answer):
    del answer["total"]


def _bad_date(answer):
    answer["results"][0]["date"] = "18/10/2022"


@pytest.mark.parametrize("spoil", [_drop_snippet, _score_as_string, _unknown_via, _unsafe_id,
                                   _missing_total, _bad_date])
def test_a_wrong_response_fails_schema_validation(engine, spoil):
    answer = search(engine, "Amraam")
    wrong = copy.deepcopy(answer)
    spoil(wrong)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(wrong)





def test_damage_met_while_searching_is_reported_with_the_rebuild_hint(tmp_path, corpus_copy):
    index_dir = tmp_path / "index"
    update_index(index_dir, [corpus_copy])
    [postings] = index_dir.glob("MAIN_*.arr")  # the postings of record of the scored fields
    os.truncate(postings, postings.stat().st_size // 2)
    with pytest.raises(IndexIncompatible, match="search index --rebuild"):
        Engine(index_dir).search("Amraam")


# --- wire copy (tests/fixtures_corpora.py WIRE_RECORDS): bylines, partial matches, versions ----------

@pytest.fixture(scope="module")
def wire(wire_index) -> Engine:
    return Engine(wire_index)


def test_a_wire_byline_shows_the_reporter_and_keeps_the_agency_as_source(wire):
    shown = hit(search(wire, "OPEC ceiling", limit=20), "wire-2")
    assert shown["authors"] == ["Patti Domm"] and shown["source"] == "Reuters" and shown["credit"] is None
    assert wire.document("wire-7")["authors"] == ["Stephen Jukes", "Philip Shehadi"]


def test_a_reporter_typed_by_name_finds_their_articles_ranked_first(wire):
    answer = search(wire, "Ted D'Afflisio")
    assert ids(answer)[:2] and set(ids(answer)[:2]) == {"wire-3", "wire-4"}
    by_name = {"query": "Ted D'Afflisio", "found": "Ted D'Afflisio", "via": "byline"}
    assert [entry for entry in answer["results"][0]["matched"] if entry["via"] == "byline"] == [by_name], \
        "the surname inside the full name is not matched again alone"
    assert answer["all_words_total"] == 2, "a byline match holds the name's words"
    assert not answer["results"][0]["missing"]


def test_a_name_matches_a_byline_only_as_the_byline_has_it(wire):
    assert not {"wire-3", "wire-4"} & set(ids(search(wire, "D'Afflisio Ted"))), "out of order"
    assert "wire-9" in ids(search(wire, "Richard Price"))
    assert "wire-9" not in ids(search(wire, "price", limit=20)), "a common word never matches a byline alone"
    assert "wire-9" not in ids(search(wire, "richard", limit=20))


def test_a_source_matches_by_its_whole_name(wire, seed_index):
    seeds = Engine(seed_index)
    assert TELEGRAPH_PRINT in ids(search(seeds, "Daily Telegraph", limit=10))
    telegraph = hit(search(seeds, "Daily Telegraph", limit=10), TELEGRAPH_PRINT)
    by_name = {"query": "Daily Telegraph", "found": "The Daily Telegraph", "via": "source"}
    assert by_name in telegraph["matched"]


def test_partial_matches_are_counted_and_named(wire):
    answer = search(wire, "hezbollah tanker", limit=10)
    assert answer["all_words_total"] == 1 < answer["total"]
    assert ids(answer)[0] == "wire-4", "`tankers` is the word `tanker`, stemmed: it has both"
    assert hit(answer, "wire-4")["missing"] == []
    assert hit(answer, "wire-3")["missing"] == ["hezbollah"]
    assert search(wire, "hezbollah kuwait")["all_words_total"] == 0


@pytest.mark.parametrize(("query", "counted"), [
    ("+hezbollah tanker", {"tanker"}),
    ("hezbollah -tanker", {"hezbollah"}),
    ("hezbollah OR tanker", set()),
    ("tag:crude tanker", {"tanker"}),
])
def test_only_optional_words_are_ever_missing(wire, query, counted):
    answer = search(wire, query, limit=10)
    missing = {word for h in answer["results"] for word in h["missing"]}
    assert missing <= counted
    assert answer["all_words_total"] is not None and answer["all_words_total"] <= answer["total"]


def test_every_word_keeps_only_the_stories_with_all_the_words_of_the_query(engine):
    some = search(engine, "missile Zelenskyy", limit=10)
    every = search(engine, "missile Zelenskyy", limit=10, every_word=True, sort="newest")
    assert 0 < every["total"] == some["all_words_total"] < some["total"]
    assert all(not hit["missing"] for hit in every["results"])
    assert search(engine, "Amraam Zelenskyy", every_word=True)["total"] == 0
    browse = search(engine, "", filters=Filters(source="The Daily Telegraph"), every_word=True)
    assert browse["total"] == search(engine, "", filters=Filters(source="The Daily Telegraph"))["total"] > 0


def test_a_query_without_words_has_no_all_words_count(wire):
    assert search(wire, "date:1987-03")["all_words_total"] is None


def test_a_phrase_and_a_word_rank_stories_with_both_first(wire):
    answer = search(wire, '"trade deficit" japan', limit=10)
    assert ids(answer)[0] == "wire-7", "the only story with the phrase and the word"
    assert answer["all_words_total"] == 1
    assert hit(answer, "wire-8")["missing"] == ["japan"]


def test_an_alias_counts_as_the_word(wire):
    answer = search(wire, "coffee brazil")
    assert ids(answer)[0] == "wire-9" and answer["all_words_total"] == 1
    assert hit(answer, "wire-9")["missing"] == []


def test_a_story_is_shown_by_its_most_complete_titled_version(wire):
    answer = search(wire, "OPEC Vienna ceiling", limit=10)
    story = [h for h in answer["results"] if h["id"] in ("wire-1", "wire-2")]
    assert len(story) == 1, "the first report and its rewrite are one story"
    shown = story[0]
    assert shown["id"] == "wire-2", "the longer rewrite shows the story"
    assert [v["id"] for v in shown["versions"]] == ["wire-1"]
    version = shown["versions"][0]
    assert version["headline"] == "OPEC TO MEET ON OUTPUT CEILING"
    assert "snippet" not in version, "the first report's lead is the passage the rewrite shows already"


def test_the_sample_amraam_story_shows_the_web_editions_alias_under_the_print_edition(engine):
    answer = search(engine, "Amraam")
    shown = answer["results"][0]
    assert shown["id"] == TELEGRAPH_PRINT and shown["headline"] == shown["title"]
    web = next(v for v in shown["versions"] if v["id"] == TELEGRAPH_WEB)
    assert "<mark>advanced medium-range air-to-air missile</mark>" in web["snippet"]
    assert web["title"] is None and web["headline"] and not web["headline"].startswith("Untitled")


def test_words_matched_apart_are_marked_apart_and_a_typed_phrase_as_one(engine):
    apart = search(engine, "air superiority")["results"][0]["snippet"]
    assert "<mark>air</mark> <mark>superiority</mark>" in apart, "two marks: it was not asked as a phrase"
    phrase = search(engine, '"air superiority"')["results"][0]["snippet"]
    assert "<mark>air superiority</mark>" in phrase


@pytest.mark.parametrize("query", ["Stoltenberg", '"air defence"', "Shahed"])
def test_no_hit_or_version_is_headlined_by_a_file_name(engine, query):
    for shown in search(engine, query, limit=10)["results"]:
        for item in [shown, *shown["versions"]]:
            assert item["headline"] and item["headline"] != item["path"]
            assert not item["headline"].startswith("Untitled")


def test_an_entity_filter_shows_the_passage_about_the_entity(engine):
    from search.request import Filters

    answer = search(engine, "Ukraine", filters=Filters(person="James Martin"), limit=5)
    assert answer["results"]
    for shown in answer["results"]:
        assert "Martin</mark>" in shown["snippet"], "the passage names him (as printed: Maj Gen Martin)"
    by_field = search(engine, "person:martin", limit=5)
    assert by_field["results"] and all("Martin</mark>" in h["snippet"] for h in by_field["results"])


def test_the_article_view_highlights_every_matched_form_of_the_query(engine):
    article = engine.article(TELEGRAPH_WEB, "Amraam")
    assert article["matches"] >= 1
    html_text = " ".join(article["paragraphs_html"])
    assert '<mark class="match" id="match-1">advanced medium-range air-to-air missile</mark>' in html_text
    stems = engine.article(TELEGRAPH_PRINT, "drone")
    assert stems["matches"] >= 2 and '<mark class="match" id="match-2">' in " ".join(stems["paragraphs_html"])
    assert "matches" not in engine.article(TELEGRAPH_PRINT)


def test_a_surname_alone_finds_a_byline_unless_it_is_a_common_word(wire):
    assert {"wire-3", "wire-4"} <= set(ids(search(wire, "Afflisio", limit=10)))
    assert "wire-7" in ids(search(wire, "Shehadi", limit=10))
    assert "wire-9" not in ids(search(wire, "Price", limit=10)), "Price is a common English word"


def test_sorted_by_date_a_story_is_shown_by_the_version_that_places_it(tmp_path):
    text = ("Three more ships carrying grain left the port of Odesa on Wednesday under the deal brokered by "
            "Turkey and the United Nations, and Ukraine hopes to export millions of tonnes of wheat.")
    records = [
        {"id": "grain-full", "date": "2022-09-01", "title": "Grain ships leave Odesa",
         "text": text + " Officials said more ships would follow within days, port data showed."},
        {"id": "grain-later", "date": "2022-09-03", "title": "Grain ships leave Odesa", "text": text},
        {"id": "between", "date": "2022-09-02", "title": "Odesa grain silos full",
         "text": "Grain silos in Odesa are full, traders said."},
    ]
    engine = build(tmp_path, {"wire.jsonl": "".join(json.dumps(record) + "\n" for record in records)})
    by_relevance = search(engine, "grain Odesa")
    story = next(hit for hit in by_relevance["results"] if hit["id"].startswith("grain-"))
    assert story["id"] == "grain-full", "by relevance, the most complete version shows the story"
    newest = search(engine, "grain Odesa", sort="newest")
    assert [hit["id"] for hit in newest["results"]] == ["grain-later", "between"]
    assert [version["id"] for version in newest["results"][0]["versions"]] == ["grain-full"]


def test_an_acronym_typed_alone_in_capitals_finds_it_in_running_text_and_in_shouted_headlines(tmp_path):
    records = [
        {"id": "running", "title": "Trade talks resume in Geneva",
         "text": "Negotiators said the GATT round would resume next week in Geneva."},
        {"id": "shouted", "title": "GATT ROUND TO RESUME", "text": "Negotiators meet next week in Geneva."},
        {"id": "other", "title": "Coffee prices rise", "text": "Coffee prices rose on Monday."},
    ]
    (tmp_path / "gatt").mkdir()
    engine = Engine(build_jsonl_index(tmp_path / "gatt", records))
    for typed in ("GATT", "GATT round"):
        assert {hit["id"] for hit in search(engine, typed)["results"]} == {"running", "shouted"}, typed
    assert search(engine, "COFFEE PRICES")["total"] == search(engine, "coffee prices")["total"] == 1
