"""The span rules: each capitalised sequence of the article walked into mentions of people,
organisations, places, weapons and acronyms.

Titles and the names they introduce (`Maj Gen James Martin`), gazetteer phrases (longest match
first), and for the words no table knows: organisations (`Warfighting Division`, `Ministry of
Finance`), people (`Jens Stoltenberg, the Nato Secretary General`, `Liz Truss has also spoken`),
acronyms (typed by the definitions the text or the corpus gives), and candidate names left for the
resolution of people. People come from rules, never from a list of names.
"""

from __future__ import annotations

import re

from search.entities.article import Article, Mention, PersonMention, Token
from search.entities.definitions import corpus_entry
from search.entities.tables import PARTICLES, Entry
from search.entities.tokens import (
    ORDINARY,
    SHOUT,
    TEXT,
    caps_word,
    case_fits,
    common_plural,
    lookup,
    name_like,
    ordinary_start,
    plural_noun,
)

MAX_NAME_WORDS = 4
TITLE_WINDOW = 45
ORG_LINKS = frozenset(("of", "for", "and", "the", "&"))
ORG_JOINS = frozenset(("and", "&"))  # inside a company's name when an organisation word ends it
SAID_BEFORE = re.compile(r"\b(?:said|says|according to)\s*,?\s*$", re.IGNORECASE)
WORD_BEFORE = re.compile(r"\b([a-z]+)[ \t]+$")  # a lower-case word right before a name, on its line
WORD_BEFORE_CHARS = 20
NAME_GOES_ON = re.compile(r"[ \t]*(?:(?:[a-z]+|&)[ \t]+[A-Z]|[dl]'[A-Z])")  # `Cable and Wireless`
MOODYS_GRADE = re.compile(r"[A-C]a{0,2}-[1-3]")  # Moody's grades as the wire prints them (B-2, Baa-3)
SP_GRADE = re.compile(r"A{1,3}|B{1,3}|C{1,3}")  # S&P's letters
GRADE_BEFORE = re.compile(r"\b(?:to|from|rated|rates)\s+$")  # how the wire introduces a grade
GRADE_BEFORE_CHARS = 8
GRADE_SUFFIX = re.compile(r"-(?:plus|minus)\b", re.IGNORECASE)  # S&P's, after its letters (CCC-plus)
SENTENCE_WORD = re.compile(r"[a-z&]+(?:'s)?")


def scan_span(article: Article, tokens: list[Token], mode: str) -> None:
    """Walk one capitalised sequence: titles and names, gazetteer phrases, unknown runs."""
    i, n = 0, len(tokens)
    prefix: int | None = None
    while i < n:
        token = tokens[i]
        if token.kind in ("conn", "number"):
            i, prefix = i + 1, None
            continue
        entry, j = lookup(article, tokens, i, mode)
        if entry is not None and entry.type == "title":
            i, prefix = title_and_name(article, tokens, i, j, mode), None
        elif entry is not None:
            if entry.type == "org" and tokens[j - 1].possessive:
                j = company_after(article, tokens, j)  # `Moody's Investors Service Inc` is Moody's
            add_mention(article, entry, tokens[i].start, tokens[j - 1].end)
            named = entry.type in ("place", "org") and not tokens[j - 1].possessive
            prefix = (i if prefix is None else prefix) if named else None  # `Canadian Pacific`: both
            i = j
        elif "-" in token.bare and compound_parts(article, token, mode):
            i, prefix = i + 1, None
        else:
            i, prefix = unknown_run(article, tokens, i, mode, prefix), None


