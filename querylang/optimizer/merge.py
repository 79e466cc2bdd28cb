"""The ``merge_predicates`` pass: merge, drop and decide same-path predicates -- only where
exact for arrays.

Everything here rests on :func:`.implication.implies`, whose docstring proves each rule
(and explains why ``a > 5 and a < 3`` is *not* a contradiction: ``{a: [1, 10]}``).
"""

from __future__ import annotations

from .. import nodes as n
from ._tree import at_root, negate
from .implication import implies, leaf_path
from .leaves import sort_literals

__all__ = ["merge_predicates"]


def _equality_operands(node: n.Node, positive: bool) -> tuple[n.Path, tuple[n.Literal, ...]] | None:
    """``(path, operands)`` if ``node`` is an ``$in``-like leaf of the wanted sign.

    Positive: ``$eq`` (non-regex value), ``$in``, ``$regex``; negative: their negations.  A
    regex *value* of ``$eq`` compares for equality, so it cannot become an ``$in`` operand
    (which would match strings with it).
    """
    if isinstance(node, n.Compare) and node.op == ("eq" if positive else "ne"):
        if not isinstance(node.value.value, n.Regex):
            return node.path, (node.value,)
    elif isinstance(node, n.In) and node.negated != positive:
        return node.path, node.values
    elif positive and isinstance(node, n.Match):
        return node.path, (n.Literal(node.regex),)
    elif not positive and isinstance(node, n.Not) and isinstance(node.child, n.Match):
        return node.child.path, (n.Literal(node.child.regex),)
    return None


def _merge_equalities(kids: list[n.Node], conj: bool) -> list[n.Node]:
    """Or of ``$in``-likes on one path -> one ``$in``; And of ``$nin``-likes -> one ``$nin``.

    Exact: "some candidate is in S1" or "some candidate is in S2" is "some candidate is in
    S1 | S2" (any-of distributes over or); the negated form is its De Morgan dual.
    """
    groups: dict[n.Path, list[int]] = {}
    operands: list[tuple[n.Literal, ...] | None] = []
    for i, k in enumerate(kids):
        found = _equality_operands(k, positive=not conj)
        operands.append(None if found is None else found[1])
        if found is not None:
            groups.setdefault(found[0], []).append(i)
    merged: dict[int, n.Node] = {}
    dropped: set[int] = set()
    for path, idx in groups.items():
        if len(idx) < 2:
            continue
        values = sort_literals(tuple(v for i in idx for v in operands[i] or ()))
        merged[idx[0]] = n.In(path, values, negated=conj)
        dropped.update(idx[1:])
    if not merged:
        return kids
    return [merged.get(i, k) for i, k in enumerate(kids) if i not in dropped]


#: Same-path groups larger than this skip the quadratic pairwise checks (never needed in
#: practice; it keeps pathological generated queries linear).
MAX_PAIRWISE = 64


def _by_path(kids: list[n.Node]) -> dict[n.Path, list[int]]:
    groups: dict[n.Path, list[int]] = {}
    for i, k in enumerate(kids):
        path = leaf_path(k)
        if path is not None:
            groups.setdefault(path, []).append(i)
    return groups


def _decide(kids: list[n.Node], conj: bool) -> bool | None:
    """False for an And holding x and something implying not x; True for an Or holding x and
    something implied by not x (``a == 1 and a != 1``, ``exists(a) or a == null``)."""
    present = set(kids)
    if any(negate(k) in present for k in kids):
        return not conj
    for idx in _by_path(kids).values():
        if len(idx) > MAX_PAIRWISE:
            continue
        for i in idx:
            for j in idx:
                if i == j:
                    continue
                if conj and implies(kids[i], negate(kids[j])):
                    return False
                if not conj and implies(negate(kids[i]), kids[j]):
                    return True
    return None


def _drop_implied(kids: list[n.Node], conj: bool) -> list[n.Node]:
    """And keeps the stronger of two same-path leaves, Or the weaker (``a > 5 and a > 3`` is
    ``a > 5``; ``a > 5 or a > 3`` is ``a > 3``); the first of two equivalent ones stays.

    Exact: if x implies y, then ``x and y`` is x and ``x or y`` is y.  Every dropped leaf is
    implied by (And) / implies (Or) a leaf still kept, by induction over the loop.
    """
    alive = [True] * len(kids)
    for idx in _by_path(kids).values():
        if len(idx) > MAX_PAIRWISE:
            continue
        kept: list[int] = []
        for j in idx:
            k = kids[j]
            if conj:
                if any(implies(kids[i], k) for i in kept):
                    alive[j] = False
                    continue
                gone = {i for i in kept if implies(k, kids[i])}
            else:
                if any(implies(k, kids[i]) for i in kept):
                    alive[j] = False
                    continue
                gone = {i for i in kept if implies(kids[i], k)}
            for i in gone:
                alive[i] = False
            kept = [i for i in kept if i not in gone] + [j]
    return [k for k, keep in zip(kids, alive, strict=True) if keep]


def _merge_predicates(node: n.Node) -> n.Node:
    """Merge ``$in``s, decide contradictions/tautologies, drop implied same-path leaves.

    Exact by the rules of :mod:`.implication` (pointwise implication lifts over the
    existential array semantics; ``$exists: false`` leaves only the MISSING candidate; the
    empty path has one candidate) and by boolean algebra (``x and not x`` is false).
    """
    if not isinstance(node, n.And | n.Or):
        return node
    conj = isinstance(node, n.And)
    kids = _merge_equalities(list(node.children), conj)
    verdict = _decide(kids, conj)
    if verdict is not None:
        return n.Const(verdict)
    kids = _drop_implied(kids, conj)
    if len(kids) == 1:
        return kids[0]
    return node if tuple(kids) == node.children else type(node)(tuple(kids))


merge_predicates = at_root(_merge_predicates)
