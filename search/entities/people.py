"""People resolved within the article: `Mr Wallace`, `BEN WALLACE` and `Wallace` are `Ben Wallace`.

After the rules have run: surnames the headline prints, candidate names that end in a known
person's surname, lone possessives before what only a person has (`Zelenskiy's office`), then
every person mention grouped under its fullest name. Separate because it works on the whole
article at once, where the rules see one capitalised sequence at a time.
"""

from __future__ import annotations

import re

from search.entities.article import Article, Mention, PersonMention, Token
from search.entities.rules import MAX_NAME_WORDS, add_person, person_key, plain_name, thing_before
from search.entities.tables import PARTICLES
from search.entities.tokens import HEADLINE, SHOUT, TEXT, caps_word, english_word, name_like, plural_noun

HEADLINE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
POSSESSED = re.compile(r"'s?((?:\s+[a-z][a-z-]*){1,3})")


def named_in_headline(article: Article) -> None:
    """A name of two or three words in the body whose surname alone the headline prints is a
    person: headlines name people by surname (`FURTHER TERM FOR POEHL LIKELY`, then
    `Karl Otto Poehl is likely...`), companies in full."""
    if not article.title_end:
        return
    headline = {w.lower() for w in HEADLINE_WORD.findall(article.text[:article.title_end])}
    for run, mode in article.candidates:
        if mode != TEXT or run[0].start < article.title_end:
            continue
        names = [t for t in run if t.fold not in PARTICLES]
        words = [t for t in names if t.kind != "initial"]
        if (
            2 <= len(words) <= 3
            and words[-1].fold in headline
            and words[0].fold not in headline
            and all(name_like(t) for t in names)
            and plain_name(article, names)
        ):
            add_person(article, list(run), run[0].start, run[-1].end, shouted=False)


def cued_by_surname(article: Article) -> None:
    """A name of two or three words is a person when its last word alone is cued as one elsewhere
    in the article (`Agnieszka Ladon won 40.9 percent`, then `Ladon said`, `Kedzierski, 47, said`):
    news names a person in full once, by surname after. Not English words alone (`Economic Daily`,
    then `Daily said`; `Metal Traders`), nor a date (`November Four`). The surname's own mentions
    follow it in `promote_candidates`."""
    after = article.tables.person_after
    cued = {run[0].fold for run, mode in article.candidates
            if mode == TEXT and len(run) == 1 and name_like(run[0]) and not run[0].possessive
            and plain_name(article, list(run)) and after.match(article.text, run[0].end)}
    if not cued:
        return
    for run, mode in article.candidates:
        names = [t for t in run if t.fold not in PARTICLES]
        words = [t for t in names if t.kind != "initial"]
        if (mode == TEXT and 2 <= len(words) <= 3 and words[-1].fold in cued
                and all(name_like(t) for t in names) and plain_name(article, names)
                and not all(english_word(t.bare.lower()) for t in words)
                and not any(t.fold in article.tables.cues["date"] for t in words)
                and not thing_before(article, run[0].start)):
            add_person(article, list(run), run[0].start, run[-1].end, shouted=False)


def promote_candidates(article: Article) -> None:
    """Unknown names that end in a known person's surname are that person's mentions
    (`BEN WALLACE`, `Wallace heads to Pentagon`); in capitals or title-case lines any known
    name or surname among the words counts."""
    if not article.people:
        return
    surnames = {p.key[-1] for p in article.people}
    pairs = {(p.key[0], p.key[-1]) for p in article.people if len(p.key) >= 2}
    for run, mode in article.candidates:
        if mode == HEADLINE or (mode == SHOUT and article.mode_at(run[0].start) != TEXT):
            promote_words(article, run, surnames, pairs)
            continue
        key, _ = person_key(article, run)
        names = [t for t in run if t.kind != "initial"]
        if key and key[-1] in surnames and len(names) <= MAX_NAME_WORDS and all(
            name_like(t) or caps_word(t) or t.fold in PARTICLES for t in run
        ):
            add_person(article, list(run), run[0].start, run[-1].end, shouted=mode == SHOUT, weak=True)


