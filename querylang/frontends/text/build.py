"""Nodes of the textual language, built by the LALR parser as it reduces.

Each predicate becomes the node :func:`from_dict` makes for the equivalent Mongo operator,
with the same checks, so both front ends agree tree for tree.  Nodes carry no positions; a
side table (``Context.pos``) remembers where each node starts so that checks made after
the fact (``_`` outside elemMatch, mixed elemMatch forms, depth) can still point at the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import nodes as n
from ...errors import QueryError, suggest
from ...limits import MAX_TEXT_TREE_DEPTH
from .values import CTX, Context, ValueBuilder, string_value

__all__ = ["Builder"]


@dataclass(frozen=True, slots=True)
class _PathRef:
    """A parsed path with where it starts (nodes carry no positions)."""

    path: n.Path
    line: int
    column: int


def _is_operator_doc(value: Any) -> bool:
    return isinstance(value, n.Document) and len(value) > 0 and next(iter(value)).startswith("$")


def _is_value_condition(node: n.Node) -> bool:
    """Conditions on the element itself combine only as from_dict's operator form does."""
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.And) and len(x.children) >= 2:
            stack.extend(x.children)
        elif isinstance(x, n.Not):
            stack.append(x.child)
        elif not (isinstance(x, n.LEAF_TYPES) and x.path == ()):  # type: ignore[attr-defined]
            return False
    return True


def _tree_depth_error(ctx: Context, root: n.Node) -> QueryError | None:
    too_deep = n.deeper_than(root, MAX_TEXT_TREE_DEPTH)
    if too_deep is None:
        return None
    line, column = ctx.pos.get(id(too_deep), (1, 1))
    return ctx.fail(f"query nested deeper than {MAX_TEXT_TREE_DEPTH} levels", line, column)


