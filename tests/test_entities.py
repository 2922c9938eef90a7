"""Named entities (search/entities/): the seeds, invented articles, the tables (speed: bench)."""


import pytest
from conftest import BLINKEN_LAMMY, CORPUS, HOLR, SEEDS, TELEGRAPH_PRINT, WASHINGTON_TIMES, build_jsonl_index

from search.engine import Engine
from search.entities import (
    Entity,
    acronym_definitions,
    country_of,
    entity_tables,
    extract_entities,
    salience,
)
from search.plaintext import parse_article


def seed_entities(name):
    parsed = parse_article((CORPUS / f"{name}.txt").read_text(encoding="utf-8"))
    return extract_entities(parsed.title, parsed.text)


def by_name(entities):
    return {entity.name: entity for entity in entities}


def names_of(entities, kind):
    return {entity.name for entity in entities if entity.type == kind}


def one(entities, name, kind):
    found = by_name(entities).get(name)
    assert found is not None, (name, sorted(by_name(entities)))
    assert found.type == kind, found
    return found


# --- seed 000: the Telegraph print edition ------------------------------------------------------

@pytest.fixture(scope="module")
def telegraph():
    return seed_entities(TELEGRAPH_PRINT)


def test_seed_000_ben_wallace_is_a_person_among_the_most_salient(telegraph):
    wallace = one(telegraph, "Ben Wallace", "person")
    assert wallace.mentions >= 3
    assert {"BEN WALLACE", "Wallace"} <= set(wallace.forms)  # `Mr Wallace` printed: the title is not the name
    assert not any(form.startswith(("Mr", "Defence")) for form in wallace.forms), wallace.forms
    assert wallace in telegraph[:3]
    assert wallace.salience == max(e.salience for e in telegraph if e.type == "person")


@pytest.mark.parametrize("name", ["Lloyd Austin", "Jens Stoltenberg", "Patrick Ryder", "James Martin",
                                  "Emmanuel Macron", "Liz Truss"])
def test_seed_000_people_found_by_rules(telegraph, name):
    one(telegraph, name, "person")


def test_seed_000_mr_austin_resolves_to_lloyd_austin(telegraph):
    austin = one(telegraph, "Lloyd Austin", "person")
    assert austin.forms == ("Lloyd Austin", "Austin")  # `Mr Austin`: the name without its title
    assert austin.mentions == 2
    assert "Austin" not in by_name(telegraph)


def test_seed_000_maj_gen_martin_resolves_to_james_martin(telegraph):
    martin = one(telegraph, "James Martin", "person")
    assert martin.forms == ("James Martin", "Martin")  # `Maj Gen Martin` among them
    assert martin.mentions == 4
    assert not {"Martin", "Gen Martin", "Maj Gen Martin"} & set(by_name(telegraph))


def test_seed_000_organisations_places_and_weapons(telegraph):
    one(telegraph, "NATO", "org")
    one(telegraph, "Pentagon", "org")
    one(telegraph, "Ministry of Defence", "org")
    for place in ("Kyiv", "Ukraine", "Russia", "Sennelager", "Tehran", "Brussels", "Crimea"):
        one(telegraph, place, "place")
    amraam = one(telegraph, "AMRAAM", "weapon")
    assert amraam.forms == ("Amraam",)


def test_seed_000_sentence_starts_are_not_entities(telegraph):
    raw = (CORPUS / f"{TELEGRAPH_PRINT}.txt").read_text(encoding="utf-8")
    for entities in (telegraph, extract_entities(None, raw)):
        printed = {form for entity in entities for form in entity.forms} | set(by_name(entities))
        for word in ("Yesterday", "The", "Newspapers", "State-of-the-art", "Exercise Cerberus"):
            assert word not in printed


def test_seed_000_britain_is_a_place_and_downing_street_no_person(telegraph):
    kingdom = one(telegraph, "United Kingdom", "place")
    assert "Britain" in kingdom.forms
    people = names_of(telegraph, "person")
    assert not any("Britain" in person or "Downing" in person for person in people)
    one(telegraph, "Downing Street", "org")


# --- seed 002: Blinken and Lammy in Kyiv ---------------------------------------------------------

@pytest.fixture(scope="module")
def diplomats():
    return seed_entities(BLINKEN_LAMMY)


def test_seed_002_blinken_is_mentioned_four_times(diplomats):
    blinken = one(diplomats, "Antony Blinken", "person")
    assert blinken.mentions >= 4
    assert "Blinken" in blinken.forms


@pytest.mark.parametrize("name", ["David Lammy", "Volodymyr Zelensky", "Dmitry Peskov", "Joe Biden"])
def test_seed_002_people(diplomats, name):
    one(diplomats, name, "person")


def test_seed_002_imf_and_atacms(diplomats):
    one(diplomats, "International Monetary Fund", "org")
    atacms = one(diplomats, "ATACMS", "weapon")
    assert set(atacms.forms) == {"Army Tactical Missile Systems", "ATACMS"}
    assert atacms.mentions == 2  # the definition `Long (SHORT)` is one mention, not two
    one(diplomats, "Storm Shadow", "weapon")


def test_seed_002_acronym_definition_is_learned():
    text = parse_article((CORPUS / f"{BLINKEN_LAMMY}.txt").read_text(encoding="utf-8")).text
    assert ("ATACMS", "Army Tactical Missile Systems") in acronym_definitions(text)


