"""Did-you-mean and correction: search.spelling, search.wordlist and how Engine.search uses them.

Most tests run on the spelling corpus (tests/fixtures_corpora.py), wire copy where each
class of word stands beside the word it could be mistaken for.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, build_jsonl_index, ids
from conftest import checked_search as search

from search import spelling, wordlist
from search.documents import SPELLING_FIELDS
from search.engine import Engine
from search.fields import query_analyzers
from search.query import EXACT_FIELDS, FIELD_ALIASES, QUERY_FIELDS
from search.request import Filters
from search.spelling import EXCLUDED, FIELD, PLAIN, QUOTED, REQUIRED, Fix, query_words, rewrite


def suggested(engine: Engine, text: str, **options) -> tuple[str | None, str | None]:
    answer = search(engine, text, **options)
    return answer["suggestion"], answer["corrected_query"]


# --- reading the query ---------------------------------------------------------------------------


def test_each_word_knows_how_it_was_typed():
    words = query_words('oil "Amram rockets" +tanker -zorblat NOT kiel weapon:amram date:1987 drone* Zelen~')
    assert [(w.text, w.kind, w.field) for w in words] == [
        ("oil", PLAIN, None), ("Amram", QUOTED, None), ("rockets", QUOTED, None),
        ("tanker", REQUIRED, None), ("zorblat", EXCLUDED, None), ("kiel", EXCLUDED, None),
        ("amram", FIELD, "weapon")]


def test_field_aliases_and_unknown_fields():
    assert [(w.text, w.field) for w in query_words("headline:amram by:holmer")] == [
        ("amram", "title"), ("holmer", "author")]
    # not a field: searched as words, so looked at as words
    assert [(w.text, w.kind) for w in query_words("foo:amram")] == [("foo", PLAIN), ("amram", PLAIN)]


def test_an_unclosed_quote_quotes_the_rest():
    assert [w.kind for w in query_words('oil "amram rockets')] == [PLAIN, QUOTED, QUOTED]


@pytest.mark.parametrize(("text", "phone"), [
    ("Recieved oil", True),     # a capital on the first word alone, as phones add it
    ("Kyiv", True),
    ("Recieved Oil", False),    # capitals the user chose
    ("oil Recieved", False),
    ("RECIEVED oil", False),
])
def test_a_capital_on_the_first_word_alone_is_the_phones(text, phone):
    typed = next(word for word in query_words(text) if word.text != word.text.lower())
    assert typed.phone_capital is phone
    assert typed.capitalised is not phone
    assert not typed.replaceable


def test_only_a_plain_lower_case_word_is_replaceable():
    assert [w.replaceable for w in query_words('amram "amram" +amram -amram weapon:amram Amram')] == [
        True, False, False, False, False, False]


def test_rewrite_replaces_each_word_where_it_stands_and_keeps_syntax():
    text = '"amram rockets" AND title:amram amramx'
    words = query_words(text)
    fixes = [Fix(word, "amraam", False) for word in words if word.text == "amram"]
    assert rewrite(text, fixes) == '"amraam rockets" AND title:amraam amramx'


# --- the reference word list -------------------------------------------------------------------


def test_the_reference_list_is_read_from_the_wordfreq_package():
    path = wordlist.list_path()
    assert path is not None and path.name == "large_en.msgpack.gz"
    assert wordlist.zipf_frequency("received") > 5
    assert wordlist.zipf_frequency("kyiv") >= wordlist.REAL_WORD_ZIPF
    assert wordlist.zipf_frequency("recieved") == 0.0  # listed, but below the floor read
    assert wordlist.zipf_frequency("qwxzvy") == 0.0


@pytest.mark.parametrize(("word", "correction", "real"), [
    ("selfie", "self", True),        # a new word
    ("kyiv", "kim", True),           # a modern spelling
    ("tanker", "taker", True),
    ("haze", "have", True),          # have is far more frequent, but not REAL_WORD_RATIO times
    ("teh", "the", False),           # frequent in the list, as a misspelling of a far more frequent word
    ("recieved", "received", False),  # too rare in the list to count
    ("zorblet", "zorblat", False),
])
def test_a_real_word_is_frequent_in_the_list_and_no_misspelling_of_its_correction(word, correction, real):
    assert spelling.is_real_word(word, correction) is real


def test_without_the_list_no_word_is_corrected(monkeypatch, spelling_engine):
    monkeypatch.setattr(wordlist, "_table", {})
    assert suggested(spelling_engine, "amram") == (None, None)


def test_the_list_is_read_only_for_a_word_the_index_lacks(monkeypatch, spelling_engine):
    monkeypatch.setattr(wordlist, "_table", None)
    search(spelling_engine, "oil tanker received government")
    assert wordlist._table is None
    search(spelling_engine, "zorblet")
    assert wordlist._table


def test_the_command_line_imports_nothing_heavy_for_spelling():
    """The list, msgpack and rapidfuzz load on first need, never when `search` starts."""
    code = ("import sys, search.cli; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'wordfreq', 'msgpack', 'rapidfuzz', 'langcodes', 'ftfy'}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


# --- the spelling vocabulary -------------------------------------------------------------------


def test_every_field_a_query_can_name_has_its_words_in_the_spelling_vocabulary():
    """A searchable field joins the vocabulary by being named in SPELLING_FIELDS (search/index.py)."""
    fields = {EXACT_FIELDS.get(name, name) for name in QUERY_FIELDS - spelling.SKIPPED_FIELDS}
    fields = {spelling.SPELLED_AS.get(name, name) for name in fields}
    fields -= {alias for aliases in FIELD_ALIASES.values() for alias in aliases}
    assert fields <= set(SPELLING_FIELDS)
    assert set(SPELLING_FIELDS) <= set(query_analyzers()), "a spelling field the index does not analyse"


@pytest.mark.parametrize(("typed", "correction"), [
    ("govermnet", "government"),   # the body's printed words (two edits: a long word)
    ("holdr", "holder"),           # a byline
    ("reutrs", "reuters"),         # a source
    ("amram", "amraam"),           # the gazetteer's name, printed in capitals
    ("zelenskky", "zelensky"),     # the variants table: the corpus has no spelling of it at all
])
def test_corrections_come_from_every_field_and_the_name_tables(spelling_engine, typed, correction):
    """(A variant is offered as any of its spellings: all of them find every spelling.)"""
    content = spelling_engine.analyzers["content"]
    suggestion = suggested(spelling_engine, typed)[0]
    assert suggestion is not None
    assert content(suggestion, False) == content(correction, False)


def test_a_suggestion_never_analyses_to_the_typed_words_terms(spelling_engine):
    """`grobbins` (a byline) is one edit from `grobbin` but the same term: nothing to offer."""
    assert spelling_engine.view().vocabulary().frequency("author", "grobbins") == 1
    assert suggested(spelling_engine, "grobbin") == (None, None)


@pytest.mark.parametrize("text", [
    "United States", "states", "Tony Holmer", "tony holmer", '"Tony Holmer"', "mexico loan by tony holmer"])
def test_a_run_of_words_that_names_something_is_checked_as_a_whole(spelling_engine, text):
    """`Holmer`, a byline printed once, is one edit from `holder`, printed in sixty: alone it is
    taken for a typo, but `Tony Holmer` is an author."""
    assert suggested(spelling_engine, "holmer")[0] == "holder"
    assert suggested(spelling_engine, text) == (None, None)


@pytest.mark.parametrize("text", ["Kiev", "kiev", "Zelenskiy", "Kyiv"])
def test_no_suggestion_for_a_word_matched_through_a_variant(engine, text):
    answer = search(engine, text)
    assert answer["total"] > 0
    assert (answer["suggestion"], answer["corrected_query"]) == (None, None)


def test_no_suggestion_for_a_word_matched_through_an_alias(web_edition_engine):
    answer = search(web_edition_engine, "amraam")
    assert answer["total"] == 1 and answer["results"][0]["matched"][0]["via"] == "alias"
    assert answer["suggestion"] is None


@pytest.fixture(scope="module")
def web_edition_engine(tmp_path_factory):
    """The Telegraph web edition alone: it never prints `Amraam`, only the long name."""
    from conftest import CORPUS, TELEGRAPH_WEB

    text = (CORPUS / f"{TELEGRAPH_WEB}.txt").read_text(encoding="utf-8")
    return Engine(build_jsonl_index(tmp_path_factory.mktemp("web-edition"), [{"id": "web", "text": text}]))


# --- names that must never be taken for other names -----------------------------------------


@pytest.mark.parametrize("text", [
    "Kyiv", "Kiev", "kyiv", "kiev", '"Kyiv"', "+Kyiv", "place:kyiv", "author:kyiv", "Kyiv talks"])
def test_kyiv_never_becomes_kim_nor_kiev_kiel(spelling_engine, text):
    """The corpus names Kim and Kiel, never Kyiv or Kiev: nothing found, nothing put in its place."""
    answer = search(spelling_engine, text)
    assert (answer["total"], answer["suggestion"], answer["corrected_query"]) == (0, None, None)


# --- when a correction replaces the results --------------------------------------------------


def test_a_lower_case_typo_that_finds_nothing_is_replaced_by_its_correction(spelling_engine):
    answer = search(spelling_engine, "amram")
    assert (answer["suggestion"], answer["corrected_query"]) == ("amraam", "amraam")
    assert answer["query"] == "amram"
    assert ids(answer) == ids(search(spelling_engine, "amraam")) == ["amraam-delivery"]


def test_a_query_that_finds_something_keeps_its_results(spelling_engine):
    answer = search(spelling_engine, "amram tanker")
    assert (answer["suggestion"], answer["corrected_query"]) == ("amraam tanker", None)
    assert ids(answer) == ids(search(spelling_engine, "tanker"))


@pytest.mark.parametrize(("typed", "suggestion"), [
    ("Amram", "Amraam"),                      # a capital (here the phone's) is never replaced
    ("AMRAM", "AMRAAM"),
    ('"amram"', '"amraam"'),                  # nor a quote
    ("+amram", "+amraam"),                    # nor a required word
    ("weapon:amram", "weapon:amraam"),        # nor a field's value (offered from that field)
    ("Zorblet attakced", "Zorblat attacked"),  # the phone's capital still gets a suggestion
])
def test_only_plain_lower_case_words_are_replaced(spelling_engine, typed, suggestion):
    answer = search(spelling_engine, typed)
    assert (answer["total"], answer["suggestion"], answer["corrected_query"]) == (0, suggestion, None)


def test_a_capitalised_word_is_only_offered_a_name(spelling_engine):
    """`Attakced` (a capital the user chose) is offered no common word; `zorblet` still is."""
    assert suggested(spelling_engine, "zorblet Attakced") == ("zorblat Attakced", None)
    assert suggested(spelling_engine, "zorblet attakced") == ("zorblat attacked", "zorblat attacked")
    assert suggested(spelling_engine, "Tony Holdr")[0] == "Tony Holder"  # a byline is a name


def test_a_word_of_a_searchable_field_is_never_replaced(spelling_engine):
    """`holmer` is a byline's word: searching the body finds nothing, but it is no typo to replace."""
    assert suggested(spelling_engine, "holmer") == ("holder", None)