class Builder(ValueBuilder):
    """Rule callbacks run by the LALR parser as it reduces (children in, value out)."""

    # -- helpers

    @staticmethod
    def _at(node: n.Node, ref: _PathRef | tuple[int, int]) -> n.Node:
        pos = (ref.line, ref.column) if isinstance(ref, _PathRef) else ref
        CTX.get().pos[id(node)] = pos
        return node

    @staticmethod
    def _pos_of(node: n.Node) -> tuple[int, int]:
        return CTX.get().pos.get(id(node), (1, 1))

    @staticmethod
    def _literal(ref: _PathRef, value: Any, what: str) -> n.Literal:
        if _is_operator_doc(value):
            raise CTX.get().fail(
                f"{what} takes a value, not an operator document", ref.line, ref.column
            )
        return n.Literal(value)

    # -- paths

    def path(self, components: list) -> _PathRef:
        first = components[0]
        if len(components) == 1 and first.type == "IDENT" and first.value == "_":
            return _PathRef((), first.line, first.column)
        parts = []
        for tok in components:
            part = string_value(tok) if tok.type == "STRING" else tok.value
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
        return _PathRef(tuple(parts), first.line, first.column)

    # -- predicates

    def compare(self, children: list) -> n.Node:
        ref, op, value = children
        if isinstance(value, n.Regex) and op.type != "STRICT_EQ":
            if op.type == "EQ":
                return self._at(n.Match(ref.path, value), ref)
            hint = "use !~ for 'does not match'" if op.type == "NE" else None
            raise CTX.get().fail_at(op, f"{op.value} cannot take a regular expression", hint)
        literal = self._literal(ref, value, op.value)
        return self._at(n.Compare(ref.path, n.SYMBOL_CMP.get(op.value, "eq"), literal), ref)  # type: ignore[arg-type]

    def _values(self, ref: _PathRef, values: tuple, what: str) -> tuple[n.Literal, ...]:
        return tuple(self._literal(ref, v, f"{what} list entry") for v in values)

    def in_(self, children: list) -> n.Node:
        ref, values = children
        return self._at(n.In(ref.path, self._values(ref, values, "in")), ref)

    def nin(self, children: list) -> n.Node:
        ref, values = children
        return self._at(n.In(ref.path, self._values(ref, values, "not in"), True), ref)

    def all_(self, children: list) -> n.Node:
        ref, values = children
        return self._at(n.All(ref.path, self._values(ref, values, "all")), ref)

    def exists(self, children: list) -> n.Node:
        return self._at(n.Exists(children[0].path, True), children[0])

    def not_exists(self, children: list) -> n.Node:
        return self._at(n.Exists(children[0].path, False), children[0])

    def type_spec(self, children: list) -> tuple[str, ...]:
        out: list[str] = []
        for tok in children:
            if tok.type == "INT":
                name = n.TYPE_BY_CODE.get(int(tok.value))
                if name is None:
                    raise CTX.get().fail_at(tok, f"unknown BSON type code {tok.value}")
            else:
                name = string_value(tok) if tok.type == "STRING" else tok.value
                if name not in n.TYPE_NAMES:
                    raise CTX.get().fail_at(
                        tok, f"unknown type {name!r}", suggest(name, n.TYPE_NAMES)
                    )
            if name not in out:
                out.append(name)
        return tuple(out)

    def type_(self, children: list) -> n.Node:
        ref, types = children
        return self._at(n.Type(ref.path, types), ref)

    def match(self, children: list) -> n.Node:
        ref, regex = children
        return self._at(n.Match(ref.path, regex), ref)

    def nomatch(self, children: list) -> n.Node:
        ref, regex = children
        return self._at(n.Not(self._at(n.Match(ref.path, regex), ref)), ref)

    def glob(self, children: list) -> n.Node:
        ref, tok = children
        return self._at(n.Glob(ref.path, string_value(tok)), ref)

    def mod(self, children: list) -> n.Node:
        ref, divisor, _eq, remainder = children
        if int(divisor) == 0:
            raise CTX.get().fail_at(divisor, "modulo divisor cannot be 0")
        return self._at(n.Mod(ref.path, int(divisor), int(remainder)), ref)

    def size(self, children: list) -> n.Node:
        ref, _eq, tok = children
        if int(tok) < 0:
            raise CTX.get().fail_at(tok, "size needs a non-negative whole number")
        return self._at(n.Size(ref.path, int(tok)), ref)

    def elem_match(self, children: list) -> n.Node:
        ref, query = children
        leaves = [x for x in n.level_leaves(query) if isinstance(x, n.LEAF_TYPES)]
        selfs = [x for x in leaves if x.path == ()]  # type: ignore[attr-defined]
        if not selfs:
            return self._at(n.ElemMatch(ref.path, query, False), ref)
        ctx = CTX.get()
        others = [x for x in leaves if x.path != ()]  # type: ignore[attr-defined]
        if others:
            line, column = self._pos_of(others[0])
            raise ctx.fail(
                "elemMatch cannot mix conditions on `_` (the element) with field conditions",
                line,
                column,
            )
        if not _is_value_condition(query):
            line, column = self._pos_of(selfs[0])
            raise ctx.fail(
                "conditions on `_` combine only with 'and' and 'not'",
                line,
                column,
                hint="use 'in [...]' for alternatives, or an elemMatch per condition",
            )
        return self._at(n.ElemMatch(ref.path, query, True), ref)

    # -- logic and constants

    def or_expr(self, children: list) -> n.Node:
        return self._at(n.Or(tuple(children)), self._pos_of(children[0]))

    def and_expr(self, children: list) -> n.Node:
        return self._at(n.And(tuple(children)), self._pos_of(children[0]))

    def not_(self, children: list) -> n.Node:
        return self._at(n.Not(children[0]), self._pos_of(children[0]))

    def nor(self, children: list) -> n.Node:
        return self._at(n.Nor(tuple(children)), self._pos_of(children[0]))

    def comment(self, children: list) -> n.Node:
        tok = children[0]
        return self._at(n.Comment(string_value(tok)), (tok.line, tok.column))

    def const_true(self, children: list) -> n.Node:
        return self._at(n.Const(True), (children[0].line, children[0].column))

    def const_false(self, children: list) -> n.Node:
        return self._at(n.Const(False), (children[0].line, children[0].column))

    def text_query(self, children: list) -> n.Node:
        node = children[0]
        ctx = CTX.get()
        for leaf in n.level_leaves(node):
            if not isinstance(leaf, n.LEAF_TYPES):
                continue
            if leaf.path == ():  # type: ignore[attr-defined]
                line, column = self._pos_of(leaf)
                raise ctx.fail(
                    "`_` (the array element itself) is only meaningful inside elemMatch",
                    line,
                    column,
                    hint='quote it to name a field called "_"',
                )
        error = _tree_depth_error(ctx, node)
        if error is not None:
            raise error
        return node
