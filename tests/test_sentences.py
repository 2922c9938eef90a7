"""Sentence splitting (search/sentences.py): abbreviations, initials, quotes, paragraphs."""

import pytest
from conftest import CORPUS, WASHINGTON_TIMES

from search.sentences import sentence_spans, split_sentences

SEED_004 = (CORPUS / f"{WASHINGTON_TIMES}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_sentences():
    return split_sentences(SEED_004)


@pytest.mark.parametrize("sentence", [
    "“We are not encouraging Ukraine to strike beyond its borders …,” Mr. Price told a press briefing.",
    "Yet those attacks are creating a major headache for the U.S. and its allies.",
    "Mr. Zelenskyy has shown a repeated willingness to travel to the front lines despite the danger.",
    "“The important thing is to understand what Ukrainians are living through every day with the ongoing "
    "Russian aggression against their country and our determination to make sure they have in their hands "
    "… the equipment they need to defend themselves, to defend their territory, to defend their freedom,” "
    "Mr. Blinken said.",
    "State Department spokesman Ned Price walked a fine line Wednesday when asked about U.S. policy "
    "regarding Ukrainian operations inside Russia.",
    "“You shouldn’t say that the U.S. and NATO aren’t taking part in this war.",
    "The Dyagilevo base is just 150 miles from Moscow.",
])
def test_seed_004_sentences_come_out_whole(seed_sentences, sentence):
    assert sentence in seed_sentences


def test_seed_004_us_and_mr_never_end_a_sentence(seed_sentences):
    assert len(seed_sentences) > 40
    for sentence in seed_sentences:
        assert not sentence.endswith(("U.S.", "Mr.")), sentence
        assert not sentence.startswith(("S. ", "Price told", "Blinken said", "Zelenskyy has")), sentence


def test_seed_004_officials_sentence_with_us_inside(seed_sentences):
    [sentence] = [s for s in seed_sentences if "U.S. had no involvement" in s]
    assert sentence.startswith("Officials at the State Department and Pentagon stressed")
    assert sentence.endswith("did not encourage the Ukrainians to attack the targets.")


def test_seed_004_spans_slice_the_text():
    spans = sentence_spans(SEED_004)
    assert [SEED_004[start:end] for start, end in spans] == split_sentences(SEED_004)
    ends = [end for _, end in spans]
    starts = [start for start, _ in spans]
    assert all(end <= next_start for end, next_start in zip(ends, starts[1:], strict=False))
    assert all(SEED_004[start:end] == SEED_004[start:end].strip() for start, end in spans)


@pytest.mark.parametrize("text, expected", [
    ("Maj. Gen. Patrick Ryder briefed reporters. He declined to comment.",
     ["Maj. Gen. Patrick Ryder briefed reporters.", "He declined to comment."]),
    ("Lt. Col. Smith and Dr. Jones agreed. Sen. Warren did not.",
     ["Lt. Col. Smith and Dr. Jones agreed.", "Sen. Warren did not."]),
    ("Antony J. Blinken arrived. He met David Lammy.",
     ["Antony J. Blinken arrived.", "He met David Lammy."]),
    ("J. R. R. Tolkien wrote it. Then he died.",
     ["J. R. R. Tolkien wrote it.", "Then he died."]),
    ("Is it over? No! It is not.", ["Is it over?", "No!", "It is not."]),
    ("He said: “We are ready.” The talks began.", ["He said: “We are ready.”", "The talks began."]),
    ("He said so. “We are ready,” he added.", ["He said so.", "“We are ready,” he added."]),
    ("“Why?” he asked. Nobody answered.", ["“Why?” he asked.", "Nobody answered."]),
    ("The U.S. Army said so. The U.K. agreed.", ["The U.S. Army said so.", "The U.K. agreed."]),
    ("They met at No. 10 Downing Street. Talks went on.",
     ["They met at No. 10 Downing Street.", "Talks went on."]),
    ("It cost $1.1 billion. Then it rose.", ["It cost $1.1 billion.", "Then it rose."]),
    ("He went to St. Petersburg in Oct. 2022. Then Moscow.",
     ["He went to St. Petersburg in Oct. 2022.", "Then Moscow."]),
])
def test_invented_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("A subhead without a stop\n\nThe body follows.", ["A subhead without a stop", "The body follows."]),
    ("Line one\nLine two.", ["Line one", "Line two."]),
    ("Troops left the U.S.\n\nThey arrived home.", ["Troops left the U.S.", "They arrived home."]),
    ("  Padded sentence.  \n\n\n  Another one.  ", ["Padded sentence.", "Another one."]),
])
def test_newlines_end_sentences(text, expected):
    assert split_sentences(text) == expected


def test_lowercase_after_full_stop_does_not_split():
    assert split_sentences("He left at 5 p.m. on Monday. She stayed.") == [
        "He left at 5 p.m. on Monday.", "She stayed.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_blank_text_has_no_sentences(text):
    assert split_sentences(text) == []
    assert sentence_spans(text) == []
