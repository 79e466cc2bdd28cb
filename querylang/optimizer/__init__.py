"""The query optimizer: a pipeline of small, pure, exactly semantics-preserving passes.

Like sqlglot's optimizer, each pass is a named function ``Node -> Node`` whose docstring
states the MongoDB rule that makes it exact; :func:`optimize` runs them in order until
nothing changes.  Soundness under MongoDB's array semantics is the hard part (a path may
have many candidates: ``{a: [1, 10]}`` matches ``a > 5 and a < 3``); see
:mod:`.implication`.  Every pass is property-tested against the reference evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .. import nodes as n
from ._tree import Rewrite, same_tree
from .leaves import canonical_values, single_in_to_eq
from .logic import dedup, flatten, fold_constants, normalize_negations
from .merge import merge_predicates
from .order import estimate_cost, order_by_cost

__all__ = [
    "PASSES",
    "MAX_ROUNDS",
    "optimize",
    "explain_passes",
    "estimate_cost",
    "flatten",
    "dedup",
    "fold_constants",
    "canonical_values",
    "single_in_to_eq",
    "normalize_negations",
    "merge_predicates",
    "order_by_cost",
]

#: The default pipeline, in order.  Each is a pure ``Node -> Node``; refer to a pass by its
#: name (``explain_passes`` reports names), never by its position, which changes.
PASSES: list[Rewrite] = [
    flatten,
    dedup,
    fold_constants,
    normalize_negations,
    canonical_values,
    single_in_to_eq,
    merge_predicates,
    order_by_cost,
]

#: Rounds of the whole pipeline before giving up on a fixed point (it is normally 2-3).
MAX_ROUNDS = 20


def _rounds(node: n.Node, passes: Sequence[Rewrite]) -> Iterator[tuple[str, n.Node]]:
    """Yield (pass name, tree) after each pass that changed the tree, up to a fixed point.

    A tree too deep for a pass (hashing and ``==`` of nested dataclasses recurse) stops the
    pipeline at the last complete tree: every pass is exact, so that tree is still right,
    and the compiler reports the depth as a proper QueryError.
    """
    for _ in range(MAX_ROUNDS):
        changed = False
        for pass_ in passes:
            try:
                new = pass_(node)
            except RecursionError:
                return
            if not same_tree(new, node):
                node = new
                changed = True
                yield pass_.__name__, node
        if not changed:
            return


def optimize(node: n.Node, passes: Sequence[Rewrite] = PASSES) -> n.Node:
    """Run ``passes`` over ``node`` to a fixed point (at most :data:`MAX_ROUNDS` rounds)."""
    result = node
    for _, result in _rounds(node, passes):  # noqa: B007 - the last tree is the result
        pass
    return result


def explain_passes(node: n.Node, passes: Sequence[Rewrite] = PASSES) -> list[tuple[str, n.Node]]:
    """The tree after each pass that changed it, as ``(pass name, tree)`` pairs, in order."""
    return list(_rounds(node, passes))
