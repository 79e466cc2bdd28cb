"""The query AST: plain, immutable, hashable node types.

Every front end (Python dicts, Mongo-style JSON text, the textual language) produces these
nodes, every pass consumes and returns them, and every back end (the Python compiler, the
reference evaluator, the taskdb planner, later SQL) reads them.  Nothing here knows about a
target language.

Two queries that mean the same thing *syntactically* give equal trees, so compiled predicates
can be cached by tree.  Literal values are frozen (lists become tuples, dicts become
:class:`Document`) and compared by a type-aware key, so ``1``, ``1.0`` and ``True`` stay
three different literals even though Python says ``1 == True``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from typing import Literal as _Lit

__all__ = [
    "Path",
    "Regex",
    "Document",
    "Value",
    "Literal",
    "Node",
    "Leaf",
    "Compare",
    "In",
    "All",
    "Exists",
    "Type",
    "Mod",
    "Match",
    "Glob",
    "Size",
    "ElemMatch",
    "And",
    "Or",
    "Nor",
    "Not",
    "Const",
    "Comment",
    "CMP_OPS",
    "RANGE_OPS",
    "MONGO_CMP",
    "CMP_MONGO",
    "CMP_SYMBOL",
    "SYMBOL_CMP",
    "CMP_PYTHON",
    "TYPE_CODES",
    "TYPE_BY_CODE",
    "TYPE_NAMES",
    "NUMBER_TYPES",
    "type_matches",
    "freeze",
    "thaw",
    "value_key",
    "walk",
    "children",
    "postorder",
    "level_leaves",
    "depth",
    "deeper_than",
]

#: A field path: ``("header", "msg_type")`` for ``header.msg_type``.  The empty path ``()``
#: means "the value itself"; it only occurs inside the operator form of ``$elemMatch``.
Path: TypeAlias = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Regex:
    """A regular expression value: Mongo's ``/pattern/flags`` (flags from ``imsx``)."""

    pattern: str
    flags: str = ""

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r}, {self.flags!r})"