def test_seed_002_title_case_headline_names_no_one(diplomats):
    people = names_of(diplomats, "person")
    assert not people & {"Diplomats", "Key Talks", "Military Support", "Long-Range Weapons"}
    assert one(diplomats, "Kyiv", "place").salience > one(diplomats, "Moscow", "place").salience


# --- seeds 003 and 004 ---------------------------------------------------------------------------

def test_seed_003_headline_verb_is_not_a_person_and_possessives_are_people():
    entities = seed_entities(HOLR)
    assert "Visits" not in by_name(entities)
    assert names_of(entities, "person") == {"Rustem Umerov", "Shapps", "Zelensky"}  # `Shapps’ inaugural trip`
    assert one(entities, "United Kingdom", "place").salience > 0.5


def test_seed_004_blinken_has_two_mentions_and_zelenskyy_folds():
    entities = seed_entities(WASHINGTON_TIMES)
    blinken = one(entities, "Antony Blinken", "person")
    assert blinken.mentions == 2
    assert "Blinken" in blinken.forms  # `Mr. Blinken`
    zelensky = one(entities, "Volodymyr Zelensky", "person")
    assert "Zelenskyy" in zelensky.forms  # `Mr. Zelenskyy`
    one(entities, "HIMARS", "weapon")
    one(entities, "State Department", "org")


def test_every_seed_yields_sorted_entities_of_known_types():
    for path in SEEDS:
        parsed = parse_article(path.read_text(encoding="utf-8"))
        entities = extract_entities(parsed.title, parsed.text)
        assert entities, path.name
        assert {e.type for e in entities} <= {"person", "org", "place", "weapon", "acronym"}
        keys = [(-e.salience, e.name) for e in entities]
        assert keys == sorted(keys)
        assert all(0.0 <= e.salience <= 1.0 and e.mentions >= 1 for e in entities)


# --- invented articles: names no seed has ------------------------------------------------------

def test_title_appositive_and_said_rules_find_new_people():
    text = (
        "Finance Minister Tomas Eriksberg met Dr Amara Okonkwo-Reyes in Oslo on Monday.\n"
        "Halvor Nystuen, the central bank governor, said rates would stay on hold. "
        "Kremlin spokeswoman Irina Volkova declined to comment. "
        "Greta Lindqvist told reporters the talks had gone well, and Okonkwo-Reyes agreed."
    )
    entities = extract_entities("Talks in Oslo", text)
    people = names_of(entities, "person")
    assert {"Tomas Eriksberg", "Amara Okonkwo-Reyes", "Halvor Nystuen", "Irina Volkova",
            "Greta Lindqvist"} <= people
    assert one(entities, "Amara Okonkwo-Reyes", "person").mentions == 2
    assert one(entities, "Oslo", "place").salience > 0.5


def test_reverse_appositive_and_portfolio_titles():
    text = ("The Chilean president, Mateo Larraín, spoke first. "
            "Minister of State for Trade Olwen Pritchard-Hughes followed him.")
    people = names_of(extract_entities(None, text), "person")
    assert {"Mateo Larraín", "Olwen Pritchard-Hughes"} <= people


def test_a_full_name_is_a_person_when_its_surname_alone_is_cued_later():
    text = ("Agnieszka Ladon won 40.9 percent of the vote, against 38.5 percent for Bartosz Kedzierski. "
            "\u201cTonight I finished first,\u201d Ladon said. Kedzierski, 47, conceded nothing. "
            "Economic Daily reported the result. Daily said turnout was low. "
            "Results for the week ended November Four.\nOn December Four, the commission agreed.")
    entities = extract_entities("Gdansk votes", text)
    people = names_of(entities, "person")
    assert {"Agnieszka Ladon", "Bartosz Kedzierski"} <= people
    assert one(entities, "Agnieszka Ladon", "person").mentions == 2
    assert not people & {"Economic Daily", "November Four", "Ladon", "Kedzierski"}, people


def test_vessels_firms_and_seas_are_no_people_but_a_titled_name_is_one():
    text = ("A crew member aboard the Aurelia Wind, who asked not to be named, saw smoke. "
            "In Duisburg, the plastics maker Sturmfeld Kunststoffe said it had moved its stock. "
            "Dock workers idled the North Sea's three busiest hubs, Irawo Biologics said. "
            "Skipper Henk Dijkgraaf said his barge had left. The president, Marta Lindqvist, agreed.")
    entities = extract_entities(None, text)
    people = names_of(entities, "person")
    assert people == {"Henk Dijkgraaf", "Marta Lindqvist"}, people
    assert one(entities, "North Sea", "place") and one(entities, "Irawo Biologics", "org")


def test_a_role_before_a_name_makes_a_person_and_opening_a_sentence_is_no_part_of_it():
    text = ("Trading was heavy.\nDeveloper Donald Trump said he had bought the stake. Trump said more. "
            "Investor Carl Icahn, 51, made a bid. Investor Savings Corp said it would fight.")
    entities = extract_entities(None, text)
    assert one(entities, "Donald Trump", "person").mentions == 2
    bought = extract_entities(None, "It bought back shares from real estate tycoon Donald Trump.")
    assert one(bought, "Donald Trump", "person"), "the role before the name makes it a person's"
    assert one(entities, "Carl Icahn", "person")
    assert one(entities, "Investor Savings Corp", "org")
    assert not {"Developer Donald Trump", "Investor Carl Icahn"} & by_name(entities).keys()