def title_and_name(article: Article, tokens: list[Token], i: int, j: int, mode: str) -> int:
    """A title (and any titles after it) and the name it introduces: `Maj Gen James Martin`."""
    while j < len(tokens) and not tokens[j - 1].possessive:
        entry, after = lookup(article, tokens, j, mode)
        if entry is None or entry.type != "title":
            break
        j = after
    if tokens[j - 1].possessive or mode != TEXT:
        return j
    j = past_portfolio(article, tokens, j)
    k = name_end(article, tokens, j, mode)
    j = past_portfolio_words(article, tokens, j, k, least=2)
    if k == j:
        return j
    if not plain_name(article, tokens[j:k]) or names_company(article, tokens, k):
        return unknown_run(article, tokens, i, mode, None) if j == i + 1 else k
    add_person(article, tokens[j:k], tokens[j].start, tokens[k - 1].end, shouted=False)
    return k


def names_company(article: Article, tokens: list[Token], k: int) -> bool:
    """Whether a company's word follows a name (`King World Productions Inc`: a firm, not King
    World); `Corp`, `Inc` and the other legal forms and organisation words. Not after a possessive:
    `President Reagan's Council of Economic Advisers` is Reagan's."""
    cues = article.tables.cues
    return (k < len(tokens) and not tokens[k - 1].possessive
            and any(tokens[k].fold in cues[kind] for kind in ("legal-suffix", "org-suffix")))


def past_portfolio(article: Article, tokens: list[Token], j: int) -> int:
    """`Minister of Finance Tom Hockin`: skip the portfolio after a title to the name. The name
    follows the portfolio's last word (`Minister of Mines and Energy Subroto`, `Minister of
    Foreign Affairs Hans Dietrich Genscher`); without a word known to end one, it is the last
    two words."""
    if j >= len(tokens) or tokens[j].fold not in ("of", "for"):
        return j
    k = j + 1
    while k < len(tokens) and (name_like(tokens[k]) or tokens[k].fold in ("and", "&")) \
            and not tokens[k].possessive:
        k += 1
    if k - (j + 1) < 3 or not all(name_like(t) for t in tokens[k - 2:k]):
        return j
    start = past_portfolio_words(article, tokens, j + 1, k)
    return start if start > j + 1 and k - start <= MAX_NAME_WORDS else k - 2


def past_portfolio_words(article: Article, tokens: list[Token], j: int, k: int, least: int = 1) -> int:
    """Where a name starts in tokens[j:k]: after the last word that ends a portfolio and leaves at
    least `least` words; j when there is none. A portfolio ends in a plural noun (`Affairs`,
    `Mines`), a `portfolio` cue (`Energy`, `Finance`) or `and`; a few given names read as plurals
    too (`Piers Jacobs`), so a name after a bare title keeps two words."""
    portfolio = article.tables.cues["portfolio"]
    ends = [p for p in range(j, k - least)
            if plural_noun(tokens[p]) or tokens[p].fold in portfolio or tokens[p].fold in ("and", "&")]
    return ends[-1] + 1 if ends else j


def plain_name(article: Article, tokens: list[Token]) -> bool:
    """No word of the name belongs to companies or places (`Industrial`, `City`, `Bank`) or is a stop word."""
    banned = article.tables.cues["no-name"]
    stopwords = article.tables.stopwords
    return not any(t.fold in banned or t.fold in stopwords for t in tokens)


def name_end(article: Article, tokens: list[Token], j: int, mode: str) -> int:
    """Where the name after a title ends: up to four name-like words, particles between them."""
    k, words = j, 0
    suffixes = article.tables.cues["org-suffix"]
    while k < len(tokens) and words < MAX_NAME_WORDS:
        token = tokens[k]
        if token.fold in PARTICLES and words and k + 1 < len(tokens) and name_like(tokens[k + 1]):
            k += 1
            continue
        if not name_like(token) or token.fold in suffixes:
            break
        entry, _ = lookup(article, tokens, k, mode)
        if entry is not None and (entry.type != "place" or entry.name in article.tables.country_names):
            break
        k += 1
        words += 1
        if token.possessive:
            break
    while k > j and tokens[k - 1].fold in PARTICLES:
        k -= 1
    return k


