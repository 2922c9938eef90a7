"""Our parser of the query language: one piece of query text to a query tree, never failing.

It reads the language as Whoosh's query parser read it before this parser existed, configured
as this project had it (headline and body searched by default, `"phrases"` on the printed-word
fields, `~` fuzzy words, `+`/`-`, field aliases, no ranges or `^` boosts); the parity test
(tests/test_query_parity.py) holds the two side by side. Four differences, documented there:
`REQUIRE` is a word; a `date:` value inside the query is read as the date filter reads it;
only the query language's fields are fields (not every field of the index); and parentheses
nested deeper than MAX_DEPTH make plain words.

The tokenizer finds, at each point of the text, the first of these that matches there (text
between them is a word):

    ANDNOT ANDMAYBE (between spaces)   *:* (every document)   'single quoted words'
    name:   * ? (wildcards)   ( )   NOT (after a space, a parenthesis or the start)
    AND OR (between spaces)   "a phrase"~N   ~N/M (fuzziness, right after a word)
    + (before a word)   - (before a word, after a space)   spaces

Then, level by level (a level is the text between a pair of parentheses; an unmatched
parenthesis is left out): a word followed by `~` becomes a fuzzy word; `*` and `?` glue to the
text touching them (`dr*ne`; a lone trailing `*` makes a prefix); a field name applies to what
follows it without a space (an unknown name stays part of the text); text without a field
searches each of SEARCH_FIELDS. At the top level, `+` marks the next item required and `-`
banned. Operators then combine items, tightest first:

    NOT x            (prefix)
    a AND b          (left to right; a run of ANDs is one group)
    a OR b           (likewise)
    a ANDNOT b       (left-associative)
    a ANDMAYBE b     (left-associative)

Items side by side without an operator are alternatives. An operator with nothing on one side
is left out. What has no reading (`+`/`-` inside parentheses, `NOT NOT`, a fuzzy mark on
nothing) makes the whole piece plain words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from search.analysis import NewsAnalyzer
from search.query.language import (
    DATE_FIELD,
    EXACT_FIELDS,
    FIELD_ALIASES,
    FILTER_FIELDS,
    MAX_SLOP,
    NAME_VALUE_FIELDS,
    OPERATORS,
    PLAIN_QUERY_WORD,
    SEARCH_FIELDS,
    date_value,
    plain_words,
)
from search.query.tree import (
    NOTHING,
    And,
    AndMaybe,
    AndNot,
    Everything,
    Fuzzy,
    Group,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)

FieldAnalyzer = Callable[[str, bool], list[str]]
"""A field's query analysis: the terms of a text; with `whole` True the text is one token and its
stopwords stay (how wildcard, prefix and fuzzy words are read)."""
ACRONYM_SHAPE = re.compile(r"[A-Z][A-Z0-9]{1,5}")  # a word typed so is searched as an acronym too
OPERATOR_WORDS = {*OPERATORS, "REQUIRE", "TO"}  # the query syntax's words, never acronyms

ANALYSED_FIELDS = (*SEARCH_FIELDS, *EXACT_FIELDS.values(), *sorted(FILTER_FIELDS))  # analyzers needed
MAX_DEPTH = 100  # levels of parentheses; a query nested deeper is read as plain words
MAX_TREE_DEPTH = 2 * MAX_DEPTH  # levels of a query's tree (long runs of ANDNOT nest too)
MAX_REMEMBERED_WORDS = 50_000  # the plain words whose terms the parser keeps (a query's clauses ask again)
FIELD_NAMES = frozenset({*SEARCH_FIELDS, *FILTER_FIELDS, DATE_FIELD})
ALIAS_OF = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}
QUESTION_MARKS = "?\u055e\u061f\u1367"  # and the Armenian, Arabic and Ethiopic ones
TOKEN = re.compile(
    r"(?P<andnot>(?<=\s)ANDNOT(?=\s))"
    r"|(?P<andmaybe>(?<=\s)ANDMAYBE(?=\s))"
    r"|(?P<every>\*:\*)"
    r"|(?:^|(?<=\W))'(?P<quoted>.*?)'(?=\s|\]|[)}]|$)"
    r"|(?P<field>\w+|\*):"
    rf"|(?P<wild>[*{QUESTION_MARKS}])"
    r"|(?P<open>\()"
    r"|(?P<close>\))"
    r"|(?P<not>(?:^|(?<=\s|[()]))NOT(?=\s))"
    r"|(?P<and>(?<=\s)AND(?=\s))"
    r"|(?P<or>(?<=\s)OR(?=\s))"
    r'|"(?P<phrase>.*?)"(?:~(?P<slop>[1-9][0-9]*))?'
    r"|(?P<fuzz>(?<=\S)~(?P<maxdist>[0-9])?(?:/(?P<prefix>[1-9][0-9]*))?)"
    r"|(?P<plus>(?<!\S)\+)"
    r"|(?P<minus>(?<!\S)-(?=\S))"
    r"|(?P<space>\s+)"
)
PREFIX_OPERATOR = "not"
BINARY_OPERATORS = ("and", "or", "andnot", "andmaybe")  # tightest first, after NOT
RUNS = {"and", "or"}  # operators whose runs make one group (`a AND b AND c`)


def news_query(analyzer: NewsAnalyzer) -> FieldAnalyzer:
    """One of our analyzers as the parser calls it: read whole, a text is one token and keeps its
    stopwords (how wildcard, prefix and fuzzy words are read). A short word typed in capitals
    (`GATT`, `MDIM`: ACRONYM_SHAPE) is read as shouted, a word, and as an acronym too: the index
    holds it as a word where a text shouts it (a Reuters headline) and as an acronym in running
    text."""
    def analyze(text: str, whole: bool) -> list[str]:
        tokens = analyzer(text, mode="query", tokenize=not whole, removestops=not whole)
        found = [token.text for token in tokens]
        if not whole and ACRONYM_SHAPE.fullmatch(text) and text not in OPERATOR_WORDS:
            found += [term.text for term in analyzer.terms_of(text, False, True)[0]
                      if not term.stopword and term.text not in found]
        return found
    return analyze


class Unreadable(Exception):
    """Syntax with no reading: the piece of text is read as plain words instead."""


@dataclass
class Text:
    """Text that searches terms: a word, a phrase, a wildcard pattern, a prefix or a fuzzy word."""

    kind: str
    text: str
    field: str | None = None
    slop: int = 1
    maxdist: int = 1
    prefixlength: int = 0


@dataclass
class Mark:
    """Syntax that is not text: an operator, `+`, `-`, a field name, a fuzziness mark, a space."""

    kind: str
    text: str
    name: str = ""
    maxdist: int = 1
    prefixlength: int = 0


@dataclass
class Items:
    """Items read together: parentheses, an operator's operands, a word's fields, the top level.
    `kind` says how: "or", "and", "not", "andnot" or "andmaybe"."""

    kind: str
    items: list = field(default_factory=list)


Item = Text | Mark | Items


def tokens(text: str) -> list[Text | Mark]:
    """The text's tokens, in order: marks where the syntax matches, words between them."""
    found: list[Text | Mark] = []
    last = 0
    for match in TOKEN.finditer(text):
        if match.start() > last:
            found.append(Text("word", text[last:match.start()]))
        found.append(_token(match))
        last = match.end()
    if last < len(text):
        found.append(Text("word", text[last:]))
    return found


