"""From what a person typed to a query tree that never fails, and what to tell them about it.

The steps around the parser: date filters taken out first, syntax that does not hold
together read as plain words (with a warning), lower-case `us` read as the country where it
stands for it, stopword-only and exclusion-only queries, a word typed twice counting twice,
other names of what the query names (aliases), the optional words and phrases (clauses) that
`missing` and the all-words tier are about, and reporters and sources found by name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from search.aliases import AliasTable, find_aliases, outside_names
from search.analysis import exact_analyzer, name_terms, news_analyzer
from search.documents import ENTITY_FILTERS, entity_term
from search.query.language import (
    EXACT_FIELDS,
    EXCLUSION,
    MAX_NAME_WORDS,
    NAME_MATCH_WEIGHTS,
    OPERATOR_WORD,
    QUESTION_MARK,
    SEARCH_FIELDS,
    SYNTAX,
    QueryWarning,
    country_us,
    extract_dates,
    is_place_word,
    optional_items,
    plain_words,
    syntax_problem,
)
from search.query.parser import FieldAnalyzer, QueryParser, news_query
from search.query.tree import NOTHING, And, AndNot, Fuzzy, Node, Not, Or, Phrase, Prefix, Term, Wildcard
from search.settings import SETTINGS

SEARCHED_TWINS = {field: EXACT_FIELDS[field] for field in SEARCH_FIELDS}  # where other names are searched
MAX_ACRONYM_LETTERS = 5  # a filter's one word this short is looked up as an acronym too (`place:us`)
HeldNames = Callable[[list[str]], set[str]]  # which of these names name an entity the index holds


@dataclass
class Clause:
    """One optional word or phrase of a query, as typed, and what counts as having it: its
    terms, and the other names (aliases, a reporter's byline, a source's name) it is part of.
    `missing` and the all-words count are about clauses."""

    text: str
    tree: Node
    words: tuple[str, ...] = ()

    def widened(self, alternative: Node) -> Clause:
        return Clause(self.text, Or((self.tree, alternative)), self.words)


@dataclass
class ParsedQuery:
    """A query ready to run, and what the user should be told about it."""

    text: str
    tree: Node
    warnings: list[QueryWarning] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    alias_terms: dict[str, str] = field(default_factory=dict)
    plain: bool = False
    terms: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    only_optional: bool = False
    name_terms: dict[str, str] = field(default_factory=dict)
    all_words_tree: Node | None = None

    def with_all_words(self) -> ParsedQuery:
        """The all-words tier of a query of optional words and phrases only (None otherwise)."""
        if self.only_optional and len(self.clauses) > 1:
            self.all_words_tree = And(tuple(clause.tree for clause in self.clauses))
        return self

    @property
    def distinct_terms(self) -> int:
        """How many different terms the user's words make."""
        return len(set(self.terms))


