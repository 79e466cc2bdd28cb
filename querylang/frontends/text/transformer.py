"""The one Lark transformer of query text: values and nodes, built while the parser reduces.

Lark runs these callbacks inline in the LALR parser (children in, value out), so the tree is
built bottom-up without recursion.  The JSON form builds plain dicts and lists (Extended
JSON decoded) and hands them to :func:`from_dict`; the textual language builds frozen
literals and the very nodes :func:`from_dict` makes for the equivalent Mongo operator, with
the same checks, so both front ends agree tree for tree.  Literal decoding is in
:mod:`.literals`, per-parse state in :mod:`.context`.

Nodes carry no positions: ``Context.pos`` remembers where each node starts, so that checks
made after the fact (``_`` outside elemMatch, mixed elemMatch forms, depth) can still point
into the text.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from lark import Token, Transformer

from ... import nodes as n
from ...errors import QueryError, suggest
from ...limits import MAX_TEXT_TREE_DEPTH
from .. import extjson
from ..from_dict import from_dict
from . import literals as lit
from .context import CTX
from .literals import LiteralError, decode_string, is_plain_string

__all__ = ["TextTransformer"]

#: What a callback receives: its rule's children, already transformed (names read as such).
Children: TypeAlias = list[Any]
#: A key of a JSON object or document: its token (for errors), its text, its value.
Pair: TypeAlias = tuple[Token, str, Any]
Pairs: TypeAlias = list[Pair]
Tokens: TypeAlias = list[Token]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _PathRef:
    """A parsed path with where it starts (nodes carry no positions)."""

    path: n.Path
    line: int
    column: int


# --- helpers: tokens, positions, literal errors ---------------------------------------------


def _fail(tok: Token, exc: LiteralError) -> QueryError:
    return CTX.get().fail_at(tok, exc.message, exc.hint, exc.offset)


def _string(tok: Token) -> str:
    """A STRING token's value (errors point into the string)."""
    inner: str = tok.value[1:-1]
    if is_plain_string(inner):  # the common case, answered without another call
        return inner
    try:
        return decode_string(tok.value)
    except LiteralError as exc:
        raise _fail(tok, exc) from None


def _decoded(tok: Token, decode: Callable[[str], _T], text: str) -> _T:
    """``decode(text)``, its errors placed at ``tok``."""
    try:
        return decode(text)
    except LiteralError as exc:
        raise _fail(tok, exc) from None


def _regex(tok: Token, pattern: str, flags: str) -> n.Regex:
    return _decoded(tok, lambda text: lit.regex_literal(text, flags), pattern)


def _at(node: n.Node, ref: _PathRef | tuple[int, int]) -> n.Node:
    """``node``, remembered as starting where ``ref`` does."""
    CTX.get().pos[id(node)] = (ref.line, ref.column) if isinstance(ref, _PathRef) else ref
    return node


def _pos_of(node: n.Node) -> tuple[int, int]:
    return CTX.get().pos.get(id(node), (1, 1))


def _token_pos(tok: Token) -> tuple[int, int]:
    return tok.line or 1, tok.column or 1


def _is_operator_doc(value: Any) -> bool:
    return isinstance(value, n.Document) and len(value) > 0 and next(iter(value)).startswith("$")


def _literal(ref: _PathRef, value: Any, what: str) -> n.Literal:
    if _is_operator_doc(value):
        message = f"{what} takes a value, not an operator document"
        raise CTX.get().fail(message, ref.line, ref.column)
    return n.Literal(value)


def _literals(ref: _PathRef, values: tuple[Any, ...], what: str) -> tuple[n.Literal, ...]:
    return tuple(_literal(ref, v, f"{what} list entry") for v in values)


def _leaf_path(node: n.Node) -> n.Path | None:
    """The path of a leaf predicate (``()`` is the array element itself), else None."""
    return node.path if isinstance(node, n.LEAF_TYPES) else None


def _is_value_condition(node: n.Node) -> bool:
    """Conditions on the element itself combine only as from_dict's operator form does."""
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.And) and len(x.children) >= 2:
            stack.extend(x.children)
        elif isinstance(x, n.Not):
            stack.append(x.child)
        elif _leaf_path(x) != ():
            return False
    return True