def test_a_title_before_a_company_name_makes_no_person():
    """`King World Productions Inc` was the person World Productions (`King` is a title)."""
    entities = extract_entities(None, "Shares of King World Productions Inc rose. King Hussein spoke.")
    assert one(entities, "King World Productions Inc", "org") and one(entities, "Hussein", "person")
    assert "World Productions" not in by_name(entities)


def test_capitals_and_surnames_resolve_to_the_fullest_name():
    text = (
        "MARGIT SOLBERG flew to Brussels yesterday.\n"
        "Ms Solberg, the Norwegian trade minister, said the deal was close. "
        "Solberg added that talks would resume."
    )
    entities = extract_entities("Solberg flies to Brussels", text)
    solberg = one(entities, "Margit Solberg", "person")
    assert solberg.mentions == 4
    assert {"MARGIT SOLBERG", "Solberg"} <= set(solberg.forms)  # `Ms Solberg` among the four
    assert entities[0] is solberg
    assert "Solberg" not in by_name(entities)


def test_a_shared_surname_goes_to_the_last_person_named():
    text = (
        "Treasury Secretary James Baker met White House Chief of Staff Howard Baker. "
        "Later Baker told reporters the meeting had been useful."
    )
    entities = extract_entities(None, text)
    assert one(entities, "James Baker", "person").mentions == 1
    assert one(entities, "Howard Baker", "person").mentions == 2


def test_shouted_headline_counts_people_named_in_the_body():
    entities = extract_entities("BAKER SAYS U.S. OPPOSES SOVIET BANK MEMBERSHIP",
                                "Treasury Secretary James Baker said the U.S. opposes Soviet membership.")
    baker = one(entities, "James Baker", "person")
    assert baker.mentions == 2
    assert entities[0] is baker
    assert "SAYS" not in by_name(entities) and "OPPOSES" not in by_name(entities)


@pytest.mark.parametrize("text, person", [
    ("Regulators fined Ivan F. Boesky and two partners.", "Ivan F. Boesky"),
    ("Analysts praised Carl Icahn's bid for the airline.", "Carl Icahn"),
    ("Marta Kowalczyk, who chairs the panel, stayed away.", "Marta Kowalczyk"),
    ("The head of the institute, Jorio Dauster, said prices would rise.", "Jorio Dauster"),
    ("Bank of Finland Governor Rolf Kullberg told a news conference rates would fall.", "Rolf Kullberg"),
    ("Prices rose, said Fed chairman Paulo Verdecchia, in a speech.", "Paulo Verdecchia"),
])
def test_more_person_rules(text, person):
    assert person in names_of(extract_entities(None, text), "person")


@pytest.mark.parametrize("text, person, wrong", [  # Reuters printings that took a word into a name
    ('Kaufman said, "Unlike Paul Volcker, who came from the New York Fed, he is untested."',
     "Paul Volcker", "Unlike Paul Volcker"),
    ("Indonesia's Minister of Energy and Mines Subroto said today OPEC faces a choice.",
     "Subroto", "Mines Subroto"),
    ("Japan's Minister of International Trade and Industry Hajime Tamura said exports fell.",
     "Hajime Tamura", "Industry Hajime Tamura"),
    ("A former chairman of President Reagan's Council of Economic Advisers said so.",
     "Reagan", "President Reagan"),
    ("U.S. Under-Secretary of State for Economic Affairs Orrin Talvane told reporters so.",
     "Orrin Talvane", "Economic Affairs Orrin Talvane"),
    ("Later he meets Undersecretary of State Affairs Orrin Talvane in Washington.",
     "Orrin Talvane", "Affairs Orrin Talvane"),
    ("West Germany's Minister of Foreign Affairs Hans Peter Velkerding spoke first.",
     "Hans Peter Velkerding", "Peter Velkerding"),
    ("Chief Inspector of Mines Radzi Omarudin told reporters output fell.",
     "Radzi Omarudin", "Mines Radzi Omarudin"),
    ("Company spokesman Piers Vandeleur said the talks went well.",  # a given name read as a plural
     "Piers Vandeleur", "Vandeleur"),
    ("Indonesian Minister of Mines and Energy Kartowi told reporters output fell.",
     "Kartowi", "Energy Kartowi"),
])
def test_an_opening_quote_a_portfolio_with_and_or_a_possessive_keep_words_out_of_a_name(text, person, wrong):
    people = names_of(extract_entities(None, text), "person")
    assert person in people and wrong not in people


def test_rules_need_a_cue_and_a_lowercase_title_needs_two_words():
    text = "Colour Field Park opened on Monday. A major Grunwald refinery shut."
    assert names_of(extract_entities(None, text), "person") == set()


def test_a_short_name_printed_before_a_fuller_one_is_its_own_person():
    text = ("President Halvorsen opened the session. Later Ingrid Halvorsen, a lawyer, "
            "said she backed the plan.")
    entities = extract_entities(None, text)
    assert "President Halvorsen" not in one(entities, "Ingrid Halvorsen", "person").forms
    one(entities, "Halvorsen", "person")


def test_an_organisation_takes_in_the_place_before_it():
    entities = extract_entities(None, "Copper fell on the London Metal Exchange on Monday.")
    one(entities, "London Metal Exchange", "org")
    one(entities, "London", "place")
    bank = by_name(extract_entities(None, "The Bank of Finland Governor spoke."))["Bank of Finland"]
    assert bank.type == "org"