def compound_parts(article: Article, token: Token, mode: str) -> bool:
    """The known parts of an unknown hyphenated word (`Russia-Ukraine`); False when none is known."""
    found = False
    offset = token.start
    for part in token.bare.split("-"):
        key = part.lower()
        entry = article.extras.get(key) or article.tables.lexicon.get(key)
        if entry is not None and entry.type != "title" and part[:1].isupper():
            piece = Token(part, part, key, "word", offset, offset + len(part), False)
            if case_fits(entry, piece, mode, article):
                add_mention(article, entry, offset, offset + len(part))
                found = True
        offset += len(part) + 1
    return found


def unknown_run(article: Article, tokens: list[Token], i: int, mode: str, prefix: int | None) -> int:
    """Collect the words no table knows, from token i, and decide what they name.

    `prefix` is where a place or organisation printed right before them starts,
    which an organisation's name takes in (`London Metal Exchange`).
    """
    if tokens[i].fold in article.tables.stopwords:
        return i + 1  # `The`, `This`: the run starts after it
    k, n = i, len(tokens)
    legal = article.tables.cues["legal-suffix"]
    while k < n:
        token = tokens[k]
        if token.kind == "number":
            break
        if token.kind == "conn":
            if token.fold in PARTICLES and k > i and k + 1 < n and name_like(tokens[k + 1]):
                k += 1
                continue
            joins = token.fold in ORG_JOINS and k > i  # not after a legal form: `Texaco Inc and Pennzoil Co`
            if joins and tokens[k - 1].fold not in legal and lookup(article, tokens, k + 1, mode)[0] is None:
                k = org_name_end(article, tokens, k + 1, least=2) or k  # `Savings and Loan Association`
            break
        if k > i:
            entry, after = lookup(article, tokens, k, mode)
            if entry is not None:  # a place inside a company's name (`Continental Illinois Corp`)
                end = entry.type == "place" and org_name_end(article, tokens, after, least=1)
                if end:  # stays a mention of its own, as a place before the name does (see name_with_prefix)
                    add_mention(article, entry, tokens[k].start, tokens[after - 1].end)
                k = end or k
                break
        k += 1
        if token.possessive:  # `McDonald's Corp`: one name; `Ivan Boesky's Seemala Corp`: two
            brand = k == i + 1 and k < n and tokens[k].fold in legal
            k = company_after(article, tokens, k) if brand else k
            break
        if ends_company(article, tokens, k):
            break
    run = tokens[i:k]
    while run and run[-1].kind == "conn":
        run = run[:-1]
    if mode == TEXT and len(run) == 1 and run[0].fold in article.tables.cues["org-head"]:
        end = org_of(article, tokens, i + 1, mode)
        if end > i + 1:
            add_typed(article, "org", tokens[i:end])
            return end
    classify_run(article, run, mode, tokens[prefix:i] if prefix is not None else [])
    return max(k, i + 1)


def company_name_end(article: Article, tokens: list[Token], k: int, kinds: tuple[str, ...],
                     least: int = 1) -> int | None:
    """Where a company's name that goes on from token k ends: at least `least` plain words up to
    one of the cue kinds' words (an organisation word, a legal form); None if it does not."""
    cues = article.tables.cues
    for end in range(k, min(len(tokens), k + MAX_NAME_WORDS)):
        token = tokens[end]
        if token.kind not in ("word", "abbrev") or token.possessive:
            return None
        if end + 1 - k >= least and any(token.fold in cues[kind] for kind in kinds):
            return end + 1
    return None


def org_name_end(article: Article, tokens: list[Token], k: int, least: int) -> int | None:
    """An organisation's name going on from token k to an organisation word or a legal form
    (`Loan Association`, `Airways Ltd`)."""
    return company_name_end(article, tokens, k, ("org-suffix", "legal-suffix"), least)


def company_after(article: Article, tokens: list[Token], k: int) -> int:
    """Where a company's name that goes on past a possessive ends: the words after it up to a
    legal form (`Moody's Investors Service Inc`, `McDonald's Corp`); k when none follows (then
    the possessive is the name's end: `Reagan's Treasury Department`)."""
    return company_name_end(article, tokens, k, ("legal-suffix",)) or k