class TextTransformer(Transformer[Token, n.Node]):
    """Rule callbacks run by the LALR parser as it reduces: one per rule or alias of
    ``grammar/query.lark`` that builds something."""

    # -- the two forms

    def json_query(self, children: Children) -> n.Node:
        try:
            return from_dict(children[0])
        except QueryError as exc:
            if exc.line is not None:
                raise
            raise CTX.get().placed(exc, children[0]) from None

    def text_query(self, children: Children) -> n.Node:
        node: n.Node = children[0]
        ctx = CTX.get()
        for leaf in n.level_leaves(node):
            if isinstance(leaf, n.LEAF_TYPES) and leaf.path == ():
                line, column = _pos_of(leaf)
                raise ctx.fail(
                    "`_` (the array element itself) is only meaningful inside elemMatch",
                    line,
                    column,
                    hint='quote it to name a field called "_"',
                )
        too_deep = n.deeper_than(node, MAX_TEXT_TREE_DEPTH)
        if too_deep is not None:
            line, column = _pos_of(too_deep)
            raise ctx.fail(f"query nested deeper than {MAX_TEXT_TREE_DEPTH} levels", line, column)
        return node

    # -- JSON text: plain dicts and lists for from_dict

    def json_object(self, pairs: Pairs) -> Any:
        ctx = CTX.get()
        obj: dict[str, Any] = {}
        for tok, key, value in pairs:
            if key in obj:
                raise ctx.fail_at(tok, f"duplicate key {key!r} in a JSON object")
            obj[key] = value
        ctx.keys[id(obj)] = {key: (tok.line or 1, tok.column or 1) for tok, key, _ in pairs}
        if obj and len(obj) <= 2 and frozenset(obj) in extjson.WRAPPER_KEYS:
            try:
                return extjson.decode(obj, where="")
            except (ValueError, TypeError, OverflowError) as exc:
                message = re.sub(r"^at [^:]*: ", "", str(exc))
                raise ctx.fail_at(pairs[0][0], message) from None
        return obj

    def json_pair(self, children: Children) -> Pair:
        tok, value = children
        return tok, _string(tok), value

    def json_array(self, children: Children) -> Children:
        return children

    # -- scalars (both forms)

    def string(self, children: Children) -> str:
        return _string(children[0])

    def int_(self, children: Children) -> int:
        return int(children[0])

    def float_(self, children: Children) -> float:
        return float(children[0])

    def nan(self, _children: Children) -> float:
        return float("nan")

    def infinity(self, children: Children) -> float:
        return float(children[0].value.replace("Infinity", "inf"))

    def true(self, _children: Children) -> bool:
        return True

    def false(self, _children: Children) -> bool:
        return False

    def null(self, _children: Children) -> None:
        return None

    # -- literal values of the textual language (built frozen)

    def list(self, children: Children) -> tuple[Any, ...]:
        return tuple(children)

    def pair(self, children: Children) -> Pair:
        tok, value = children
        return tok, _string(tok), value

    def document(self, pairs: Pairs) -> n.Document:
        seen: set[str] = set()
        for tok, key, _ in pairs:
            if key in seen:
                raise CTX.get().fail_at(tok, f"duplicate key {key!r} in a document")
            seen.add(key)
        return n.Document((key, value) for _, key, value in pairs)

    def datetime(self, children: Children) -> _dt.datetime:
        return _decoded(children[0], lit.iso_datetime, children[0].value)

    def date_call(self, children: Children) -> _dt.datetime:
        return _decoded(children[0], lit.iso_datetime, _string(children[0]))

    def decimal_call(self, children: Children) -> decimal.Decimal:
        return _decoded(children[0], lit.decimal_literal, _string(children[0]))

    def binary_call(self, children: Children) -> bytes:
        return _decoded(children[0], lit.binary_literal, _string(children[0]))

    def ago_call(self, children: Children) -> _dt.datetime:
        now = CTX.get().now
        return _decoded(children[0], lambda text: lit.time_ago(now, text), _string(children[0]))

    def now_call(self, _children: Children) -> _dt.datetime:
        return CTX.get().now

    def regex(self, children: Children) -> n.Regex:
        tok = children[0]
        return _regex(tok, *lit.slash_regex(tok.value))

    def regex_string(self, children: Children) -> n.Regex:
        return _regex(children[0], _string(children[0]), "")

    def regex_call(self, children: Children) -> n.Regex:
        flags = _string(children[1]) if len(children) > 1 else ""
        return _regex(children[0], _string(children[0]), flags)

    # -- paths

    def path(self, components: Tokens) -> _PathRef:
        first = components[0]
        line, column = first.line or 1, first.column or 1
        if len(components) == 1 and first.type == "IDENT" and first.value == "_":
            return _PathRef((), line, column)
        parts = []
        for tok in components:
            part: str = _string(tok) if tok.type == "STRING" else tok.value
            if part == "":
                raise CTX.get().fail_at(tok, "empty field name")
            if "." in part:
                raise CTX.get().fail_at(
                    tok,
                    f"field name {part!r} contains '.'",
                    hint='dots separate path components: write a.b, not "a.b"',
                )
            parts.append(part)
        if parts[0].startswith("$"):
            raise CTX.get().fail_at(first, f"field names cannot start with '$' ({parts[0]!r})")
        return _PathRef(tuple(parts), line, column)

    # -- predicates

    def compare(self, children: Children) -> n.Node:
        ref, op, value = children
        if isinstance(value, n.Regex) and op.type != "STRICT_EQ":
            if op.type == "EQ":
                return _at(n.Match(ref.path, value), ref)
            hint = "use !~ for 'does not match'" if op.type == "NE" else None
            raise CTX.get().fail_at(op, f"{op.value} cannot take a regular expression", hint)
        literal = _literal(ref, value, op.value)
        return _at(n.Compare(ref.path, n.SYMBOL_CMP.get(op.value, "eq"), literal), ref)

    def in_(self, children: Children) -> n.Node:
        ref, values = children
        return _at(n.In(ref.path, _literals(ref, values, "in")), ref)

    def nin(self, children: Children) -> n.Node:
        ref, values = children
        return _at(n.In(ref.path, _literals(ref, values, "not in"), True), ref)

    def all_(self, children: Children) -> n.Node:
        ref, values = children
        return _at(n.All(ref.path, _literals(ref, values, "all")), ref)

    def exists(self, children: Children) -> n.Node:
        return _at(n.Exists(children[0].path, True), children[0])

    def not_exists(self, children: Children) -> n.Node:
        return _at(n.Exists(children[0].path, False), children[0])

    def type_spec(self, children: Tokens) -> tuple[str, ...]:
        out: list[str] = []
        for tok in children:
            if tok.type == "INT":
                name = n.TYPE_BY_CODE.get(int(tok.value))
                if name is None:
                    raise CTX.get().fail_at(tok, f"unknown BSON type code {tok.value}")
            else:
                name = _string(tok) if tok.type == "STRING" else tok.value
                if name not in n.TYPE_NAMES:
                    raise CTX.get().fail_at(
                        tok, f"unknown type {name!r}", suggest(name, n.TYPE_NAMES)
                    )
            if name not in out:
                out.append(name)
        return tuple(out)

    def type_(self, children: Children) -> n.Node:
        ref, types = children
        return _at(n.Type(ref.path, types), ref)

    def match(self, children: Children) -> n.Node:
        ref, regex = children
        return _at(n.Match(ref.path, regex), ref)

    def nomatch(self, children: Children) -> n.Node:
        ref, regex = children
        return _at(n.Not(_at(n.Match(ref.path, regex), ref)), ref)

    def glob(self, children: Children) -> n.Node:
        ref, tok = children
        return _at(n.Glob(ref.path, _string(tok)), ref)

    def mod(self, children: Children) -> n.Node:
        ref, divisor, _eq, remainder = children
        if int(divisor) == 0:
            raise CTX.get().fail_at(divisor, "modulo divisor cannot be 0")
        return _at(n.Mod(ref.path, int(divisor), int(remainder)), ref)

    def size(self, children: Children) -> n.Node:
        ref, _eq, tok = children
        if int(tok) < 0:
            raise CTX.get().fail_at(tok, "size needs a non-negative whole number")
        return _at(n.Size(ref.path, int(tok)), ref)

    def elem_match(self, children: Children) -> n.Node:
        ref, query = children
        paths = [(x, _leaf_path(x)) for x in n.level_leaves(query)]
        selfs = [x for x, path in paths if path == ()]
        if not selfs:
            return _at(n.ElemMatch(ref.path, query, False), ref)
        others = [x for x, path in paths if path]
        if others:
            line, column = _pos_of(others[0])
            raise CTX.get().fail(
                "elemMatch cannot mix conditions on `_` (the element) with field conditions",
                line,
                column,
            )
        if not _is_value_condition(query):
            line, column = _pos_of(selfs[0])
            raise CTX.get().fail(
                "conditions on `_` combine only with 'and' and 'not'",
                line,
                column,
                hint="use 'in [...]' for alternatives, or an elemMatch per condition",
            )
        return _at(n.ElemMatch(ref.path, query, True), ref)

    # -- logic and constants

    def or_expr(self, children: Children) -> n.Node:
        return _at(n.Or(tuple(children)), _pos_of(children[0]))

    def and_expr(self, children: Children) -> n.Node:
        return _at(n.And(tuple(children)), _pos_of(children[0]))

    def not_(self, children: Children) -> n.Node:
        return _at(n.Not(children[0]), _pos_of(children[0]))

    def nor(self, children: Children) -> n.Node:
        return _at(n.Nor(tuple(children)), _pos_of(children[0]))

    def comment(self, children: Children) -> n.Node:
        tok = children[0]
        return _at(n.Comment(_string(tok)), _token_pos(tok))

    def const_true(self, children: Children) -> n.Node:
        return _at(n.Const(True), _token_pos(children[0]))

    def const_false(self, children: Children) -> n.Node:
        return _at(n.Const(False), _token_pos(children[0]))