def test_a_real_word_is_never_replaced_nor_corrected(spelling_engine):
    """`tanker` is one edit from `taker`, and the corpus has no tanker story but the Gulf's."""
    assert suggested(spelling_engine, "taker tanker") == (None, None)
    assert suggested(spelling_engine, "tanker -gulf") == (None, None)


@pytest.mark.parametrize("typed", ["amrm", "zrblt attakcd"])
def test_a_correction_is_one_edit_away_for_a_short_word(spelling_engine, typed):
    assert suggested(spelling_engine, typed) == (None, None)


def test_a_long_word_may_be_two_edits_away(spelling_engine):
    assert spelling.max_edits("govermnet") == 2 and spelling.max_edits("amram") == 1
    assert suggested(spelling_engine, "govermnet") == ("government", "government")


def test_the_corrected_words_must_occur_together(spelling_engine):
    """Zorblat and the tanker are in different stories: a suggestion, not a replacement."""
    assert suggested(spelling_engine, "zorblet tankerr") == ("zorblat tanker", None)
    assert suggested(spelling_engine, "zorblet attakced") == ("zorblat attacked", "zorblat attacked")


def test_an_excluded_word_need_not_occur(spelling_engine):
    assert suggested(spelling_engine, "amram -zorblat") == ("amraam -zorblat", "amraam -zorblat")