def ends_company(article: Article, tokens: list[Token], k: int) -> bool:
    """Whether an abbreviated legal form with its stop ends a name before token k (`... from
    Norfolk Southern Corp. Norfolk owns 20 pct`: one sequence of capitals, two sentences),
    unless another legal form follows (`Hudson's Bay Co. Ltd.`). Without a stop the name goes on
    (`Swiss Bank Corp International`)."""
    last = tokens[k - 1]
    if last.kind != "abbrev" or k >= len(tokens):
        return False
    legal = article.tables.cues["legal-suffix"]
    return last.fold in legal and tokens[k].fold not in legal


def org_of(article: Article, tokens: list[Token], j: int, mode: str) -> int:
    """`Ministry` + `of Foreign Affairs`: where such an organisation's name ends (j if it does not go on)."""
    n, end = len(tokens), j
    while j < n and tokens[j].kind == "conn" and (tokens[j].fold in ORG_LINKS or tokens[j].fold == "on"):
        j += 1
    if j == end or j >= n or tokens[j].kind != "word" or tokens[j - 1].fold not in ("of", "for", "on"):
        return end
    while j < n:
        token = tokens[j]
        if token.kind == "conn":
            if token.fold not in ORG_LINKS:
                break
            j += 1
            continue
        if token.kind not in ("word", "dotted"):
            break
        entry, after = lookup(article, tokens, j, mode)
        if entry is not None and entry.type == "title":
            break  # `Bank of Finland Governor Rolf Kullberg`
        if entry is not None:
            add_mention(article, entry, token.start, tokens[after - 1].end)
            j = after
        else:
            j += 1
        end = j
        if tokens[j - 1].possessive:
            break
    return end


def classify_run(article: Article, run: list[Token], mode: str, prefix: list[Token]) -> None:
    """Type a run of unknown capitalised words: organisation, person, acronym, or a candidate name."""
    while run and (reason := ordinary_start(article, run[0])):
        if reason == ORDINARY and len(run) > 1 and is_org(article, run):
            break  # `Circuit Systems Inc said`, `Advanced Systems Inc said`
        run, prefix = run[1:], []
    if not run:
        return
    if mode != TEXT:
        article.candidates.append((tuple(run), mode))
        return
    if all(caps_word(t) for t in run):
        if len(run) == 1:
            add_acronym(article, run[0])
        else:
            article.candidates.append((tuple(run), SHOUT))
        return
    if all(t.fold in article.tables.cues["legal-suffix"] for t in run):
        if names_own_company(mentions_within(article, prefix)):
            name_with_prefix(article, prefix, run)  # `Canadian Pacific Ltd`, `Texaco Canada Inc`
        return  # `Exxon Corp` is Exxon; `and Co Inc` names nothing
    if is_org(article, prefix + run):
        name_with_prefix(article, prefix, run)
        return
    if not prefix and company_before(article, run):
        add_typed(article, "org", run)
        return
    if is_person(article, run):
        add_person(article, run, run[0].start, run[-1].end, shouted=False)
        return
    article.candidates.append((tuple(run), TEXT))
    for token in run:
        if caps_word(token):
            add_acronym(article, token)


def names_own_company(named: list[Mention]) -> bool:
    """Whether the names printed before a legal form make a company's name of their own: places
    (`Canadian Pacific Ltd`), or an organisation and the country of its subsidiary (`Texaco Canada
    Inc`, a company apart from Texaco; `Exxon Corp` is Exxon)."""
    named = sorted(named, key=lambda m: m.start)
    places = named[1:] if named and named[0].type == "org" else named
    return bool(places) and all(m.type == "place" for m in places)


def mentions_within(article: Article, tokens: list[Token]) -> list[Mention]:
    """The typed mentions printed within these tokens."""
    return [m for m in article.mentions if tokens and tokens[0].start <= m.start and m.end <= tokens[-1].end]