def _token(match: re.Match) -> Text | Mark:
    """The token one match of TOKEN stands for."""
    kind = match.lastgroup
    if kind == "quoted":
        return Text("word", match.group("quoted"))
    if kind in ("phrase", "slop"):
        slop = match.group("slop")
        return Text("phrase", match.group("phrase"), slop=int(slop) if slop else 1)
    if kind == "wild":
        return Text("wild", match.group())
    if kind == "field":
        return Mark("field", match.group(), name=match.group("field"))
    if kind == "fuzz":
        maxdist, prefix = match.group("maxdist"), match.group("prefix")
        return Mark("fuzz", match.group(), maxdist=int(maxdist) if maxdist else 1,
                    prefixlength=int(prefix) if prefix else 0)
    return Mark(kind, match.group())


def nest(found: list[Text | Mark]) -> Items:
    """The tokens grouped by their parentheses (unmatched ones left out); a query that is one
    parenthesised group is that group."""
    stack = [Items("or")]
    for token in found:
        if isinstance(token, Mark) and token.kind == "open":
            stack.append(Items("or"))
        elif isinstance(token, Mark) and token.kind == "close":
            if len(stack) > 1:
                if len(stack) - 1 > MAX_DEPTH:
                    raise Unreadable("too deep")
                closed = stack.pop()
                stack[-1].items.append(closed)
        else:
            stack[-1].items.append(token)
    top = stack[0]
    for unclosed in stack[1:]:
        top.items.extend(unclosed.items)
    if len(top.items) == 1 and isinstance(top.items[0], Items):
        return top.items[0]
    return top


