"""A lone surname is the person the index names in full with it, when one person owns it."""

from __future__ import annotations

import pytest

from search.entities.surnames import OWNER_MIN_DOCUMENTS, OWNER_SHARE, SurnameOwners

REUTERS_REAGANS = {"Reagan": 315, "Ronald Reagan": 20, "President Reagan": 2, "Nancy Reagan": 1,
                   "Michael Reagan": 1}


def test_a_surname_most_full_names_share_is_theirs():
    owners = SurnameOwners.of_counts(REUTERS_REAGANS)
    assert owners.fold("reagan", "Reagan") == ("ronald reagan", "Ronald Reagan")
    assert owners.fold("nancy reagan", "Nancy Reagan") == ("nancy reagan", "Nancy Reagan")
    assert owners.names("Ronald Reagan") == ["Ronald Reagan", "reagan"]
    assert owners.names("Reagan") == ["Ronald Reagan", "reagan"], "the surname filters as its owner"
    assert owners.names("Nancy Reagan") == ["Nancy Reagan"]


def test_a_surname_several_people_share_stays_itself():
    owners = SurnameOwners.of_counts({"Carter": 3, "Jimmy Carter": 4, "Donald Carter": 2, "Mason Carter": 1})
    assert owners.fold("carter", "Carter") == ("carter", "Carter")
    assert owners.names("Carter") == ["Carter"]


@pytest.mark.parametrize("share", [OWNER_SHARE - 0.01, OWNER_SHARE])
def test_the_owner_needs_its_share_of_the_full_names(share):
    others = 100 - round(share * 100)
    owners = SurnameOwners.of_counts({"Baker": 2, "James Baker": 100 - others, "Howard Baker": others})
    assert ("baker" in owners.owners) == (share >= OWNER_SHARE)


def test_a_full_name_printed_too_seldom_owns_nothing():
    seldom = SurnameOwners.of_counts({"Subroto": 12, "Mines Subroto": OWNER_MIN_DOCUMENTS - 1})
    assert not seldom.owners
    assert SurnameOwners.of_counts({"Subroto": 12, "Mines Subroto": OWNER_MIN_DOCUMENTS}).owners


def test_printings_of_one_name_count_together_and_the_most_printed_is_shown():
    owners = SurnameOwners.of_counts({"REAGAN": 5, "Ronald Reagan": 2, "RONALD REAGAN": 1, "reagan": 1})
    assert owners.fold("reagan", "REAGAN") == ("ronald reagan", "Ronald Reagan")


def test_the_table_reads_back_as_kept():
    owners = SurnameOwners.of_counts(REUTERS_REAGANS)
    assert SurnameOwners.of_lines(owners.lines()) == owners


def test_a_middle_name_or_initial_is_the_two_word_name_and_its_surname_is_theirs_together():
    owners = SurnameOwners.of_counts({"Martin T. Sosnoff": 7, "Martin Sosnoff": 10, "Sosnoff": 4,
                                      "Ann Sosnoff": 4})
    assert owners.fold("martin t. sosnoff", "Martin T. Sosnoff") == ("martin sosnoff", "Martin Sosnoff")
    assert owners.fold("sosnoff", "Sosnoff") == ("martin sosnoff", "Martin Sosnoff"), "17 of 21"
    assert sorted(owners.names("Martin Sosnoff")) == ["Martin Sosnoff", "martin t. sosnoff", "sosnoff"]
    assert "ann sosnoff" not in owners.owners


def test_the_form_most_documents_print_names_the_person():
    owners = SurnameOwners.of_counts({"Richard von Weizsaecker": 10, "Richard Weizsaecker": 1})
    assert owners.fold("richard weizsaecker", "Richard Weizsaecker") == (
        "richard von weizsaecker", "Richard von Weizsaecker")
    assert "richard von weizsaecker" not in owners.owners


def test_a_short_first_name_is_the_full_one_across_articles():
    owners = SurnameOwners.of_counts({"Jim Wright": 34, "James Wright": 9, "James C. Wright": 2,
                                      "Wright": 40})
    speaker = ("jim wright", "Jim Wright")
    assert owners.fold("james wright", "James Wright") == speaker
    assert owners.fold("james c. wright", "James C. Wright") == speaker
    assert owners.fold("wright", "Wright") == speaker, "the surname joins the merged person"
    assert sorted(owners.names("Jim Wright")) == ["Jim Wright", "james c. wright", "james wright", "wright"]


def test_a_short_form_of_two_first_names_merges_nobody():
    owners = SurnameOwners.of_counts({"Chris Smith": 5, "Christopher Smith": 4, "Christine Smith": 3})
    assert owners.fold("chris smith", "Chris Smith") == ("chris smith", "Chris Smith")
    assert owners.fold("christopher smith", "Christopher Smith") == ("christopher smith", "Christopher Smith")
