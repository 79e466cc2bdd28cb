"""Code generation: a query AST -> the Python source of one predicate, plus its bindings.

Leaves are rendered by :mod:`querylang.leafgen`; this module adds the logical nodes and
the functions around them.  Direct leaf children of one ``And``/``Or``/``Nor`` share the
values they fetch (``a.b`` and ``a.c`` look ``a`` up once), and runs of range tests on one
path under ``And`` become one chained comparison (``lo <= x < hi``).

The tree is walked iteratively; subtrees nested deeper than
:data:`~querylang.limits.MAX_PAREN_NESTING` become helper functions, so deep queries never
hit the limits of Python's parser or compiler.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from .. import nodes as n
from ..errors import QueryError
from ..limits import MAX_COMPILE_DEPTH, MAX_ELEM_MATCH_DEPTH, MAX_PAREN_NESTING
from .codetext import describe, indent, paren_depth, show_path
from .leafgen import MAX_PATH_STEPS, LeafGenerator, range_kind
from .runtime import reference

__all__ = ["Program", "Generator", "generate"]


@dataclass(frozen=True)
class Program:
    """Generated source and what it needs: names to bind, and which are plain constants."""

    source: str  # the readable predicate (header comments, helpers, ``predicate``)
    filter_source: str  # ``filter_records``: the same test inlined in a list comprehension
    names: dict[str, Any]
    plain: frozenset[str]  # names whose values may be inlined as code-object constants


@dataclass
class _Text:
    text: str
    nest: int


def _is_leafish(node: n.Node) -> bool:
    """Rendered inline by its parent (so it can share fetched values with its siblings)."""
    while isinstance(node, n.Not):
        node = node.child
    return not isinstance(node, n.And | n.Or | n.Nor)


def _needs_mapping(node: n.Node) -> bool:
    """Does the function for ``node`` look keys up in ``rec`` (any non-empty path)?"""
    return any(getattr(x, "path", ()) for x in n.level_leaves(node))


def _check_tree(root: n.Node) -> None:
    """Refuse what is not a node, and trees too deep to run (nested helper calls)."""
    for x in n.postorder(root):
        if not isinstance(x, n.Node):
            raise QueryError(f"not a query node: {type(x).__name__}")
    if n.deeper_than(root, MAX_COMPILE_DEPTH) is not None:
        raise QueryError(f"query nested deeper than {MAX_COMPILE_DEPTH} levels")
    if n.deeper_than(root, MAX_ELEM_MATCH_DEPTH, counted=n.ElemMatch) is not None:
        raise QueryError(f"$elemMatch nested deeper than {MAX_ELEM_MATCH_DEPTH} levels")


class Generator(LeafGenerator):
    """Generates one module: ``predicate(rec)`` and its split-off helper functions."""

    # -- logical nodes and functions ------------------------------------------------------

    def logical(self, node: n.Node, done: dict[int, _Text]) -> _Text:
        """Render And/Or/Nor/Not from already-rendered subtrees (split off when too deep)."""
        if isinstance(node, n.Not):
            child = self._child(node.child, {}, done)
            return _Text(f"(not {child.text})", child.nest + 1)
        word = {n.And: "and", n.Or: "or", n.Nor: "or"}[type(node)]
        if not node.children:
            return _Text("False" if isinstance(node, n.Or) else "True", 0)
        scope: dict[n.Path, str] = {}
        lines, nest = [], 0
        groups = _range_groups(node.children) if word == "and" else [[c] for c in node.children]
        for i, group in enumerate(groups):
            if len(group) > 1:
                text = self.range_group(group, scope)
                part = _Text(text, paren_depth(text))
            else:
                part = self._child(group[0], scope, done)
            nest = max(nest, part.nest)
            lines.append("# " + "; ".join(describe(c) for c in group))
            lines.append(part.text if i == 0 else f"{word} {part.text}")
        inner = indent("\n".join(lines))
        if isinstance(node, n.Nor):
            return _Text(f"(not (\n{inner}\n))", nest + 2)
        return _Text(f"(\n{inner}\n)", nest + 1)

    def _child(self, c: n.Node, scope: dict[n.Path, str], done: dict[int, _Text]) -> _Text:
        if _is_leafish(c):
            text = self.leaf(c, scope)
            return _Text(text, paren_depth(text))
        part = done[id(c)]
        reused = id(c) in self._used  # a shared subtree: inline it once, then call it
        self._used.add(id(c))
        if part.nest + 2 > MAX_PAREN_NESTING or (reused and part.nest > 1):
            name = self.function(part.text, None, f"split off: {describe(c)}")
            part = done[id(c)] = _Text(f"{name}(rec)", 1)
        return part

    def function(self, expr: str, node: n.Node | None, doc: str, name: str | None = None) -> str:
        """Emit ``def name(rec): return expr`` (with the non-document guard if ``node``)."""
        name = name or self._fresh("_q")
        body = [f"def {name}(rec):", f"    # {doc}"]
        if node is not None and _needs_mapping(node):
            ref = self.bind("REF", partial(reference, node), "reference evaluator (whole query)")
            body += [
                "    if rec.__class__ is not dict and not isinstance(rec, Mapping):",
                f"        return {ref}(rec)",
            ]
        body.append(f"    return {expr}" if "\n" not in expr else f"    return {indent(expr)[4:]}")
        self.functions.append("\n".join(body))
        return name

    def generate(self, root: n.Node) -> str:
        """Generate every helper function; returns the expression for ``root``."""
        _check_tree(root)
        self._used: set[int] = set()
        done: dict[int, _Text] = {}
        for node in n.postorder(root):  # iterative: trees may be deeper than Python's stack
            if isinstance(node, n.ElemMatch):
                q = node.query
                expr = self.leaf(q, {}) if _is_leafish(q) else done[id(q)].text
                self._inner_names[id(node)] = self.function(
                    expr, q, f"$elemMatch condition on {show_path(node.path)}"
                )
            elif not _is_leafish(node):
                done[id(node)] = self.logical(node, done)
        return self.leaf(root, {}) if _is_leafish(root) else done[id(root)].text


def _range_groups(children: tuple[n.Node, ...]) -> list[list[n.Node]]:
    """Split ``And`` children into runs; consecutive range tests on one path share a run."""
    groups: list[list[n.Node]] = []
    for c in children:
        prev = groups[-1][0] if groups else None
        if (
            type(c) is n.Compare
            and c.op in ("gt", "gte", "lt", "lte")
            and type(prev) is n.Compare
            and prev.op in ("gt", "gte", "lt", "lte")
            and c.path == prev.path
            and len(c.path) <= MAX_PATH_STEPS
            and all(type(p) is str for p in c.path)
            and range_kind(c.value.value) is not None
            and range_kind(c.value.value) == range_kind(prev.value.value)
        ):
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def generate(node: n.Node) -> Program:
    """Generate the module source for ``node`` (see :mod:`querylang.compiler`)."""
    gen = Generator()
    expr = gen.generate(node)
    guard = _needs_mapping(node)
    lines = [
        "def predicate(rec):",
        f"    # {describe(node)}",
    ]
    if guard:
        ref = gen.bind("REF", partial(reference, node), "reference evaluator (whole query)")
        lines += [
            "    if rec.__class__ is not dict and not isinstance(rec, Mapping):",
            f"        return {ref}(rec)",
        ]
    lines.append(f"    return {indent(expr)[4:]}")
    header = [
        "# querylang: generated predicate.  No query text is ever code: the names below are",
        "# bound to the query's field names, values and helpers.  predicate.filter(records)",
        "# runs the same expression inside a list comprehension.",
        f"# query: {describe(node)}",
        "# constants:",
        *gen.notes,
    ]
    source = "\n".join(header + ["", *[f + "\n" for f in gen.functions], "\n".join(lines), ""])
    cond = f"({expr} if rec.__class__ is dict else predicate(rec))" if guard else expr
    filter_source = (
        "def filter_records(recs):\n"
        "    # the same test inlined in a list comprehension: no call per record\n"
        f"    return [rec for rec in recs if {indent(cond)[4:]}]\n"
        "\n"
        "def filter_dicts(recs):\n"
        "    # the same, for callers that guarantee every record is a plain dict\n"
        f"    return [rec for rec in recs if {indent(expr)[4:]}]\n"
    )
    return Program(source, filter_source, gen.names, frozenset(gen.plain))