def test_sentence_initial_words_do_not_join_names():
    text = "Yesterday Ulrike Brandauer said the plant would close. Meanwhile Ulrike Brandauer left."
    people = names_of(extract_entities(None, text), "person")
    assert people == {"Ulrike Brandauer"}


def test_places_and_organisations_are_not_people():
    text = "Britain said on Monday it would act. Downing Street said the same, and Exxon Corp said nothing."
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    one(entities, "Exxon", "org")


def test_company_words_make_organisations_not_people():
    text = ("Wako International said profits rose. Halvard Capital Partners said it would bid. "
            "Dunmore Cement said sales fell, and Tarvin Enterprise said it would buy four ships.")
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    assert {"Wako International", "Halvard Capital Partners", "Dunmore Cement", "Tarvin Enterprise"} \
        <= names_of(entities, "org")


def test_a_mortgage_agency_named_by_its_nickname_is_the_agency():
    entities = extract_entities(None, "Fannie Mae said the swap includes 15-year mortgages.")
    assert names_of(entities, "person") == set()
    one(entities, "Fannie Mae", "org")


def test_du_pont_printed_with_its_initials_is_the_company_not_a_person():
    entities = extract_entities(None, "E.I. Du Pont de Nemours and Co said sales rose. Pete du Pont said so.")
    assert names_of(entities, "person") == {"Pete du Pont"}
    one(entities, "Du Pont De Nemours", "org")


def test_newspapers_quoted_as_saying_are_not_people():
    text = ("The Lindauer Zeitung newspaper said exports fell. \"Orders are weak,\" Lindauer Zeitung said. "
            "Korven Daily said prices rose, and Mosel Allgemeine said nothing.")
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    assert {"Lindauer Zeitung", "Korven Daily", "Mosel Allgemeine"} <= names_of(entities, "org")


def test_a_name_introduced_as_a_company_is_one_wherever_the_article_names_it():
    text = ("The ferry is owned by the British company Harwell Thoresby, a spokesman said. "
            "A lawyer for the owners, Harwell Thoresby, said the bow doors were shut. "
            "The daily Svornost Vecerni said so too, and the firm Corbett and Lusk agreed.")
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    orgs = names_of(entities, "org")
    assert {"Harwell Thoresby", "Svornost Vecerni"} <= orgs
    assert one(entities, "Harwell Thoresby", "org").mentions == 2
    assert "Corbett" not in orgs  # the name goes on past `and`: its first word alone names nothing


def test_a_person_after_a_company_word_and_a_possessive_stays_a_person():
    text = "Analysts told the company Varnholt's offer was too low, Gerd Varnholt said."
    assert "Varnholt" not in names_of(extract_entities(None, text), "org")


def test_organisation_suffixes_and_x_of_y():
    text = ("Officers of the Northern Signals Brigade briefed the Ministry of Fisheries and Coastal "
            "Affairs of Norway on Tuesday.")
    entities = extract_entities(None, text)
    orgs = names_of(entities, "org")
    assert "Northern Signals Brigade" in orgs
    assert "Ministry of Fisheries and Coastal Affairs of Norway" in orgs
    one(entities, "Norway", "place")


def test_demonyms_plurals_and_compounds_name_places():
    text = "Iranian drones hit the port. Russians and Ukrainians fought on in the Russia-Ukraine war."
    entities = extract_entities(None, text)
    assert "Iranian" in one(entities, "Iran", "place").forms
    assert "Russians" in one(entities, "Russia", "place").forms
    assert one(entities, "Ukraine", "place").mentions == 2


def test_dateline_in_capitals_is_a_place_and_us_pronoun_is_not():
    entities = extract_entities(None, "KYIV, Ukraine - Officials told us the US would help.")
    one(entities, "Kyiv", "place")
    assert one(entities, "United States", "place").forms == ("US",)


def test_title_case_acronyms_match_mid_sentence_only():
    entities = extract_entities(None, "The Nato summit backed more Himars launchers. Harm was done.")
    one(entities, "NATO", "org")
    one(entities, "HIMARS", "weapon")
    assert "HARM" not in by_name(entities)



# --- sentence starts on wire copy ---------------------------------------------------------------

@pytest.mark.parametrize("title, text, word", [
    ("TARNWELL TANGLES HALVERSON BID",
     "Analysts doubt the merger. Adding Halverson, dominant in the south, to the mix would help.", "Adding"),
    ("LINDQVIST BACKS PLAN", "The minister spoke first. Echoing Lindqvist, the board said it would go on.",
     "Echoing"),
    ("NORVANE TO STAY", "Talks resumed. Replacing Norvane would take years, the board said.", "Replacing"),
    ("TARNWELL SHARES UNSOLD", "Prices fell. Remained Tarnwell shares were unsold, they said.", "Remained"),
    ("OKAFOR SILENT ON PLAN", "Neither Okafor nor his aides commented on the plan.", "Neither"),
    ("TARNWELL UNIT SHUT", "Another Tarnwell unit shut on Monday.", "Another"),
    ("HALVORSEN LOSES", "Though Halvorsen objected, the deal went on.", "Though"),
    ("TARNWELL RIVALS QUIET", "Among Tarnwell rivals, none spoke.", "Among"),
    ("TARNWELL SILENT", "Separately Tarnwell said nothing.", "Separately"),
])
def test_a_verb_or_function_word_opening_a_sentence_joins_no_name(title, text, word):
    """The headline names the word after it, which made `Adding Halverson` a person
    (a name whose surname the headline prints)."""
    entities = extract_entities(title, text)
    printed = {form for entity in entities for form in entity.forms} | set(by_name(entities))
    assert not any(word in name.split() for name in printed), sorted(printed)