class Document(Mapping[str, "Value"]):
    """An immutable, order-preserving embedded document (Mongo equality is order-sensitive)."""

    __slots__ = ("_items", "_map", "_hash")

    def __init__(self, items: Any = ()) -> None:
        pairs = tuple(items.items() if isinstance(items, Mapping) else items)
        self._items: tuple[tuple[str, Value], ...] = pairs
        self._map: dict[str, Value] = dict(pairs)
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Value:
        return self._map[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> tuple[tuple[str, Value], ...]:  # type: ignore[override]
        """The pairs, in order (a tuple: cheaper than an ItemsView, and hashable)."""
        return self._items

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return value_key(self) == value_key(other)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(value_key(self))
        return self._hash

    def __repr__(self) -> str:
        return f"Document({dict(self._items)!r})"


#: A frozen literal value.
Value: TypeAlias = (
    None
    | bool
    | int
    | float
    | decimal.Decimal
    | str
    | bytes
    | _dt.datetime
    | Regex
    | Document
    | tuple[Any, ...]
)


def value_key(value: Any) -> tuple[Any, ...]:
    """A hashable key that tells apart values Python conflates (``1``, ``1.0``, ``True``)."""
    if value is None:
        return ("null",)
    t = type(value)
    if t is bool:
        return ("bool", value)
    if t is int:
        return ("int", value)
    if t is float:
        return ("double", "nan") if math.isnan(value) else ("double", value)
    if t is str:
        return ("string", value)
    if isinstance(value, tuple | list):
        return ("array", tuple(value_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", tuple((k, value_key(v)) for k, v in value.items()))
    if isinstance(value, bytes | bytearray | memoryview):
        return ("binData", bytes(value))
    if isinstance(value, _dt.datetime):
        # MongoDB dates are UTC instants: one instant in two time zones is one value.
        aware = value if value.tzinfo is not None else value.astimezone()
        return ("date", aware.astimezone(_dt.UTC).isoformat())
    if isinstance(value, Regex):
        return ("regex", value.pattern, value.flags)
    if isinstance(value, decimal.Decimal):
        return ("decimal", str(value))
    if isinstance(value, bool | int | float | str):  # subclasses of builtins
        return value_key(t.__mro__[1](value)) if t.__mro__[1] is not object else ("other", value)
    return ("other", repr(value))


def freeze(value: Any) -> Value:
    """Turn a JSON-like Python value into an immutable literal (raises TypeError if unsupported).

    Naive datetimes are taken as local time (Python's and ipyparallel's convention) and
    given that timezone, so they compare with aware ones instead of raising TypeError.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value  # type: ignore[no-any-return]  # narrowed by type(), not isinstance
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, Mapping):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"document keys must be strings, not {type(k).__name__}")
        return Document((k, freeze(v)) for k, v in value.items())
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo is not None else value.astimezone()
    if isinstance(value, Regex | decimal.Decimal):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"unsupported value type {type(value).__name__}")


def thaw(value: Value) -> Any:
    """The plain Python form of a literal: tuples become lists, documents dicts."""
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, Document):
        return {k: thaw(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A literal operand, compared by :func:`value_key` (so ``Literal(1) != Literal(True)``)."""

    value: Value
    _key: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", value_key(self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Literal) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


# --- operator spellings: the one table every front end, printer and back end reads -------

CmpOp: TypeAlias = _Lit["eq", "ne", "gt", "gte", "lt", "lte"]
CMP_OPS: tuple[CmpOp, ...] = ("eq", "ne", "gt", "gte", "lt", "lte")
#: The comparisons that are ranges (bracketed by type, never true across brackets).
RANGE_OPS: tuple[CmpOp, ...] = ("gt", "gte", "lt", "lte")
#: ``Compare.op`` -> MongoDB's operator.
CMP_MONGO: dict[CmpOp, str] = {op: "$" + op for op in CMP_OPS}
#: MongoDB's operator -> ``Compare.op``.
MONGO_CMP: dict[str, CmpOp] = {mongo: op for op, mongo in CMP_MONGO.items()}
#: ``Compare.op`` -> the textual language's symbol (also used in explain output).
CMP_SYMBOL: dict[CmpOp, str] = {
    "eq": "==",
    "ne": "!=",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
}
#: The textual language's symbol -> ``Compare.op``.
SYMBOL_CMP: dict[str, CmpOp] = {symbol: op for op, symbol in CMP_SYMBOL.items()}
#: ``Compare.op`` -> the Python operator that computes it within one type bracket (``ne`` is
#: not here: under MongoDB's array rules it is ``not eq``, never Python's ``!=``).
CMP_PYTHON: dict[CmpOp, str] = {op: CMP_SYMBOL[op] for op in CMP_OPS if op != "ne"}

#: MongoDB's BSON type aliases and their numbers (``$type`` accepts either), plus "number".
TYPE_CODES: dict[str, int] = {
    "double": 1,
    "string": 2,
    "object": 3,
    "array": 4,
    "binData": 5,
    "undefined": 6,
    "objectId": 7,
    "bool": 8,
    "date": 9,
    "null": 10,
    "regex": 11,
    "dbPointer": 12,
    "javascript": 13,
    "symbol": 14,
    "javascriptWithScope": 15,
    "int": 16,
    "timestamp": 17,
    "long": 18,
    "decimal": 19,
    "minKey": -1,
    "maxKey": 127,
}
#: BSON type number -> alias.
TYPE_BY_CODE: dict[int, str] = {code: name for name, code in TYPE_CODES.items()}
#: The BSON types ``$type: "number"`` stands for.
NUMBER_TYPES: frozenset[str] = frozenset({"double", "int", "long", "decimal"})
#: Every name ``$type`` accepts: the aliases, and "number".
TYPE_NAMES: tuple[str, ...] = (*TYPE_CODES, "number")


def type_matches(bson_type: str, types: tuple[str, ...]) -> bool:
    """Is a value of BSON type ``bson_type`` one of ``types`` (which may say "number")?"""
    return bson_type in types or ("number" in types and bson_type in NUMBER_TYPES)


class Node:
    """Base class of all query nodes (each subclass is a frozen, hashable dataclass)."""

    __slots__ = ()


# --- leaf predicates: one field path, one operator ---------------------------------------


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """``path <op> value``: ``$eq $ne $gt $gte $lt $lte`` (``ne`` is exactly ``not eq``)."""

    path: Path
    op: CmpOp
    value: Literal


@dataclass(frozen=True, slots=True)
class In(Node):
    """``$in`` (or ``$nin`` when ``negated``); values may include :class:`Regex` literals."""

    path: Path
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class All(Node):
    """``$all`` over plain values: every value equals the field (or one of its elements)."""

    path: Path
    values: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Exists(Node):
    path: Path
    exists: bool = True


@dataclass(frozen=True, slots=True)
class Type(Node):
    """``$type``: canonical BSON type names (aliases from :data:`TYPE_CODES`, or "number")."""

    path: Path
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Mod(Node):
    """``$mod``: ``value % divisor == remainder`` with C truncation, numbers only."""

    path: Path
    divisor: int
    remainder: int


@dataclass(frozen=True, slots=True)
class Match(Node):
    """``$regex``: a regex search on string values (or equality with stored regex values)."""

    path: Path
    regex: Regex


@dataclass(frozen=True, slots=True)
class Glob(Node):
    """``$glob`` (ipyparallel's extension): an fnmatch-style pattern on string values."""

    path: Path
    pattern: str


@dataclass(frozen=True, slots=True)
class Size(Node):
    """``$size``: the field is an array of exactly ``size`` elements."""

    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class ElemMatch(Node):
    """``$elemMatch``: some element of the array at ``path`` satisfies ``query``.

    ``query``'s paths are relative to the element.  In the *operator* form
    (``{$elemMatch: {$gt: 1, $lt: 5}}``, ``value_form=True``) the conditions use the empty
    path ``()`` and apply to the element itself, without array expansion; in the *document*
    form only elements that are documents are considered.
    """

    path: Path
    query: Node
    value_form: bool = False


# --- logical nodes -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Nor(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    """Logical negation (``$not`` on one field, or ``not`` in the textual language)."""

    child: Node


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A constant verdict: ``{}`` is ``Const(True)``; the optimizer folds to these."""

    value: bool


@dataclass(frozen=True, slots=True)
class Comment(Node):
    """``$comment``: carried for logs and explain; always true, never affects matching."""

    text: str


LEAF_TYPES = (Compare, In, All, Exists, Type, Mod, Match, Glob, Size, ElemMatch)
#: A single-field predicate: every leaf type has a ``path`` (for type checkers; at run time
#: test ``isinstance(node, LEAF_TYPES)``).
Leaf: TypeAlias = Compare | In | All | Exists | Type | Mod | Match | Glob | Size | ElemMatch


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-queries of ``node`` (an ElemMatch's query counts as one)."""
    if isinstance(node, And | Or | Nor):
        return node.children
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, ElemMatch):
        return (node.query,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and every node below it, depth first (iteratively: trees may be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


# --- tree walks: iterative, so no query is too deep to walk ---------------------------------


def postorder(node: Node) -> Iterator[Node]:
    """Yield every node below ``node`` and then ``node``, children first, left to right.

    A subtree shared by several parents (hand-built trees may share) is yielded once.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if ready:
            yield current
        elif id(current) not in seen:
            seen.add(id(current))
            stack.append((current, True))
            stack.extend((c, False) for c in reversed(children(current)))


def level_leaves(node: Node) -> Iterator[Node]:
    """The leaves of one query level, left to right: ``And``/``Or``/``Nor``/``Not`` are
    looked through, an ``ElemMatch`` is a leaf (its query is a level of its own)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And | Or | Nor | Not):
            stack.extend(reversed(children(current)))
        else:
            yield current


def depth(node: Node, *, counted: type | tuple[type, ...] = Node) -> int:
    """The most nodes of type ``counted`` on one root-to-leaf chain (every node by default);
    linear in the number of distinct nodes, however they are shared."""
    below: dict[int, int] = {}
    for current in postorder(node):
        deepest = max((below[id(c)] for c in children(current)), default=0)
        below[id(current)] = deepest + isinstance(current, counted)
    return below[id(node)]


def deeper_than(node: Node, limit: int, *, counted: type | tuple[type, ...] = Node) -> Node | None:
    """The first node (in pre-order) at which a chain holds more than ``limit`` nodes of
    type ``counted``, or None.  Stops there, so a huge tree costs no more than the limit."""
    best: dict[int, int] = {}  # id -> the deepest count it was visited at
    stack: list[tuple[Node, int]] = [(node, 0)]
    while stack:
        current, above = stack.pop()
        count = above + isinstance(current, counted)
        if count > limit:
            return current
        if best.get(id(current), -1) >= count:
            continue  # a shared subtree, already checked at least this deep
        best[id(current)] = count
        stack.extend((c, count) for c in reversed(children(current)))
    return None