def test_the_corrected_words_must_occur_together_within_the_filters(spelling_engine):
    assert suggested(spelling_engine, "amram")[1] == "amraam"
    assert suggested(spelling_engine, "amram", filters=Filters(author="Ann Holder")) == ("amraam", None)


def test_correction_can_be_turned_off(spelling_engine):
    answer = search(spelling_engine, "amram", correct=False)
    assert (answer["total"], answer["suggestion"], answer["corrected_query"]) == (0, "amraam", None)


# --- a typo the corpus itself prints ------------------------------------------------------------


def test_a_rare_printed_typo_of_a_far_more_frequent_word_gets_a_suggestion(spelling_engine):
    vocabulary = spelling_engine.view().vocabulary()
    assert vocabulary.frequency("content_exact", "recieved") == 1
    assert vocabulary.frequency("content_exact", "received") == 60
    answer = search(spelling_engine, "recieved")
    assert ids(answer) == ["mexico-loan"]
    assert (answer["suggestion"], answer["corrected_query"]) == ("received", None)
    assert suggested(spelling_engine, "Recieved")[0] == "Received"


def test_a_typo_one_edit_from_a_printed_typo_is_offered_the_word_both_miss(spelling_engine):
    """`recievd` is one edit from the corpus's one `recieved` and two from `received` (60 stories):
    the word, not the other typo (Reuters: `Vokcer` was offered `Vocker`, printed once, not Volcker)."""
    assert spelling.distance("recievd", "recieved") == 1 and spelling.distance("recievd", "received") == 2
    assert suggested(spelling_engine, "recievd")[0] == "received"