def test_a_day_or_month_after_in_or_on_joins_no_name():
    text = ("Kemal Okafor, the chairman, spoke first. In February Tarnwell Corp had offered 71 dlrs, and "
            "on Friday Okafor said the offer stood. The Sunday Times said so too.")
    entities = extract_entities(None, text)
    printed = {form for entity in entities for form in entity.forms} | set(by_name(entities))
    assert not {name for name in printed if name.split()[0] in ("February", "Friday")}, sorted(printed)
    assert one(entities, "Kemal Okafor", "person").mentions == 2
    one(entities, "Tarnwell Corp", "org")


def test_the_word_after_a_sentence_opening_verb_is_still_a_known_person():
    text = "Carl Halverson said he would bid. Adding Halverson to the board, the chairman said, was wrong."
    halverson = one(extract_entities(None, text), "Carl Halverson", "person")
    assert halverson.mentions == 2 and "Halverson" in halverson.forms


def test_company_names_that_begin_with_an_ordinary_word_keep_it():
    text = ("Consolidated Tarnwell Inc said profits rose. Circuit Systems Inc said it sold its circuit "
            "board unit. Pershing Velde, a lawyer, said the sale would go ahead.")
    entities = extract_entities(None, text)
    assert {"Consolidated Tarnwell Inc", "Circuit Systems Inc"} <= names_of(entities, "org")
    one(entities, "Pershing Velde", "person")  # a name ending in -ing that is no English verb



# --- company names -------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["Corp", "Inc", "Co", "Ltd"])
def test_a_legal_form_with_and_without_its_stop_is_one_organisation(suffix):
    text = (f"Piedmont Aviation has an offer from Halvard Southern {suffix}.\n"
            f"Halvard Southern {suffix} said on Monday it stuck with its offer, and Halvard Southern "
            "declined to say more.")
    entities = extract_entities(None, text)
    halvard = [e for e in entities if e.type == "org" and "Halvard" in e.name]
    assert len(halvard) == 1, halvard
    assert halvard[0].name == f"Halvard Southern {suffix}"  # the stop was the full stop too
    assert halvard[0].mentions == 3
    assert {f"Halvard Southern {suffix}.", f"Halvard Southern {suffix}", "Halvard Southern"} \
        == set(halvard[0].forms)


def test_an_organisation_is_shown_in_its_most_complete_printed_form():
    text = ("Talks with Tarnwell Shipping Co., the owner, ended. Tarnwell Shipping Co said on Monday it "
            "would sell.\nTARNWELL SHIPPING CO <TSC> TO SELL\nTarnwell Shipping Company rejected the bid.")
    tarnwell = [e for e in extract_entities(None, text) if "arnwell" in e.name]
    assert [(e.name, e.type, e.mentions) for e in tarnwell] == [("Tarnwell Shipping Company", "org", 4)]


def test_a_stopped_legal_form_ends_the_name_before_the_next_sentence():
    text = ("Piedmont has an offer from Halvard Southern Corp. Halvard owns 20 pct of Piedmont. "
            "Orvane Bank Corp International said it would lend.")
    orgs = names_of(extract_entities(None, text), "org")
    assert "Halvard Southern Corp" in orgs
    assert not any(name.endswith("Halvard") for name in orgs), orgs
    assert "Orvane Bank Corp International" in orgs  # without a stop the name goes on



@pytest.mark.parametrize("company", ["Halvard AB", "Tarnwell Oy", "Orvane A/S", "Kestrel Partners LP",
                                     "Norvane KK", "Brambilla SpA", "Velde Holding BV"])
def test_foreign_legal_forms_end_company_names_and_are_no_acronyms(company):
    entities = extract_entities(None, f"Shares of {company} rose on Monday, dealers said.")
    one(entities, company, "org")
    assert names_of(entities, "acronym") == set()


def test_a_person_named_like_a_company_of_the_article_is_that_company():
    text = ("Halvard Fine Art Corp said it would list its shares. Halvard Fine Art said the listing "
            "would raise 10 mln dlrs.")
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    assert one(entities, "Halvard Fine Art Corp", "org").mentions == 2


def test_ticker_symbols_are_no_entities_but_bracketed_names_are():
    entities = extract_entities("TARNWELL CORP <NSC> SETS SPLIT",
                                "Tarnwell Corp <NSC.N> said its board approved a split. <Velde Holding BV> "
                                "of Rotterdam said it backed the plan.")
    assert "National Security Council" not in by_name(entities)
    assert {"Tarnwell Corp", "Velde Holding BV"} <= names_of(entities, "org")



# --- the article's own source ----------------------------------------------------------------------

AT_WORK = (
    "LONDON (Reuters) - Output rose in March, a bank spokesman told Reuters. Economists polled by "
    "Reuters had expected a fall, and a Reuter survey of dealers agreed. In an interview with Reuters, "
    "Halvard Okafor said the figures were sound.\nREUTER"
)
ABOUT = ("Reuters Holdings Plc said it would carry the service from May. Reuters will charge "
         "subscribers, the company said.")


def test_the_source_at_work_is_no_entity_of_its_story():
    entities = extract_entities("OUTPUT RISES", AT_WORK, source="Reuters")
    assert "Reuters" not in by_name(entities)
    one(entities, "London", "place")
    assert "Reuters" in by_name(extract_entities("OUTPUT RISES", AT_WORK))  # no source given: kept