class QueryReader:
    """Reads query text into trees, with each field's analyzer (see parser.ANALYSED_FIELDS), how
    the index keys a byline or source by name, and the aliases of the things queries name."""

    def __init__(self, analyzers: Mapping[str, FieldAnalyzer], name_key: Callable[[str], str],
                 aliases: AliasTable | None = None, bounded: bool = True):
        self.bounded = bounded  # within_cost applies (off: the query as typed, whatever it costs)
        self.parser = QueryParser(analyzers)
        self.content = analyzers["content"]
        self.exact = analyzers["content_exact"]
        self.name_key = name_key
        self.aliases = aliases

    def parse(self, text: str, held_names: HeldNames | None = None) -> ParsedQuery:
        """The query `text` asks for, and the notes on how it was read; `held_names` says
        which runs of its words name an entity the index holds (`View.held_names`), so that a
        word of a longer name (`American` of `American Brands`, `New York` of `New York Times`)
        brings no other names."""
        warnings: list[QueryWarning] = []
        rest, date_filters = extract_dates(QUESTION_MARK.sub(" ", text), warnings)
        problem = syntax_problem(rest) if rest.strip() else None
        if problem:
            warnings.append(QueryWarning("syntax", f"the query has {problem}; searched as plain words"))
            rest = " ".join(plain_words(rest))
        rest = country_us(rest, is_place_word)
        words = plain_words(rest)
        tree = self.parser.parse(rest) if rest.strip() else NOTHING
        if tree == NOTHING and words:
            tree, words = self._unparsed_words(rest, words)
        terms = self.content(" ".join(words), False)
        expanded: set[str] | None = set() if self.bounded else None
        tree = self._with_term_counts(tree, terms)
        if expanded is not None:
            tree = within_cost(tree, warnings, expanded)
        plain = is_plain(tree) and not date_filters and not SYNTAX.search(rest)
        tree, alias_terms = self._with_aliases(tree, words, plain, held_names)
        tree = tree.accept(self._entity_names)
        if date_filters:
            tree = And((tree, *date_filters)) if tree != NOTHING else And(tuple(date_filters))
        items, only_optional = optional_items(rest)
        parsed = ParsedQuery(text, tree.normalize(), warnings, words, alias_terms, plain=plain,
                             terms=terms, clauses=self._clauses(items, expanded, held_names),
                             only_optional=only_optional and not date_filters)
        return parsed.with_all_words()

    def _clauses(self, items: list[str], expanded: set[str] | None,
                 held_names: HeldNames | None) -> list[Clause]:
        """Each optional item's clause (stopwords alone have none), with the aliases of the
        names the items spell, alone or in a run of words (`advanced medium-range …`); only the
        words the query expands are expanded here (`within_cost`; None: every word is)."""
        clauses = []
        for item in dict.fromkeys(items):
            found = self.parser.parse(item).accept(self._entity_names)
            if expanded is not None:
                found = within_cost(found, [], expanded, grow=False)
            found = found.normalize()
            if found != NOTHING:
                words = tuple(plain_words(item)) if not item.startswith('"') else ()
                clauses.append(Clause(item, found, words))
        if not self.aliases:
            return clauses
        runs = [(i, clause.words[0]) for i, clause in enumerate(clauses) if len(clause.words) == 1]
        run_words = [word for _, word in runs]
        for match in outside_names(find_aliases(self.aliases, run_words), run_words, held_names):
            alternatives = Or(tuple(alternative_tree(name, SEARCHED_TWINS)[0] for name in match.alternatives))
            for place in match.places:
                index = runs[place][0]
                clauses[index] = clauses[index].widened(alternatives)
        return clauses

    def name_candidates(self, parsed: ParsedQuery) -> list[tuple[tuple[int, ...], tuple[str, ...], str]]:
        """Each run of the query's words that may be a name (longest first), with its key as the
        name fields hold names."""
        runs = sorted(name_runs(parsed.clauses), key=lambda run: -len(run[1]))
        return [(places, words, self.name_key(" ".join(words))) for places, words in runs]

    def name_terms(self, parsed: ParsedQuery) -> list[tuple[str, str]]:
        """Every (field, term) `with_names` may ask the index about, to be counted at once."""
        return [(fieldname, key) for _, _, key in self.name_candidates(parsed) if key
                for fieldname in NAME_MATCH_WEIGHTS]

    def with_names(self, parsed: ParsedQuery, known: Callable[[str, str], bool],
                   common: Callable[[str], bool]) -> ParsedQuery:
        """Reporters and sources found by name: a run of the query's words (or a quoted phrase)
        that is a byline as the index holds it (`tony diver`; a lone surname only when it is not
        a common English word) or a source's whole name also matches there. The run's clauses
        count it as theirs; a plain query adds it to what it matches. Longer runs go first: words
        already matched as a longer name (`Patti Domm`) are not matched again alone (`Domm`)."""
        extra: list[Node] = []
        covered: dict[str, set[int]] = {fieldname: set() for fieldname in NAME_MATCH_WEIGHTS}
        for places, words, key in self.name_candidates(parsed):
            for fieldname, weight in NAME_MATCH_WEIGHTS.items():
                lone = len(words) == 1 and fieldname == "byline"
                if not key or covered[fieldname].issuperset(places) or not known(fieldname, key) \
                        or (lone and common(words[0])):
                    continue
                covered[fieldname].update(places)
                term = Term(fieldname, key, weight * len(words))
                parsed.name_terms[f"{fieldname}:{key}"] = " ".join(words)
                extra.append(term)
                for place in places:
                    parsed.clauses[place] = parsed.clauses[place].widened(term)
        if not extra:
            return parsed
        if parsed.plain:
            top = parsed.tree.parts if isinstance(parsed.tree, Or) else (parsed.tree,)
            parsed.tree = Or((*top, *extra)).normalize()
        return parsed.with_all_words()

    def _with_aliases(self, tree: Node, words: list[str], plain: bool,
                      held_names: HeldNames | None) -> tuple[Node, dict[str, str]]:
        """Every other name of a thing the query names becomes another way to match it.

        In a plain-word query the names join the top-level Or; elsewhere only a
        one-word name is widened, in place, so AND and NOT keep their meaning.
        """
        if not self.aliases or tree == NOTHING:
            return tree, {}
        alias_terms: dict[str, str] = {}
        widen: dict[str, Node] = {}
        if plain and isinstance(tree, Term):
            tree = Or((tree,))
        extra: list[Node] = []
        for match in outside_names(find_aliases(self.aliases, words), words, held_names):
            alternatives = []
            for name in match.alternatives:
                alternative, keys = alternative_tree(name, SEARCHED_TWINS)
                alternatives.append(alternative)
                alias_terms.update((key, match.words) for key in keys)
            key = self.aliases.key(match.words)
            if plain:
                extra.extend(alternatives)
            elif " " not in key:
                widen[key] = Or(tuple(alternatives))
        if plain:
            return (Or((*tree.parts, *extra)) if extra else tree), alias_terms

        def widened(node: Node) -> Node:
            if isinstance(node, Term) and node.field == "content" and node.text in widen:
                return Or((node, widen[node.text]))
            return node

        return (tree.accept(widened) if widen else tree), alias_terms

    def _entity_names(self, node: Node) -> Node:
        """An entity filter widened to every name of what it names: `place:britain` also finds
        the place the index calls United Kingdom, `org:twa` Trans World Airlines (the alias
        groups: gazetteers, demonyms, the corpus's own definitions), each other name as a whole
        entity's name (the `entity` field), so that `British` finds no British Columbia. `entity:`
        names an entity of any type by its words as the typed fields do (`entity:trump` is
        `person:trump` or `org:trump` …), besides the exact name the `entity` field holds."""
        if not isinstance(node, Term | Phrase):
            return node
        words = (node.text,) if isinstance(node, Term) else node.words
        if node.field == "entity":
            terms = tuple(name_terms(" ".join(words)))
            typed = [self._entity_names(name_node(kind, terms)) for kind in ENTITY_FILTERS] if terms else []
            return Or((node, *typed), node.boost)
        if node.field not in ENTITY_FILTERS or not self.aliases:
            return node
        others = [Term("entity", entity_term(name)) for name in self._other_names(words)]
        return Or((node, *others), node.boost) if others else node

    def _other_names(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """The other names of the name a filter gives whole; a short word is also read as an
        acronym, as a filter's words come lower-cased (`place:us`, `place:u.s` are the US)."""
        tries = [list(words)]
        if len(words) == 1 and len(words[0].replace(".", "")) <= MAX_ACRONYM_LETTERS:
            tries.append([words[0].replace(".", "").upper()])
        for attempt in tries:
            matches = find_aliases(self.aliases, attempt)
            if len(matches) == 1 and len(matches[0].places) == len(attempt):
                return matches[0].alternatives
        return ()

    def _unparsed_words(self, text: str, words: list[str]) -> tuple[Node, list[str]]:
        """A query the parser reads as nothing: stopwords (`the who`) search the exact fields,
        and words after `-` or NOT (`-Amraam`, `-a -b`, `NOT the`) are excluded, never searched:
        a query of exclusions only finds everything else, as `NOT iran` does. Returns the
        tree and the words searched for."""
        excluded = EXCLUSION.findall(text)
        if not excluded:
            return self._exact_words(words), words
        wanted = plain_words(OPERATOR_WORD.sub(" ", EXCLUSION.sub(" ", text)))
        banned = []
        for fragment in excluded:
            found = self.parser.parse(fragment)
            if found == NOTHING:
                found = self._exact_words(plain_words(fragment)).normalize()
            if found != NOTHING:
                banned.append(found)
        tree = self._exact_words(wanted).normalize() if wanted else NOTHING
        if not banned:
            return tree, wanted
        if tree == NOTHING:
            return Not(Or(tuple(banned))), wanted
        return AndNot(tree, Or(tuple(banned))), wanted

    def _exact_words(self, words: list[str]) -> Node:
        """Stopword-only queries (`the who`) search the exact fields."""
        terms = self.exact(" ".join(words), False)
        return Or(tuple(Term(EXACT_FIELDS[f], term) for term in terms for f in SEARCH_FIELDS))

    def _with_term_counts(self, tree: Node, terms: list[str]) -> Node:
        """A word typed twice counts twice (BM25's query term frequency): `terms` are the
        content terms of the query's words."""
        counts = Counter(terms)
        repeated = {term: n for term, n in counts.items() if n > 1}
        if not repeated:
            return tree

        def boost(node: Node) -> Node:
            if isinstance(node, Term) and node.field in SEARCH_FIELDS and node.text in repeated:
                return Term(node.field, node.text, node.boost * repeated[node.text])
            return node

        return tree.accept(boost)


def is_plain(tree: Node) -> bool:
    """Plain words: an Or of terms of the searched fields, no operator, phrase or filter."""
    if isinstance(tree, Term):
        return tree.field in SEARCH_FIELDS
    return isinstance(tree, Or) and all(
        isinstance(part, Term) and part.field in SEARCH_FIELDS for part in tree.parts
    )


def all_words_tree(terms: list[str]) -> Node | None:
    """Every one of the terms, each in headline or body (None for one term)."""
    if len(terms) < 2:
        return None
    return And(tuple(Or(tuple(Term(f, term) for f in SEARCH_FIELDS)) for term in terms))


def name_runs(clauses: list[Clause]) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    """Where a name may stand: runs of up to MAX_NAME_WORDS consecutive one-word clauses
    (longest first), and each quoted phrase's words."""
    runs = []
    for i, clause in enumerate(clauses):
        if clause.text.startswith('"'):
            runs.append(((i,), tuple(plain_words(clause.text))))
            continue
        for size in range(MAX_NAME_WORDS, 0, -1):
            window = clauses[i:i + size]
            if len(window) == size and all(len(c.words) == 1 for c in window):
                runs.append((tuple(range(i, i + size)), tuple(c.words[0] for c in window)))
    return runs


def alternative_tree(name: str, fields: dict[str, str]) -> tuple[Node, list[str]]:
    """A query tree for one other name, and the `field:term` keys it can match.

    A one-word name is a term of the stemmed fields (`Britain`, `IMF`), read as a typed word
    is (`search.query.parser.news_query`): in capitals, both as a shouted word and as an acronym
    (`NYC` is `nyc` in a wire headline, `NYC` in a sentence); a longer one is a phrase of its
    exact words on their exact twins, weighted to count as one word (a phrase scores the sum of
    its words).
    """
    stemmed = [t.text for t in STEMMED(name, mode="query")]
    if len(stemmed) == 1:
        texts = STEMMED_AS_TYPED(name, False)
        return (Or(tuple(Term(f, text) for f in fields for text in texts)),
                [f"{f}:{text}" for f in fields for text in texts])
    words = tuple(t.text for t in EXACT(name, mode="query"))
    keys = [f"{exact}:{word}" for exact in fields.values() for word in words]
    weight = 1.0 / len(words)
    return Or(tuple(Phrase(exact, words, boost=weight) for exact in fields.values())), keys


def name_node(fieldname: str, terms: tuple[str, ...]) -> Node:
    """A name's terms in a name field: one term, or a phrase of them."""
    return Phrase(fieldname, terms).normalize()


STEMMED = news_analyzer()
STEMMED_AS_TYPED = news_query(STEMMED)
EXACT = exact_analyzer()


def within_cost(tree: Node, warnings: list[QueryWarning], expanded: set[str], grow: bool = True) -> Node:
    """The tree with what costs most bounded: only the first SETTINGS.max_expanded_words words
    expanded as wildcards, prefixes or fuzzy matches (the rest searched as typed), and a phrase
    with slop of more than SETTINGS.max_sloppy_phrase_words words matched word for word; each
    with a `cost` warning. Expanding a word walks the index's lexicon, and a sloppy phrase's
    matcher reads every position of its words, before any time budget can stop them. The words
    expanded are added to `expanded` (without `grow`, only those already in it are expanded)."""
    capped: set[str] = set()

    def bounded(node: Node) -> Node:
        if isinstance(node, Fuzzy | Prefix | Wildcard):
            word = node.pattern if isinstance(node, Wildcard) else node.text
            if word in expanded or (grow and len(expanded) < SETTINGS.max_expanded_words):
                expanded.add(word)
                return node
            capped.add("expanded")
            return Term(node.field, word.replace("*", "").replace("?", ""), node.boost)
        if isinstance(node, Phrase) and node.slop > 1 and len(node.words) > SETTINGS.max_sloppy_phrase_words:
            capped.add("phrase")
            return replace(node, slop=1)
        return node

    tree = tree.accept(bounded)
    if "expanded" in capped:
        warnings.append(QueryWarning("cost", f"only the first {SETTINGS.max_expanded_words} wildcard, "
                                             "prefix or fuzzy words were expanded; the rest were searched "
                                             "as typed"))
    if "phrase" in capped:
        warnings.append(QueryWarning("cost", f"a phrase of more than {SETTINGS.max_sloppy_phrase_words} "
                                             "words was matched word for word, without its ~ distance"))
    return tree