def name_with_prefix(article: Article, prefix: list[Token], run: list[Token]) -> None:
    """An organisation named with what is printed before it: an organisation there is part of
    it (`Exxon Research Corp`); a place or a nationality there stays a mention of its own, as
    Reuters' editors tag a British company's story with the United Kingdom."""
    inside = [m for m in mentions_within(article, prefix) if m.type == "org"]
    article.mentions = [m for m in article.mentions if m not in inside]
    add_typed(article, "org", prefix + run)


def is_org(article: Article, run: list[Token]) -> bool:
    """Two words or more ending in an organisation word (`Warfighting Division`, `Exxon Corp`)
    or holding a company word (`Wako International`)."""
    if len(run) < 2:
        return False
    cues = article.tables.cues
    if run[-1].fold in cues["org-suffix"]:
        return True
    company = cues["company-word"]
    return any(t.fold in company for t in run)


def is_person(article: Article, run: list[Token]) -> bool:
    """The person rules: a title before the name; or a name of two to four words that holds an
    initial (`Ivan F. Boesky`), is possessive (`Carl Icahn's bid`), is followed by a speech verb,
    a comma appositive (`, the French president`), `, who` or an age, or comes after `said`."""
    names = [t for t in run if t.fold not in PARTICLES]
    if not names or len(names) > MAX_NAME_WORDS or not all(name_like(t) for t in names):
        return False
    if not plain_name(article, names):
        return False
    text = article.text
    if title_before(article, run[0].start, len(names)):
        return True
    if thing_before(article, run[0].start):
        return False
    words = [t for t in names if t.kind != "initial"]
    if len(words) >= 2 and word_before(article, run[0].start) in article.tables.cues["person-role"]:
        return True  # `real estate developer Donald Trump`, `tycoon Donald Trump`
    if len(words) < 2 or run[-1].kind == "initial" or common_plural(words):
        return False
    if run[-1].possessive and not plural_noun(run[-1]) or len(words) < len(names):
        return len(names) <= 3
    if article.tables.person_after.match(text, run[-1].end):
        return True
    return SAID_BEFORE.search(text, max(0, run[0].start - 20), run[0].start) is not None


def thing_before(article: Article, start: int) -> bool:
    """Whether a word that names no person stands right before `start` (`the Aurelia Wind`,
    `plastics maker Sturmfeld Kunststoffe`; the `thing-before` and `company-before` cues)."""
    word = word_before(article, start)
    return word in article.tables.cues["thing-before"] or word in article.tables.cues["company-before"]


def company_before(article: Article, run: list[Token]) -> bool:
    """Whether a word that introduces an organisation stands right before a run of names (`the
    British company Townsend Thoresen`; the `company-before` cues), and the name ends there: not
    `firm Cable and Wireless` (its first word alone names nothing), nor `subsidiary March 7`, nor
    `the company Pickens' offer`."""
    cues, first = article.tables.cues, run[0].fold
    if first in cues["common"] or first in cues["date"] or first in article.tables.stopwords:
        return False
    if not all(name_like(t) for t in run) or run[-1].possessive:
        return False
    if NAME_GOES_ON.match(article.text, run[-1].end):
        return False
    return word_before(article, run[0].start) in cues["company-before"]


def word_before(article: Article, start: int) -> str | None:
    """The lower-case word right before `start` on its line, lower-cased, if there is one."""
    before = WORD_BEFORE.search(article.text, max(0, start - WORD_BEFORE_CHARS), start)
    return before.group(1).lower() if before else None


def title_before(article: Article, start: int, words: int) -> bool:
    """Whether a title stands right before `start` (`spokesman Ned Price`, `the French president, X`);
    a title in lower case only before a name of two words or more."""
    window = article.text[max(0, start - TITLE_WINDOW):start].rstrip()
    if window.endswith(","):
        window = window[:-1].rstrip()
    if not window or window[-1] in ".!?:;\n\"')":
        return False
    names = words
    words = [word.rstrip(".") for word in window.split()[-4:]]
    tables = article.tables
    if words[-1].lower() not in tables.title_ends:
        return False
    for size in range(len(words), 0, -1):
        key = " ".join(words[-size:]).lower()
        entry = tables.lexicon.get(key)
        if entry is not None and entry.type == "title":
            if words[-size][:1].islower():
                return key in tables.titles_any_case and names >= 2
            return True
    return False


