"""Tree plumbing shared by the passes: children, rebuilding, bottom-up rewriting, negation.

Rewrites are iterative (an explicit stack), so deeply nested queries never hit Python's
recursion limit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .. import nodes as n

__all__ = [
    "Rewrite",
    "children",
    "with_children",
    "rewrite_bottom_up",
    "same_tree",
    "negate",
    "at_root",
]

#: A pass or a local rewrite: a pure function from a node to an equivalent node.
Rewrite = Callable[[n.Node], n.Node]


children = n.children


def with_children(node: n.Node, kids: tuple[n.Node, ...]) -> n.Node:
    """``node`` with its sub-queries replaced by ``kids`` (same arity as :func:`children`)."""
    if isinstance(node, n.And | n.Or | n.Nor):
        return type(node)(kids)
    if isinstance(node, n.Not):
        return n.Not(kids[0])
    if isinstance(node, n.ElemMatch):
        return replace(node, query=kids[0])
    return node


def rewrite_bottom_up(root: n.Node, fn: Rewrite) -> n.Node:
    """Apply ``fn`` to every node, children before parents; unchanged subtrees are reused."""
    stack: list[tuple[n.Node, bool]] = [(root, False)]
    out: list[n.Node] = []
    while stack:
        node, expanded = stack.pop()
        kids = children(node)
        if not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(kids))
            continue
        if kids:
            new_kids = tuple(out[len(out) - len(kids) :])
            del out[len(out) - len(kids) :]
            if any(a is not b for a, b in zip(new_kids, kids, strict=True)):
                node = with_children(node, new_kids)
        out.append(fn(node))
    return out[0]


def same_tree(a: n.Node, b: n.Node) -> bool:
    """Structural equality without recursion (dataclass ``==`` recurses once per level)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        kx, ky = children(x), children(y)
        if not kx:
            if x != y:
                return False
            continue
        if len(kx) != len(ky):
            return False
        if isinstance(x, n.ElemMatch) and isinstance(y, n.ElemMatch):  # (same type, above)
            if (x.path, x.value_form) != (y.path, y.value_form):
                return False
        stack.extend(zip(kx, ky, strict=True))
    return True


def at_root(fn: Rewrite) -> Rewrite:
    """Lift a local rewrite into a whole-tree pass (bottom-up), keeping name and docstring."""

    def run(node: n.Node) -> n.Node:
        return rewrite_bottom_up(node, fn)

    run.__name__ = fn.__name__.lstrip("_")
    run.__qualname__ = fn.__qualname__.lstrip("_")
    run.__doc__ = fn.__doc__
    return run


def negate(node: n.Node) -> n.Node:
    """The canonical negation of ``node`` (the inverse forms the normalizer converges to).

    ``$ne`` is exactly ``not $eq``, ``$nin`` exactly ``not $in`` and ``$exists: false``
    exactly ``not $exists: true`` (docs/semantics.md), so those flip in place.
    """
    if isinstance(node, n.Compare) and node.op in ("eq", "ne"):
        return replace(node, op="ne" if node.op == "eq" else "eq")
    if isinstance(node, n.In):
        return replace(node, negated=not node.negated)
    if isinstance(node, n.Exists):
        return replace(node, exists=not node.exists)
    if isinstance(node, n.Not):
        return node.child
    if isinstance(node, n.Const):
        return n.Const(not node.value)
    return n.Not(node)
