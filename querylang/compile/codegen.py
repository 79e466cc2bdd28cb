"""Code generation: a query AST -> the Python source of one predicate, plus its bindings.

Leaves are rendered by :mod:`~querylang.compile.leaves`; this module adds the logical
nodes and the functions around them.  Direct leaf children of one ``And``/``Or``/``Nor``
share the values they fetch (``a.b`` and ``a.c`` look ``a`` up once), and runs of range
tests on one path under ``And`` become one chained comparison (``lo <= x < hi``).

Every piece is spelled twice (:class:`~.codetext.Code`): with comments for people, and
without, which is the same text for every query of one shape.

The tree is walked iteratively; subtrees nested deeper than
:data:`~querylang.limits.MAX_PAREN_NESTING` become helper functions, so deep queries never
hit the limits of Python's parser or compiler.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, cast

from .. import nodes as n
from ..errors import QueryError
from ..limits import MAX_COMPILE_DEPTH, MAX_ELEM_MATCH_DEPTH, MAX_PAREN_NESTING
from .bindings import Bindings
from .codetext import Code, describe, indent, paren_depth, show_path
from .dispatch import Scope
from .leaves import LeafEmitter, range_groups
from .runtime import BASE_NAMES, reference

__all__ = ["Program", "TreeEmitter", "generate"]


@dataclass(frozen=True)
class Program:
    """Generated source and the values its names are bound to."""

    source: str  # for people: header notes on every name, comments, helpers, ``predicate``
    code: str  # the same definitions without comments: one text per query shape
    filter_code: str  # ``filter_records``/``filter_dicts``: the test inlined in comprehensions
    names: dict[str, Any]


class _Part(NamedTuple):
    """A rendered subtree: its code, and its deepest parenthesis nesting."""

    code: Code
    nest: int


def _leaf_part(text: str) -> _Part:
    return _Part(Code(text, text), paren_depth(text))


def _is_leafish(node: n.Node) -> bool:
    """Rendered inline by its parent (so it can share fetched values with its siblings)."""
    while isinstance(node, n.Not):
        node = node.child
    return not isinstance(node, n.And | n.Or | n.Nor)


def _check_tree(root: n.Node) -> None:
    """Refuse what is not a node, and trees too deep to run (nested helper calls)."""
    for x in n.postorder(root):
        if not isinstance(x, n.Node):
            raise QueryError(f"not a query node: {type(x).__name__}")
    if n.deeper_than(root, MAX_COMPILE_DEPTH) is not None:
        raise QueryError(f"query nested deeper than {MAX_COMPILE_DEPTH} levels")
    if n.deeper_than(root, MAX_ELEM_MATCH_DEPTH, counted=n.ElemMatch) is not None:
        raise QueryError(f"$elemMatch nested deeper than {MAX_ELEM_MATCH_DEPTH} levels")


class TreeEmitter:
    """Renders And/Or/Nor/Not over rendered children, and emits the helper functions."""

    def __init__(self, bindings: Bindings, functions: list[Code]) -> None:
        self.bindings = bindings
        self.functions = functions
        self._conditions: dict[int, str] = {}  # $elemMatch id -> its condition's function
        self.leaves = LeafEmitter(bindings, functions, self._conditions)
        self._done: dict[int, _Part] = {}  # id -> the rendered subtree (logical nodes)
        self._used: set[int] = set()  # ids of subtrees already inlined once

    def generate(self, root: n.Node) -> Code:
        """Emit every helper function; returns the expression for ``root``."""
        _check_tree(root)
        for node in n.postorder(root):  # iterative: trees may be deeper than Python's stack
            if isinstance(node, n.ElemMatch):
                q = node.query
                if _is_leafish(q):
                    text = self.leaves.leaf(q, {})
                    cond = Code(text, text)
                else:
                    cond = self._done[id(q)].code
                doc = f"$elemMatch condition on {show_path(node.path)}"
                self._conditions[id(node)] = self.function(cond, q, doc)
            elif not _is_leafish(node):
                self._done[id(node)] = self._logical(node)
        if _is_leafish(root):
            text = self.leaves.leaf(root, {})
            return Code(text, text)
        return self._done[id(root)].code

    def function(self, expr: Code, node: n.Node | None, doc: str) -> str:
        """Emit ``def name(rec): return expr`` (with the non-document guard if ``node``)."""
        name = self.bindings.fresh("_q")
        self.functions.append(_define(name, doc, self.guard(node), expr))
        return name

    def guard(self, node: n.Node | None) -> str | None:
        """The reference evaluator for records that are not documents, if the function for
        ``node`` looks keys up in ``rec`` (any non-empty path)."""
        if node is None or not any(getattr(x, "path", ()) for x in n.level_leaves(node)):
            return None
        return self.bindings.bind(
            "REF", partial(reference, node), "reference evaluator (whole query)"
        )

    def _logical(self, node: n.Node) -> _Part:
        """Render And/Or/Nor/Not from already-rendered subtrees (split off when too deep)."""
        if isinstance(node, n.Not):
            child = self._child(node.child, {})
            return _Part(
                Code(f"(not {child.code.shown})", f"(not {child.code.bare})"), child.nest + 1
            )
        if type(node) is n.And:
            word, groups = "and", range_groups(node.children)
        elif type(node) is n.Or or type(node) is n.Nor:
            word, groups = "or", [[c] for c in node.children]
        else:
            raise TypeError(f"not a logical node: {node!r}")
        if not groups:
            empty = "False" if isinstance(node, n.Or) else "True"
            return _Part(Code(empty, empty), 0)
        scope: Scope = {}
        shown: list[str] = []
        bare: list[str] = []
        nest = 0
        for i, group in enumerate(groups):
            if len(group) > 1:
                run = cast(list[n.Compare], group)  # runs of two or more are range tests
                part = _leaf_part(self.leaves.range_group(run, scope))
            else:
                part = self._child(group[0], scope)
            nest = max(nest, part.nest)
            shown.append("# " + "; ".join(describe(c) for c in group))
            shown.append(part.code.shown if i == 0 else f"{word} {part.code.shown}")
            bare.append(part.code.bare if i == 0 else f"{word} {part.code.bare}")
        inner = Code(indent("\n".join(shown)), "\n".join(bare))  # bare: no layout needed
        if isinstance(node, n.Nor):
            return _Part(Code(f"(not (\n{inner.shown}\n))", f"(not (\n{inner.bare}\n))"), nest + 2)
        return _Part(Code(f"(\n{inner.shown}\n)", f"(\n{inner.bare}\n)"), nest + 1)

    def _child(self, c: n.Node, scope: Scope) -> _Part:
        if _is_leafish(c):
            return _leaf_part(self.leaves.leaf(c, scope))
        part = self._done[id(c)]
        reused = id(c) in self._used  # a shared subtree: inline it once, then call it
        self._used.add(id(c))
        if part.nest + 2 > MAX_PAREN_NESTING or (reused and part.nest > 1):
            name = self.function(part.code, None, f"split off: {describe(c)}")
            part = self._done[id(c)] = _leaf_part(f"{name}(rec)")
        return part


def _define(name: str, doc: str, ref: str | None, expr: Code) -> Code:
    """``def name(rec): return expr``, records that are not documents going to ``ref``."""
    head = f"def {name}(rec):"
    guard = (
        [
            "    if rec.__class__ is not dict and not isinstance(rec, Mapping):",
            f"        return {ref}(rec)",
        ]
        if ref is not None
        else []
    )
    return Code(
        "\n".join([head, f"    # {doc}", *guard, f"    return {indent(expr.shown)[4:]}"]),
        "\n".join([head, *guard, f"    return {expr.bare}"]),
    )


_HEADER = [
    "# querylang: generated predicate.  No query text is ever code: the names below are",
    "# bound to the query's field names, values and helpers.  predicate.filter(records)",
    "# runs the same expression inside a list comprehension.",
]


def generate(node: n.Node) -> Program:
    """Generate the predicate's source for ``node`` (see :mod:`~.compiler`)."""
    bindings = Bindings(BASE_NAMES)
    functions: list[Code] = []
    tree = TreeEmitter(bindings, functions)
    expr = tree.generate(node)
    ref = tree.guard(node)
    functions.append(_define("predicate", describe(node), ref, expr))
    header = [
        *_HEADER,
        f"# query: {describe(node)}",
        "# constants:",
        *(f"#   {name} = {note}" for name, note in bindings.notes),
    ]
    source = "\n".join([*header, "", *[f.shown + "\n" for f in functions]])
    code = "\n".join(f.bare + "\n" for f in functions)
    # ``filter_records`` is the same test inlined in a list comprehension (no call per
    # record); ``filter_dicts`` the same, for callers that guarantee plain dicts.
    cond = f"({expr.bare} if rec.__class__ is dict else predicate(rec))" if ref else expr.bare
    filter_code = (
        "def filter_records(recs):\n"
        f"    return [rec for rec in recs if {cond}]\n"
        "\n"
        "def filter_dicts(recs):\n"
        f"    return [rec for rec in recs if {expr.bare}]\n"
    )
    return Program(source, code, filter_code, bindings.names)