def test_the_source_stays_an_entity_where_the_story_is_about_it():
    entities = extract_entities("REUTERS TO CARRY JIJI SERVICE", ABOUT, source="Reuters")
    assert one(entities, "Reuters", "org").mentions == 3
    mixed = extract_entities(None, f"{ABOUT} A spokesman told Reuters the price was fair.", source="Reuters")
    assert one(mixed, "Reuters", "org").mentions == 2


@pytest.mark.parametrize("source", ["Halvard Gazette", "The Halvard Gazette"])
def test_any_source_is_dropped_where_it_is_credited(source):
    text = ("By Greta Lindqvist, Halvard Gazette\nThe mayor told the Halvard Gazette the plan would go "
            "ahead. Halvard Gazette Ltd said it would cut 40 jobs.")
    gazette = one(extract_entities(None, text, source=source), "Halvard Gazette Ltd", "org")
    assert gazette.forms == ("Halvard Gazette Ltd",)


def test_tag_lists_never_feed_entity_recognition(tmp_path):
    """Records' own tags (Reuters' places, people, orgs ...) are metadata, not text: the entities
    of a record with tags are those of its headline and body alone."""
    title, text = "GRAIN TALKS RESUME", "Wheat traders in Winnipeg said talks would resume on Monday."
    tags = {"topics": ["crude"], "tags": ["Kemal Okafor"], "keywords": ["Halvard Corp"], "section": "Oslo",
            "category": "NATO", "places": ["japan", "Brazil"], "people": ["volcker", "Paul Volcker"],
            "orgs": ["opec", "IMF"], "exchanges": ["nyse"]}
    engine = Engine(build_jsonl_index(tmp_path, [{"id": "tagged", "title": title, "text": text, **tags}]))
    stored = {(entity["name"], entity["type"]) for entity in engine.article("tagged")["entities"]}
    assert stored == {(e.name, e.type) for e in extract_entities(title, text)}
    assert ("Winnipeg", "place") in stored
    tagged = {"Japan", "Brazil", "Paul Volcker", "OPEC", "IMF", "NATO", "Oslo", "Kemal Okafor", "Halvard"}
    assert not {name for name, _ in stored} & tagged


def test_the_indexer_passes_the_records_source(tmp_path):
    records = [{"id": "at-work", "title": "OUTPUT RISES", "text": AT_WORK, "source": "Reuters"},
               {"id": "about", "title": "REUTERS TO CARRY JIJI SERVICE", "text": ABOUT, "source": "Reuters"}]
    engine = Engine(build_jsonl_index(tmp_path, records))
    names = {doc: {entity["name"] for entity in engine.article(doc)["entities"]}
             for doc in ("at-work", "about")}
    assert "Reuters" not in names["at-work"] and "London" in names["at-work"]
    assert "Reuters" in names["about"]



def test_english_words_ending_in_a_plural_noun_name_no_person():
    text = ("The United Auto Workers said it would strike. Social Democrats said they backed it. "
            "Anne Mills, a lawyer, said the union was right, and Robert Gates said so too.")
    assert names_of(extract_entities(None, text), "person") == {"Anne Mills", "Robert Gates"}



# --- possessives ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, person", [
    ("Grant Shapps’ inaugural trip to Kyiv was planned for weeks. Shapps said the visit mattered.",
     "Grant Shapps"),
    ("Okafor’s office said on Monday the talks would go on. President Kemal Okafor was in Lagos.",
     "Kemal Okafor"),
    ("Shapps' inaugural trip to Kyiv was planned. Grant Shapps, the defence secretary, arrived on Monday.",
     "Grant Shapps"),
    ("Ben Wallace, the defence secretary, spoke. Wallace's aides said he would return.", "Ben Wallace"),
])
def test_a_possessive_does_not_hide_a_person(text, person):
    found = one(extract_entities(None, text), person, "person")
    assert found.mentions == 2, found
    assert names_of(extract_entities(None, text), "person") == {person}


@pytest.mark.parametrize("text, person", [
    ("The plan marked Lindqvist’s first visit to the region.", "Lindqvist"),
    ("A statement released by Okafor's office quoted the president.", "Okafor"),
    ("Analysts welcomed Vargas' resignation.", "Vargas"),
])
def test_a_lone_name_owning_what_only_a_person_has_is_a_person(text, person):
    one(extract_entities(None, text), person, "person")


def test_possessives_of_places_organisations_and_plural_nouns_name_no_one():
    text = ("Britain's economy grew. NATO's chief spoke. Tarnwell's board met, and Halvard Corp's offer "
            "stands. The Sheet Metal Workers' union and the Maize Producers' office agreed.")
    entities = extract_entities(None, text)
    assert names_of(entities, "person") == set()
    one(entities, "United Kingdom", "place")
    one(entities, "NATO", "org")
    one(entities, "Halvard Corp", "org")



# --- acronyms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, pair", [
    ("funded by the International Monetary Fund (IMF) in May", ("IMF", "International Monetary Fund")),
    ("a new Northern Grain Traders Council (NGTC) was formed", ("NGTC", "Northern Grain Traders Council")),
    ("armed with the Precision Strike Missile (PrSM) now", ("PrSM", "Precision Strike Missile")),
    ("the ZTL (Zonal Transit League) met", ("ZTL", "Zonal Transit League")),
])
def test_schwartz_hearst_definitions(text, pair):
    assert acronym_definitions(text) == [pair]


