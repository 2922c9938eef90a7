"""The query tree: what a query asks for, as plain data that no search library owns.

The parser builds it from what a person typed; each backend compiles it to its own queries.
Leaves hold index terms as the analyzers make them (`search/analysis.py`) and our field names
(`title`, `content`, `title_exact`, …). Nodes are frozen: a change makes a new tree.

`normalize()` simplifies a tree as Whoosh's `Query.normalize()` simplifies the equivalent
query (nested groups of one kind flattened, empty parts dropped, a group of one part replaced
by it, duplicates kept once), so the Whoosh backend ranks exactly as before the tree existed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime


class Node:
    """A node of a query tree."""

    __slots__ = ()
    boost = 1.0  # nodes without a boost of their own weigh 1

    def children(self) -> tuple[Node, ...]:
        """The nodes directly under this one."""
        return ()

    def with_children(self, children: tuple[Node, ...]) -> Node:
        """This node over other children (a leaf has none to replace)."""
        return self

    def leaves(self) -> Iterator[Node]:
        """Every leaf under this node, left to right (the node itself when it is a leaf)."""
        kids = self.children()
        if not kids:
            yield self
        for child in kids:
            yield from child.leaves()

    def walk(self) -> Iterator[Node]:
        """This node, then every node under it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def accept(self, change: Callable[[Node], Node]) -> Node:
        """The tree with `change` applied to every node, children before their parent."""
        kids = self.children()
        node = self.with_children(tuple(child.accept(change) for child in kids)) if kids else self
        return change(node)

    def normalize(self) -> Node:
        """The simplest tree that asks the same (see the module's docstring)."""
        return self

    def with_boost(self, boost: float) -> Node:
        """This node weighted by `boost` (what Whoosh's `with_boost` does to the equivalent query)."""
        return self

    def single_field(self) -> str | None:
        """The one field this node matches in, or None (several, or none)."""
        return None


@dataclass(frozen=True, slots=True)
class Leaf(Node):
    """A node that matches terms of one field."""

    field: str

    def with_boost(self, boost: float) -> Node:
        return self if boost == self.boost else replace(self, boost=boost)

    def single_field(self) -> str | None:
        return self.field


@dataclass(frozen=True, slots=True)
class Term(Leaf):
    """Documents with one term in one field."""

    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Phrase(Leaf):
    """Documents with these terms in this order, at most `slop` positions apart (1: adjacent)."""

    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0

    def normalize(self) -> Node:
        if not self.words:
            return NOTHING
        if len(self.words) == 1:
            return Term(self.field, self.words[0])  # Whoosh drops a one-word phrase's boost
        return self


@dataclass(frozen=True, slots=True)
class Prefix(Leaf):
    """Documents with a term that starts with `text` (a backend may cap how many it expands to)."""

    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Wildcard(Leaf):
    """Documents with a term matching a glob: `*` any characters, `?` one."""

    pattern: str
    boost: float = 1.0

    def normalize(self) -> Node:
        pattern = self.pattern
        if pattern == "*":
            return Everything(self.field, self.boost)
        if "*" not in pattern and "?" not in pattern:
            return Term(self.field, pattern, self.boost)
        if "?" not in pattern and pattern.find("*") == len(pattern) - 1:
            return Prefix(self.field, pattern[:-1], self.boost)
        return self


@dataclass(frozen=True, slots=True)
class Fuzzy(Leaf):
    """Documents with a term within `maxdist` edits of `text`, sharing its first `prefixlength`
    characters."""

    text: str
    maxdist: int = 1
    prefixlength: int = 1
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class DateRange(Leaf):
    """Documents dated from `start` to `end`, both included (None: open on that side)."""

    start: datetime | None
    end: datetime | None
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Everything(Node):
    """Every document (with a field: every document with a term in that field)."""

    field: str | None = None
    boost: float = 1.0

    def with_boost(self, boost: float) -> Node:
        return self if boost == self.boost else replace(self, boost=boost)

    def single_field(self) -> str | None:
        return self.field


@dataclass(frozen=True, slots=True)
class Nothing(Node):
    """No document."""


NOTHING = Nothing()


