"""Lines, tokens and the lexicon: how a line is printed, the tokens of a capitalised sequence, the
longest table phrase at a token, and what a word can be (a name part, an ordinary English word).

The English dictionary that tells ordinary words from names (`Adding`, `Workers`) is lemminflect's,
loaded on first use. Separate from the rules because these are questions about single words and
lines, which the rules, the resolution of people and the pipeline all ask.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from search.entities.article import Article, Token
from search.entities.tables import Entry, entity_tables, fold_token, strip_possessive

TEXT, HEADLINE, SHOUT = "text", "headline", "shout"
NEVER_NAME, ORDINARY = "never-name", "ordinary"
VERB_FORM, ADVERB, PLURAL = "verb-form", "adverb", "plural"
MAX_PHRASE_WORDS = 8
PREVIOUS_WORD = re.compile(r"(?<![\w-])([A-Za-z]+)[ \t]+$")
PLURAL_POSSESSIVE = re.compile(r"'(?![^\W\d_])")
NAME_PART = re.compile(r"^[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*$")


def line_mode(line: str) -> str:
    """`shout` for a line without lower case, `headline` for one in title case, else `text`.

    Title case: three capitalised words of four letters or more, at most one
    in five such words in lower case, and no full stop at the end (a sentence
    full of names still ends with one).
    """
    if line.upper() == line:
        return SHOUT
    if line.rstrip(" \"'").endswith("."):
        return TEXT
    long = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    lower = sum(w[0].islower() for w in long)
    if len(long) - lower >= 3 and lower <= max(1, len(long) // 5):
        return HEADLINE
    return TEXT


def sentence_initial(text: str, position: int) -> bool:
    """Whether `position` starts a sentence (or a line, or a quotation: `said, "Unlike Paul
    Volcker, ...`)."""
    i = position - 1
    quoted = False
    while i >= 0 and text[i] in " \t\"'([“":
        quoted = quoted or text[i] in "\"“"
        i -= 1
    return i < 0 or text[i] in ".!?:;\n-" or (quoted and text[i] == ",")


def span_tokens(span: re.Match) -> list[Token]:
    """The tokens of one capitalised sequence, with offsets in the article; a last word in -s
    with an apostrophe after it is possessive too (`Shapps' inaugural trip`)."""
    base = span.start()
    tokens = [Token(text, bare, fold, kind, base + start, base + end, possessive)
              for text, bare, fold, kind, start, end, possessive in relative_tokens(span.group())]
    if tokens and tokens[-1].kind == "word" and tokens[-1].bare[-1:] in ("s", "S") \
            and PLURAL_POSSESSIVE.match(span.string, span.end()):
        tokens[-1] = tokens[-1]._replace(possessive=True)
    return tokens


@lru_cache(maxsize=200_000)
def relative_tokens(span: str) -> tuple[tuple, ...]:
    """The tokens of a capitalised sequence, offsets from its start (remembered: news repeats its names)."""
    tables = entity_tables()
    tokens = []
    for m in tables.token.finditer(span):
        text, kind = m.group(), m.lastgroup
        if kind == "dotted" and len(text) <= 6 and text.lower() not in tables.lexicon:
            kind = "initial"  # `G.H. Walker`: initials, not an acronym
        bare = strip_possessive(text)
        start = m.start()
        tokens.append((text, bare, fold_token(text, kind), kind, start, start + len(bare), bare != text))
    return tuple(tokens)


def lookup(article: Article, tokens: list[Token], i: int, mode: str) -> tuple[Entry | None, int]:
    """The longest lexicon phrase starting at token i, and the index after it."""
    tables = article.tables
    first = tokens[i]
    if first.kind in ("conn", "number") or (
        first.fold not in tables.first_words and first.fold not in article.extras
    ):
        return None, i
    stop = min(len(tokens), i + MAX_PHRASE_WORDS)  # (a possessive inside a table's phrase is
    for j in range(stop, i, -1):                     # part of it: `Moody's Investors Service`)
        if tokens[j - 1].kind == "conn":
            continue
        key = " ".join(t.fold for t in tokens[i:j])
        entry = article.extras.get(key) or tables.lexicon.get(key)
        if entry is not None and case_fits(entry, tokens[i], mode, article) \
                and not shouted_common_word(entry, tokens[i:j], mode):
            return entry, j
    return None, i


def shouted_common_word(entry: Entry, tokens: list[Token], mode: str) -> bool:
    """A weapon named by one English word, in a headline's capitals or title case, where case
    says nothing: `CITY PREDATORS` are no drones (`Patriot missiles`, two words, still are)."""
    return entry.type == "weapon" and mode != TEXT and len(tokens) == 1 and english_word(tokens[0].fold)


def case_fits(entry: Entry, token: Token, mode: str, article: Article) -> bool:
    """Whether the printed case allows the entry: an acronym in capitals (or with two capitals:
    `PrSM`), or in title case (`Nato`, `Amraam`) when four letters or more, not a common word,
    and not starting a sentence."""
    if not entry.acronym:
        return True
    word = token.bare
    letters = word[:-1] if len(word) > 2 and word.endswith("s") and word[:-1].isupper() else word
    if letters.isupper() or sum(c.isupper() for c in letters) >= 2:
        return mode != SHOUT or token.fold not in article.tables.stopwords
    return (
        mode == TEXT
        and len(word) >= 4
        and word[0].isupper()
        and word[1:].islower()
        and token.fold not in article.tables.stopwords
        and not sentence_initial(article.text, token.start)
    )


def name_like(token: Token) -> bool:
    """A word that can be part of a person's name: `Wallace`, `O'Brien`, `Leigh-Pemberton`, `H.`."""
    if token.kind == "initial":
        return True
    if token.kind != "word":
        return False
    word = token.bare
    for prefix in ("al-", "el-", "bin-"):
        if word.startswith(prefix):
            word = word[len(prefix):]
    if not word[:1].isupper() or word.isupper() or len(word) < 2:
        return False
    return all(part[:1].isupper() and NAME_PART.match(part) for part in word.split("-"))


def common_plural(words: list[Token]) -> bool:
    """English words ending in a plural noun name a body of people or things, not a person:
    `United Auto Workers said`, `Social Democrats said` (but `Robert Gates`, `Anne Mills`: given
    names are not in the dictionary)."""
    return plural_noun(words[-1]) and all(english_word(t.bare.lower()) for t in words[:-1])


def plural_noun(token: Token) -> bool:
    """A plural English noun (`Workers' union`, `Producers' group`): a possessive of it names no one."""
    return english_reading(token.bare.lower()) == PLURAL


def caps_word(token: Token) -> bool:
    """A word printed in capitals (`BEN`, `HIMARS`, `MPs`)."""
    word = token.bare.replace(".", "")
    if len(word) > 2 and word.endswith("s"):
        word = word[:-1]
    return word.isupper() and sum(c.isalpha() for c in word) >= 2


def ordinary_start(article: Article, token: Token) -> str | None:
    """Why a capitalised word is no name part, or None when it may be one.

    NEVER_NAME: a stop word (`The`, `This`), a day or month after `in`, `on` ... (`in February
    USAir offered`), or at a sentence start a word of the `common` cues (`Yesterday`, `Neither`)
    or an adverb (`Separately`). ORDINARY: at a sentence start, a word
    the article also prints in lower case, a verb form (`Adding Piedmont`, `Replacing Inco`) or
    a role (`Developer Donald Trump`): these also begin company names (`Advanced Systems Inc`),
    which keep them.
    """
    word = token.bare.lower()
    tables = article.tables
    if word in tables.stopwords:
        return NEVER_NAME
    if word in tables.cues["date"] and date_before(article, token):
        return NEVER_NAME  # `in February USAir offered`, `on Friday Reagan said`
    if not sentence_initial(article.text, token.start):
        return None
    if word in tables.cues["common"]:
        return NEVER_NAME
    reading = english_reading(word)
    if reading == ADVERB:
        return NEVER_NAME
    if reading == VERB_FORM or word in tables.cues["person-role"] or word in article.lower_words():
        return ORDINARY
    return None


def date_before(article: Article, token: Token) -> bool:
    """Whether the word before `token` makes it a date (`in`, `on`, `since`: the `date-before` cues)."""
    before = PREVIOUS_WORD.search(article.text, max(0, token.start - 12), token.start)
    return before is not None and before.group(1).lower() in article.tables.cues["date-before"]


@lru_cache(maxsize=1)
def english_lemmas() -> Callable[[str], dict[str, tuple[str, ...]]]:
    """lemminflect's dictionary look-up (imported when first needed: it takes a third of a second)."""
    from lemminflect import getAllLemmas

    return getAllLemmas


@lru_cache(maxsize=50_000)
def english_word(word: str) -> bool:
    """Whether the English dictionary holds a lower-case word (`gulf`, `social`; not `robert`)."""
    return bool(english_lemmas()(word))


@lru_cache(maxsize=50_000)
def english_reading(word: str) -> str | None:
    """What an English dictionary makes of a lower-case word: VERB_FORM for an inflected verb
    ending in -ing or -ed (`adding`, `remained`), ADVERB for a word that is only an adverb
    (`separately`), PLURAL for a plural noun (`workers`), else None.

    The dictionary is lemminflect's (built from the NLM SPECIALIST lexicon): it knows English
    words, not proper names, so `boeing` or `harding` read as None; a hand list could not
    cover English verbs.
    """
    if not word.isalpha() or len(word) < 4:
        return None
    readings = english_lemmas()(word)
    if word.endswith(("ing", "ed")) and any(lemma != word for lemma in readings.get("VERB", ())):
        return VERB_FORM
    if word.endswith("ly") and set(readings) == {"ADV"}:
        return ADVERB
    if word.endswith("s") and any(lemma != word for lemma in readings.get("NOUN", ())):
        return PLURAL
    return None
