"""Sound (never complete) implication between leaf predicates on the same path.

Why most "obvious" contradictions are not: a leaf on a path is *existential* over the path's
candidates -- the value, plus each element when it is an array, plus one value per array of
documents crossed mid-path (reference.resolve).  ``{a: [1, 10]}`` satisfies both ``a > 5``
and ``a < 3``; ``{a: [3, 6]}`` both ``a == 3`` and ``a > 5``.  Different conjuncts may be
witnessed by different candidates, so two positive leaves are never contradictory in
general.  What *does* hold for any number of candidates:

1. Pointwise implication lifts: if ``P(e) => Q(e)`` for every value ``e``, then "some
   candidate satisfies P" implies "some candidate satisfies Q".  Used for equality points
   (``a == 5 => a > 3``, ``a in [1, 2] => a in [1, 2, 3]``), identical regexes, and range
   bounds of the same direction within one totally ordered type bracket
   (``a > 5 => a > 3``; ``a > 5`` never implies ``a > "x"``).
2. Negation flips it: ``not Q => not P`` whenever ``P => Q`` (``$ne``, ``$nin``, ``$not``).
3. A missing path has exactly the candidate MISSING: when ``$exists`` is false every
   expanded candidate is MISSING, so an expanding leaf Q holds iff ``Q(MISSING)`` does
   (``a == null`` is then true, ``a == 1`` false, ``a != 1`` true).
4. The empty path ``()`` (the element itself inside a value-form ``$elemMatch``) has exactly
   one candidate and is never expanded, so there -- and only there -- two leaves are
   disjoint when no single value satisfies both (``$gt: 5, $lt: 3``).

Equality points are checked by running the reference evaluator on the literal itself at the
empty path: a predicate on a candidate equal (by MongoDB equality) to the literal gives the
same answer as on the literal, for ``$eq``/``$gt``/.../``$in``/``$regex`` (equal values have
the same type bracket and order position; equal strings are identical).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from dataclasses import replace
from typing import Any

from .. import nodes as n
from ..reference import evaluate
from ..values import MISSING, compare, type_rank

__all__ = ["implies", "leaf_path"]

#: Leaves that test each *expanded* candidate and hold if any candidate passes.
_EXPANDING = (n.Compare, n.In, n.Match, n.Type, n.Mod, n.Glob)
#: Leaves whose truth on a candidate only depends on it up to MongoDB equality.
_EQ_INVARIANT = (n.Compare, n.In, n.Match)


def leaf_path(node: n.Node) -> n.Path | None:
    """The path of a one-path predicate (possibly negated), else None."""
    atom = _atom(node)[0]
    return None if atom is None else atom.path


def _atom(node: n.Node) -> tuple[n.Leaf | None, bool]:
    """(positive leaf, sign): ``$ne`` is ``not $eq``, ``$nin`` ``not $in``, and so on."""
    if isinstance(node, n.Not):
        inner, sign = _atom(node.child) if isinstance(node.child, n.LEAF_TYPES) else (None, True)
        return inner, not sign
    if isinstance(node, n.Compare) and node.op == "ne":
        return replace(node, op="eq"), False
    if isinstance(node, n.In) and node.negated:
        return replace(node, negated=False), False
    if isinstance(node, n.Exists) and not node.exists:
        return replace(node, exists=True), False
    if isinstance(node, n.LEAF_TYPES):
        return node, True
    return None, True


def _holds_on(pred: n.Leaf, value: Any) -> bool:
    """``pred`` on exactly one candidate ``value`` (the empty path neither resolves nor expands)."""
    return evaluate(replace(pred, path=()), value)


def _orderable(value: Any) -> bool:
    """Values whose bracket MongoDB's order totally orders with the range operators' meaning:
    non-NaN numbers, strings, booleans, dates."""
    if isinstance(value, bool | str | _dt.datetime):
        return True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, decimal.Decimal):
        return not value.is_nan()
    return False


def _bound(node: n.Node) -> tuple[bool, bool, Any] | None:
    """A range leaf as (is_lower, strict, value), or None."""
    if isinstance(node, n.Compare) and node.op in ("gt", "gte", "lt", "lte"):
        v = node.value.value
        if _orderable(v):
            return node.op in ("gt", "gte"), node.op in ("gt", "lt"), v
    return None


def _bound_implies(a: tuple[bool, bool, Any], b: tuple[bool, bool, Any]) -> bool:
    """``e > 5 => e >= 5 => e > 3`` pointwise, for bounds of one direction and bracket."""
    lower_a, strict_a, va = a
    lower_b, strict_b, vb = b
    if lower_a != lower_b or type_rank(va) != type_rank(vb):
        return False
    c = compare(va, vb) if lower_a else compare(vb, va)
    return c > 0 or (c == 0 and (strict_a or not strict_b))


def _members(node: n.Node) -> list[tuple[str, Any]] | None:
    """A positive existential leaf as the union of pointwise conditions, or None."""
    if isinstance(node, n.Compare):
        if node.op == "eq":
            return [("point", node.value.value)]
        b = _bound(node)
        return [("bound", b)] if b is not None else None
    if isinstance(node, n.In) and not node.negated:
        return [
            ("regex", lit.value) if isinstance(lit.value, n.Regex) else ("point", lit.value)
            for lit in node.values
        ]
    if isinstance(node, n.Match):
        return [("regex", node.regex)]
    return None


def _member_implies(member: tuple[str, Any], q: n.Node) -> bool:
    kind, x = member
    if kind == "point":
        return isinstance(q, _EQ_INVARIANT) and _holds_on(q, x)
    if kind == "regex":
        qm = _members(q) or ()
        return ("regex", x) in qm
    qb = _bound(q)
    return qb is not None and _bound_implies(x, qb)


def _missing_gives(q: n.Node) -> bool | None:
    """Q's verdict when the path is missing (rule 3), or None if Q does not expand."""
    if isinstance(q, _EXPANDING):
        return _holds_on(q, MISSING)
    if isinstance(q, n.Size | n.ElemMatch):
        return False
    return None