def promote_words(article: Article, run: tuple[Token, ...], surnames: set[str],
                  pairs: set[tuple[str, str]]) -> None:
    """In a headline, find known first-and-last names and known surnames among the words."""
    i = 0
    while i < len(run):
        key = person_key(article, run[i:i + 2])[0]
        if len(key) == 2 and (key[0], key[1]) in pairs:
            add_person(article, list(run[i:i + 2]), run[i].start, run[i + 1].end, shouted=True)
            i += 2
            continue
        if key and key[0] in surnames:
            add_person(article, [run[i]], run[i].start, run[i].end, shouted=True)
        i += 1


def possessive_people(article: Article) -> None:
    """A lone unknown name in the possessive before something only a person has is a person:
    `Shapps' inaugural trip`, `Zelenskiy's office` (the `person-thing` cues). `Piedmont's board`
    or `TWA's offer` say nothing, and places and organisations the tables know keep their type
    (`Britain's`, `NATO's`)."""
    taken = {person.start for person in article.people}
    things = article.tables.cues["person-thing"]
    for run, mode in article.candidates:
        token = run[-1]
        if mode != TEXT or len(run) != 1 or not token.possessive or token.start in taken:
            continue
        if not name_like(token) or not plain_name(article, [token]) or plural_noun(token):
            continue
        following = POSSESSED.match(article.text, token.end)
        if following and things.intersection(following.group(1).split()):
            add_person(article, [token], token.start, token.end, shouted=False, weak=True)


def compatible(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether a name can be a shorter form of another: its tail (`Wallace`, `Perez de Cuellar`),
    or the same first and last names (`George Bush` for `George Walker Bush`)."""
    if len(short) <= len(full) and full[len(full) - len(short):] == short:
        return True
    return len(short) >= 2 and short[0] == full[0] and short[-1] == full[-1]


def resolve_people(article: Article) -> list[Mention]:
    """Group person mentions into people, each named by its fullest name.

    A name compatible with several fuller ones (`Baker` with `James Baker` and
    `Howard Baker`) goes to the one mentioned last before it. A short name the
    body prints before any fuller one (`President Reagan` ... `Nancy Reagan`) is
    a person of its own too: news names a person in full first.
    """
    people = sorted(article.people, key=lambda p: p.start)
    keys = sorted(dict.fromkeys(p.key for p in people), key=len, reverse=True)  # ties: first printed first
    first: dict[tuple[str, ...], int] = {}
    for person in people:
        if person.start >= article.title_end and not person.weak:
            first.setdefault(person.key, person.start)
    fullest: list[tuple[str, ...]] = []
    owners: dict[tuple[str, ...], list[int]] = {}
    for key in keys:
        matches = [n for n, full in enumerate(fullest) if compatible(key, full)]
        if not matches or (key in first and all(first[key] < first.get(fullest[n], -1) for n in matches)):
            fullest.append(key)
            matches = [len(fullest) - 1, *matches]
        owners[key] = matches
    last_seen: dict[int, int] = {}
    assigned = []
    for person in people:
        choices = owners[person.key]
        owner = choices[0] if len(choices) == 1 else max(choices, key=lambda c: last_seen.get(c, -1))
        last_seen[owner] = person.start
        assigned.append((owner, person))
    names = {n: display_name(full, [p for o, p in assigned if o == n]) for n, full in enumerate(fullest)}
    return [Mention("person", names[owner], p.start, p.end, p.surface) for owner, p in assigned]


def display_name(key: tuple[str, ...], mentions: list[PersonMention]) -> str:
    """The printed form of a person's fullest name: as written in ordinary text if it was, else
    title-cased from capitals."""
    best = [m for m in mentions if m.key == key]
    best.sort(key=lambda m: (m.shouted, len(m.display), m.start))
    if best and not best[0].shouted:
        return " ".join(best[0].display)
    display = best[0].display if best else key
    return " ".join(title_case(word) for word in display)


def title_case(word: str) -> str:
    """`WALLACE` -> `Wallace`, `LEIGH-PEMBERTON` -> `Leigh-Pemberton`; particles stay lower case."""
    if word.lower() in PARTICLES:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