def attach_fuzziness(items: list[Item]) -> list[Item]:
    """`word~2/3`: a word with the fuzziness mark after it is a fuzzy word; a mark on anything
    else is text."""
    read: list[Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        following = items[i + 1] if i + 1 < len(items) else None
        if _is(item, Text, "word") and _is(following, Mark, "fuzz"):
            item = Text("fuzzy", item.text, maxdist=following.maxdist, prefixlength=following.prefixlength)
            i += 1
        elif _is(item, Mark, "fuzz"):
            item = Text("word", item.text)
        elif isinstance(item, Items):
            item.items = attach_fuzziness(item.items)
        read.append(item)
        i += 1
    return read


def glue_wildcards(items: list[Item]) -> list[Item]:
    """`*` and `?` take in the text that touches them on either side (`dr*ne`); a pattern whose
    only wildcard is one `*` at its end is a prefix."""
    i = 0
    while i < len(items):
        item = items[i]
        if _is(item, Text, "wild"):
            if i + 1 < len(items) and isinstance(items[i + 1], Text):
                item.text += items.pop(i + 1).text
            if i > 0 and isinstance(items[i - 1], Text):
                item.text = items.pop(i - 1).text + item.text
                continue
        elif isinstance(item, Items):
            item.items = glue_wildcards(item.items)
        i += 1
    return [_as_prefix(item) if _is(item, Text, "wild") else item for item in items]


def _as_prefix(pattern: Text) -> Text:
    """`drone*` searches by prefix; other patterns stay patterns."""
    text = pattern.text
    if len(text) > 1 and not any(mark in text for mark in QUESTION_MARKS) and text.find("*") == len(text) - 1:
        return Text("prefix", text[:-1])
    return pattern


def apply_field_names(items: list[Item], known: frozenset[str]) -> list[Item]:
    """`title:drones`: a field name applies to the item right after it (a group: to each of its
    items without a field). An unknown name is text: it joins the text after it, or stands as a
    word (a name with nothing after it too)."""
    named: list[Item] = []
    unknown: Mark | None = None
    for item in items:
        if _is(item, Mark, "field"):
            item.name = ALIAS_OF.get(item.name, item.name)
            if item.name not in known:
                unknown = item
                continue
        if unknown is not None:
            if isinstance(item, Text):
                item.text = unknown.text + item.text
            else:
                named.append(Text("word", unknown.text))
            unknown = None
        named.append(item)
    if unknown is not None:
        named.append(Text("word", unknown.text))
    return _fielded(named, known)


def _fielded(items: list[Item], known: frozenset[str]) -> list[Item]:
    """Each known field name given to the item after it (read from the end, as `a:b:c` nests)."""
    read: list[Item] = []
    i = len(items)
    while i > 0:
        i -= 1
        item = items[i]
        if _is(item, Mark, "field"):
            item = Text("word", item.text)
        elif isinstance(item, Items):
            item.items = apply_field_names(item.items, known)
        if i > 0 and not _is(item, Mark, "space") and _is(items[i - 1], Mark, "field"):
            _give_field(item, items[i - 1].name)
            i -= 1
        read.append(item)
    read.reverse()
    return read


def _give_field(item: Item, name: str) -> None:
    """The field of the item (in a group, of each item) that has none yet."""
    if isinstance(item, Text) and item.field is None:
        item.field = name
    elif isinstance(item, Items):
        for inner in item.items:
            _give_field(inner, name)


def spread_fields(items: list[Item]) -> list[Item]:
    """Text without a field searches each of SEARCH_FIELDS (either will do); spaces go."""
    read: list[Item] = []
    for item in items:
        if _is(item, Mark, "space"):
            continue
        if isinstance(item, Items):
            item.items = spread_fields(item.items)
        elif isinstance(item, Text) and item.field is None:
            item = Items("or", [replace(item, field=name) for name in SEARCH_FIELDS])
        read.append(item)
    return read


def plus_minus(top: Items) -> Items:
    """`+word` is required and `-word` banned; the top level's other items are optional."""
    required, optional, banned = Items("and"), Items("or"), Items("or")
    target = optional
    for item in top.items:
        if _is(item, Mark, "plus"):
            target = required
        elif _is(item, Mark, "minus"):
            target = banned
        else:
            target.items.append(item)
            target = optional
    group = optional
    if required.items:
        group = Items("andmaybe", [required, group])
    if banned.items:
        group = Items("andnot", [group, banned])
    return group


def combine(group: Items) -> Items:
    """The group's operators applied, tightest first, then those of the groups inside it."""
    items = group.items
    _apply_not(items)
    for operator in BINARY_OPERATORS:
        _apply_binary(items, operator)
    for item in items:
        if isinstance(item, Items):
            combine(item)
    return group


def _apply_not(items: list[Item]) -> None:
    """NOT takes the item after it (whatever it is); a NOT at the end is left out."""
    i = 0
    while i < len(items):
        if _is(items[i], Mark, PREFIX_OPERATOR):
            del items[i]
            if i < len(items):
                items[i] = Items(PREFIX_OPERATOR, [items[i]])
        i += 1


def _apply_binary(items: list[Item], operator: str) -> None:
    """Each `operator` takes the items on either side of it, left to right; one at either end
    is left out."""
    i = 0
    while i < len(items):
        if not _is(items[i], Mark, operator):
            i += 1
        elif 0 < i < len(items) - 1:
            left, right = items[i - 1], items[i + 1]
            if operator in RUNS and isinstance(left, Items) and left.kind == operator:
                left.items.append(right)
                del items[i:i + 2]
            else:
                items[i - 1:i + 2] = [Items(operator, [left, right])]
        else:
            del items[i]


def _is(item: object, kind: type, name: str) -> bool:
    """Whether the item is a Text or Mark (`kind`) of this kind of token (`name`)."""
    return isinstance(item, kind) and item.kind == name


def _absent(node: Node | None) -> bool:
    """No query at all, or a group with no parts (what the parser leaves out)."""
    return node is None or (isinstance(node, Group) and not node.parts)


class QueryParser:
    """Reads pieces of query text into trees, with each field's analyzer."""

    def __init__(self, analyzers: Mapping[str, FieldAnalyzer]):
        self.analyzers = analyzers
        self.word_terms: dict[tuple[str, str], tuple[Term, ...] | None] = {}

    def parse(self, text: str) -> Node:
        """The tree of a piece of query text, wildcard and fuzzy terms capped and filter fields
        required; syntax with no reading is read as plain words."""
        plain = self.plain_words_tree(text)
        if plain is not None:
            return plain
        try:
            tree = self.read(text)
        except (Unreadable, RecursionError):
            tree = self.read(" ".join(plain_words(text)))
        return require_filters(tree.accept(capped))

    def read(self, text: str) -> Node:
        """The normalized tree of a piece of query text (raises Unreadable)."""
        top = nest(tokens(text))
        top.items = spread_fields(apply_field_names(glue_wildcards(attach_fuzziness(top.items)), FIELD_NAMES))
        tree = self.build(combine(plus_minus(top)))
        return NOTHING if _absent(tree) else tree.normalize()

    def plain_words_tree(self, text: str) -> Node | None:
        """Words without syntax, read quickly: each word's term in each searched field, in one Or.
        None for anything else, a word that analyses to several terms included."""
        words = text.split()
        if not all(map(PLAIN_QUERY_WORD.fullmatch, words)) or any(word in OPERATORS for word in words):
            return None
        terms: dict[Term, None] = {}
        for word in words:
            for name in SEARCH_FIELDS:
                found = self._word_terms(name, word)
                if found is None:
                    return None
                terms.update(dict.fromkeys(found))
        if len(terms) > 1:
            return Or(tuple(terms))
        return next(iter(terms)) if terms else NOTHING

    def _word_terms(self, name: str, word: str) -> tuple[Term, ...] | None:
        """The term a plain word makes in a field (none for a stopword; None if several),
        remembered: the whole query and then each of its clauses ask for it."""
        key = (name, word)
        found = self.word_terms.get(key, key)
        if found is key:
            analysed = self.analyzers[name](word, False)
            found = None if len(analysed) > 1 else tuple(Term(name, term) for term in analysed)
            if len(self.word_terms) >= MAX_REMEMBERED_WORDS:
                self.word_terms.clear()
            self.word_terms[key] = found
        return found

    def build(self, item: Item, depth: int = 0) -> Node | None:
        """The tree of one item (None where it asks for nothing)."""
        if depth > MAX_TREE_DEPTH:
            raise Unreadable("too deep")
        if isinstance(item, Text):
            return self.leaf(item)
        if isinstance(item, Mark):
            if item.kind == "every":
                return Everything()
            raise Unreadable(f"{item.text!r} has no reading here")
        if item.kind in ("or", "and"):
            parts = (self.build(inner, depth + 1) for inner in item.items)
            return (Or if item.kind == "or" else And)(tuple(part for part in parts if part is not None))
        if item.kind == PREFIX_OPERATOR:
            if not item.items:
                raise Unreadable("NOT of nothing")
            child = self.build(item.items[0], depth + 1)
            return None if _absent(child) else Not(child)
        if len(item.items) != 2:
            raise Unreadable(f"{item.kind.upper()} without a term on each side")
        first, second = (self.build(inner, depth + 1) for inner in item.items)
        if first is None or second is None:
            return first if second is None else second
        return (AndNot if item.kind == "andnot" else AndMaybe)(first, second)

    def leaf(self, text: Text) -> Node | None:
        """The terms a piece of text searches in its field (None when it analyses to nothing)."""
        name = text.field
        if name == DATE_FIELD:
            return date_value(text.text)
        if text.kind == "phrase":
            name = EXACT_FIELDS.get(name, name)
            return Phrase(name, tuple(self.analyzers[name](text.text, False)), min(text.slop, MAX_SLOP))
        terms = self.analyzers[name](text.text, text.kind != "word")
        if not terms:
            if text.kind == "fuzzy":
                raise Unreadable(f"the fuzzy word {text.text!r} has no terms")
            return None
        if text.kind == "fuzzy" and len(terms) == 1:
            return Fuzzy(name, terms[0], text.maxdist, text.prefixlength)
        if text.kind == "word" and name in NAME_VALUE_FIELDS and len(terms) > 1:
            return Phrase(name, tuple(terms))
        make = {"word": Term, "prefix": Prefix, "wild": Wildcard, "fuzzy": Fuzzy}[text.kind]
        leaves = tuple(make(name, term) for term in terms)
        return leaves[0] if len(leaves) == 1 else Or(leaves)


def capped(node: Node) -> Node:
    """Fuzzy words within two edits and sharing their first letter; `a OR b NOT c` excludes `c`
    (instead of adding every document without it). Applied to each node of a tree."""
    if isinstance(node, (Or, And)) and any(isinstance(part, Not) for part in node.parts):
        kept = tuple(part for part in node.parts if not isinstance(part, Not))
        banned = tuple(part.child for part in node.parts if isinstance(part, Not))
        if kept:
            return AndNot(type(node)(kept, node.boost), Or(banned))
    if isinstance(node, Fuzzy):
        return replace(node, maxdist=min(node.maxdist, 2), prefixlength=max(node.prefixlength, 1))
    return node


def require_filters(tree: Node) -> Node:
    """`place:kyiv drones` means drones, in articles about Kyiv: a filter field beside plain
    words narrows the results instead of adding to them, and so does a filter beside a filter of
    another field (`person:volcker place:brazil`: both); filters of one field alone stay
    alternatives (`source:reuters source:ap`)."""
    if not isinstance(tree, Or):
        return tree
    filters = [part for part in tree.parts if getattr(part, "field", None) in FILTER_FIELDS]
    rest = [part for part in tree.parts if getattr(part, "field", None) not in FILTER_FIELDS]
    if not filters or (not rest and len({part.field for part in filters}) < 2):
        return tree
    return And(((Or(tuple(rest), tree.boost),) if rest else ()) + tuple(filters))