@dataclass(frozen=True, slots=True)
class Group(Node):
    """Children combined one way, their scores summed and weighted by `boost`."""

    parts: tuple[Node, ...]
    boost: float = 1.0

    def children(self) -> tuple[Node, ...]:
        return self.parts

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return replace(self, parts=children)

    def with_boost(self, boost: float) -> Node:
        return self if boost == self.boost else replace(self, boost=boost)

    def single_field(self) -> str | None:
        return common_field(self.parts)

    def normalize(self) -> Node:
        parts = self._flattened()
        if all(type(part) is Nothing for part in parts):
            return NOTHING
        everything = [part for part in parts if type(part) is Everything]
        if any(part.field is None for part in everything):
            return Everything()
        parts = _kept_once(_without_covered(parts) if everything else parts)
        if not parts:
            return NOTHING
        if len(parts) == 1:
            part = parts[0]
            if self.boost != 1.0 or part.boost != 1.0:
                part = part.with_boost(part.boost * self.boost)
            return part
        return replace(self, parts=tuple(parts))

    def _flattened(self) -> list[Node]:
        """The normalized children, a child of this same kind replaced by its own children."""
        parts: list[Node] = []
        for child in self.parts:
            child = child.normalize()
            if type(child) is type(self):
                parts.extend(grand.with_boost(grand.boost * child.boost) for grand in child.parts)
            else:
                parts.append(child)
        return parts


@dataclass(frozen=True, slots=True)
class And(Group):
    """Documents matching every child."""


@dataclass(frozen=True, slots=True)
class Or(Group):
    """Documents matching any child, scored by the children they match."""


def common_field(nodes: tuple[Node, ...]) -> str | None:
    """The field every node matches in, if they share one."""
    if not nodes:
        return None
    first = nodes[0].single_field()
    return first if all(node.single_field() == first for node in nodes[1:]) else None


def _without_covered(parts: list[Node]) -> list[Node]:
    """Parts a field's Everything already covers taken out (as Whoosh does, in its order)."""
    covered: set[str | None] = set()
    kept = []
    for part in parts:
        if part.single_field() in covered:
            continue
        if isinstance(part, Everything):
            covered.add(part.field)
        kept.append(part)
    if not covered:
        return kept
    return [part for part in kept if isinstance(part, Everything) or part.single_field() not in covered]


def _kept_once(parts: list[Node]) -> list[Node]:
    """Each part once (the first time), and no Nothing."""
    seen: set[Node] = set()
    kept = []
    for part in parts:
        if part in seen:
            continue
        seen.add(part)
        if type(part) is not Nothing:
            kept.append(part)
    return kept


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Documents not matching the child."""

    child: Node

    def children(self) -> tuple[Node, ...]:
        return (self.child,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return Not(children[0])

    def normalize(self) -> Node:
        child = self.child.normalize()
        return NOTHING if type(child) is Nothing else Not(child)


@dataclass(frozen=True, slots=True)
class AndNot(Node):
    """Documents matching `positive` and not `negative`, scored by `positive`."""

    positive: Node
    negative: Node

    def children(self) -> tuple[Node, ...]:
        return (self.positive, self.negative)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return AndNot(*children)

    def with_boost(self, boost: float) -> Node:
        return AndNot(self.positive.with_boost(boost), self.negative)

    def single_field(self) -> str | None:
        return common_field(self.children())

    def normalize(self) -> Node:
        positive, negative = self.positive.normalize(), self.negative.normalize()
        if type(positive) is Nothing:
            return NOTHING
        return positive if type(negative) is Nothing else AndNot(positive, negative)


@dataclass(frozen=True, slots=True)
class AndMaybe(Node):
    """Documents matching `required`; those also matching `optional` add its score."""

    required: Node
    optional: Node

    def children(self) -> tuple[Node, ...]:
        return (self.required, self.optional)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return AndMaybe(*children)

    def with_boost(self, boost: float) -> Node:
        return AndMaybe(self.required.with_boost(boost), self.optional.with_boost(boost))

    def single_field(self) -> str | None:
        return common_field(self.children())

    def normalize(self) -> Node:
        required, optional = self.required.normalize(), self.optional.normalize()
        if type(required) is Nothing:
            return NOTHING
        return required if type(optional) is Nothing else AndMaybe(required, optional)


@dataclass(frozen=True, slots=True)
class ConstantScore(Node):
    """Documents matching the child, each scored `score` (a filter that does not rank)."""

    child: Node
    score: float

    def children(self) -> tuple[Node, ...]:
        return (self.child,)

    def with_children(self, children: tuple[Node, ...]) -> Node:
        return ConstantScore(children[0], self.score)

    def with_boost(self, boost: float) -> Node:
        return ConstantScore(self.child.with_boost(boost), self.score)

    def single_field(self) -> str | None:
        return self.child.single_field()