@pytest.mark.parametrize("text", [
    "He left on Tuesday (March 3) for Paris.",
    "Shares rose (up 5 pct) on the news.",
    "The group (OPEC) met.",
])
def test_no_definition_where_letters_do_not_match(text):
    assert acronym_definitions(text) == []


def test_definitions_in_the_text_type_their_acronyms():
    text = ("The Northern Grain Traders Council (NGTC) met in Winnipeg. NGTC members voted. "
            "Troops fired the Precision Strike Missile (PrSM) twice; PrSM stocks are low.")
    entities = extract_entities(None, text)
    council = one(entities, "Northern Grain Traders Council", "org")
    assert council.mentions == 2 and "NGTC" in council.forms
    missile = one(entities, "PrSM", "weapon")
    assert missile.mentions == 2


def test_a_local_definition_wins_over_the_gazetteer():
    text = "The International Cricket Council (ICC) ruled on Friday. The ICC fined the team."
    entities = extract_entities(None, text)
    assert one(entities, "International Cricket Council", "org").mentions == 2
    assert "International Criminal Court" not in by_name(entities)


def test_corpus_definitions_type_an_undefined_acronym():
    text = "The QMF called a strike at the Pilbara site."
    alone = by_name(extract_entities(None, text))
    assert alone["QMF"].type == "acronym"
    taught = extract_entities(None, text, {"QMF": "Quarry Miners Federation"})
    one(taught, "Quarry Miners Federation", "org")


def test_stop_acronyms_and_tickers_are_not_entities():
    entities = by_name(extract_entities(None, "The committee of MPS met. <TCT.L> shares rose, the CEO said."))
    assert not {"MPS", "MP", "TCT", "CEO"} & set(entities)


# --- shape, salience, tables, speed --------------------------------------------------------------

def test_as_dict_rounds_salience():
    entity = Entity("Ben Wallace", "person", 4, 0.83612, ("Mr Wallace",))
    assert entity.as_dict() == {"name": "Ben Wallace", "type": "person", "mentions": 4, "salience": 0.836}


def test_salience_weighs_frequency_headline_and_lead():
    assert salience(5, 5, True, True) == pytest.approx(1.0)
    assert salience(0, 0, False, False) == 0.0
    assert salience(1, 10, True, False) > salience(10, 10, False, False) - 0.5
    assert salience(2, 10, True, False) > salience(3, 10, False, False)
    assert salience(3, 10, False, True) > salience(3, 10, False, False)
    assert salience(4, 10, False, False) > salience(3, 10, False, False)


def test_empty_article_has_no_entities():
    assert extract_entities(None, "") == []
    assert extract_entities("", "all in lower case, no names at all.") == []


def test_tables_are_consistent():
    tables = entity_tables()
    assert tables.conflicts == ()
    assert country_of("Kyiv") == "Ukraine"
    assert country_of("France") == "France"
    assert country_of("Sennelager") == "Germany"
    assert country_of("Europe") is None
    assert len(tables.lexicon) > 1000


@pytest.mark.parametrize("name", ["Agnieszka Ładoń", "Ingrida Šimonytė", "Øystein Åsberg"])
def test_names_that_start_with_a_capital_beyond_latin_1_are_people(name):
    surname = name.split()[-1]
    text = f"{name} said the port would change. {surname} won 54.6 percent of the vote."
    assert one(extract_entities(None, text), name, "person").mentions == 2


def test_a_place_printed_with_accents_is_the_gazetteers_place():
    entities = extract_entities(None, "Talks in Gdańsk ended on Monday. The port of Gdansk reopened.")
    assert one(entities, "Gdansk", "place").mentions == 2


@pytest.mark.parametrize(("text", "weapons", "orgs"), [
    ("The notes are rated B-2 by Moody's and CCC-plus by S/P.", set(), {"Moody's"}),
    ("Caesars currently carries B-1 convertible debt.", set(), set()),
    ("Moody's cut the debt to Caa from B-2.", set(), {"Moody's"}),
    ("S and P cut the senior debt to CCC from B-minus.", set(), set()),
    ("The Air Force flew two B-2 bombers to Guam on Tuesday.", {"B-2"}, set()),
    ("Rockwell delivered the last B-1 to the Air Force.", {"B-1"}, set()),
    ("The CCC approved export credit guarantees for Iraq.", set(), {"Commodity Credit Corporation"}),
])
def test_a_credit_rating_grade_is_no_bomber_nor_organisation(text, weapons, orgs):
    """Reuters' 1987 wire prints B-1 and B-2 eighty times, every one a Moody's grade, and S&P's
    `CCC-plus` beside them: in a sentence about ratings they are grades; a bomber stays a bomber."""
    entities = extract_entities("Headline here", text)
    assert (names_of(entities, "weapon"), names_of(entities, "org")) == (weapons, orgs)


@pytest.mark.parametrize(("text", "org", "places"), [
    ("British Aerospace Plc said it won an order.", "British Aerospace Plc", {"United Kingdom"}),
    ("Canadian Pacific Ltd said it sold its unit.", "Canadian Pacific Ltd", {"Canada", "Pacific"}),
    ("Copper fell on the London Metal Exchange.", "London Metal Exchange", {"London"}),
])
def test_places_and_nationalities_before_a_legal_form_name_an_organisation(text, org, places):
    """`Canadian Pacific Ltd` was two places and no company. The places stay mentions: Reuters'
    editors tag a British company's story with the United Kingdom."""
    entities = extract_entities(None, text)
    one(entities, org, "org")
    assert names_of(entities, "place") == places


