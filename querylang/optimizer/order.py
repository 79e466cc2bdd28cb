"""Cost estimates, and the ``order_by_cost`` pass: cheap conjuncts and disjuncts first."""

from __future__ import annotations

from .. import nodes as n
from ._tree import at_root

__all__ = ["estimate_cost", "order_by_cost"]

# Rough per-node costs (arbitrary units): a top-level comparison with a scalar is 1.
_LEAF_COST: dict[type, float] = {
    n.Exists: 1.0,
    n.Compare: 1.0,
    n.Type: 1.2,
    n.Size: 1.5,
    n.Mod: 1.5,
    n.In: 2.0,
    n.Match: 4.0,
    n.Glob: 5.0,
    n.All: 6.0,
    n.ElemMatch: 7.0,
}
_LOGIC_COST = 8.0  # And / Or / Nor: a call plus per-child dispatch, and usually several leaves
_NOT_COST = 0.5
_DOTTED_STEP = 2.0  # per path step after the first: lookups, array traversal
_COMPOUND_LITERAL = 1.0  # comparing with an array or document is a deep comparison


def _local_cost(node: n.Node) -> float:
    if isinstance(node, n.And | n.Or | n.Nor):
        return _LOGIC_COST
    if isinstance(node, n.Not):
        return _NOT_COST
    base = _LEAF_COST.get(type(node))
    if base is None:  # Const, Comment
        return 0.0
    path = node.path  # type: ignore[attr-defined]
    cost = base + _DOTTED_STEP * max(len(path) - 1, 0)
    if isinstance(node, n.Compare):
        if node.op not in ("eq", "ne"):
            cost += 0.2
        if isinstance(node.value.value, tuple | n.Document):
            cost += _COMPOUND_LITERAL
    elif isinstance(node, n.In):  # a set lookup, but each regex operand is a regex search
        regexes = sum(isinstance(lit.value, n.Regex) for lit in node.values)
        cost += 0.02 * len(node.values) + _LEAF_COST[n.Match] * regexes
    elif isinstance(node, n.All):
        cost += 0.5 * len(node.values)
    return cost


def estimate_cost(node: n.Node) -> float:
    """Estimated relative cost of evaluating ``node`` once (additive over the tree).

    Ladder: Exists/Compare on a top-level path with a scalar < In < dotted paths <
    Match/Glob < All/ElemMatch < nested logic.  Pure and deterministic.
    """
    return sum(_local_cost(x) for x in n.walk(node))


def _order_by_cost(node: n.Node) -> n.Node:
    """Sort And/Or children by :func:`estimate_cost`, stable for ties (the user's order).

    Exact: matching has no side effects, so conjunction and disjunction are commutative;
    only the short-circuit work changes.
    """
    if not isinstance(node, n.And | n.Or):
        return node
    kids = tuple(sorted(node.children, key=estimate_cost))
    return node if kids == node.children else type(node)(kids)


order_by_cost = at_root(_order_by_cost)