def test_a_long_typo_nearer_a_printed_typo_is_offered_the_word_two_edits_away(spelling_engine):
    """A long word may be corrected two edits away: `recievde` is one edit from the printed typo
    and two from `received`, which wins (Reuters: `govermnet` was offered `goverment`)."""
    assert spelling.max_edits("recievde") == 2
    assert spelling.distance("recievde", "recieved") == 1 and spelling.distance("recievde", "received") == 2
    assert suggested(spelling_engine, "recievde")[0] == "received"


def test_a_rare_word_without_a_far_more_frequent_neighbour_gets_nothing(spelling_engine):
    assert search(spelling_engine, "zorblat")["total"] == 1
    assert suggested(spelling_engine, "zorblat") == (None, None)
    assert suggested(spelling_engine, "kiel") == (None, None)


# --- bounds -----------------------------------------------------------------------------------


def test_only_the_first_unknown_words_are_looked_up(spelling_engine):
    """Each lookup runs outside the time budget: a few words, then no more."""
    unknown = [f"qwxzv{letter}" for letter in "abcdefghijklmnop"[:spelling.MAX_LOOKUPS]]
    assert suggested(spelling_engine, " ".join([*unknown, "amram"]))[0] is None
    assert suggested(spelling_engine, " ".join(["amram", *unknown]))[0] == " ".join(["amraam", *unknown])
    # a word typed again is looked up once, and both are corrected
    text = " ".join(["amram", *unknown[1:], "amram"])
    assert suggested(spelling_engine, text)[0] == text.replace("amram", "amraam")


def test_no_lookup_starts_once_the_time_is_spent(spelling_engine, monkeypatch):
    monkeypatch.setattr(spelling, "LOOKUP_SECONDS", -1.0)
    assert suggested(spelling_engine, "amram") == (None, None)


# --- on the sample corpus ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Amraam", "drone strikes", "Zelensky", "wallace AND nato", '"Defence Secretary"', "source:telegraph",
    "author:diver", "title:Wallace", "headline:Wallace", "body:drones", "text:Amraam",
])
def test_a_correctly_spelled_query_gets_no_suggestion(engine, text):
    answer = search(engine, text)
    assert answer["total"] > 0
    assert (answer["suggestion"], answer["corrected_query"]) == (None, None)


def test_zelenksy_suggests_zelensky_on_the_sample(engine):
    assert suggested(engine, "Zelenksy") == ("Zelensky", None)
    assert suggested(engine, "zelenksy") == ("zelensky", "zelensky")


def test_a_word_repeated_a_hundred_times_asks_whether_its_runs_name_something_once_each(monkeypatch,
                                                                                        spelling_engine):
    vocabulary = type(spelling_engine.view().vocabulary())  # the backend's, not imported here
    asked: list[tuple[str, ...]] = []
    has_name = vocabulary.has_name
    monkeypatch.setattr(vocabulary, "has_name", lambda self, words: asked.append(tuple(words))
                        or has_name(self, words))
    search(spelling_engine, "tanker " * 100)
    assert asked and len(asked) == len(set(asked)) <= spelling.MAX_RUN_WORDS - 1