def _pos_implies(p: n.Leaf, q: n.Leaf) -> bool:
    """P => Q for positive leaves on the same path."""
    if p == q:
        return True
    if isinstance(q, n.Exists):  # P can only hold on a present path
        return _missing_gives(p) is False
    members = _members(p)
    return members is not None and all(_member_implies(m, q) for m in members)


def _disjoint(p: n.Leaf, q: n.Leaf) -> bool:
    """P and Q never hold together (positive leaves, same path)."""
    if isinstance(p, n.Exists) or isinstance(q, n.Exists):
        return False  # absence is handled by the negative sign (rule 3); presence decides nothing
    if p.path != ():
        return False  # several candidates may witness P and Q separately
    # Rule 4: one candidate; it must satisfy both pointwise.
    for a, b in ((p, q), (q, p)):
        members = _members(a)
        if members and all(k == "point" for k, _ in members) and isinstance(b, _EQ_INVARIANT):
            if not any(_holds_on(b, x) for _, x in members):
                return True
    bp, bq = _bound(p), _bound(q)
    if bp is not None and bq is not None:
        if type_rank(bp[2]) != type_rank(bq[2]):
            return True  # one value has one type bracket; range operators never cross brackets
        if bp[0] != bq[0]:
            lo, hi = (bp, bq) if bp[0] else (bq, bp)
            c = compare(lo[2], hi[2])
            return c > 0 or (c == 0 and (lo[1] or hi[1]))
    return False


def _covers(p: n.Leaf, q: n.Leaf) -> bool:
    """P or Q always holds (positive leaves, same path): only "exists or true-when-missing"."""
    for a, b in ((p, q), (q, p)):
        if isinstance(a, n.Exists) and _missing_gives(b) is True:
            return True
    return False


def implies(a: n.Node, b: n.Node) -> bool:
    """Does ``a`` imply ``b`` for every document?  False when unsure (never unsound).

    Only leaves (and their negations) on the *same* path are compared; other nodes imply
    only themselves.
    """
    if a == b:
        return True
    pa, sa = _atom(a)
    pb, sb = _atom(b)
    if pa is None or pb is None or pa.path != pb.path:
        return False
    if sa and sb:
        return _pos_implies(pa, pb)
    if not sa and not sb:
        return _pos_implies(pb, pa)
    if sa:  # P => not Q
        return _disjoint(pa, pb)
    return _covers(pa, pb)  # not P => Q
