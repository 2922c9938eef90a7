"""Small corpora for the web tests (and the browser tests), written as JSON Lines.

`write_dated_corpus` writes twelve dated articles (September to December 2022, three
sources, several authors, entities such as Ben Wallace, NATO and Kyiv, one story in
two versions from two sources, one undated article); `write_hostile_corpus` writes
articles with markup and script in every field a page shows. Each takes a folder
(or a `.jsonl` file name) and returns the file it wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

TELEGRAPH, REUTERS, KYIV_INDEPENDENT = "The Daily Telegraph", "Reuters", "The Kyiv Independent"

# The story told twice: the Telegraph's version and Reuters' near-identical one.
WALLACE_VISIT = (
    "Defence Secretary Ben Wallace arrived in Kyiv on Thursday for talks with President "
    "Volodymyr Zelenskyy about air defence for Ukraine before the winter.\n\n"
    "Wallace said Britain would send more anti-aircraft missiles to Ukraine and that NATO allies "
    "had agreed to speed up deliveries of radar systems to protect power stations from drones.\n\n"
    "The visit came a week after a wave of Russian missile strikes on Kyiv cut electricity to "
    "hundreds of thousands of homes across Ukraine.\n\n"
    "Jens Stoltenberg, the NATO Secretary General, said the alliance would stand by Ukraine for "
    "as long as it takes."
)

DATED_RECORDS: list[dict] = [
    {
        "id": "sep-wallace-nato", "date": "2022-09-05", "source": TELEGRAPH,
        "authors": ["Tony Diver", "Danielle Sheridan"], "url": "https://example.com/telegraph/sep-wallace",
        "title": "Wallace urges NATO allies to keep arming Ukraine",
        "text": "Defence Secretary Ben Wallace told NATO ministers in Brussels that Ukraine needed "
                "more artillery before the autumn.\n\nWallace said the alliance had to plan for a long "
                "war and that Kyiv would need air defence as much as shells.",
    },
    {
        "id": "sep-kyiv-counteroffensive", "date": "2022-09-14", "source": KYIV_INDEPENDENT,
        "authors": ["Olena Roshchina"], "url": "https://example.com/kyiv/sep-counteroffensive",
        "title": "Counteroffensive in Kharkiv region liberates dozens of towns",
        "text": "Ukraine's armed forces have liberated dozens of towns in Kharkiv Oblast, officials in "
                "Kyiv said on Wednesday.\n\nPresident Volodymyr Zelenskyy said the advance showed that "
                "Western weapons were making a difference on the battlefield.",
    },
    {
        "id": "sep-reuters-grain", "date": "2022-09-28", "source": REUTERS,
        "authors": ["Max Hunder"], "url": "https://example.com/reuters/sep-grain",
        "title": "Grain ships leave Odesa under Black Sea deal",
        "text": "Three more ships carrying grain left the port of Odesa on Wednesday under the deal "
                "brokered by Turkey and the United Nations.\n\nUkraine hopes to export millions of tonnes "
                "of wheat and corn before the end of the year, officials said.",
    },
    {
        "id": "oct-kyiv-drones", "date": "2022-10-10", "source": KYIV_INDEPENDENT,
        "authors": ["Olena Roshchina", "Padraig O'Brien"], "url": "https://example.com/kyiv/oct-drones",
        "title": "Russian drones strike Kyiv during morning rush hour",
        "text": "Explosions shook central Kyiv on Monday morning as Russian drones and missiles hit "
                "power stations across Ukraine.\n\nThe mayor of Kyiv said several people were killed "
                "and asked residents to stay in shelters.",
    },
    {
        "id": "oct-telegraph-wallace-visit", "date": "2022-10-20", "source": TELEGRAPH,
        "authors": ["Danielle Sheridan"], "url": "https://example.com/telegraph/oct-wallace-visit",
        "title": "Ben Wallace visits Kyiv with promise of more air defence",
        "text": WALLACE_VISIT,
    },
    {
        "id": "oct-reuters-wallace-visit", "date": "2022-10-20", "source": REUTERS,
        "authors": ["Max Hunder"], "url": "https://example.com/reuters/oct-wallace-visit",
        "title": "British defence minister Wallace visits Kyiv, pledges air defence",
        "text": WALLACE_VISIT + "\n\nReuters could not independently verify the details of the talks.",
    },
    {
        "id": "oct-reuters-nato-summit", "date": "2022-10-25", "source": REUTERS,
        "authors": ["Sabine Siebold"], "url": "https://example.com/reuters/oct-nato",
        "title": "NATO defence ministers meet as winter approaches",
        "text": "NATO defence ministers met in Brussels on Tuesday to discuss air defence for Ukraine "
                "and the alliance's own stocks of ammunition.\n\nJens Stoltenberg said members had "
                "to refill their arsenals while they kept supplying Ukraine.",
    },
    {
        "id": "nov-kyiv-blackout", "date": "2022-11-15", "source": KYIV_INDEPENDENT,
        "authors": ["Padraig O'Brien"], "url": "https://example.com/kyiv/nov-blackout",
        "title": "Blackouts across Ukraine after largest missile barrage",
        "text": "Russia fired about a hundred missiles at Ukraine on Tuesday, the largest barrage of "
                "the war, leaving millions without power.\n\nEngineers in Kyiv worked through the night "
                "to restore electricity and water.",
    },
    {
        "id": "nov-telegraph-himars", "date": "2022-11-22", "source": TELEGRAPH,
        "authors": ["Tony Diver"], "url": "https://example.com/telegraph/nov-himars",
        "title": "Himars rockets change the war in the south",
        "text": "Ukraine's forces used Himars rocket launchers to cut Russian supply lines near Kherson, "
                "Western officials said.\n\nBen Wallace said the launchers had shown what precise "
                "weapons could do against a larger army.",
    },
    {
        "id": "dec-reuters-energy", "date": "2022-12-02", "source": REUTERS,
        "authors": ["Sabine Siebold", "Max Hunder"], "url": "https://example.com/reuters/dec-energy",
        "title": "EU agrees price cap on Russian oil",
        "text": "European Union governments agreed a price cap on Russian seaborne oil on Friday, "
                "a measure meant to cut the Kremlin's revenue from the war in Ukraine.\n\n"
                "Diplomats said the cap would be reviewed every two months.",
    },
    {
        "id": "dec-telegraph-christmas", "date": "2022-12-19", "source": TELEGRAPH,
        "authors": ["Danielle Sheridan"], "url": "https://example.com/telegraph/dec-christmas",
        "title": "British troops to train Ukrainian recruits over Christmas",
        "text": "British Army instructors will keep training Ukrainian recruits through Christmas, "
                "Ben Wallace announced.\n\nMore than ten thousand soldiers from Ukraine have finished "
                "the course on Salisbury Plain this year, the Ministry of Defence said.",
    },
    {
        "id": "undated-analysis", "source": KYIV_INDEPENDENT,
        "authors": ["Olena Roshchina"], "url": None,
        "title": "Analysis: what a second winter of war means for Ukraine",
        "text": "Ukraine faces a second winter of attacks on its power grid. Officials in Kyiv say the "
                "country has more air defence than a year ago.\n\nNATO members have promised more "
                "generators and transformers.",
    },
]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JAVASCRIPT_URL = "javascript:alert(1)"

HOSTILE_RECORDS: list[dict] = [
    {
        "id": "hostile-script", "date": "2022-10-03", "source": f"{SCRIPT} Gazette",
        "authors": [f"{SCRIPT} Mallory", f"Eve {IMG}"], "url": JAVASCRIPT_URL,
        "title": f"{SCRIPT} Drone report {IMG}",
        "text": f"Drone attacks were reported overnight {SCRIPT} near the border.\n\n"
                f"Officials said the drone debris {IMG} fell on a field and nobody was hurt.",
    },
    {
        "id": "hostile-img", "date": "2022-11-04", "source": f"Daily {IMG}",
        "authors": [IMG], "url": "  JavaScript:alert(document.cookie)",
        "title": f"{IMG} Drone factory fire",
        "text": f"A fire broke out at a drone factory {IMG} on Friday.\n\n"
                f"Firefighters {SCRIPT} put it out within an hour, the drone maker said.",
    },
    {
        "id": "hostile-formula", "date": "2022-12-05", "source": "=cmd|' /C calc'!A0",
        "authors": ["@SUM(1+1)"], "url": "https://example.com/hostile/formula",
        "title": '=HYPERLINK("https://evil.example","Drone story")',
        "text": "A plain drone story whose title a spreadsheet would run as a formula.\n\n"
                "The drone flew over the harbour.",
    },
]


# The spelling corpus (tests/test_spelling.py): wire copy where a typo and its correction, a real
# word and its neighbour, a rare byline and a common one stand side by side. It names Kim and
# Kiel but never Kyiv or Kiev; prints `state` but never `states`; prints `recieved` once against
# sixty stories that print `received`; has a `tanker` story and a `zorblat` story but none with both.
SPELLING_RECORDS: list[dict] = [
    *({"id": f"order-{i:02d}", "source": REUTERS, "authors": ["Ann Holder"],
       "title": f"Company {i} receives order",
       "text": f"The company received an order for {i} machines, the government said."} for i in range(60)),
    {"id": "mexico-loan", "source": REUTERS, "authors": ["Tony Holmer"], "title": "Mexico gets first loan",
     "text": "Mexico recieved the first 250 mln dlrs of the loan, the finance ministry said."},
    {"id": "korea-kim", "source": REUTERS, "title": "South Korea studies its banks",
     "text": "South Korean finance minister Kim said the banks needed reform."},
    {"id": "kiel-farmers", "source": REUTERS, "title": "Farmers march in Kiel",
     "text": "About 8,000 West German farmers marched through the northern city of Kiel today."},
    {"id": "us-state", "source": REUTERS, "title": "U.S. officials meet",
     "text": "Officials in the U.S. said the state would act on the budget."},
    {"id": "zorblat-raid", "source": REUTERS, "title": "Guerrillas raid a village",
     "text": "Zorblat guerrillas attacked a village near the border, officials said."},
    {"id": "gulf-tanker", "source": REUTERS, "title": "Tanker hit in the Gulf",
     "text": "An oil tanker was hit by a missile in the Gulf, shipping sources said."},
    {"id": "bet-taker", "source": REUTERS, "title": "The taker of the bet",
     "text": "The taker of the bet paid out on Friday."},
    {"id": "amraam-delivery", "source": REUTERS, "authors": ["Jo Grobbins"], "title": "Missiles delivered",
     "text": "The first AMRAAM missiles were delivered to the air force."},
]


def _write(path: Path | str, records: list[dict], name: str) -> Path:
    target = Path(path)
    if target.suffix != ".jsonl":
        target.mkdir(parents=True, exist_ok=True)
        target = target / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return target


def write_dated_corpus(path: Path | str) -> Path:
    """The dated corpus as JSON Lines: in folder `path` (as `dated.jsonl`), or at `path` itself
    when it ends in `.jsonl`. Returns the file written."""
    return _write(path, DATED_RECORDS, "dated.jsonl")


def write_spelling_corpus(path: Path | str) -> Path:
    """The spelling corpus as JSON Lines (same conventions as `write_dated_corpus`)."""
    return _write(path, SPELLING_RECORDS, "spelling.jsonl")


def write_hostile_corpus(path: Path | str) -> Path:
    """The hostile corpus as JSON Lines (same conventions as `write_dated_corpus`)."""
    return _write(path, HOSTILE_RECORDS, "hostile.jsonl")


# --- a small wire corpus, shaped like Reuters-21578 records (tests of the trust behaviours) -------
# Bylines as the wire prints them (`By X, Reuters`, in capitals, two reporters, no comma), a short
# first report and its longer rewrite that repeats its lead, two template earnings stories of
# different companies, tag lists, `U.S.` beside the pronoun `us`, a phrase and a word, an alias.
OIL_LEAD = ("OPEC oil ministers will meet in Vienna next week to review the group's production ceiling, "
            "delegates said on Thursday, as oil prices slid below 17 dlrs a barrel.")
WIRE_RECORDS: list[dict] = [
    {"id": "wire-1", "date": "1987-03-05T09:10:00", "source": "Reuters", "author": "By Patti Domm, Reuters",
     "title": "OPEC TO MEET ON OUTPUT CEILING", "text": OIL_LEAD, "topics": ["crude"], "places": ["austria"]},
    {"id": "wire-2", "date": "1987-03-05T11:42:00", "source": "Reuters", "author": "BY PATTI DOMM, Reuters",
     "title": "OPEC MINISTERS TO REVIEW CEILING AS OIL PRICES SLIDE",
     "text": OIL_LEAD + "\nThe meeting was called by OPEC's president after Saudi Arabia and Kuwait "
                        "complained that some members were producing above their quotas.\nAnalysts said "
                        "a price war was unlikely, but that prices could fall further if the ministers "
                        "failed to agree on a tighter ceiling for the third quarter.",
     "topics": ["crude"], "places": ["austria", "saudi-arabia"]},
    {"id": "wire-3", "date": "1987-03-06T14:00:00", "source": "Reuters",
     "author": "By Ted D'Afflisio, REUTERS", "title": "TANKER HIT IN GULF, SHIPPING SOURCES SAY",
     "text": "A Liberian-flagged tanker was hit by a missile in the Gulf on Friday, shipping sources "
             "said.\nThe tanker was carrying crude oil from Kuwait to Japan when it was struck.",
     "topics": ["ship", "crude"], "places": ["kuwait"]},
    {"id": "wire-4", "date": "1987-03-06T15:30:00", "source": "Reuters",
     "author": "BY TED D'AFFLISIO, Reuters", "title": "HEZBOLLAH WARNS GULF SHIPPING",
     "text": "Hezbollah leaders in Beirut warned on Friday that Gulf shipping would be attacked if "
             "Iran's oil tankers were targeted again.",
     "topics": [], "places": ["lebanon"]},
    {"id": "wire-5", "date": "1987-03-09T10:00:00", "source": "Reuters", "author": "",
     "title": "ACME INDUSTRIES <ACME> 4TH QTR NET",
     "text": "Shr profit 42 cts vs loss 12 cts\nNet profit 4.2 mln vs loss 1.1 mln\nRevs 91.5 mln "
             "vs 80.2 mln\nYear shr profit 1.10 dlrs vs 50 cts", "topics": ["earn"], "places": ["usa"]},
    {"id": "wire-6", "date": "1987-03-09T10:05:00", "source": "Reuters", "author": "",
     "title": "BOLTON MILLS <BOLT> 4TH QTR NET",
     "text": "Shr profit 40 cts vs loss 11 cts\nNet profit 4.0 mln vs loss 1.0 mln\nRevs 90.5 mln "
             "vs 80.1 mln\nYear shr profit 1.08 dlrs vs 49 cts", "topics": ["earn"], "places": ["usa"]},
    {"id": "wire-7", "date": "1987-03-10T08:00:00", "source": "Reuters",
     "author": "By Stephen Jukes and Philip Shehadi, Reuters",
     "title": "JAPAN TRADE SURPLUS WIDENS, U.S. PRESSURE GROWS",
     "text": "Japan's trade surplus widened in February, adding to pressure from the U.S. Congress, "
             "where the trade deficit with Japan is a sore point.\nU.S. officials said the trade "
             "deficit would top the agenda when Japanese ministers visit Washington.",
     "topics": ["trade"], "places": ["japan", "usa"]},
    {"id": "wire-8", "date": "1987-03-10T09:00:00", "source": "Reuters", "author": "By Kunio Inoue",
     "title": "TRADE DEFICIT DATA DUE",
     "text": "The U.S. Commerce Department will publish the trade deficit figures on Friday.",
     "topics": ["trade"], "places": ["usa"]},
    {"id": "wire-9", "date": "1987-03-11T12:00:00", "source": "Reuters",
     "author": "By Richard Price, Reuters",
     "title": "COFFEE QUOTA TALKS STALL",
     "text": "Brazilian delegates said coffee quota talks in London had stalled, and that they would "
             "not accept a smaller share of the export market.\n\"Let us be clear, the market will "
             "decide,\" one delegate told us.", "topics": ["coffee"], "places": ["brazil", "uk"]},
    {"id": "wire-10", "date": "1987-03-11T13:00:00", "source": "Reuters", "author": "",
     "title": "GRAIN PRICES FIRM",
     "text": "Grain prices firmed in Chicago as the price of wheat rose on export demand, traders said.",
     "topics": ["grain", "wheat"], "places": ["usa"]},
]


def write_wire_corpus(path: Path | str) -> Path:
    """The wire corpus as JSON Lines (same conventions as `write_dated_corpus`)."""
    return _write(path, WIRE_RECORDS, "wire.jsonl")