def add_acronym(article: Article, token: Token) -> None:
    """An unknown word in capitals in ordinary text: an acronym entity, unless it is a stop word,
    typed by its definition elsewhere in the corpus when there is one."""
    if token.kind == "initial" or (token.start and article.text[token.start - 1] == "<"):
        return
    if len(token.bare) >= 6 and (token.start == 0 or article.text[token.start - 1] == "\n"):
        return  # a dateline (`CINCINNATI, March 2`), not an acronym
    short = token.bare.replace(".", "")
    if len(short) > 2 and short.endswith("s") and short[:-1].isupper():
        short = short[:-1]
    cues = article.tables.cues
    if not 2 <= len(short) <= 10 or short.lower() in cues["stop"] or short.lower() in cues["legal-suffix"]:
        return
    long = article.definitions.get(short)
    entry = corpus_entry(short, long) if long else Entry(short, "acronym", True)
    add_mention(article, entry, token.start, token.end)


def add_typed(article: Article, kind: str, tokens: list[Token]) -> None:
    """A mention named by its own words (`Warfighting Division`)."""
    start, end = tokens[0].start, tokens[-1].end
    name = article.text[start:end]
    if article.mode_at(start) != TEXT or name.isupper():
        name = " ".join(t.bare.capitalize() if t.kind == "word" else t.bare for t in tokens)
    add_mention(article, Entry(name, kind), start, end)


def add_mention(article: Article, entry: Entry, start: int, end: int) -> None:
    """Record one mention of a typed entity, unless it is a credit rating grade."""
    if rating_grade(article.text, start, end, article.tables.cues["rating-word"]):
        return
    article.mentions.append(Mention(entry.type, entry.name, start, end, article.text[start:end]))


def rating_grade(text: str, start: int, end: int, rating_words: frozenset[str]) -> bool:
    """Whether a name printed like a credit rating grade is that grade: S&P's with `-plus` or
    `-minus` after it (`CCC-plus` is no Commodity Credit Corporation); in a sentence that speaks
    of ratings, Moody's (`B-2`, the bomber's name) and S&P's after `to`, `from` or `rated` (`cut
    to CCC from B-minus`). Reuters' 1987 wire prints B-1 and B-2 eighty times, every one a grade."""
    if GRADE_SUFFIX.match(text, end):
        return True
    graded = GRADE_BEFORE.search(text[max(0, start - GRADE_BEFORE_CHARS):start]) is not None
    if not (MOODYS_GRADE.fullmatch(text, start, end) or (graded and SP_GRADE.fullmatch(text, start, end))):
        return False
    before = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    ends = [found for found in (text.find(". ", end), text.find("\n", end)) if found >= 0]
    words = SENTENCE_WORD.findall(text[before + 1:min(ends, default=len(text))].lower())
    return not rating_words.isdisjoint(words)


def add_person(article: Article, tokens: list[Token], start: int, end: int, shouted: bool,
               weak: bool = False) -> None:
    """Record one mention of a person, keyed by the folded name (initials left out)."""
    key, display = person_key(article, tokens)
    if key:
        article.people.append(PersonMention(key, display, start, end, article.text[start:end], shouted, weak))


def person_key(article: Article, tokens: tuple[Token, ...] | list[Token]) -> tuple[tuple[str, ...], ...]:
    """The resolution key (lower case, spelling variants folded) and the display words of a name."""
    variants = article.tables.variants
    key, display = [], []
    for token in tokens:
        word = token.bare
        if token.kind != "initial":
            lower = word.lower()
            folded = variants.get(lower, lower)
            key.append(folded)
            if folded != lower:
                word = folded.capitalize()
        display.append(word)
    return tuple(key), tuple(display)