@pytest.mark.parametrize(("text", "orgs"), [
    ("Texaco Canada Inc said it raised prices. Texaco Canada, a unit of Texaco Inc, said it acted "
     "alone.", {"Texaco Canada Inc", "Texaco"}),
    ("Shell Canada Ltd cut its price. Shell Canada said the cut was needed.", {"Shell Canada Ltd"}),
    ("Chrysler Canada Ltd said sales rose.", {"Chrysler Canada Ltd"}),
    ("Exxon Corp said it sold Exxon Canada.", {"Exxon"}),  # no legal form: the parent and the place
])
def test_an_organisation_and_a_country_before_a_legal_form_are_its_subsidiary(text, orgs):
    """`Texaco Canada Inc` was Texaco and Canada, where a parent no table knows (`Cargill U.K. Ltd`)
    already made the subsidiary; its short name later in the article is the subsidiary too."""
    entities = extract_entities(None, text)
    assert names_of(entities, "org") == orgs
    assert "Canada" in names_of(entities, "place")


@pytest.mark.parametrize(("text", "orgs"), [
    ("Moody's Investors Service Inc said it cut the debt.", {"Moody's"}),
    ("Moody's Investors Service said it cut the debt.", {"Moody's"}),  # the table's other name
    ("McDonald's Corp said sales rose.", {"McDonald's Corp"}),
    ("Standard and Poor's Corp said it cut the debt.", {"Standard and Poor's"}),
])
def test_a_company_named_with_a_possessive_is_one_organisation(text, orgs):
    """Reuters' rating stories made an organisation of `Investors Service Inc` (137 stories)."""
    assert names_of(extract_entities(None, text), "org") == orgs


@pytest.mark.parametrize(("text", "people", "orgs"), [
    ("Home Shopping Network Inc bought a station. Home Shopping said it was profitable.",
     set(), {"Home Shopping Network Inc"}),
    ("Ben Wallace said the Ben Wallace Foundation would help.", {"Ben Wallace"}, {"Ben Wallace Foundation"}),
])
def test_a_company_called_by_its_first_words_is_no_person(text, people, orgs):
    """Reuters' `Home Shopping said` was a person beside `Home Shopping Network Inc`; a company
    (a legal form) is called by its first words, a foundation named for a person is not."""
    entities = extract_entities(None, text)
    assert (names_of(entities, "person"), names_of(entities, "org")) == (people, orgs)


@pytest.mark.parametrize(("title", "text", "weapons"), [
    ("U.K. BANKING HEAD RESUMES ATTACK ON CITY PREDATORS", "The Governor criticised City predators.", set()),
    ("PATRIOT MISSILES SENT TO KYIV", "Washington will send more air defence.", {"Patriot"}),
    ("Drone strike", "A US Predator drone struck the convoy.", {"Predator"}),
])
def test_a_weapon_named_by_an_english_word_needs_more_than_a_shouted_headline(title, text, weapons):
    """Reuters' `CITY PREDATORS` (takeover raiders) were drones: in a headline's capitals case
    says nothing, so one English word is no weapon there; in running text its capital is."""
    assert names_of(extract_entities(title, text), "weapon") == weapons


@pytest.mark.parametrize(("text", "org", "places"), [
    ("First Federal Savings and Loan Association raised its dividend.",
     "First Federal Savings and Loan Association", set()),
    ("Bally Health and Tennis Corp said.", "Bally Health and Tennis Corp", set()),
    ("Continental Illinois Corp said.", "Continental Illinois Corp", {"Illinois"}),
])
def test_a_company_name_goes_on_through_and_or_a_place_to_its_organisation_word(text, org, places):
    """Reuters' bank stories made `Loan Association` an organisation (98 stories of `bank
    loans`); a place inside the name stays a mention, as Reuters' tags count it."""
    entities = extract_entities(None, text)
    one(entities, org, "org")
    assert names_of(entities, "place") == places and len(names_of(entities, "org")) == 1


def test_two_companies_each_with_its_legal_form_joined_by_and_stay_two():
    """`Texaco Inc and Pennzoil Co` was one organisation of that name in Reuters' stories of their
    lawsuit: a legal form ends a company's name, so `and` after it joins no more."""
    text = "Texaco Inc and Pennzoil Co met on Friday. Exxon Corp and Mobil Corp did not."
    entities = extract_entities(None, text)
    assert names_of(entities, "org") == {"Texaco", "Pennzoil Co", "Exxon", "Mobil"}


@pytest.mark.parametrize(("text", "people", "orgs"), [
    ("Investors sued Ivan F. Boesky, saying Boesky misled them about Ivan F. Boesky and Co LP.",
     {"Ivan F. Boesky"}, {"Ivan F. Boesky and Co LP"}),
    ("Michael Davidoff, head trader for Ivan Boesky's Seemala Corp, consented.",
     {"Ivan Boesky", "Michael Davidoff"}, {"Seemala Corp"}),
])
def test_a_firm_named_for_a_person_leaves_the_person(text, people, orgs):
    """On Reuters Boesky was lost twice: to his firm `Ivan F. Boesky and Co`, and to `Ivan
    Boesky's Seemala Corp` read as one company's name."""
    entities = extract_entities(None, text)
    assert (names_of(entities, "person"), names_of(entities, "org")) == (people, orgs)
